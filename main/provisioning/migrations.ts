/**
 * The provisioning domain's schema: surveyed appliances and each one's provisioning checklist.
 * Factory credentials are not here: they live in the vault. Version 11 was assigned to this domain.
 * Never edit a released migration: add the next version here and list it in main/migrations.ts.
 */
import type { Migration } from '../store/migrations';

export const provisioningMigrations: readonly Migration[] = [
  {
    version: 11,
    name: 'provisioning: surveyed appliances and their provisioning checklists',
    sql: `
      CREATE TABLE provisioning_appliances (
        serial TEXT PRIMARY KEY,
        site TEXT NOT NULL,
        survey TEXT NOT NULL CHECK (json_valid(survey)),
        has_credential INTEGER NOT NULL CHECK (has_credential IN (0, 1)),
        steps_done INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'running', 'failed', 'done')),
        error_code TEXT,
        error_message TEXT,
        hint TEXT,
        presented_fingerprint TEXT,
        confirmed_fingerprint TEXT,
        rekey_reason TEXT,
        job_id INTEGER,
        imported_at TEXT NOT NULL,
        imported_by TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX provisioning_appliances_site ON provisioning_appliances (site);
    `,
  },
];
