import { describe, expect, it } from 'vitest';
import { eachLimited, GroupLimits, Slots } from './concurrency';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Slots', () => {
  it('grants at most its size, in arrival order, and a waiter aborted leaves the queue', async () => {
    const slots = new Slots(2);
    const a = await slots.acquire();
    await slots.acquire();
    const order: string[] = [];
    const c = slots.acquire().then((r) => (order.push('c'), r));
    const controller = new AbortController();
    const d = slots.acquire(controller.signal);
    const e = slots.acquire().then((r) => (order.push('e'), r));
    controller.abort(new Error('gone'));
    await expect(d).rejects.toThrow('gone');
    expect(slots.inUse).toBe(2);
    a();
    a(); // a second release of the same grant does nothing
    await c;
    expect(slots.inUse).toBe(2);
    expect(order).toEqual(['c']);
    (await c)();
    await e;
    expect(order).toEqual(['c', 'e']);
  });
});

describe('GroupLimits', () => {
  it('refuses past the per-group cap and past the global cap', () => {
    const limits = new GroupLimits(3, 2);
    expect(limits.take('GRU1')).toBe(true);
    expect(limits.take('GRU1')).toBe(true);
    expect(limits.take('GRU1')).toBe(false);
    expect(limits.take('AMS1')).toBe(true);
    expect(limits.take('AMS1')).toBe(false); // global cap of 3
    limits.release('GRU1');
    expect(limits.canTake('GRU1')).toBe(true);
    expect(limits.inGroup('GRU1')).toBe(1);
    expect(() => limits.release('LHR1')).toThrow(RangeError);
  });

  it('without a group cap, only the global one applies', () => {
    const limits = new GroupLimits(2);
    expect(limits.take('x')).toBe(true);
    expect(limits.take('x')).toBe(true);
    expect(limits.take('y')).toBe(false);
  });
});

describe('eachLimited', () => {
  it('runs at most N at once and returns results in input order', async () => {
    let active = 0;
    let max = 0;
    const out = await eachLimited([30, 5, 20, 1, 10, 0], 2, async (ms, i) => {
      active++;
      max = Math.max(max, active);
      await sleep(ms);
      active--;
      return i * 10;
    });
    expect(out).toEqual([0, 10, 20, 30, 40, 50]);
    expect(max).toBe(2);
  });
});
