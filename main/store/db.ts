/**
 * The fleet database: one SQLite file in the data dir, WAL, foreign keys on, versioned migrations
 * applied in order inside transactions. `PRAGMA user_version` records the schema version.
 *
 * Opening the fleet database also keeps its files private (data dir 0700, database files 0600,
 * even when they already existed with wider modes), runs SQLite's quick integrity check, and turns
 * SQLite's own errors ("file is not a database", "database or disk is full", disk I/O) into a
 * sentence that says what happened and what to do (sqliteProblem, used by the dispatcher too).
 */
import Database from 'better-sqlite3';
import { chmodSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FleetError } from '../kit/errors';
import { schemaKey, schemaText, type Migration, type SchemaObjects } from './migrations';

export type Db = Database.Database;

export const DB_FILE = 'fleet.sqlite';

/** Opens (or creates) the file and brings it to the latest of `migrations` (main/migrations.ts gathers them). */
export function openDatabase(path: string, migrations: readonly Migration[]): Db {
  const db = new Database(path);
  // First: another process (`fleetdeck serve` and a CLI command on one data dir) may hold the file.
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Up to 64 MiB of page cache (the default is 16 MiB): at 100,000 appliances the appliances table
  // alone is 22 MiB, and a smaller cache re-reads its pages on every query (5x slower pages of results).
  db.pragma('cache_size = -65536');
  // Temporary tables and indexes (an import's staged rows, large sorts) in memory instead of a temp
  // file: 100,000 staged appliance rows are about 20 MiB that were written out and read back.
  db.pragma('temp_store = MEMORY');
  migrate(db, migrations);
  return db;
}

/** Owner-only modes, set even on files and folders that already exist (not on Windows: ACLs there). */
function keepPrivate(path: string, mode: number, kind: 'dir' | 'file'): void {
  if (process.platform === 'win32' || !existsSync(path)) return;
  const stat = statSync(path);
  if (stat.isDirectory() !== (kind === 'dir') || (stat.mode & 0o777) === mode) return;
  try {
    chmodSync(path, mode);
  } catch (err) {
    throw new FleetError(
      'E_FORBIDDEN',
      `Fleetdeck cannot make ${path} private to you (mode ${mode.toString(8)}): ${(err as NodeJS.ErrnoException).code ?? String(err)}. ` +
        'It holds the fleet inventory; use a data dir you own (--data-dir or FLEETDECK_DATA_DIR).',
    );
  }
}

export function openFleetDatabase(dataDir: string, migrations: readonly Migration[]): Db {
  const path = join(dataDir, DB_FILE);
  keepPrivate(dataDir, 0o700, 'dir');
  let db: Db | null = null;
  try {
    db = openDatabase(path, migrations);
    for (const file of [path, `${path}-wal`, `${path}-shm`]) keepPrivate(file, 0o600, 'file');
    checkIntegrity(db, path);
    return db;
  } catch (err) {
    db?.close();
    throw sqliteProblem(err, path) ?? err;
  }
}

/**
 * Below this size quick_check takes under about 50 ms and runs at every open. (It reads every page:
 * about 100 ms for a 10,000-appliance fleet's 9 MiB on the build machine, a quarter of what a CLI
 * command may take, so that size is checked at its first open of the day like a large one.)
 */
const ALWAYS_CHECK_BYTES = 4 * 1024 * 1024;
/** A larger database (quick_check reads all of it: about 1 s at 100,000 appliances) is checked at its first open each day. */
const CHECK_EVERY_MS = 24 * 60 * 60 * 1000;
export const INTEGRITY_MARK = 'fleet.sqlite.checked';

/**
 * SQLite's quick_check (structure, not index contents): a damaged file is refused before anything
 * writes to it. A large database is checked once a day (the time of the last clean check is kept
 * in INTEGRITY_MARK), so a CLI command on a big fleet does not pay a full read every time.
 */
function checkIntegrity(db: Db, path: string): void {
  const mark = `${path.slice(0, -DB_FILE.length)}${INTEGRITY_MARK}`;
  const bytes = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  if (bytes > ALWAYS_CHECK_BYTES && existsSync(mark) && Date.now() - statSync(mark).mtimeMs < CHECK_EVERY_MS) return;
  const rows = db.pragma('quick_check(5)') as Array<{ quick_check: string }>;
  const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
  if (problems.length) {
    throw new FleetError(
      'E_UNAVAILABLE',
      `The fleet database ${path} is damaged (SQLite's integrity check: ${problems.join('; ').slice(0, 300)}). Fleetdeck stopped before changing it. ` +
        'Restore fleet.sqlite from a backup, or move it aside to start with an empty inventory (secrets in the vault are kept apart and are not affected).',
    );
  }
  try {
    writeFileSync(mark, `${new Date().toISOString()}\n`, { mode: 0o600 });
  } catch {
    // Without the mark the next open checks again: slower, never less safe.
  }
}

const SQLITE_FAMILIES = ['SQLITE_NOTADB', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_CORRUPT', 'SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_BUSY', 'SQLITE_LOCKED'];

/**
 * A sentence for SQLite's own errors, by SQLite's error code; null for anything else (a constraint
 * the caller's code broke is a bug, not something the user can fix).
 */
export function sqliteProblem(err: unknown, path = 'the fleet database'): FleetError | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return null;
  // Extended codes (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT, ...) belong to their family.
  const family = SQLITE_FAMILIES.find((f) => code === f || code.startsWith(`${f}_`));
  switch (family) {
    case 'SQLITE_NOTADB':
      return new FleetError(
        'E_UNAVAILABLE',
        `${path} is not a SQLite database (SQLite: file is not a database). It may be another program's file or encrypted. ` +
          'Point Fleetdeck at its own data dir (--data-dir or FLEETDECK_DATA_DIR), or move the file aside to start with an empty inventory.',
      );
    case 'SQLITE_FULL':
      return new FleetError(
        'E_UNAVAILABLE',
        `The disk holding ${path} is full (SQLite: database or disk is full); the change was not saved. Free some space on that disk, then try again.`,
      );
    case 'SQLITE_IOERR':
      return new FleetError(
        'E_UNAVAILABLE',
        `Reading or writing ${path} failed at the disk (SQLite: ${code}); the change was not saved. Check the disk and its free space (a removed drive, a network share that dropped), then try again.`,
      );
    case 'SQLITE_CORRUPT':
      return new FleetError(
        'E_UNAVAILABLE',
        `${path} is damaged (SQLite: database disk image is malformed). Restore fleet.sqlite from a backup, or move it aside to start with an empty inventory.`,
      );
    case 'SQLITE_CANTOPEN':
      return new FleetError(
        'E_UNAVAILABLE',
        `${path} cannot be opened (SQLite: ${code}). Check that its folder exists and that you may write to it.`,
      );
    case 'SQLITE_READONLY':
      return new FleetError(
        'E_UNAVAILABLE',
        `${path} is read-only (SQLite: ${code}); the change was not saved. Make the file and its folder writable for you, then try again.`,
      );
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new FleetError('E_UNAVAILABLE', `${path} is busy: another Fleetdeck process holds it for writing. Try again in a moment.`);
    default:
      return null;
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Db, migrations: readonly Migration[]): number {
  const latest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
  const refuseNewer = (current: number): void => {
    if (current > latest) {
      throw new FleetError(
        'E_UNAVAILABLE',
        `This data directory was written by a newer Fleetdeck (schema ${current}; this build knows up to ${latest}). Upgrade Fleetdeck.`,
      );
    }
  };
  refuseNewer(schemaVersion(db));
  for (const m of migrations) {
    if (m.version <= schemaVersion(db)) continue;
    // Two processes may open one data dir at once (`fleetdeck serve` and a CLI command): the
    // version is read again under the write lock (BEGIN IMMEDIATE), so a migration another
    // process applied meanwhile is never run twice ("table ... already exists").
    db.transaction(() => {
      const current = schemaVersion(db);
      refuseNewer(current);
      if (m.version <= current) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  return schemaVersion(db);
}

const schemas = new WeakMap<readonly Migration[], Map<number, SchemaObjects>>();

/**
 * The tables, indexes, views and triggers a database has at `version` of `migrations` (replayed
 * once in memory, then kept): what a file claiming that version may hold (snapshots check a file
 * from elsewhere against it before reading it).
 */
export function schemaAt(migrations: readonly Migration[], version: number): SchemaObjects {
  let byVersion = schemas.get(migrations);
  if (!byVersion) schemas.set(migrations, (byVersion = new Map()));
  const known = byVersion.get(version);
  if (known) return known;
  const db = new Database(':memory:');
  try {
    migrate(db, migrations.filter((m) => m.version <= version));
    const rows = db.prepare('SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL').all() as { type: string; name: string; sql: string }[];
    const objects = new Map(rows.map((r) => [schemaKey(r.type, r.name), schemaText(r.sql)]));
    byVersion.set(version, objects);
    return objects;
  } finally {
    db.close();
  }
}
