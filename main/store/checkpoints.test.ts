import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BULK_ROWS, WalCheckpointer, type CheckpointReply, type CheckpointWorker } from './checkpoints';
import type { Logger } from './log';

const dirs: string[] = [];
const dbs: Database.Database[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function walDatabase(): { db: Database.Database; path: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fleetdeck-ckpt-'));
  dirs.push(dir);
  const path = join(dir, 'fleet.sqlite');
  const db = new Database(path);
  dbs.push(db);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { db, path, dir };
}

/** About 6 MB of rows in one transaction: well past SQLite's automatic checkpoint at 1,000 pages. */
function bulkInsert(db: Database.Database, rows = 50_000, from = 0): void {
  const insert = db.prepare('INSERT INTO t (id, body) VALUES (?, ?)');
  db.transaction(() => {
    for (let i = from; i < from + rows; i++) insert.run(i, `row ${i} `.padEnd(100, 'x'));
  })();
}

/** Rows in the database file itself, without its WAL: what a checkpoint has copied. */
function rowsInDatabaseFile(path: string, dir: string): number {
  const copy = join(dir, `copy-${Math.random().toString(36).slice(2)}.sqlite`);
  copyFileSync(path, copy);
  const db = new Database(copy, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

interface LogLine {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}
function memoryLog(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => lines.push({ level, msg, ...(fields ? { fields } : {}) });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

/** A worker the test answers by hand. */
class HeldWorker implements CheckpointWorker {
  readonly posted: string[] = [];
  private listener: ((reply: CheckpointReply) => void) | null = null;
  refs = 0;
  postMessage(message: 'checkpoint' | 'close'): void {
    this.posted.push(message);
  }
  on(event: 'message' | 'error' | 'exit', listener: (arg: never) => void): this {
    if (event === 'message') this.listener = listener as (reply: CheckpointReply) => void;
    return this;
  }
  reply(reply: CheckpointReply): void {
    this.listener!(reply);
  }
  ref(): void {
    this.refs++;
  }
  unref(): void {
    this.refs--;
  }
}

describe('WalCheckpointer', () => {
  it('takes the checkpoint out of the commit: the database file has none of the rows until the worker copies them', async () => {
    const { db, path, dir } = walDatabase();
    const worker = new HeldWorker();
    const checkpoints = new WalCheckpointer(db, { path, log: memoryLog(), spawn: () => worker });
    checkpoints.bulk(() => bulkInsert(db));
    // Committed and visible to this connection ...
    expect((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(50_000);
    // ... but not checkpointed by the commit, and no automatic checkpoint while the worker has it.
    expect(rowsInDatabaseFile(path, dir)).toBe(0);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    expect(worker.posted).toEqual(['checkpoint']);
    let idle = false;
    void checkpoints.idle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    worker.reply({ ok: true, ms: 1 });
    await checkpoints.idle();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(worker.refs).toBe(0);
  });

  it('copies the WAL into the database file on a worker thread with its own connection', async () => {
    const { db, path, dir } = walDatabase();
    const log = memoryLog();
    const checkpoints = new WalCheckpointer(db, { path, log });
    checkpoints.bulk(() => bulkInsert(db));
    await checkpoints.idle();
    expect(rowsInDatabaseFile(path, dir)).toBe(50_000);
    expect(checkpoints.timesMs).toHaveLength(1);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(log.lines).toEqual([]);
    checkpoints.close();
  });

  it('closes its connection after the engine closes; the last connection to close removes the WAL file', async () => {
    const { db, path } = walDatabase();
    const checkpoints = new WalCheckpointer(db, { path, log: memoryLog() });
    checkpoints.bulk(() => bulkInsert(db));
    await checkpoints.idle();
    db.close();
    checkpoints.close();
    for (let waited = 0; existsSync(`${path}-wal`) && waited < 20_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('keeps reads and writes going on the engine connection while the worker copies', async () => {
    const { db, path, dir } = walDatabase();
    const checkpoints = new WalCheckpointer(db, { path, log: memoryLog() });
    checkpoints.bulk(() => bulkInsert(db, 60_000));
    // Small writes and reads while the copy runs: nothing waits, nothing is lost.
    const insert = db.prepare('INSERT INTO t (id, body) VALUES (?, ?)');
    for (let i = 0; i < 200; i++) {
      insert.run(100_000 + i, 'small');
      expect((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(60_001 + i);
    }
    checkpoints.bulk(() => bulkInsert(db, 20_000, 200_000));
    await checkpoints.idle();
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    // Everything committed before the last checkpoint began reached the file (at least the first bulk write).
    expect(rowsInDatabaseFile(path, dir)).toBeGreaterThanOrEqual(60_000);
    db.pragma('wal_checkpoint(TRUNCATE)');
    expect(rowsInDatabaseFile(path, dir)).toBe(80_200);
    checkpoints.close();
  });

  it('checkpoints on the calling thread, and says so once, when the worker cannot run', async () => {
    const { db, path, dir } = walDatabase();
    const log = memoryLog();
    const checkpoints = new WalCheckpointer(db, {
      path,
      log,
      spawn: () => {
        throw new Error('no worker threads here');
      },
    });
    checkpoints.bulk(() => bulkInsert(db));
    await checkpoints.idle();
    expect(rowsInDatabaseFile(path, dir)).toBe(50_000);
    // From then on the commit checkpoints as SQLite does by default (past 1,000 pages), with no second warning.
    checkpoints.bulk(() => bulkInsert(db, 50_000, 50_000));
    expect(rowsInDatabaseFile(path, dir)).toBe(100_000);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(log.lines.map((l) => l.level)).toEqual(['warn']);
    expect(log.lines[0]!.msg).toMatch(/engine thread/);
  });

  it('checkpoints on the calling thread when the worker fails with a copy in flight', async () => {
    const { db, path, dir } = walDatabase();
    const log = memoryLog();
    let failWorker: ((err: Error) => void) | null = null;
    const worker = new HeldWorker();
    const spawn = () => {
      const on = worker.on.bind(worker);
      worker.on = ((event: 'message' | 'error' | 'exit', listener: (arg: never) => void) => {
        if (event === 'error') failWorker = listener as (err: Error) => void;
        return on(event, listener);
      }) as HeldWorker['on'];
      return worker;
    };
    const checkpoints = new WalCheckpointer(db, { path, log, spawn });
    checkpoints.bulk(() => bulkInsert(db));
    expect(rowsInDatabaseFile(path, dir)).toBe(0);
    failWorker!(new Error("Cannot find module 'better-sqlite3'"));
    await checkpoints.idle();
    expect(rowsInDatabaseFile(path, dir)).toBe(50_000);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(log.lines[0]!.fields).toEqual({ error: "Cannot find module 'better-sqlite3'" });
  });

  it('leaves a write of fewer rows than BULK_ROWS to SQLite\'s own checkpoint', () => {
    const { db, path } = walDatabase();
    const worker = new HeldWorker();
    const checkpoints = new WalCheckpointer(db, { path, log: memoryLog(), spawn: () => worker });
    expect(checkpoints.bulk(() => 'written', BULK_ROWS - 1)).toBe('written');
    expect(worker.posted).toEqual([]);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    checkpoints.bulk(() => bulkInsert(db, 10), BULK_ROWS);
    expect(worker.posted).toEqual(['checkpoint']);
  });

  it('turns the automatic checkpoint back on when the bulk write fails', () => {
    const { db, path } = walDatabase();
    const worker = new HeldWorker();
    const checkpoints = new WalCheckpointer(db, { path, log: memoryLog(), spawn: () => worker });
    expect(() =>
      checkpoints.bulk(() =>
        db.transaction(() => {
          bulkInsert(db, 10);
          throw new Error('a bad row');
        })(),
      ),
    ).toThrow('a bad row');
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(worker.posted).toEqual([]);
  });
});
