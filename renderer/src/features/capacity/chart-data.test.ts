import { describe, expect, it } from 'vitest';
import type { SiteForecast } from '../../../../main/capacity/contract';
import { capacitySeries } from './chart-data';

describe('capacity chart columns', () => {
  it('puts history then forecast on one time axis, the forecast joined to the last measured day', () => {
    const f = {
      site: 'S',
      partner: 'P',
      capacityGbps: 200,
      days: 2,
      lastPeak: null,
      advice: null,
      method: 'sarima',
      scores: { seasonalNaive: null, sarima: null },
      history: [
        { day: '2026-12-01', peakGbps: 100, capacityGbps: 180 },
        { day: '2026-12-02', peakGbps: 110, capacityGbps: 180 },
      ],
      forecast: [{ day: '2026-12-03', peakGbps: 120 }],
    } satisfies SiteForecast;
    const s = capacitySeries(f);
    expect(s.times).toEqual([1796083200, 1796169600, 1796256000]);
    expect(s.peaks).toEqual([100, 110, null]);
    expect(s.forecast).toEqual([null, 110, 120]);
    expect(s.capacity).toEqual([180, 180, 200]);
    expect(s.warn).toEqual([162, 162, 180]);
  });
});
