/**
 * The diagnostics domain's schema: suites (one per job), runs (one per appliance and suite) and
 * their check results. Never edit a released migration: add the next version here and list it in
 * main/migrations.ts.
 */
import type { Migration } from '../store/migrations';

export const diagnosticsMigrations: readonly Migration[] = [
  {
    version: 12,
    name: 'diagnostics: suites, runs per appliance and their structured check results',
    sql: `
      CREATE TABLE diag_suites (
        suite TEXT PRIMARY KEY,
        job_id INTEGER,
        checks TEXT NOT NULL CHECK (json_valid(checks)),
        actor TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE diag_runs (
        id INTEGER PRIMARY KEY,
        suite TEXT NOT NULL REFERENCES diag_suites(suite),
        serial TEXT NOT NULL,
        site TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT CHECK (status IN ('OK', 'Unknown', 'Warning', 'Error')),
        UNIQUE (suite, serial)
      ) STRICT;
      CREATE INDEX diag_runs_serial ON diag_runs (serial, id);
      CREATE INDEX diag_runs_site ON diag_runs (site, id);

      CREATE TABLE diag_results (
        run_id INTEGER NOT NULL REFERENCES diag_runs(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        check_name TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('OK', 'Unknown', 'Warning', 'Error')),
        value REAL,
        unit TEXT,
        summary TEXT NOT NULL,
        action TEXT,
        details TEXT NOT NULL CHECK (json_valid(details)),
        duration_ms INTEGER NOT NULL,
        at TEXT NOT NULL,
        error_code TEXT,
        PRIMARY KEY (run_id, check_name)
      ) STRICT;
    `,
  },
];
