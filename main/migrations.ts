/**
 * Every domain's schema migrations, gathered in version order (the numbers are global and never
 * change once released). A domain adds its next migration to its own migrations.ts with the next
 * free number and, if it is a new domain, its list here.
 *
 * Versions 1-4 are below. Next free: 5. (Branches in flight add 5, 6, 7: re-file each into its
 * domain's migrations.ts, e.g. main/jobs/migrations.ts, and list new files here.)
 */
import { healthMigrations } from './health/migrations';
import { inventoryMigrations } from './inventory/migrations';
import { netMigrations } from './net/migrations';
import { gatherMigrations } from './store/migrations';

export const MIGRATIONS = gatherMigrations(inventoryMigrations, netMigrations, healthMigrations);
