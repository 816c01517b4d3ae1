/**
 * BRANCH-ONLY: versions 8-10 belong to other branches of this session; migrations must be
 * consecutive, so this branch fills them with no-ops to run its own version 11. The lead deletes
 * this file and its line in main/migrations.ts at merge.
 */
import type { Migration } from '../store/migrations';

export const branchPlaceholderMigrations: readonly Migration[] = [8, 9, 10].map((version) => ({
  version,
  name: `placeholder ${version} (another branch's migration; removed at merge)`,
  sql: 'SELECT 1;',
}));
