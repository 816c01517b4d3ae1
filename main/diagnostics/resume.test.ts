/**
 * A diagnostics suite survives the engine going away mid-run: the job stays running in the
 * journal, the next engine on the data dir reconciles the checks that were under way (they only
 * read, so they run again) and finishes every appliance's run, each check recorded once, in order.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DIAG_CHECKS } from '../appliance/contract';
import { createEngine, type Engine } from '../engine';
import { LabFleet } from '../lab/fleet';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import { enrollLabFleet } from '../../tests/support/lab-inventory';
import { until } from '../../tests/support/wait';

describe('a diagnostics suite after the engine stops mid-run', () => {
  const root = mkdtempSync(join(tmpdir(), 'fleetdeck-diag-resume-'));
  const dataDir = join(root, 'data');
  let fleet: LabFleet | undefined;
  const engines: Engine[] = [];
  const open = async () => {
    const engine = createEngine({ dataDir, host: 'test', vault: await openNodeVault(dataDir, { env: {} }), log: silentLogger, checkOutputs: true });
    engines.push(engine);
    return engine;
  };

  afterAll(async () => {
    for (const e of engines) e.close();
    await fleet?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('is resumed by the next engine and completes every run once', async () => {
    mkdirSync(dataDir, { recursive: true });
    const first = await open();
    const key = await first.client().api.net.generateFleetKey({});
    fleet = await LabFleet.start({ dir: join(root, 'lab'), appliances: 3, sites: 1, seed: 4, speed: 1, authorizedKeys: key.publicKey, slowDelayMs: 250 });
    const serials = enrollLabFleet(first.inventory, fleet, { recordHostKeys: true });
    for (const s of serials) fleet.setFault(s, 'slow', true);
    const { jobId } = await first.client().api.diagnostics.run({ selection: { all: true } });
    // Stop once some checks are in and some are not.
    await until(() => first.diagnostics.repo.runs({ jobId }, 10).reduce((n, r) => n + r.results.length, 0) >= 3, 'three checks recorded', { timeoutMs: 45_000, intervalMs: 50 });
    const before = first.diagnostics.repo.runs({ jobId }, 10);
    const partial = before.reduce((n, r) => n + r.results.length, 0);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(serials.length * DIAG_CHECKS.length);
    first.close();
    engines.splice(engines.indexOf(first), 1);

    const second = await open();
    const job = await second.jobs.wait(jobId, 60_000);
    expect(job.state).toBe('done');
    const runs = second.diagnostics.repo.runs({ jobId }, 10);
    expect(runs.map((r) => r.serial).sort()).toEqual(serials);
    for (const run of runs) {
      expect(run.results.map((r) => r.check)).toEqual([...DIAG_CHECKS]);
      expect(run.status).toBe('OK');
      expect(run.finishedAt).not.toBeNull();
    }
    // The same run rows as before the stop: nothing started over as a new run.
    expect(before.map((r) => r.id).every((id) => runs.some((r) => r.id === id))).toBe(true);
  }, 120_000);
});
