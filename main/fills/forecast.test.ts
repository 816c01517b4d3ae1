import { describe, expect, it } from 'vitest';
import { SiteForecaster } from './forecast';

const catalog = (sizes: number[], releases: number[]) => ({ bytes: Float64Array.from(sizes), releaseDay: Int32Array.from(releases) });

describe('forecast', () => {
  it('smooths log views exponentially (hand-checked)', () => {
    // One old title of 10 bytes: 1 view, then 3 views. alpha 0.5:
    // L = ln 2 = 0.6931, then 0.5 x ln 4 + 0.5 x ln 2 = 1.0397; forecast e^1.0397 - 1 = 1.8284.
    const f = new SiteForecaster(catalog([10], [0]), { alpha: 0.5 });
    f.observe(1000, [10]);
    f.observe(1001, [30]);
    expect(f.level[0]).toBeCloseTo(1.0397, 4);
    expect(f.forecast(1002)[0]).toBeCloseTo(1.8284, 3);
    expect(f.forecastBytes(1002)[0]).toBeCloseTo(18.284, 2);
  });

  it('a title missing from a day’s logs had zero views that day', () => {
    const f = new SiteForecaster(catalog([1, 1], [0, 0]), { alpha: 0.5 });
    f.observe(1010, [100, 100]);
    f.observe(1011, [100, 0]);
    const out = f.forecast(1012);
    expect(out[0]).toBeCloseTo(100, 3);
    expect(out[1]).toBeCloseTo(Math.expm1(0.5 * Math.log(101)), 3);
  });

  it('learns the release-age prior from releases seen and applies it to new titles (hand-checked)', () => {
    // Title 0 released day 100: 99 views at age 0, 49 at age 1. Title 1 (released 102): 9 views at age 0.
    // Title 2 is released on the target day 103 with no history; title 3 not until day 200.
    const f = new SiteForecaster(catalog([1, 1, 1, 1], [100, 102, 103, 200]), { alpha: 0.4 });
    f.observe(100, [99, 0, 0, 0]);
    f.observe(101, [49, 0, 0, 0]);
    f.observe(102, [30, 9, 0, 0]);
    const prior = f.prior();
    // age 0: mean(ln 100, ln 10) = 3.4539; age 1: ln 50 = 3.9120; age 2: ln 31.
    expect(prior[0]).toBeCloseTo((Math.log(100) + Math.log(10)) / 2, 4);
    expect(prior[1]).toBeCloseTo(Math.log(50), 4);
    expect(prior[2]).toBeCloseTo(Math.log(31), 4);
    // Ages not seen take the nearest seen (age 2).
    expect(prior[9]).toBeCloseTo(Math.log(31), 4);
    const out = f.forecast(103);
    // Title 2: the prior at age 0.
    expect(out[2]).toBeCloseTo(Math.expm1(prior[0]!), 4);
    // Title 1 (age 1 tomorrow, seen at age 0 with 9 views): ln 10 + prior[1] - prior[0].
    expect(out[1]).toBeCloseTo(Math.expm1(Math.log(10) + prior[1]! - prior[0]!), 4);
    // Title 0 (age 3): its own last day along the prior: ln 31 + prior[3] - prior[2] = ln 31.
    expect(out[0]).toBeCloseTo(30, 4);
    // Not released yet: nothing.
    expect(out[3]).toBe(0);
  });

  it('without any release seen, a new title is taken as popular as the 99th percentile', () => {
    const sizes = Array.from({ length: 200 }, () => 1);
    const releases = Array.from({ length: 200 }, (_, i) => (i === 199 ? 50 : 0));
    const f = new SiteForecaster(catalog(sizes, releases));
    f.observe(49, Array.from({ length: 200 }, (_, i) => (i === 199 ? 0 : 1000 / (i + 1))));
    const out = f.forecast(50);
    const sorted = [...out.slice(0, 199)].sort((a, b) => b - a);
    expect(out[199]).toBeGreaterThan(sorted[4]!);
    expect(out[199]).toBeLessThan(sorted[0]! + 1e-9);
  });

  it('refuses days out of order', () => {
    const f = new SiteForecaster(catalog([1], [0]));
    f.observe(5, [1]);
    expect(() => f.observe(5, [1])).toThrow(/not after/);
  });
});
