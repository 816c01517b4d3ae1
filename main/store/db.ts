/**
 * The fleet database: one SQLite file in the data dir, WAL, foreign keys on, versioned migrations
 * applied in order inside transactions. `PRAGMA user_version` records the schema version.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { MIGRATIONS, type Migration } from './migrations';

export type Db = Database.Database;

export const DB_FILE = 'fleet.sqlite';

export function openDatabase(path: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Up to 64 MiB of page cache (the default is 16 MiB): at 100,000 appliances the appliances table
  // alone is 22 MiB, and a smaller cache re-reads its pages on every query (5x slower pages of results).
  db.pragma('cache_size = -65536');
  migrate(db, migrations);
  return db;
}

export function openFleetDatabase(dataDir: string): Db {
  return openDatabase(join(dataDir, DB_FILE));
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = schemaVersion(db);
  const latest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
  if (current > latest) {
    throw new Error(
      `This data directory was written by a newer Fleetdeck (schema ${current}; this build knows up to ${latest}). Upgrade Fleetdeck.`,
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return schemaVersion(db);
}
