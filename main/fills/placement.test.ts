import { describe, expect, it } from 'vitest';
import { churnBytes, fractionalBound, placeSite, rendezvousScore, serialKey, type PlacementAppliance } from './placement';

const f64 = (xs: number[]) => Float64Array.from(xs);
const storage = (serial: string, capacityBytes: number): PlacementAppliance => ({ serial, kind: 'storage', capacityBytes });
const flash = (serial: string, capacityBytes: number): PlacementAppliance => ({ serial, kind: 'flash', capacityBytes });
const holdings = (r: ReturnType<typeof placeSite>) => new Map(r.appliances.map((a) => [a.serial, [...a.items].sort((x, y) => x - y)]));
/** title -> serials holding it */
const owners = (r: ReturnType<typeof placeSite>) => {
  const map = new Map<number, string[]>();
  for (const a of r.appliances) for (const i of a.items) map.set(i, [...(map.get(i) ?? []), a.serial].sort());
  return map;
};

describe('fractional-knapsack bound', () => {
  it('takes titles by value per byte and a fraction of the first that does not fit', () => {
    // densities 5, 3, 1: titles 0 and 1 whole (4 bytes, value 16), a quarter of title 2 (value 1): 17 / 20.
    expect(fractionalBound(f64([10, 6, 4]), f64([2, 2, 4]), 5)).toBeCloseTo(0.85, 12);
    expect(fractionalBound(f64([10, 6, 4]), f64([2, 2, 4]), 100)).toBe(1);
    expect(fractionalBound(f64([0, 0]), f64([1, 1]), 1)).toBe(0);
  });
});

describe('placement of a site', () => {
  it('gives a title with half the demand a copy on each of two appliances, and fills the rest by value (hand-checked)', () => {
    // Titles of 2 bytes; values 8 4 2 1 1 (total 16); two appliances of 4 bytes.
    // Title 0 has share 0.5: ceil(2 x 2 x 0.5) = 2 copies. Titles 1 and 2: one copy each. Site full.
    const r = placeSite({ value: f64([8, 4, 2, 1, 1]), bytes: f64([2, 2, 2, 2, 2]), appliances: [storage('A', 4), storage('B', 4)] });
    expect([...r.replicas]).toEqual([2, 1, 1, 0, 0]);
    expect(r.offload).toBeCloseTo(14 / 16, 12);
    // The bound ignores copies: 4 titles of 8 bytes, 15 / 16.
    expect(r.bound).toBeCloseTo(15 / 16, 12);
    expect(r.copies).toBe(4);
    expect(r.placedBytes).toBe(8);
    const held = holdings(r);
    expect(held.get('A')!).toContain(0);
    expect(held.get('B')!).toContain(0);
    expect([...held.get('A')!, ...held.get('B')!].sort()).toEqual([0, 0, 1, 2]);
    for (const a of r.appliances) expect(a.usedBytes).toBe(4);
    // Most valuable first, and a copy's value is the title's value over its copies.
    const a = r.appliances[0]!;
    expect(a.items[0]).toBe(0);
    expect(a.values[0]).toBe(4);
  });

  it('puts the head on flash and the tail on storage (hand-checked)', () => {
    const r = placeSite({
      value: f64([8, 4, 2, 1]),
      bytes: f64([2, 2, 2, 2]),
      appliances: [flash('F', 2), storage('S', 4)],
      options: { replicaFactor: 0.5 },
    });
    const held = holdings(r);
    expect(held.get('F')).toEqual([0]);
    expect(held.get('S')).toEqual([1, 2]);
    expect(r.offload).toBeCloseTo(14 / 15, 12);
  });

  it('never puts more on an appliance than it holds, nor a title twice on one appliance', () => {
    const n = 3000;
    const value = new Float64Array(n);
    const bytes = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      value[i] = 1e6 / (i + 1) ** 0.9;
      bytes[i] = 1 + ((i * 7919) % 97) / 24;
    }
    const apps = [storage('S1', 900), storage('S2', 1200), flash('F1', 150), flash('F2', 90), storage('S3', 30)];
    const r = placeSite({ value, bytes, appliances: apps });
    for (const a of r.appliances) {
      const sum = [...a.items].reduce((s, i) => s + bytes[i]!, 0);
      expect(sum).toBeLessThanOrEqual(a.capacityBytes + 1e-9);
      expect(sum).toBeCloseTo(a.usedBytes, 6);
      expect(new Set(a.items).size).toBe(a.items.length);
    }
    expect(r.offload).toBeLessThanOrEqual(r.bound + 1e-12);
    expect(r.offload).toBeGreaterThan(r.bound - 0.05);
  });

  it('adding an appliance moves only the titles it now wins; removing one moves only the titles it held', () => {
    const n = 4000;
    const value = new Float64Array(n).fill(1);
    const bytes = new Float64Array(n).fill(1);
    const cap = 10_000; // everything fits anywhere: placement is pure rendezvous hashing
    const opts = { replicaFactor: 0 }; // one copy each
    const four = ['S1', 'S2', 'S3', 'S4'].map((s) => storage(s, cap));
    const before = owners(placeSite({ value, bytes, appliances: four, options: opts }));

    const five = [...four, storage('S5', cap)];
    const added = owners(placeSite({ value, bytes, appliances: five, options: opts }));
    let moved = 0;
    for (let i = 0; i < n; i++) {
      if (added.get(i)![0] !== before.get(i)![0]) {
        moved++;
        expect(added.get(i)).toEqual(['S5']);
      }
    }
    // Its share: about a fifth.
    expect(moved / n).toBeGreaterThan(0.16);
    expect(moved / n).toBeLessThan(0.24);

    const three = four.filter((a) => a.serial !== 'S2');
    const removed = owners(placeSite({ value, bytes, appliances: three, options: opts }));
    for (let i = 0; i < n; i++) {
      if (before.get(i)![0] !== 'S2') expect(removed.get(i)).toEqual(before.get(i));
    }
  });

  it('weights by capacity: an appliance twice as large gets about twice the titles', () => {
    const n = 6000;
    const value = new Float64Array(n).fill(1);
    const bytes = new Float64Array(n).fill(1);
    const r = placeSite({ value, bytes, appliances: [storage('BIG', 20_000), storage('SMALL', 10_000)], options: { replicaFactor: 0 } });
    const big = r.appliances.find((a) => a.serial === 'BIG')!.items.length;
    const small = r.appliances.find((a) => a.serial === 'SMALL')!.items.length;
    expect(big / small).toBeGreaterThan(1.8);
    expect(big / small).toBeLessThan(2.2);
    expect(rendezvousScore(serialKey('X'), 2, 5)).toBeCloseTo(2 * rendezvousScore(serialKey('X'), 1, 5), 12);
  });

  it('hysteresis: a small change in rank moves nothing, a large one does (hand-checked)', () => {
    const apps = [storage('A', 2)];
    const bytes = f64([1, 1, 1]);
    const first = placeSite({ value: f64([10, 5, 4.8]), bytes, appliances: apps });
    expect(holdings(first).get('A')).toEqual([0, 1]);
    const previous = new Map([['A', new Set(first.appliances[0]!.items)]]);

    // Title 2 now beats title 1 by 4 % (5 vs 4.8): within the 25 % margin, nothing moves.
    const small = placeSite({ value: f64([10, 4.8, 5]), bytes, appliances: apps, previous });
    expect(holdings(small).get('A')).toEqual([0, 1]);
    expect(churnBytes(small, bytes, previous)).toBe(0);
    // Without hysteresis the same change swaps a title.
    const eager = placeSite({ value: f64([10, 4.8, 5]), bytes, appliances: apps, previous, options: { hysteresis: 0 } });
    expect(holdings(eager).get('A')).toEqual([0, 2]);
    expect(churnBytes(eager, bytes, previous)).toBe(1);
    // 7 beats 4.8 x 1.25 = 6: title 2 comes in.
    const large = placeSite({ value: f64([10, 4.8, 7]), bytes, appliances: apps, previous });
    expect(holdings(large).get('A')).toEqual([0, 2]);
  });

  it('a title already on an appliance stays on it even where rendezvous hashing would choose another', () => {
    const n = 200;
    const value = new Float64Array(n).fill(1);
    const bytes = new Float64Array(n).fill(1);
    const apps = [storage('A', 1000), storage('B', 1000)];
    const fresh = owners(placeSite({ value, bytes, appliances: apps, options: { replicaFactor: 0 } }));
    const onA = [...Array(n).keys()].filter((i) => fresh.get(i)![0] === 'B').slice(0, 20);
    const previous = new Map([['A', new Set(onA)]]);
    const sticky = owners(placeSite({ value, bytes, appliances: apps, previous, options: { replicaFactor: 0 } }));
    for (const i of onA) expect(sticky.get(i)).toEqual(['A']);
  });
});
