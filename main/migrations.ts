/**
 * Every domain's schema migrations, gathered in version order (the numbers are global and never
 * change once released). A domain adds its next migration to its own migrations.ts with the next
 * free number and, if it is a new domain, its list here.
 *
 * Next free version: 23.
 */
import { capacityMigrations } from './capacity/migrations';
import { diagnosticsMigrations } from './diagnostics/migrations';
import { fillsMigrations } from './fills/migrations';
import { fillsExecMigrations } from './fills/exec/migrations';
import { provisioningMigrations } from './provisioning/migrations';
import { rolloutsMigrations } from './rollouts/migrations';
import { firmwareMigrations } from './firmware/migrations';
import { healthMigrations } from './health/migrations';
import { inventoryMigrations } from './inventory/migrations';
import { jobsMigrations } from './jobs/migrations';
import { netMigrations } from './net/migrations';
import { historyMigrations } from './history/migrations';
import { terminalMigrations } from './terminal/migrations';
import { gatherMigrations } from './store/migrations';

export const MIGRATIONS = gatherMigrations(
  inventoryMigrations,
  netMigrations,
  healthMigrations,
  jobsMigrations,
  firmwareMigrations,
  rolloutsMigrations,
  fillsMigrations,
  fillsExecMigrations,
  provisioningMigrations,
  diagnosticsMigrations,
  capacityMigrations,
  historyMigrations,
  terminalMigrations,
);
