/**
 * The net domain's schema (settings, jump hosts, routes, host keys, alerts) and the fan-out jobs it ran first.
 * Never edit a released migration: add the next version here and list it in main/migrations.ts.
 */
import type { Migration } from '../store/migrations';

export const netMigrations: readonly Migration[] = [
  {
    version: 2,
    name: 'net: settings, jump hosts, routes, seen host keys, host-key alerts; jobs and their per-appliance results',
    sql: `
      CREATE TABLE net_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL CHECK (json_valid(value))
      ) STRICT;

      CREATE TABLE net_jump_hosts (
        name TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
        username TEXT NOT NULL,
        via TEXT REFERENCES net_jump_hosts(name) ON UPDATE CASCADE ON DELETE RESTRICT,
        host_key_fingerprint TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE net_routes (
        scope TEXT NOT NULL CHECK (scope IN ('site', 'appliance')),
        key TEXT NOT NULL,
        jump_host TEXT NOT NULL REFERENCES net_jump_hosts(name) ON UPDATE CASCADE ON DELETE CASCADE,
        PRIMARY KEY (scope, key)
      ) STRICT;

      -- Every host key an appliance or bastion presented (public keys only), for known_hosts export
      -- and for trusting a key the user confirmed by its fingerprint.
      CREATE TABLE net_host_keys (
        target TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        key_type TEXT NOT NULL,
        key_base64 TEXT NOT NULL,
        first_seen_at TEXT NOT NULL,
        PRIMARY KEY (target, fingerprint)
      ) STRICT;

      CREATE TABLE net_hostkey_alerts (
        id INTEGER PRIMARY KEY,
        target TEXT NOT NULL,
        host TEXT NOT NULL,
        port INTEGER NOT NULL,
        expected TEXT NOT NULL,
        presented TEXT NOT NULL,
        first_seen_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        count INTEGER NOT NULL DEFAULT 1,
        resolved_at TEXT,
        resolved_by TEXT,
        resolution TEXT CHECK (resolution IN ('trusted-new-key', 'dismissed'))
      ) STRICT;
      CREATE INDEX net_hostkey_alerts_open ON net_hostkey_alerts(target, presented) WHERE resolved_at IS NULL;

      CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('running', 'done', 'cancelled', 'interrupted')),
        actor TEXT NOT NULL,
        spec TEXT NOT NULL CHECK (json_valid(spec)),
        total INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        finished_at TEXT,
        retry_of INTEGER REFERENCES jobs(id)
      ) STRICT;
      CREATE INDEX jobs_state ON jobs(state, id);

      CREATE TABLE job_results (
        job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        serial TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'ok', 'failed', 'cancelled', 'interrupted')),
        exit_code INTEGER,
        output TEXT,
        stderr TEXT,
        error_code TEXT,
        error_message TEXT,
        started_at TEXT,
        finished_at TEXT,
        PRIMARY KEY (job_id, serial)
      ) STRICT;
      CREATE INDEX job_results_seq ON job_results(job_id, seq);
    `,
  },
  {
    version: 3,
    name: 'jobs: the process that runs a job (so another process does not mark it interrupted)',
    sql: `
      ALTER TABLE jobs ADD COLUMN owner_pid INTEGER;
      ALTER TABLE jobs ADD COLUMN owner_host TEXT;
    `,
  },
];
