/**
 * PLACEHOLDERS, to delete at merge: migrations are consecutive (main/store/migrations.ts), and this
 * branch holds only version 10 (fill execution). Versions 8 (rollouts) and 9 (fills placement) are
 * other branches'; until they merge here, these empty ones keep the list consecutive. At merge,
 * `gatherMigrations` says "Migration 8 is claimed twice" — delete the placeholder it names.
 */
import type { Migration } from '../../store/migrations';

export const migrationGapPlaceholders: readonly Migration[] = [
  { version: 8, name: 'placeholder for the rollouts migration (delete at merge)', sql: '' },
  { version: 9, name: 'placeholder for the fills placement migration (delete at merge)', sql: '' },
];
