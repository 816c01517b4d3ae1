/**
 * The fleet database: one SQLite file in the data dir, WAL, foreign keys on, versioned migrations
 * applied in order inside transactions. `PRAGMA user_version` records the schema version.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { Migration } from './migrations';

export type Db = Database.Database;

export const DB_FILE = 'fleet.sqlite';

/** Opens (or creates) the file and brings it to the latest of `migrations` (main/migrations.ts gathers them). */
export function openDatabase(path: string, migrations: readonly Migration[]): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, migrations);
  return db;
}

export function openFleetDatabase(dataDir: string, migrations: readonly Migration[]): Db {
  return openDatabase(join(dataDir, DB_FILE), migrations);
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Db, migrations: readonly Migration[]): number {
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
