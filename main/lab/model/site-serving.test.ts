/**
 * The lab made real for fills: windows in the site's time zone, rate caps per model, peer fills at
 * the peer's rate (and on the peer's link), and serving / hit ratio / transit that follow what the
 * site's appliances hold against the site's demand.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../kit/time';
import { planFleet } from '../plan';
import { createApplianceState, LabAppliance } from './appliance';
import { STEP_MS } from './peer-uplink';
import { SiteServing, type DemandSource } from './site-serving';

const TZ = 'Europe/Berlin';
const GB = 1e9;
/** 2026-03-10 20:00 in Berlin (UTC+1): the 02:00-06:00 window opens at 01:00 UTC on the 11th. */
const EVENING = Date.UTC(2026, 2, 10, 19, 0, 0);
const WINDOW_OPENS = Date.UTC(2026, 2, 11, 1, 0, 0);
const WINDOW_CLOSES = Date.UTC(2026, 2, 11, 5, 0, 0);

/** Demand over titles no lab baseline holds, so the test decides what is cached. */
const demand: DemandSource = {
  siteDay: () => [
    ['title-a', 600],
    ['title-b', 300],
    ['title-c', 100],
  ],
};

/** The items fills added (after the baseline in the cache listing). */
function added(a: LabAppliance) {
  const total = a.cacheList(0, 1).total;
  return a.cacheList(Math.max(0, total - 5), 5).items;
}

function site(kinds: ('storage' | 'flash')[], now = EVENING, window = '02:00-06:00') {
  const clock = new ManualClock(now);
  const specs = planFleet(6, 1, 3).appliances;
  const serving = new SiteServing('ber1', TZ, demand);
  const appliances = kinds.map((kind, i) => {
    const spec = specs.filter((s) => s.kind === kind)[i % 2]!;
    const a = new LabAppliance(createApplianceState({ ...spec, serial: `T${i}`, timezone: TZ, fillWindow: window }, clock.now()), clock);
    serving.add(a);
    a.attachSite(serving);
    return a;
  });
  return { clock, appliances, serving };
}

describe('fill window and rate caps', () => {
  it('holds a fill posted in the evening until the window opens at 02:00 site time, then moves at the model rate', () => {
    const { clock, appliances } = site(['storage']);
    const [a] = appliances as [LabAppliance];
    const job = a.startFill({ items: [{ contentId: 'title-a', bytes: 1200 * GB, source: 'origin' }], evict: [] });
    expect(job.state).toBe('queued');
    clock.set(WINDOW_OPENS - 60_000);
    expect(a.fillJob(job.id)).toMatchObject({ state: 'queued', bytesDone: 0 });
    // One hour into the window at 1.2 Gbps: 540 GB.
    clock.set(WINDOW_OPENS + 3_600_000);
    const running = a.fillJob(job.id);
    expect(running.state).toBe('running');
    expect(running.startedAt).toBe(new Date(WINDOW_OPENS).toISOString());
    expect(running.bytesDone).toBeCloseTo(540 * GB, -7);
    expect(running.rateGbps).toBe(1.2);
    expect(a.metrics().fill.rateGbps).toBe(1.2);
  });

  it('pauses at the end of the window and goes on in the next one', () => {
    const { clock, appliances } = site(['flash']);
    const [a] = appliances as [LabAppliance];
    // 0.3 Gbps for the 4-hour window: 540 GB a night. 700 GB needs two nights.
    const job = a.startFill({ items: [{ contentId: 'title-a', bytes: 700 * GB, source: 'origin' }], evict: [] });
    clock.set(WINDOW_CLOSES + 6 * 3_600_000);
    const paused = a.fillJob(job.id);
    expect(paused.state).toBe('running');
    expect(paused.bytesDone).toBeCloseTo(540 * GB, -7);
    expect(paused.rateGbps).toBe(0);
    expect(a.cachedBytes('title-a')).toBeNull();
    clock.set(WINDOW_CLOSES + 86_400_000);
    const done = a.fillJob(job.id);
    expect(done.state).toBe('done');
    // The rest (160 GB at 0.3 Gbps, 4267 s) lands in the second night's window.
    const finished = Date.parse(done.finishedAt!);
    expect(finished).toBeGreaterThanOrEqual(WINDOW_OPENS + 86_400_000);
    expect(finished).toBeLessThan(WINDOW_CLOSES + 86_400_000);
    expect(finished - (WINDOW_OPENS + 86_400_000)).toBeCloseTo((160 * GB * 8) / 0.3e9 * 1000, -3);
    expect(a.cachedBytes('title-a')).toBe(700 * GB);
  });

  it('runs an out-of-cycle fill now, at its cap', () => {
    const { clock, appliances } = site(['storage']);
    const [a] = appliances as [LabAppliance];
    const job = a.startFill({ items: [{ contentId: 'title-a', bytes: 45 * GB, source: 'origin' }], evict: [], outOfWindow: true, maxGbps: 0.5 });
    expect(job.state).toBe('running');
    clock.advance(360_000); // 6 minutes at 0.5 Gbps: 22.5 GB
    expect(a.fillJob(job.id).bytesDone).toBeCloseTo(22.5 * GB, -7);
    expect(a.fillJob(job.id).rateGbps).toBe(0.5);
    clock.advance(360_000);
    expect(a.fillJob(job.id).state).toBe('done');
  });
});

describe('peer fills', () => {
  it('take an item from a peer at the slower of the two rates and show on the peer’s link', () => {
    const { clock, appliances } = site(['storage', 'flash'], WINDOW_OPENS);
    const [storage, flash] = appliances as [LabAppliance, LabAppliance];
    flash.startFill({ items: [{ contentId: 'title-b', bytes: 27 * GB, source: 'origin' }], evict: [] });
    clock.advance(720_001); // 27 GB at 0.3 Gbps: 12 minutes
    flash.advance();
    expect(flash.cachedBytes('title-b')).toBe(27 * GB);
    const job = storage.startFill({ items: [{ contentId: 'title-b', bytes: 27 * GB, source: `peer:${flash.serial}` }], evict: [] });
    clock.advance(360_000);
    // At the flash peer's 0.3 Gbps, not the storage appliance's 1.2: half done after 6 minutes.
    expect(storage.fillJob(job.id).bytesDone).toBeCloseTo(13.5 * GB, -7);
    expect(storage.fillJob(job.id).rateGbps).toBe(0.3);
    expect(flash.metrics().peerFillGbps).toBe(0.3);
    expect(storage.metrics().peerFillGbps).toBe(0);
    clock.advance(360_001);
    expect(added(storage).find((i) => i.contentId === 'title-b')?.source).toBe(`peer:${flash.serial}`);
    expect(flash.metrics().peerFillGbps).toBe(0);
  });

  it('split a peer’s upload among the appliances pulling from it at once', () => {
    const { clock, appliances } = site(['storage', 'storage', 'storage'], WINDOW_OPENS);
    const [peer, b, c] = appliances as [LabAppliance, LabAppliance, LabAppliance];
    peer.startFill({ items: [{ contentId: 'title-a', bytes: 27 * GB, source: 'origin' }], evict: [] });
    clock.advance(180_001); // 27 GB at 1.2 Gbps: 3 minutes
    peer.advance();
    expect(peer.cachedBytes('title-a')).toBe(27 * GB);
    const start = clock.now();
    // Both pull title-a from the same peer: 9 GB and 27 GB.
    const jb = b.startFill({ items: [{ contentId: 'title-a', bytes: 9 * GB, source: `peer:${peer.serial}` }], evict: [] });
    const jc = c.startFill({ items: [{ contentId: 'title-a', bytes: 27 * GB, source: `peer:${peer.serial}` }], evict: [] });
    clock.advance(60_000);
    // The peer's 1.2 Gbps split in two: 0.6 Gbps each, 4.5 GB in a minute; the peer sends 1.2 in all.
    expect(c.fillJob(jc.id).rateGbps).toBe(0.6);
    expect(b.fillJob(jb.id).rateGbps).toBe(0.6);
    expect(b.fillJob(jb.id).bytesDone).toBeCloseTo(4.5 * GB, -7);
    expect(c.fillJob(jc.id).bytesDone).toBeCloseTo(4.5 * GB, -7);
    expect(peer.metrics().peerFillGbps).toBe(1.2);
    // b is done after 2 minutes (9 GB at 0.6); c then has the whole 1.2 Gbps for its last 18 GB (2 more minutes).
    clock.advance(90_000);
    expect(b.fillJob(jb.id).state).toBe('done');
    expect(c.fillJob(jc.id).rateGbps).toBe(1.2);
    expect(peer.metrics().peerFillGbps).toBe(1.2);
    clock.advance(300_000);
    const done = c.fillJob(jc.id);
    expect(done.state).toBe('done');
    // Alone it would have taken 3 minutes; shared, 4 (within one re-division step).
    expect(Math.abs(Date.parse(done.finishedAt!) - (start + 240_000))).toBeLessThanOrEqual(STEP_MS);
    expect(Date.parse(b.fillJob(jb.id).finishedAt!) - start).toBeCloseTo(120_000, -3);
  });

  it('split a peer’s upload also when the pullers are only asked much later', () => {
    const { clock, appliances } = site(['storage', 'storage', 'storage'], WINDOW_OPENS);
    const [peer, b, c] = appliances as [LabAppliance, LabAppliance, LabAppliance];
    peer.startFill({ items: [{ contentId: 'title-a', bytes: 27 * GB, source: 'origin' }], evict: [] });
    clock.advance(180_001);
    peer.advance();
    const start = clock.now();
    const jb = b.startFill({ items: [{ contentId: 'title-a', bytes: 27 * GB, source: `peer:${peer.serial}` }], evict: [] });
    const jc = c.startFill({ items: [{ contentId: 'title-a', bytes: 27 * GB, source: `peer:${peer.serial}` }], evict: [] });
    // Nobody looks for an hour: both still moved at 0.6 Gbps and took 6 minutes, not 3.
    clock.advance(3_600_000);
    for (const [a, j] of [[b, jb], [c, jc]] as const) {
      const f = a.fillJob(j.id);
      expect(f.state).toBe('done');
      expect(Math.abs(Date.parse(f.finishedAt!) - (start + 360_000))).toBeLessThanOrEqual(STEP_MS);
    }
  });

  it('fall back to the origin when the peer does not hold the item', () => {
    const { clock, appliances } = site(['storage', 'storage'], WINDOW_OPENS);
    const [a, b] = appliances as [LabAppliance, LabAppliance];
    a.startFill({ items: [{ contentId: 'title-c', bytes: 9 * GB, source: `peer:${b.serial}` }], evict: [] });
    clock.advance(60_001); // 9 GB at 1.2 Gbps: 60 s
    expect(added(a).find((i) => i.contentId === 'title-c')?.source).toBe('origin');
  });
});

describe('serving follows what the site holds', () => {
  it('raises the hit ratio and serving and lowers transit as the demanded titles arrive', () => {
    const { clock, appliances } = site(['storage', 'storage'], WINDOW_OPENS + 12 * 3_600_000);
    const [a, b] = appliances as [LabAppliance, LabAppliance];
    const before = a.metrics();
    expect(before.cacheHitRatio).toBe(0);
    expect(before.servingGbps).toBe(0);
    expect(before.originGbps).toBeGreaterThan(10);
    a.startFill({ items: [{ contentId: 'title-b', bytes: 9 * GB, source: 'origin' }], evict: [], outOfWindow: true });
    clock.advance(61_000);
    // a holds title-b (300 of 1000): it serves all of it; the misses (700) are shared by the two.
    expect(a.metrics().cacheHitRatio).toBeCloseTo(300 / (300 + 350), 3);
    expect(b.metrics().cacheHitRatio).toBe(0);
    b.startFill({ items: [{ contentId: 'title-a', bytes: 9 * GB, source: 'origin' }], evict: [], outOfWindow: true });
    clock.advance(61_000);
    const after = a.metrics();
    expect(after.cacheHitRatio).toBeCloseTo(300 / (300 + 50), 3);
    expect(b.metrics().cacheHitRatio).toBeCloseTo(600 / (600 + 50), 3);
    expect(after.servingGbps).toBeGreaterThan(0);
    expect(after.originGbps!).toBeLessThan(before.originGbps!);
  });

  it('a better placement offloads more of the site’s demand', () => {
    const offload = (placement: string[][]) => {
      const { clock, appliances } = site(['storage', 'storage'], WINDOW_OPENS + 12 * 3_600_000);
      appliances.forEach((a, i) => {
        const items = placement[i]!.map((contentId) => ({ contentId, bytes: 9 * GB, source: 'origin' }));
        if (items.length) a.startFill({ items, evict: [], outOfWindow: true });
      });
      clock.advance(300_000);
      const m = appliances.map((a) => a.metrics());
      const served = m.reduce((s, x) => s + x.servingGbps, 0);
      const origin = m.reduce((s, x) => s + x.originGbps!, 0);
      return served / (served + origin);
    };
    // Same bytes filled: the two most watched titles, or the two least.
    const good = offload([['title-a'], ['title-b']]);
    const poor = offload([['title-c'], ['title-b']]);
    expect(good).toBeCloseTo(0.9, 1);
    expect(poor).toBeCloseTo(0.4, 1);
  });
});
