import { describe, expect, it } from 'vitest';
import { planSiteFills, type ApplianceNow } from './plan';

const GB = 1e9;
const TZ = 'Europe/Berlin';
/** 20:00 in Berlin (UTC+1); the 02:00-02:10 window opens at 01:00 UTC the next day. */
const NOW = Date.UTC(2026, 2, 10, 19, 0, 0);
const OPENS = Date.UTC(2026, 2, 11, 1, 0, 0);

const held = (...ids: string[]) => ids.map((contentId, i) => ({ contentId, bytes: 10 * GB, storedAt: 1000 + i }));

function appliances(flashCapacity = 25 * GB): ApplianceNow[] {
  return [
    { serial: 'S1', model: 'storage', capacityBytes: 100 * GB, usedBytes: 20 * GB, held: held('A', 'B') },
    { serial: 'F1', model: 'flash', capacityBytes: flashCapacity, usedBytes: 10 * GB, held: held('A') },
  ];
}

const placement = {
  site: 'ber1',
  day: '2026-03-11',
  appliances: [
    { serial: 'S1', capacityBytes: 100 * GB, items: [{ contentId: 'A', bytes: 10 * GB, value: 500 }, { contentId: 'B', bytes: 10 * GB, value: 400 }] },
    {
      serial: 'F1',
      capacityBytes: 25 * GB,
      items: [
        { contentId: 'B', bytes: 10 * GB, value: 100 },
        { contentId: 'C', bytes: 10 * GB, value: 50 },
        { contentId: 'D', bytes: 10 * GB, value: 10 },
      ],
    },
  ],
};

describe('fill plans', () => {
  it('fills the target minus what is held, most valuable first, from a peer that holds it, else the origin', () => {
    const plan = planSiteFills({ site: { code: 'ber1', timezone: TZ, fillWindow: '02:00-02:10' }, placement, appliances: appliances(), now: NOW });
    const s1 = plan.appliances.find((a) => a.serial === 'S1')!;
    const f1 = plan.appliances.find((a) => a.serial === 'F1')!;
    expect(s1.fill).toEqual([]);
    // 10 GB at 0.3 Gbps takes 266.7 s: two fit in the 600 s window, the least valuable (D) is dropped.
    expect(f1.fill.map((f) => [f.contentId, f.source])).toEqual([
      ['B', 'peer:S1'],
      ['C', 'origin'],
    ]);
    expect(f1.dropped).toEqual({ items: 1, bytes: 10 * GB, value: 10 });
    expect(plan.totals).toMatchObject({ fillBytes: 20 * GB, fromPeersBytes: 10 * GB, fromOriginBytes: 10 * GB, droppedItems: 1 });
    // 20 GB into 15 GB free: A (not in its target) makes room.
    expect(f1.evict).toEqual(['A']);
    expect(f1.valueHeld).toBe(0);
    expect(f1.valuePlanned).toBe(150);
  });

  it('starts every appliance of the site together when the window opens in the site’s time zone', () => {
    const plan = planSiteFills({ site: { code: 'ber1', timezone: TZ, fillWindow: '02:00-02:10' }, placement, appliances: appliances(), now: NOW });
    expect(plan.windowStart).toBe(new Date(OPENS).toISOString());
    expect(plan.windowEnd).toBe(new Date(OPENS + 600_000).toISOString());
    expect(new Set(plan.appliances.map((a) => a.startAt))).toEqual(new Set([new Date(OPENS).toISOString()]));
    const f1 = plan.appliances.find((a) => a.serial === 'F1')!;
    expect(Date.parse(f1.endAt) - OPENS).toBe(Math.ceil(((20 * GB * 8) / 0.3e9) * 1000));
    expect(f1.rateGbps).toBe(0.3);
  });

  it('inside the window, bounds the bytes by what is left of it', () => {
    const plan = planSiteFills({
      site: { code: 'ber1', timezone: TZ, fillWindow: '02:00-02:10' },
      placement,
      appliances: appliances(),
      now: OPENS + 400_000,
    });
    const f1 = plan.appliances.find((a) => a.serial === 'F1')!;
    expect(plan.windowStart).toBe(new Date(OPENS + 400_000).toISOString());
    expect(f1.fill.map((f) => f.contentId)).toEqual([]);
    expect(f1.dropped.items).toBe(3);
  });

  it('does not evict when there is room, and drops what does not fit on the disk', () => {
    const roomy = planSiteFills({ site: { code: 'ber1', timezone: TZ, fillWindow: '02:00-04:00' }, placement, appliances: appliances(40 * GB), now: NOW });
    const f1 = roomy.appliances.find((a) => a.serial === 'F1')!;
    expect(f1.evict).toEqual([]);
    expect(f1.fill.map((f) => f.contentId)).toEqual(['B', 'C', 'D']);
    const tight = planSiteFills({ site: { code: 'ber1', timezone: TZ, fillWindow: '02:00-04:00' }, placement, appliances: appliances(19 * GB), now: NOW });
    const t1 = tight.appliances.find((a) => a.serial === 'F1')!;
    // 9 GB free + A evictable = 19 GB: only B fits.
    expect(t1.fill.map((f) => f.contentId)).toEqual(['B']);
    expect(t1.dropped.items).toBe(2);
  });

  it('out of cycle: starts now, at the cap, up to the byte cap', () => {
    const plan = planSiteFills({
      site: { code: 'ber1', timezone: TZ, fillWindow: '02:00-02:10' },
      placement,
      appliances: appliances(40 * GB),
      now: NOW,
      outOfCycle: { maxGbps: 0.1, maxBytes: 25 * GB },
    });
    const f1 = plan.appliances.find((a) => a.serial === 'F1')!;
    expect(plan.windowStart).toBe(new Date(NOW).toISOString());
    expect(plan.windowEnd).toBeNull();
    expect(f1.rateGbps).toBe(0.1);
    expect(f1.fill.map((f) => f.contentId)).toEqual(['B', 'C']);
  });
});
