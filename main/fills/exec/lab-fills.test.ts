/**
 * Fills end to end on the lab: a real engine (SQLite, jobs kernel, HTTP to the appliances) and a
 * lab fleet on loopback sharing one accelerated clock. A placement for the site's most watched
 * titles that nobody in the site holds is planned against what the appliances hold (GET /v1/cache),
 * run as a `fills` job, and checked on the appliances themselves: every fill inside the site's
 * window, at no more than the model's rate cap, a peer used where one holds the item, and the hit
 * ratio (offload) of the site rising.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../engine';
import { LabFleet } from '../../lab/fleet';
import { LabClock } from '../../lab/model/clock';
import { catalogBytes, catalogId, catalogIndex } from '../../lab/model/catalog';
import { labDemandModel } from '../../lab/model/demand';
import { silentLogger } from '../../store/log';
import { memoryVault } from '../../../tests/support/memory-vault';
import { tempDir } from '../../../tests/support/temp-dir';
import { enrollLabFleet } from '../../../tests/support/lab-inventory';
import { generateEd25519 } from '../../keys/openssh-keygen';
import type { SitePlacement } from '../placement-contract';
import { FILL_RATE_GBPS } from './contract';

const SEED = 2; // 3 storage (51-71k titles each) + 1 flash in gru1: the tail of the 80k catalog is missed
/** 02:00 in São Paulo (UTC-3): the lab's 02:00-14:00 fill window opens. */
const WINDOW_OPEN = Date.UTC(2026, 11, 4, 5, 0, 0);
const WINDOW_CLOSE = Date.UTC(2026, 11, 4, 17, 0, 0);
const SPEED = 400;

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(labStart: number) {
  const dir = tempDir('fleetdeck-fills-');
  const clock = new LabClock(SPEED, undefined, labStart);
  const key = generateEd25519('fills-test');
  const fleet = await LabFleet.start({ dir: join(dir, 'lab'), appliances: 4, sites: 1, seed: SEED, speed: SPEED, authorizedKeys: key.publicKey, clock });
  mkdirSync(join(dir, 'engine'), { recursive: true });
  const engine: Engine = createEngine({ dataDir: join(dir, 'engine'), host: 'test', vault: memoryVault(), clock, log: silentLogger, checkOutputs: true });
  cleanup.push(async () => {
    engine.close();
    await fleet.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const serials = enrollLabFleet(engine.inventory, fleet);
  await fleet.servingReady();
  return { fleet, engine, clock, serials };
}

/** Tomorrow's most watched titles at the site that no appliance there holds, and a head title only storage holds. */
function placementFor(fleet: LabFleet, serials: string[], now: number): SitePlacement {
  const site = fleet.plan.sites[0]!;
  const model = labDemandModel({ seed: SEED, ...fleet.plan });
  const day = new Date(now - 3 * 3_600_000).toISOString().slice(0, 10);
  const demand = model.siteDay(site.code, day);
  const appliances = serials.map((s) => fleet.appliance(s)!);
  const missing: { index: number; value: number }[] = [];
  for (let i = 0; i < demand.bytes.length; i++) {
    if (demand.bytes[i]! > 0 && appliances.every((a) => a.cachedBytes(catalogId(i)) === null)) missing.push({ index: i, value: demand.bytes[i]! });
  }
  missing.sort((a, b) => b.value - a.value);
  const top = missing.slice(0, 20);
  expect(top.length).toBe(20);
  const flash = appliances.find((a) => a.state.kind === 'flash')!;
  const storage = appliances.filter((a) => a.state.kind === 'storage');
  // A title every storage appliance holds (the baseline head) but the flash one does not.
  const peerTitle = flash.state.cache.baselineCount + 10;
  const items = new Map<string, { contentId: string; bytes: number; value: number }[]>(serials.map((s) => [s, []]));
  items.get(flash.serial)!.push({ contentId: catalogId(peerTitle), bytes: catalogBytes(peerTitle), value: demand.bytes[peerTitle]! + 1 });
  top.forEach((t, i) => {
    const to = i < 2 ? flash : storage[i % storage.length]!;
    items.get(to.serial)!.push({ contentId: catalogId(t.index), bytes: catalogBytes(t.index), value: t.value });
  });
  return {
    site: site.code,
    day,
    appliances: serials.map((serial) => ({
      serial,
      capacityBytes: fleet.appliance(serial)!.state.storageBytes,
      items: items.get(serial)!.sort((a, b) => b.value - a.value),
    })),
  };
}

function siteHitRatios(fleet: LabFleet, serials: string[]) {
  return serials.map((s) => fleet.appliance(s)!.metrics()).map((m) => ({ hit: m.cacheHitRatio, origin: m.originGbps!, serving: m.servingGbps }));
}

describe('fills on the lab', () => {
  it('fills inside the window at the model caps, from a peer where one holds the item, and the hit ratio rises', async () => {
    const { fleet, engine, clock, serials } = await setup(WINDOW_OPEN + 60_000);
    const client = engine.client({ actor: 'test' }).api;
    const placement = placementFor(fleet, serials, clock.now());
    const before = siteHitRatios(fleet, serials);

    const prepared = await client.fills.prepare({ placement, placementId: 'test-1' });
    expect(prepared.state).toBe('planned');
    const plan = prepared.plan;
    expect(new Set(plan.appliances.map((a) => a.startAt)).size).toBe(1);
    expect(plan.totals.droppedItems).toBe(0);
    const flashPlan = plan.appliances.find((a) => a.model === 'flash')!;
    const fromPeer = flashPlan.fill.filter((f) => f.source !== 'origin');
    expect(fromPeer).toHaveLength(1);
    expect(fromPeer[0]!.source).toMatch(/^peer:LAB/);
    expect(plan.totals.fromPeersBytes).toBe(fromPeer[0]!.bytes);

    const started = await client.fills.run({ id: prepared.id, pollMs: 40 });
    expect(started.state).toBe('running');
    const job = await client.jobs.wait({ id: started.jobId!, timeoutMs: 60_000 });
    expect(job.state).toBe('done');
    const run = await client.fills.getRun({ id: prepared.id });
    expect(run.state).toBe('done');
    expect(run.progress.map((p) => p.phase)).toEqual(serials.map(() => 'verified'));

    for (const p of run.progress) {
      const a = fleet.appliance(p.serial)!;
      const model = a.state.kind;
      for (const id of p.fillIds) {
        const f = a.fillJob(id);
        expect(f.state).toBe('done');
        const start = Date.parse(f.startedAt!);
        const end = Date.parse(f.finishedAt!);
        // Inside the site's window (02:00-14:00 São Paulo).
        expect(start).toBeGreaterThanOrEqual(WINDOW_OPEN);
        expect(end).toBeLessThanOrEqual(WINDOW_CLOSE);
        // At no more than the model's cap (a flash peer's or the appliance's own).
        const gbps = (f.bytesTotal * 8) / ((end - start) / 1000) / 1e9;
        expect(gbps).toBeLessThanOrEqual(FILL_RATE_GBPS[model] * 1.001);
        expect(gbps).toBeGreaterThan(FILL_RATE_GBPS[model] * 0.9);
      }
      const planned = plan.appliances.find((x) => x.serial === p.serial)!;
      for (const item of planned.fill) expect(a.cachedBytes(item.contentId)).toBe(item.bytes);
    }
    const flash = fleet.appliance(flashPlan.serial)!;
    const landed = flash.cacheList(flash.cacheList(0, 1).total - 3, 3).items;
    expect(landed.some((i) => i.source.startsWith('peer:') && catalogIndex(i.contentId) === catalogIndex(fromPeer[0]!.contentId))).toBe(true);

    const after = siteHitRatios(fleet, serials);
    const offload = (xs: typeof before) => xs.reduce((s, x) => s + x.serving, 0) / xs.reduce((s, x) => s + x.serving + x.origin, 0);
    after.forEach((x, i) => expect(x.hit).toBeGreaterThanOrEqual(before[i]!.hit));
    expect(after.some((x, i) => x.hit > before[i]!.hit + 0.001)).toBe(true);
    expect(offload(after)).toBeGreaterThan(offload(before));
  }, 90_000);

  it('an out-of-cycle fill needs the appliance count typed back, then runs outside the window at its cap', async () => {
    const outside = WINDOW_CLOSE + 3_600_000; // 15:00 in São Paulo
    const { fleet, engine, clock, serials } = await setup(outside);
    const client = engine.client({ actor: 'test' }).api;
    const placement = placementFor(fleet, serials, clock.now());
    // A hot release to one storage appliance.
    const one = { ...placement, appliances: placement.appliances.filter((a) => fleet.appliance(a.serial)!.state.kind === 'storage').slice(0, 1) };
    one.appliances[0]!.items = one.appliances[0]!.items.slice(0, 2);
    const prepared = await client.fills.prepare({ placement: one, outOfCycle: { maxGbps: 0.6, maxBytes: 50e9 } });
    expect(prepared.plan.windowEnd).toBeNull();
    const refused = await client.fills.run({ id: prepared.id }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as { code?: string }).code).toBe('E_CONFIRM');
    const run = await client.fills.run({ id: prepared.id, confirm: 1, pollMs: 40 });
    const job = await client.jobs.wait({ id: run.jobId!, timeoutMs: 60_000 });
    expect(job.state).toBe('done');
    const done = await client.fills.getRun({ id: prepared.id });
    expect(done.state).toBe('done');
    const p = done.progress[0]!;
    const f = fleet.appliance(p.serial)!.fillJob(p.fillIds[0]!);
    const start = Date.parse(f.startedAt!);
    expect(start).toBeGreaterThanOrEqual(outside);
    expect((f.bytesTotal * 8) / ((Date.parse(f.finishedAt!) - start) / 1000) / 1e9).toBeCloseTo(0.6, 2);
  }, 90_000);
});
