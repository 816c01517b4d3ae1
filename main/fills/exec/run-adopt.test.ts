/**
 * A fill run whose job was started by an engine that died before recording it (the kill -9 window
 * between the kernel's job and the run's row): running it again adopts that job instead of
 * starting a second one that would post every fill again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planFleet } from '../../lab/plan';
import { tempEngine, type TempEngine } from '../../../tests/support/temp-engine';
import { FILLS_KIND } from './kind';
import { planSiteFills } from './plan';

let t: TempEngine;
const fleet = planFleet(3, 1, 1);

beforeAll(async () => {
  t = tempEngine();
  await t.engine.inventory.importDocument(
    {
      partners: fleet.partners,
      sites: fleet.sites,
      appliances: fleet.appliances.map((a) => ({ serial: a.serial, hostname: a.hostname, site: a.site, model: a.kind, ipv4: '127.0.0.1', storageTb: a.storageTb, nicGbps: a.nicGbps, status: 'online' })),
    },
    'test',
  );
});
afterAll(() => t?.dispose());

function prepared(): number {
  const site = fleet.sites[0]!;
  const a = fleet.appliances[0]!;
  const plan = planSiteFills({
    site: { code: site.code, timezone: site.timezone, fillWindow: site.fillWindow },
    placement: { site: site.code, day: '2026-12-04', appliances: [{ serial: a.serial, capacityBytes: a.storageTb * 1e12, items: [{ contentId: 'c0099999', bytes: 1e9, value: 1 }] }] },
    appliances: [{ serial: a.serial, model: a.kind, capacityBytes: a.storageTb * 1e12, usedBytes: 0, held: [] }],
    now: t.clock.now(),
    outOfCycle: null,
  });
  return t.engine.fillsExec.repo.create(plan, null, new Date(t.clock.now()).toISOString(), 'test');
}

describe('running a fill run again after a crash', () => {
  it('adopts the job started for it instead of starting a second', async () => {
    const id = prepared();
    const a = fleet.appliances[0]!;
    // The dead engine's job: started, but the run never learned of it (still planned).
    const orphan = await t.engine.jobs.start(FILLS_KIND, { runId: id, pollMs: 50 }, [{ serial: a.serial, site: a.site, partner: fleet.sites[0]!.partner }], 'test');
    expect(t.engine.fillsExec.repo.get(id)!.state).toBe('planned');
    const run = await t.engine.client({ actor: 'test' }).api.fills.run({ id });
    expect(run.jobId).toBe(orphan.id);
    const fillsJobs = t.engine.jobs.repo.list(100).filter((j) => j.runner === FILLS_KIND);
    expect(fillsJobs.map((j) => j.id)).toEqual([orphan.id]);
    t.engine.jobs.cancel(orphan.id);
  });

  it('starts a job for a run that has none', async () => {
    const id = prepared();
    const before = t.engine.jobs.repo.list(100).length;
    const run = await t.engine.client({ actor: 'test' }).api.fills.run({ id });
    expect(run.jobId).not.toBeNull();
    expect(t.engine.jobs.repo.list(100).length).toBe(before + 1);
    t.engine.jobs.cancel(run.jobId!);
  });
});
