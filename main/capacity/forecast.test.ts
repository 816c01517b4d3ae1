import { describe, expect, it } from 'vitest';
import { addDays, adviseCapacity, forecastPeaks, mape, plausible, sarima, seasonalNaive, HOLDOUT_DAYS } from './forecast';

/** Trend + weekly season, no noise: the answer is known for every future day. */
const series = (n: number, base = 100, slope = 0.5, amp = 10) => Array.from({ length: n }, (_, i) => base + slope * i + amp * Math.sin((2 * Math.PI * i) / 7));

describe('capacity forecasts on series with known answers', () => {
  it('the seasonal baseline repeats last week exactly', () => {
    const week = [1, 2, 3, 4, 5, 6, 7];
    expect(seasonalNaive([9, 9, ...week], 10)).toEqual([...week, 1, 2, 3]);
    expect(seasonalNaive([], 2)).toEqual([0, 0]);
  });

  it('SARIMA recovers trend and weekly season within 2 %', () => {
    const n = 180;
    const truth = series(n + 28);
    const predicted = sarima(truth.slice(0, n), 28);
    expect(predicted).toHaveLength(28);
    expect(mape(truth.slice(n), predicted)).toBeLessThan(0.02);
  });

  it('scores both on held-out weeks and picks the better: SARIMA on a trend, the baseline still scored', () => {
    const f = forecastPeaks(series(180), 56);
    expect(f.method).toBe('sarima');
    expect(f.values).toHaveLength(56);
    expect(f.scores.sarima!).toBeLessThan(f.scores.seasonalNaive!);
    // The baseline misses a trend by a known amount: 0.5/day over one week's lag on ~150.
    expect(f.scores.seasonalNaive!).toBeGreaterThan(0.015);
    // A flat weekly pattern: the baseline is exact, so it is chosen (ties go to the model only if it is as good).
    const flat = Array.from({ length: 120 }, (_, i) => [50, 52, 55, 60, 70, 80, 75][i % 7]!);
    const g = forecastPeaks(flat, 14);
    expect(g.scores.seasonalNaive).toBe(0);
    expect(g.values.slice(0, 7)).toEqual(seasonalNaive(flat, 7));
  });

  it('takes a model that runs away for what it is: the baseline forecasts instead', () => {
    expect(plausible([100, 140], [90, 100])).toBe(true);
    expect(plausible([100, 151], [90, 100])).toBe(false);
    expect(plausible([100, NaN], [90, 100])).toBe(false);
    // A series that jumps in its last days: SARIMA's double differencing extrapolates the jump.
    const jumpy = [...Array.from({ length: 84 }, (_, i) => 100 + (i % 7)), ...Array.from({ length: 14 }, (_, i) => 100 + 40 * i)];
    const f = forecastPeaks(jumpy, 56);
    expect(Math.max(...f.values)).toBeLessThanOrEqual(Math.max(...jumpy) * 1.5);
  });

  it('too little history: the baseline only, and says it could not score', () => {
    const f = forecastPeaks(series(20), 7);
    expect(f).toMatchObject({ method: 'seasonal-naive', scores: { seasonalNaive: null, sarima: null } });
    expect(HOLDOUT_DAYS).toBe(28);
  });

  it('advises when the forecast crosses 90 % and how many appliances bring it back under 80 %', () => {
    // Linear growth from 60 to 95 Gbps over 36 days on 100 Gbps: 90 % is reached on day 30.
    const forecast = Array.from({ length: 36 }, (_, i) => 60 + i);
    const a = adviseCapacity('GRU1', forecast, '2027-01-01', 100, 70, 'storage');
    expect(a.crossesOn).toBe('2027-01-31');
    expect(a.peakShare).toBe(0.95);
    // 95 / 0.8 = 118.75 Gbps needed: 18.75 more, one 70 Gbps appliance.
    expect(a.addAppliances).toBe(1);
    expect(a.sentence).toBe('GRU1 peaks at 90 % of capacity by about 2027-01-31: add one storage appliance.');
    expect(adviseCapacity('X', [10, 20], '2027-01-01', 100, 70, 'storage')).toMatchObject({ crossesOn: null, addAppliances: 0, sentence: 'X stays under 20 % of capacity over the forecast.' });
    expect(adviseCapacity('Y', [200], '2027-01-01', 100, 70, 'storage').addAppliances).toBe(3); // 250 needed: 150 more / 70
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });
});
