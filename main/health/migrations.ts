/**
 * The health domain's schema: latest state, thresholds, monitor settings.
 * Never edit a released migration: add the next version here and list it in main/migrations.ts.
 */
import type { Migration } from '../store/migrations';

export const healthMigrations: readonly Migration[] = [
  {
    version: 4,
    name: 'health: latest measured state per appliance, thresholds per model, monitor settings',
    sql: `
      CREATE TABLE health_latest (
        serial TEXT PRIMARY KEY,
        measured_at TEXT,
        last_poll_at TEXT,
        error_code TEXT,
        error_message TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        components TEXT NOT NULL,
        metrics TEXT,
        since TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE health_thresholds (
        model TEXT PRIMARY KEY CHECK (model IN ('storage', 'flash')),
        value TEXT NOT NULL CHECK (json_valid(value)),
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
      ) STRICT;

      CREATE TABLE health_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL CHECK (json_valid(value))
      ) STRICT;
    `,
  },
  {
    version: 13,
    name: 'health: metrics history in SQLite, 1-minute points for a day and 15-minute points for 30 days',
    sql: `
      -- One row per appliance, tier (1: one-minute points in hour buckets; 15: fifteen-minute
      -- points in day buckets) and bucket (the bucket's start, in minutes since the epoch divided
      -- by the bucket's length); the points packed column by column as float32 and deflated
      -- (main/health/history.ts).
      -- A rowid table: its blobs (about 1 KiB each) pack into pages far better than WITHOUT ROWID
      -- would (measured at 1,000 appliances x 30 days: a 161 MiB database as WITHOUT ROWID, 81 MiB as this).
      CREATE TABLE health_history (
        serial TEXT NOT NULL,
        tier INTEGER NOT NULL CHECK (tier IN (1, 15)),
        bucket INTEGER NOT NULL,
        points BLOB NOT NULL,
        UNIQUE (serial, tier, bucket)
      ) STRICT;
      CREATE INDEX health_history_age ON health_history (tier, bucket);
    `,
  },
];
