/**
 * Progress events of a fan-out job are throttled (one per 250 ms), but the latest counts always go
 * out: while the slowest appliance is still running, the last event says how many are done.
 * Real engine, real lab fleet over SSH.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName } from '../api/contract';
import { createEngine, type Engine } from '../engine';
import { LabFleet } from '../lab/fleet';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import type { JobProgress } from './contract';
import { enrollLabFleet } from '../../tests/support/lab-inventory';

const SIZE = 6;
const SLOW_MS = 3000;

describe('job progress events', () => {
  const root = mkdtempSync(join(tmpdir(), 'fleetdeck-jobs-progress-'));
  const dataDir = join(root, 'data');
  let engine: Engine;
  let fleet: LabFleet;
  let serials: string[] = [];
  const events: Array<{ name: EventName; payload: unknown }> = [];

  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    engine = createEngine({ dataDir, host: 'test', vault: await openNodeVault(dataDir, { env: {} }), log: silentLogger, checkOutputs: true });
    engine.events.subscribe((name, payload) => events.push({ name, payload }));
    const key = await engine.client().api.net.generateFleetKey({});
    fleet = await LabFleet.start({ dir: join(root, 'lab'), appliances: SIZE, sites: 1, seed: 11, speed: 1, authorizedKeys: key.publicKey, slowDelayMs: SLOW_MS });
    serials = enrollLabFleet(engine.inventory, fleet);
  });

  afterAll(async () => {
    engine?.close();
    await fleet?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('sends the latest counts at the end of a throttled window, and nothing after the job ends', async () => {
    const slow = serials.at(-1)!;
    fleet.setFault(slow, 'slow', true);
    // All at once: the fast replies land within one throttle window of each other.
    const job = await engine.client().api.jobs.exec({ selection: { all: true }, argv: ['ocactl', 'status'], concurrency: SIZE, acceptNew: true });
    await engine.jobs.wait(job.id);
    await new Promise((r) => setTimeout(r, 600)); // a stray trailing event would come in this time
    const mine = events.filter((e) => e.name.startsWith('jobs.') && (e.payload as { id?: number }).id === job.id);
    const slowResult = mine.findIndex((e) => e.name === 'jobs.result' && (e.payload as { result: { serial: string } }).result.serial === slow);
    expect(slowResult).toBeGreaterThan(0);
    // The five fast results are all in before the slow one, and a progress event said so.
    const before = mine.slice(0, slowResult).filter((e) => e.name === 'jobs.progress').map((e) => e.payload as JobProgress);
    expect(before.at(-1)).toMatchObject({ state: 'running', total: SIZE, done: SIZE - 1, ok: SIZE - 1, running: 1, remaining: 0 });
    // The job's last word is jobs.finished; no progress event follows it.
    expect(mine.at(-1)!.name).toBe('jobs.finished');
    expect(mine.at(-1)!.payload).toMatchObject({ state: 'done', done: SIZE, ok: SIZE });
    fleet.setFault(slow, 'slow', false);
  });
});
