import { describe, expect, it } from 'vitest';
import { judge, type Sample } from './judge';

const sample = (serial: string, servingGbps: number, errorsPerSecond: number, health: Sample['health'] = 'OK', cacheHitRatio = 0.9): Sample => ({
  serial,
  reached: true,
  health,
  servingGbps,
  errorsPerSecond,
  cacheHitRatio,
});
const plan = { failP: 0.01, marginalP: 0.05 };
const period = { from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:05:00Z' };

function rounds(n: number, make: (i: number) => Sample[]): Sample[] {
  return Array.from({ length: n }, (_, i) => make(i)).flat();
}

describe('canary judgement', () => {
  it('passes when canaries look like the baseline', () => {
    const samples = rounds(10, (i) => [sample('C1', 50 + (i % 3), 0), sample('B1', 50 + ((i + 1) % 3), 0), sample('B2', 50 + ((i + 2) % 3), 0)]);
    const j = judge({ canaries: ['C1'], baseline: ['B1', 'B2'], samples, plan, period, decidedAt: period.to });
    expect(j.verdict).toBe('pass');
    expect(j.metrics.find((m) => m.metric === 'errorsPerSecond')!.p).toBe(1);
  });

  it('fails when canaries have clearly more errors, with the numbers (rank test on one value per appliance)', () => {
    const canaries = ['C1', 'C2', 'C3', 'C4', 'C5'];
    const baseline = ['B1', 'B2', 'B3', 'B4', 'B5', 'B6'];
    const samples = rounds(10, (i) => [...canaries.map((s, k) => sample(s, 50, 40 + i + k)), ...baseline.map((s, k) => sample(s, 50, k + (i % 2) * 0.1))]);
    const j = judge({ canaries, baseline, samples, plan, period, decidedAt: period.to });
    expect(j.verdict).toBe('fail');
    const e = j.metrics.find((m) => m.metric === 'errorsPerSecond')!;
    expect(e.worse).toBe(true);
    expect(e.u).toBe(30); // every canary appliance above every baseline appliance: U = 5 * 6
    expect(e.p!).toBeCloseTo(2 / 462, 10); // exact: 2 / C(11, 5)
    expect(e.canary.n).toBe(5);
    expect(e.baseline.n).toBe(6);
    expect(j.reasons.join(' ')).toContain('errorsPerSecond');
  });

  it('one canary against three baseline appliances: the ranks cannot be significant, and the judgement says so', () => {
    const samples = rounds(10, (i) => [sample('C1', 50, 40 + i), sample('B1', 50, i % 2), sample('B2', 50, (i + 1) % 3), sample('B3', 50, 2 + (i % 4))]);
    const j = judge({ canaries: ['C1'], baseline: ['B1', 'B2', 'B3'], samples, plan, period, decidedAt: period.to });
    const e = j.metrics.find((m) => m.metric === 'errorsPerSecond')!;
    expect(e.worse).toBe(true);
    expect(e.u).toBe(3);
    expect(e.p!).toBeCloseTo(0.5, 10); // exact: 2 / C(4, 1)
    expect(j.verdict).toBe('pass');
    expect(j.reasons.join(' ')).toContain('too few for the ranks');
  });

  it('repeating samples does not change the verdict: an appliance is one observation', () => {
    // 5 canaries and 10 baseline appliances whose per-appliance levels interleave; the canaries sit a
    // hair lower. Sampled 3 or 60 times, the verdict and p are the same (treating each sample as an
    // observation made the 60-sample judgement "significant").
    const canaries = ['C1', 'C2', 'C3', 'C4', 'C5'];
    const baseline = Array.from({ length: 10 }, (_, k) => `B${k + 1}`);
    const make = (n: number) =>
      rounds(n, (i) => [
        ...canaries.map((s, k) => sample(s, 50 + 2 * k - 0.4 + ((i * 7 + k) % 5) * 0.01, 0)),
        ...baseline.map((s, k) => sample(s, 50 + k + ((i * 3 + k) % 5) * 0.01, 0)),
      ]);
    const few = judge({ canaries, baseline, samples: make(3), plan, period, decidedAt: period.to });
    const many = judge({ canaries, baseline, samples: make(60), plan, period, decidedAt: period.to });
    const serving = (j: typeof few) => j.metrics.find((m) => m.metric === 'servingGbps')!;
    expect(few.verdict).toBe('pass');
    expect(many.verdict).toBe('pass');
    expect(serving(many).p).toBeCloseTo(serving(few).p!, 10);
    expect(serving(many).canary.n).toBe(5);
  });

  it('better canaries are not a failure (one-sided judgement on a two-sided p)', () => {
    const samples = rounds(10, () => [sample('C1', 50, 0), sample('B1', 50, 30), sample('B2', 50, 30)]);
    expect(judge({ canaries: ['C1'], baseline: ['B1', 'B2'], samples, plan, period, decidedAt: period.to }).verdict).toBe('pass');
  });

  it('marginal between the two thresholds', () => {
    // 5 canary vs 5 baseline appliances, one pair out of order: U = 1, exact p = 2 * 2/252 = 0.0159
    const levels = { C1: 40, C2: 41, C3: 42, C4: 43, C5: 45, B1: 44, B2: 60, B3: 62, B4: 63, B5: 64 };
    const samples = rounds(4, (i) => Object.entries(levels).map(([s, v]) => sample(s, v + i * 0.001, 0)));
    const j = judge({ canaries: ['C1', 'C2', 'C3', 'C4', 'C5'], baseline: ['B1', 'B2', 'B3', 'B4', 'B5'], samples, plan, period, decidedAt: period.to });
    const m = j.metrics.find((x) => x.metric === 'servingGbps')!;
    expect(m.u).toBe(1);
    expect(m.p!).toBeCloseTo(4 / 252, 10);
    expect(m.verdict).toBe('marginal');
    expect(j.verdict).toBe('marginal');
  });

  it('a canary ending in Error fails whatever the ranks', () => {
    const samples = [sample('C1', 50, 0, 'OK'), sample('B1', 50, 0), sample('C1', 50, 0, 'Error'), sample('B1', 50, 0)];
    const j = judge({ canaries: ['C1'], baseline: ['B1'], samples, plan, period, decidedAt: period.to });
    expect(j.verdict).toBe('fail');
    expect(j.reasons.join(' ')).toContain('C1 reports health Error');
  });
});
