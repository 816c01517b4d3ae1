/**
 * Fill execution's schema: fill runs (a site's fill plan and the job that runs it) and each
 * appliance's progress in a run. Never edit a released migration: add the next version.
 */
import type { Migration } from '../../store/migrations';

export const fillsExecMigrations: readonly Migration[] = [
  {
    version: 10,
    name: 'fills: fill runs (a site fill plan and its job) and per-appliance fill progress',
    sql: `
      CREATE TABLE fill_runs (
        id INTEGER PRIMARY KEY,
        site TEXT NOT NULL,
        day TEXT NOT NULL,
        placement_id TEXT,
        state TEXT NOT NULL CHECK (state IN ('planned', 'running', 'done', 'failed', 'cancelled')),
        job_id INTEGER,
        out_of_cycle INTEGER NOT NULL DEFAULT 0,
        plan TEXT NOT NULL CHECK (json_valid(plan)),
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
      );
      CREATE INDEX fill_runs_site ON fill_runs (site, id);
      CREATE INDEX fill_runs_job ON fill_runs (job_id);
      CREATE TABLE fill_progress (
        run_id INTEGER NOT NULL REFERENCES fill_runs (id) ON DELETE CASCADE,
        serial TEXT NOT NULL,
        phase TEXT NOT NULL CHECK (phase IN ('planned', 'posted', 'filling', 'verified', 'failed')),
        fill_ids TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(fill_ids)),
        bytes_total INTEGER NOT NULL DEFAULT 0,
        bytes_done INTEGER NOT NULL DEFAULT 0,
        rate_gbps REAL NOT NULL DEFAULT 0,
        retries INTEGER NOT NULL DEFAULT 0,
        message TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (run_id, serial)
      ) WITHOUT ROWID;
    `,
  },
];
