import type uPlot from 'uplot';
import { describe, expect, it } from 'vitest';
import { latestValue, legendValue, legendX } from './chart-legend';

/** Just what the legend functions read of a chart: its data. */
const chart = (data: (number | null)[][]) => ({ data }) as unknown as uPlot;

describe('chart legends with nothing hovered', () => {
  const u = chart([[1, 2, 3, 4], [5, 6.25, 7.5, null], [null, null, null, null]]);
  const gbps = legendValue((v) => `${v.toFixed(1)} Gbps`);

  it("show the series' latest value, not uPlot's \"--\"", () => {
    expect(gbps(u, null, 1, null)).toBe('7.5 Gbps');
    expect(latestValue([1, null, 2, null, undefined])).toBe(2);
  });

  it('show nothing for a series with no value at all', () => {
    expect(gbps(u, null, 2, null)).toBe('');
    expect(latestValue(undefined)).toBeNull();
  });

  it('show the hovered point when there is one, a dash where it has no measurement', () => {
    expect(gbps(u, 6.25, 1, 1)).toBe('6.3 Gbps');
    expect(gbps(u, null, 1, 3)).toBe('—');
  });

  it('take another idle value where "latest" means nothing, and name it on the x series', () => {
    const median = legendValue((v) => String(v), (c, sidx) => c.data[sidx]![1] ?? null);
    expect(median(u, null, 1, null)).toBe('6.25');
    const x = legendX((t) => `t=${t}`, 'latest');
    expect(x(u, null, 0, null)).toBe('latest');
    expect(x(u, 3, 0, 2)).toBe('t=3');
  });
});
