/**
 * Batched journaling of fan-out jobs: the journal's own rules (unit), then the promise a user
 * relies on, through the real engine and a real lab fleet: a result is in SQLite before its
 * jobs.result event goes out, and cancel and shutdown keep every result already reported.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName } from '../api/contract';
import { createEngine, type Engine } from '../engine';
import type { FaultId } from '../lab/contract';
import { LabFleet } from '../lab/fleet';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import type { Vault } from '../vault/vault';
import type { JobResult } from './contract';
import { ResultJournal, StartJournal } from './journal';
import { enrollLabFleet } from '../../tests/support/lab-inventory';

const tick = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ResultJournal', () => {
  const journal = (options = { maxBatch: 3, maxDelayMs: 20 }) => {
    const log: string[] = [];
    let failWrites = 0;
    const timedErrors: unknown[] = [];
    const j = new ResultJournal<number>(
      (batch) => {
        if (failWrites > 0) {
          failWrites--;
          throw new Error('disk full');
        }
        log.push(`write ${batch.join(',')}`);
      },
      (batch) => log.push(`announce ${batch.join(',')}`),
      (err) => timedErrors.push(err),
      options,
    );
    return { j, log, timedErrors, failNext: (n = 1) => (failWrites = n) };
  };

  it('writes a full batch at once, and announces it only after the write', () => {
    const { j, log } = journal();
    j.add(1);
    j.add(2);
    expect(log).toEqual([]);
    j.add(3);
    expect(log).toEqual(['write 1,2,3', 'announce 1,2,3']);
    expect(j.pending).toBe(0);
  });

  it('writes a partial batch when its time is up', async () => {
    const { j, log } = journal();
    j.add(1);
    j.add(2);
    await sleep(5);
    expect(log).toEqual([]);
    await sleep(40);
    expect(log).toEqual(['write 1,2', 'announce 1,2']);
  });

  it('keeps a batch whose write failed, announces nothing of it, and writes it with the next flush', async () => {
    const { j, log, timedErrors, failNext } = journal();
    failNext(2);
    j.add(1);
    await sleep(40); // the timed flush fails: reported, kept
    expect(timedErrors).toHaveLength(1);
    expect(j.pending).toBe(1);
    j.add(2);
    expect(() => j.flush()).toThrow('disk full');
    expect(log).toEqual([]);
    j.flush();
    expect(log).toEqual(['write 1,2', 'announce 1,2']);
  });

  it('flush() writes whatever waits, and dispose() stops the timer', async () => {
    const { j, log } = journal();
    j.flush();
    expect(log).toEqual([]);
    j.add(7);
    j.dispose();
    await sleep(40);
    expect(log).toEqual([]);
    j.flush();
    expect(log).toEqual(['write 7', 'announce 7']);
  });
});

describe('StartJournal', () => {
  it('marks the appliances that start in the same turn in one write, before any is released', async () => {
    const writes: string[][] = [];
    let halted = false;
    const starts = new StartJournal(
      (serials) => {
        writes.push([...serials]);
        return `t${writes.length}`;
      },
      () => halted,
    );
    const first = await Promise.all(['A', 'B', 'C'].map((s) => starts.mark(s)));
    expect(first).toEqual(['t1', 't1', 't1']);
    expect(await starts.mark('D')).toBe('t2');
    expect(writes).toEqual([['A', 'B', 'C'], ['D']]);
    halted = true;
    expect(await starts.mark('E')).toBeNull();
    expect(writes).toHaveLength(2);
  });

  it('rejects every mark of a batch whose write failed (nothing is contacted unjournaled)', async () => {
    const starts = new StartJournal(() => {
      throw new Error('database is locked');
    }, () => false);
    const marks = ['A', 'B'].map((s) => starts.mark(s).then(() => 'marked', (e: Error) => e.message));
    await tick();
    expect(await Promise.all(marks)).toEqual(['database is locked', 'database is locked']);
  });
});

describe('batched journaling in a real job', () => {
  const SIZE = 12;
  const root = mkdtempSync(join(tmpdir(), 'fleetdeck-job-journal-'));
  const dataDir = join(root, 'data');
  let vault: Vault;
  let engine: Engine;
  let fleet: LabFleet;
  let serials: string[] = [];
  /** Each jobs.result as it was emitted, with the row SQLite held at that very moment. */
  const seen: Array<{ id: number; result: JobResult; stored: { state: string; output: string | null } | undefined }> = [];

  const openEngine = () => {
    engine = createEngine({ dataDir, host: 'test', vault, log: silentLogger, checkOutputs: true });
    const row = engine.db.prepare('SELECT state, output FROM job_results WHERE job_id = ? AND serial = ?');
    engine.events.subscribe((name: EventName, payload) => {
      if (name !== 'jobs.result') return;
      const { id, result } = payload as { id: number; result: JobResult };
      seen.push({ id, result, stored: row.get(id, result.serial) as { state: string; output: string | null } | undefined });
    });
  };
  const slow = (on: boolean) => serials.forEach((s) => fleet.setFault(s, 'slow' as FaultId, on));
  const okInDb = (id: number) =>
    (engine.db.prepare("SELECT COUNT(*) AS n FROM job_results WHERE job_id = ? AND state = 'ok'").get(id) as { n: number }).n;

  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    vault = await openNodeVault(dataDir, { env: {} });
    openEngine();
    const key = await engine.client().api.net.generateFleetKey({});
    fleet = await LabFleet.start({ dir: join(root, 'lab'), appliances: SIZE, sites: 2, seed: 5, speed: 1, authorizedKeys: key.publicKey, slowDelayMs: 300 });
    serials = enrollLabFleet(engine.inventory, fleet);
  });

  afterAll(async () => {
    engine?.close();
    await fleet?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('every result is in SQLite, as announced, before its event goes out', async () => {
    seen.length = 0;
    const job = await engine.client().api.jobs.exec({ selection: { all: true }, argv: ['ocactl', 'status'], concurrency: SIZE, acceptNew: true });
    const done = await engine.jobs.wait(job.id);
    expect(done.progress).toMatchObject({ ok: SIZE, running: 0, remaining: 0 });
    const mine = seen.filter((s) => s.id === job.id);
    expect(mine).toHaveLength(SIZE);
    for (const { result, stored } of mine) expect(stored).toEqual({ state: result.state, output: result.output });
    // What the events said is what a later read returns, started and finished times included.
    const { items } = await engine.client().api.jobs.results({ id: job.id });
    expect(items).toEqual(expect.arrayContaining(mine.map((m) => m.result)));
  });

  it('cancel returns with every result already reported durable, and loses none', async () => {
    slow(true);
    try {
      seen.length = 0;
      const api = engine.client().api;
      const job = await api.jobs.exec({ selection: { all: true }, argv: ['ocactl', 'status'], concurrency: 3 });
      const deadline = Date.now() + 10_000;
      while (seen.filter((s) => s.id === job.id).length < 3 && Date.now() < deadline) await sleep(20);
      const reported = seen.filter((s) => s.id === job.id && s.result.state === 'ok').length;
      expect(reported).toBeGreaterThanOrEqual(3);
      engine.jobs.cancel(job.id);
      expect(okInDb(job.id)).toBeGreaterThanOrEqual(reported);
      const done = await engine.jobs.wait(job.id);
      expect(done.state).toBe('cancelled');
      expect(okInDb(job.id)).toBe(seen.filter((s) => s.id === job.id && s.result.state === 'ok').length);
      expect(done.progress.ok + done.progress.failed + (await api.jobs.get({ id: job.id })).summary.notRun.length).toBe(SIZE);
    } finally {
      slow(false);
    }
  });

  it('shutdown mid-job keeps every result already reported', async () => {
    slow(true);
    let id = 0;
    let reported: string[] = [];
    try {
      seen.length = 0;
      const job = await engine.client().api.jobs.exec({ selection: { all: true }, argv: ['ocactl', 'status'], concurrency: 3 });
      id = job.id;
      const deadline = Date.now() + 10_000;
      while (seen.filter((s) => s.id === id).length < 3 && Date.now() < deadline) await sleep(20);
      engine.close();
      reported = seen.filter((s) => s.id === id && s.result.state === 'ok').map((s) => s.result.serial);
    } finally {
      slow(false);
    }
    openEngine();
    const { job, summary } = await engine.client().api.jobs.get({ id });
    expect(job.state).toBe('interrupted');
    expect(reported.length).toBeGreaterThanOrEqual(3);
    expect(summary.passed).toEqual(expect.arrayContaining(reported));
  });
});
