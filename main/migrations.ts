/**
 * Every domain's schema migrations, gathered in version order (the numbers are global and never
 * change once released). A domain adds its next migration to its own migrations.ts with the next
 * free number and, if it is a new domain, its list here.
 *
 * Next free version: 8.
 */
import { firmwareMigrations } from './firmware/migrations';
import { healthMigrations } from './health/migrations';
import { inventoryMigrations } from './inventory/migrations';
import { jobsMigrations } from './jobs/migrations';
import { netMigrations } from './net/migrations';
import { gatherMigrations, type Migration } from './store/migrations';

/**
 * BRANCH `snapshot` ONLY, REMOVE AT MERGE: versions 8-12 are assigned to the branches merged beside
 * this one (its own schema is version 13, main/health/migrations.ts); these empty stand-ins keep the
 * versions consecutive until those land. Left in after the merge, gatherMigrations refuses the clash.
 */
const reservedForOtherBranches: Migration[] = [8, 9, 10, 11, 12].map((version) => ({ version, name: `reserved for another branch (${version})`, sql: '' }));

export const MIGRATIONS = gatherMigrations(inventoryMigrations, netMigrations, healthMigrations, jobsMigrations, firmwareMigrations, reservedForOtherBranches);
