/**
 * The jobs and net stores against a real engine and a real lab fleet (ssh2 servers on 127.0.0.1),
 * through the typed client the window uses: progress and results arrive live, a cancel keeps what
 * was received, retry takes only the rest, a rotated host key raises an alert the store shows.
 * The pure steps (progress never going back, rows replaced in place) are tested first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../../../main/api/client';
import type { Job, JobProgress, JobResult } from '../../../../main/net/contract';
import { useEngine } from '../../stores/engine';
import { emptyResults, followJobEvents, RESULT_PAGE, resultAt, toResultsPage, useJobs, withProgress, withResults } from './store';
import { alertsForAppliance, followNetEvents, newAlertIds, useNet } from '../net/store';
import { until } from '../../../../tests/support/wait';

const progress = (p: Partial<JobProgress>): JobProgress => ({
  id: 1,
  state: 'running',
  total: 3,
  ok: 0,
  failed: 0,
  done: 0,
  running: 0,
  remaining: 3,
  rate: 0,
  etaSeconds: null,
  ...p,
});
const job = (p: Partial<JobProgress> = {}): Job => ({
  id: 1,
  kind: 'ocactl',
  state: p.state ?? 'running',
  actor: 'test',
  argv: ['ocactl', 'status'],
  concurrency: 2,
  createdAt: '2026-01-01T00:00:00.000Z',
  finishedAt: null,
  retryOf: null,
  progress: progress(p),
});
const result = (serial: string, state: JobResult['state']): JobResult => ({
  serial,
  state,
  ok: state === 'ok',
  exitCode: state === 'ok' ? 0 : null,
  output: null,
  stderr: null,
  errorCode: null,
  errorMessage: null,
  errorDetails: null,
  startedAt: null,
  finishedAt: null,
});

describe('job store steps', () => {
  it('applies progress, but a late running update never reopens an ended job', () => {
    const running = withProgress(job(), progress({ ok: 1, done: 1 }));
    expect(running.progress.ok).toBe(1);
    const ended = withProgress(running, progress({ state: 'cancelled', ok: 1, done: 3 }));
    expect(ended.state).toBe('cancelled');
    expect(withProgress(ended, progress({ ok: 1, done: 1 }))).toBe(ended);
    expect(withProgress(ended, progress({ id: 2, state: 'done' }))).toBe(ended);
  });

  it('replaces arrived rows where they are loaded and leaves the rest for their page', () => {
    const rows = Array.from({ length: RESULT_PAGE + 2 }, (_, i) => result(`S${i}`, 'pending'));
    const r = { ...emptyResults(1), total: rows.length, pages: { 0: toResultsPage(rows.slice(0, RESULT_PAGE)), 1: toResultsPage(rows.slice(RESULT_PAGE)) } };
    expect(resultAt(r, RESULT_PAGE + 1)?.serial).toBe(`S${RESULT_PAGE + 1}`);
    const before = r.pages[0];
    const next = withResults(r, [result('S3', 'ok'), result(`S${RESULT_PAGE}`, 'failed'), result('NOT-LOADED', 'ok')]);
    expect(resultAt(next, 3)?.state).toBe('ok');
    expect(resultAt(next, RESULT_PAGE)?.state).toBe('failed');
    expect(resultAt(next, 4)?.state).toBe('pending');
    expect(r.pages[0]).toBe(before); // the old state is not mutated
    expect(withResults(r, [result('NOT-LOADED', 'ok')])).toBe(r);
  });

  it('knows which alerts are new since the last look', () => {
    const alert = (id: number, target: string) => ({
      id,
      target,
      host: '127.0.0.1',
      port: 22,
      expected: 'a',
      presented: 'b',
      firstSeenAt: '',
      lastSeenAt: '',
      count: 1,
      resolvedAt: null,
      resolvedBy: null,
      resolution: null,
    });
    expect(newAlertIds(null, [alert(1, 'appliance:A')])).toEqual([]);
    expect(newAlertIds([alert(1, 'appliance:A')], [alert(2, 'appliance:B'), alert(1, 'appliance:A')])).toEqual([2]);
    expect(alertsForAppliance([alert(1, 'appliance:A'), alert(2, 'bastion:A')], 'A').map((a) => a.id)).toEqual([1]);
  });
});

// ---------------------------------------------------------------------------------------------

interface LabFleetLike {
  manifestAppliances(): Array<Record<string, unknown> & { serial: string; hostKeyFingerprint: string }>;
  setFault(serial: string, fault: string, on: boolean): unknown;
  stop(): Promise<void>;
}
interface Support {
  tempEngine: () => {
    engine: { client(ctx?: { actor?: string }): ApiClient; inventory: unknown };
    dir: string;
    dispose(): void;
  };
}
interface LabSupport {
  LabFleet: { start(o: Record<string, unknown>): Promise<LabFleetLike> };
}
interface LabInventorySupport {
  enrollLabFleet(inventory: unknown, fleet: LabFleetLike, options: { recordHostKeys?: boolean }): string[];
}

// Engine and lab are Node code outside the renderer's type world: loaded at run time.
const ENGINE_SUPPORT = '../../../../tests/support/temp-engine';
const LAB_FLEET = '../../../../main/lab/fleet';
const LAB_INVENTORY = '../../../../tests/support/lab-inventory';
const SLOW_MS = 600;

describe('jobs and host keys in the window, against a real engine and lab fleet', () => {
  let temp: ReturnType<Support['tempEngine']>;
  let fleet: LabFleetLike;
  let serials: string[] = [];
  let unfollow: Array<() => void> = [];

  beforeAll(async () => {
    const { tempEngine } = (await import(/* @vite-ignore */ ENGINE_SUPPORT)) as Support;
    const { LabFleet } = (await import(/* @vite-ignore */ LAB_FLEET)) as LabSupport;
    const { enrollLabFleet } = (await import(/* @vite-ignore */ LAB_INVENTORY)) as LabInventorySupport;
    temp = tempEngine();
    const admin = temp.engine.client({ actor: 'test:admin' });
    const key = await admin.api.net.generateFleetKey({});
    fleet = await LabFleet.start({ dir: `${temp.dir}/lab`, appliances: 8, sites: 2, seed: 11, speed: 1, authorizedKeys: key.publicKey, slowDelayMs: SLOW_MS });
    // As the site survey would have it: every key on record before the first connection.
    serials = enrollLabFleet(temp.engine.inventory, fleet, { recordHostKeys: true });
    useEngine.getState().attach(temp.engine.client({ actor: 'test:window' }));
    unfollow = [followJobEvents(), followNetEvents()];
    await useJobs.getState().loadList();
  });

  afterAll(async () => {
    for (const off of unfollow) off();
    useEngine.getState().markLost('test finished');
    await fleet?.stop();
    temp?.dispose();
  });

  it('previews, runs, and follows a job live to done with its summary', async () => {
    const preview = await useJobs.getState().preview({ all: true });
    expect(preview.total).toBe(8);
    const started = await useJobs.getState().exec({ selection: { all: true }, argv: ['ocactl', 'status'], concurrency: 4 });
    expect(useJobs.getState().list?.[0]?.id).toBe(started.id);
    await useJobs.getState().openJob(started.id);
    useJobs.getState().ensureResults(0, 7);
    const done = await until(() => (useJobs.getState().view?.summary?.passed.length === 8 ? useJobs.getState().view : null), 'the summary');
    expect(done.job?.state).toBe('done');
    expect(done.job?.progress).toMatchObject({ total: 8, ok: 8, failed: 0, done: 8 });
    await until(() => [0, 1, 2, 3, 4, 5, 6, 7].every((i) => resultAt(useJobs.getState().view!.results, i)?.state === 'ok'), 'every row ok');
    expect(useJobs.getState().list?.find((j) => j.id === started.id)?.state).toBe('done');
  });

  it('shows progress while running, and a cancel keeps the results already in', async () => {
    // The last six (in job order) answer slowly; two at a time, the first two are in well before them.
    for (const s of serials.slice(2)) fleet.setFault(s, 'slow', true);
    const started = await useJobs.getState().exec({ selection: { all: true }, argv: ['ocactl', 'status'], concurrency: 2 });
    await useJobs.getState().openJob(started.id);
    useJobs.getState().ensureResults(0, 7);
    const mid = await until(() => {
      const j = useJobs.getState().view?.job;
      return j && j.progress.ok >= 2 && j.state === 'running' ? j : null;
    }, 'two results while running');
    expect(mid.progress.remaining + mid.progress.running + mid.progress.done).toBe(8);
    await useJobs.getState().cancel(started.id);
    const ended = await until(() => (useJobs.getState().view?.summary && useJobs.getState().view?.job?.state === 'cancelled' ? useJobs.getState().view : null), 'cancelled');
    const summary = ended.summary!;
    expect(summary.passed.length).toBeGreaterThanOrEqual(2);
    expect(summary.notRun.length).toBeGreaterThan(0);
    expect(summary.passed.length + summary.failed.length + summary.notRun.length).toBe(8);
    await until(() => resultAt(useJobs.getState().view!.results, 7)?.state === 'cancelled', 'the last row cancelled');

    for (const s of serials.slice(2)) fleet.setFault(s, 'slow', false);
    const retry = await useJobs.getState().retry(started.id, false);
    expect(retry.retryOf).toBe(started.id);
    expect(retry.progress.total).toBe(summary.failed.length + summary.notRun.length);
    await useJobs.getState().openJob(retry.id);
    await until(() => useJobs.getState().view?.summary?.passed.length === retry.progress.total, 'the retry to pass');
  });

  it('raises a host-key alert on a rotated key, and trusting it clears the alert', async () => {
    const victim = serials[0]!;
    await useNet.getState().loadAlerts();
    expect(useNet.getState().alerts).toEqual([]);
    fleet.setFault(victim, 'host-key-rotation', true);
    // A connection opened before the rotation would be reused: a settings change closes the engine's pool.
    const admin = temp.engine.client({ actor: 'test:admin' });
    await admin.api.net.updateSettings({ connectTimeoutMs: 5_000 });
    const started = await useJobs.getState().exec({ selection: { serials: [victim] }, argv: ['ocactl', 'status'] });
    await useJobs.getState().openJob(started.id);
    const failed = await until(() => useJobs.getState().view?.summary?.failed[0], 'the refusal');
    expect(failed.errorCode).toBe('E_HOSTKEY_MISMATCH');
    const alert = await until(() => alertsForAppliance(useNet.getState().alerts, victim)[0], 'the alert in the store');
    expect(alert.expected).toBe(fleet.manifestAppliances().find((a) => a.serial === victim)!.hostKeyFingerprint);
    expect(alert.presented).not.toBe(alert.expected);
    await useNet.getState().resolveAlert(alert.id, true);
    expect(alertsForAppliance(useNet.getState().alerts, victim)).toEqual([]);
    const again = await useJobs.getState().exec({ selection: { serials: [victim] }, argv: ['ocactl', 'status'] });
    await useJobs.getState().openJob(again.id);
    await until(() => useJobs.getState().view?.summary?.passed[0] === victim, 'the appliance reachable with its new key');
  });
});
