/**
 * The fleet database's files stay private and its failures read as sentences: modes enforced on
 * files that already exist, a file that is not a database, a damaged one (integrity check at
 * open), and a full disk during a change (through the dispatcher, not E_INTERNAL).
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, mkdirSync, openSync, readSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { APPLIANCES_HEADER, applianceRow, csv, rejectionOf, sampleSites } from '../../tests/support/inventory-fixtures';
import { tempDir } from '../../tests/support/temp-dir';
import { tempEngine, type TempEngine } from '../../tests/support/temp-engine';
import { FleetError } from '../kit/errors';
import { DB_FILE, INTEGRITY_MARK, openFleetDatabase, sqliteProblem } from './db';
import { MIGRATIONS } from '../migrations';

const dirs: string[] = [];
const fresh = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};
let t: TempEngine | null = null;
afterEach(() => {
  t?.dispose();
  t = null;
});

const modeOf = (path: string) => statSync(path).mode & 0o777;

function thrown(fn: () => unknown): FleetError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FleetError) return err;
    throw new Error(`not a FleetError: ${String(err)}`);
  }
  throw new Error('did not throw');
}

describe.skipIf(process.platform === 'win32')('fleet database files', () => {
  it('makes an existing data dir 0700 and existing database files 0600', () => {
    const dir = join(fresh(), 'data');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    openFleetDatabase(dir, MIGRATIONS).close();
    chmodSync(join(dir, DB_FILE), 0o644);
    chmodSync(dir, 0o755);
    const db = openFleetDatabase(dir, MIGRATIONS);
    try {
      expect(modeOf(dir)).toBe(0o700);
      for (const file of [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`]) expect(modeOf(join(dir, file)), file).toBe(0o600);
    } finally {
      db.close();
    }
  });
});

describe('SQLite failures as sentences', () => {
  it('refuses a file that is not a database, saying what to do', () => {
    const dir = fresh();
    writeFileSync(join(dir, DB_FILE), 'these are my holiday notes, not a database\n'.repeat(200));
    const err = thrown(() => openFleetDatabase(dir, MIGRATIONS));
    expect(err.code).toBe('E_UNAVAILABLE');
    expect(err.message).toMatch(/is not a SQLite database \(SQLite: file is not a database\).*--data-dir or FLEETDECK_DATA_DIR/);
  });

  it('refuses a damaged database at open (quick integrity check), before anything writes to it', () => {
    const dir = fresh();
    const path = join(dir, DB_FILE);
    const db = new Database(path);
    db.pragma('page_size = 4096');
    db.exec('CREATE TABLE junk (id INTEGER PRIMARY KEY, body TEXT); CREATE INDEX junk_body ON junk (body);');
    const insert = db.prepare('INSERT INTO junk (body) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 3000; i++) insert.run(`row ${i} `.repeat(20));
    })();
    db.close();
    // Scribble over a page in the middle of the file (not the header).
    const fd = openSync(path, 'r+');
    const header = Buffer.alloc(100);
    readSync(fd, header, 0, 100, 0);
    writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, 4096 * 5);
    closeSync(fd);
    const err = thrown(() => openFleetDatabase(dir, MIGRATIONS));
    expect(err.code).toBe('E_UNAVAILABLE');
    expect(err.message).toMatch(/is damaged .*Restore fleet\.sqlite from a backup, or move it aside/);
  });

  it('checks a large database at its first open of the day (a mark keeps the time of the last clean check)', () => {
    const dir = fresh();
    const path = join(dir, DB_FILE);
    const db = new Database(path);
    db.exec('CREATE TABLE junk (id INTEGER PRIMARY KEY, body TEXT); CREATE INDEX junk_body ON junk (body);');
    const insert = db.prepare('INSERT INTO junk (body) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 90_000; i++) insert.run(`row ${i} `.repeat(12));
    })();
    db.close();
    expect(statSync(path).size).toBeGreaterThan(16 * 1024 * 1024);
    openFleetDatabase(dir, MIGRATIONS).close();
    const mark = join(dir, INTEGRITY_MARK);
    expect(statSync(mark).isFile()).toBe(true);
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, 4096 * 5);
    closeSync(fd);
    // Checked clean within the day: this open does not read the whole file again.
    openFleetDatabase(dir, MIGRATIONS).close();
    // A day later it does, and finds the damage.
    const dayAgo = new Date(Date.now() - 25 * 60 * 60 * 1000);
    utimesSync(mark, dayAgo, dayAgo);
    expect(thrown(() => openFleetDatabase(dir, MIGRATIONS)).message).toMatch(/is damaged/);
  });

  it('a full disk during a change is E_UNAVAILABLE with a sentence, not E_INTERNAL', async () => {
    t = tempEngine();
    const client = t.engine.client();
    await client.api.inventory.importData({ format: 'csv', content: sampleSites() });
    // SQLite reports SQLITE_FULL when the file may not grow, as it does when the disk is full.
    t.engine.db.pragma('wal_checkpoint(TRUNCATE)');
    const pages = t.engine.db.pragma('page_count', { simple: true }) as number;
    t.engine.db.pragma(`max_page_count = ${pages}`);
    const many = csv(APPLIANCES_HEADER, ...Array.from({ length: 3000 }, (_, i) => applianceRow(`OCA${i}`)));
    const r = await rejectionOf(client.api.inventory.importData({ format: 'csv', content: many }));
    expect(r.code).toBe('E_UNAVAILABLE');
    expect(r.message).toMatch(/is full \(SQLite: database or disk is full\); the change was not saved\. Free some space/);
    expect(await client.api.system.ping({ nonce: 'x' })).toMatchObject({ nonce: 'x' });
  });

  it('leaves errors that are not SQLite\'s alone', () => {
    expect(sqliteProblem(new Error('boom'))).toBeNull();
    expect(sqliteProblem(Object.assign(new Error('x'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }))).toBeNull();
    expect(sqliteProblem(Object.assign(new Error('x'), { code: 'SQLITE_IOERR_WRITE' }))?.message).toMatch(/failed at the disk/);
  });
});

describe('a database from a newer Fleetdeck', () => {
  it('is refused with a sentence and a stable code, not E_INTERNAL', () => {
    const dir = fresh();
    const raw = new Database(join(dir, DB_FILE));
    raw.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    raw.close();
    const err = thrown(() => openFleetDatabase(dir, MIGRATIONS));
    expect(err.code).toBe('E_UNAVAILABLE');
    expect(err.message).toContain(`schema ${MIGRATIONS.length + 5}`);
  });
});
