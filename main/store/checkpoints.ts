/**
 * WAL checkpoints of bulk writes, off the engine's thread.
 *
 * In WAL mode a commit appends pages to fleet.sqlite-wal; a checkpoint copies them into
 * fleet.sqlite. SQLite runs one by default inside the commit that takes the WAL past 1,000 pages.
 * After a bulk write (an import of 100,000 appliances commits about 87 MB) that copy takes 0.3-0.5 s
 * of the engine's only thread, after the data is already safe in the WAL. `bulk(fn)` turns the
 * automatic checkpoint off for fn's commit and hands the copy to a worker thread with its own
 * connection: SQLite allows a checkpoint beside readers and writers, and a PASSIVE one never waits
 * for them or makes them wait. The automatic checkpoint comes back when the worker has finished.
 *
 * Nothing about durability or isolation changes: the commit is in the WAL before bulk() returns,
 * readers see it at once, and a crash during the background copy loses nothing (SQLite replays
 * the WAL at the next open). If the worker cannot start (no driver where it looks, a broken
 * thread), the checkpoint runs on the calling thread as before and the engine log says so once.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from './log';
import type { Db } from './db';

/** From this many rows a write hands its checkpoint to the thread (SQLite's own starts at 1,000 pages, about 4 MB). */
export const BULK_ROWS = 2000;
/** SQLite's default wal_autocheckpoint, restored after each background checkpoint. */
const AUTO_CHECKPOINT_PAGES = 1000;

/** What the worker answers for each checkpoint it was asked for. */
export type CheckpointReply = { ok: true; ms: number } | { ok: false; error: string };

/** The worker's side: plain JavaScript run with `eval`, so it needs no bundled file of its own. */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db = null;
parentPort.on('message', (message) => {
  if (message === 'close') {
    try { if (db) db.close(); } catch {}
    parentPort.close();
    return;
  }
  const t0 = performance.now();
  try {
    if (!db) {
      db = new Database(workerData.path, { fileMustExist: true });
      db.pragma('busy_timeout = 5000');
    }
    db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true, ms: performance.now() - t0 });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: String((err && err.message) || err) });
  }
});
`;

/** The part of a worker thread the checkpointer uses (tests hand in one they control). */
export interface CheckpointWorker {
  postMessage(message: 'checkpoint' | 'close'): void;
  on(event: 'message', listener: (reply: CheckpointReply) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  ref(): void;
  unref(): void;
}

export interface WalCheckpointerOptions {
  /** The database file the connection has open (the worker opens its own connection to it). */
  path: string;
  log: Logger;
  /** Makes the worker; the default runs WORKER_SOURCE on a worker thread with better-sqlite3. */
  spawn?: (path: string) => CheckpointWorker;
}

function spawnCheckpointWorker(path: string): CheckpointWorker {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  return new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, path }, name: 'fleetdeck-wal-checkpoint' });
}

export class WalCheckpointer {
  private worker: CheckpointWorker | null = null;
  /** The worker failed once: checkpoints run on this thread from then on. */
  private broken = false;
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private closed = false;
  /** Every background checkpoint's time, for benchmarks (most recent last, at most 20). */
  readonly timesMs: number[] = [];

  constructor(
    private readonly db: Db,
    private readonly options: WalCheckpointerOptions,
  ) {}

  /**
   * Runs fn (a write that may commit many pages: give it the whole transaction) with the automatic
   * checkpoint off, then has the worker copy the WAL into the database file. `rows` is how many
   * rows fn may write: below BULK_ROWS the write simply runs (SQLite's own checkpoint is small).
   */
  bulk<T>(fn: () => T, rows = BULK_ROWS): T {
    if (this.closed || this.broken || rows < BULK_ROWS) return fn();
    this.db.pragma('wal_autocheckpoint = 0');
    let result: T;
    try {
      result = fn();
    } catch (err) {
      if (this.inFlight === 0) this.restoreAutoCheckpoint();
      throw err;
    }
    this.handOff();
    return result;
  }

  /** Resolves when no background checkpoint is in flight. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Lets a checkpoint in flight finish; the worker then closes its connection and ends, and the
   * process waits for that. Call it after the engine's own connection has closed: the last
   * connection to close removes the WAL file, and two closing at the same moment each see the
   * other still open, so neither would. Nothing new starts.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.worker?.ref();
    this.worker?.postMessage('close');
    this.worker = null;
  }

  private handOff(): void {
    const worker = this.workerOrNull();
    if (!worker) {
      this.checkpointHere();
      return;
    }
    this.inFlight++;
    // Keep the process alive until the copy is done (a CLI import that ends right after its commit).
    worker.ref();
    worker.postMessage('checkpoint');
  }

  private workerOrNull(): CheckpointWorker | null {
    if (this.worker) return this.worker;
    try {
      const worker = (this.options.spawn ?? spawnCheckpointWorker)(this.options.path);
      worker.on('message', (reply) => this.settle(reply));
      worker.on('error', (err) => this.fail(err.message));
      worker.on('exit', (code) => {
        if (this.worker === worker && !this.closed) this.fail(`the checkpoint thread ended (exit code ${code})`);
      });
      this.worker = worker;
      return worker;
    } catch (err) {
      this.fail(err instanceof Error ? err.message : String(err));
      return null;
    }
  }

  private settle(reply: CheckpointReply): void {
    if (this.inFlight === 0) return;
    if (reply.ok) {
      this.timesMs.push(Math.round(reply.ms));
      if (this.timesMs.length > 20) this.timesMs.shift();
    } else {
      this.options.log.warn('background WAL checkpoint failed; the next commit checkpoints as usual', { error: reply.error });
    }
    this.inFlight--;
    if (this.inFlight === 0) this.finished();
  }

  /** The worker cannot be used: checkpoints run here from now on (a copy that was in flight runs now). */
  private fail(reason: string): void {
    if (!this.broken) this.options.log.warn('WAL checkpoints run on the engine thread: the checkpoint thread is unavailable', { error: reason });
    this.broken = true;
    this.worker = null;
    if (this.inFlight > 0) {
      this.inFlight = 0;
      this.checkpointHere();
      this.finished();
    }
  }

  private checkpointHere(): void {
    this.restoreAutoCheckpoint();
    if (this.db.open) this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  private finished(): void {
    this.restoreAutoCheckpoint();
    this.worker?.unref();
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private restoreAutoCheckpoint(): void {
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
  }
}
