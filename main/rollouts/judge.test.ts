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

  it('fails when canaries have clearly more errors, with the numbers', () => {
    const samples = rounds(10, (i) => [sample('C1', 50, 40 + i), sample('B1', 50, i % 2), sample('B2', 50, (i + 1) % 2)]);
    const j = judge({ canaries: ['C1'], baseline: ['B1', 'B2'], samples, plan, period, decidedAt: period.to });
    expect(j.verdict).toBe('fail');
    const e = j.metrics.find((m) => m.metric === 'errorsPerSecond')!;
    expect(e.worse).toBe(true);
    expect(e.p!).toBeLessThan(0.01);
    expect(e.u).toBe(200); // every canary sample above every baseline sample: U = 10 * 20
    expect(j.reasons.join(' ')).toContain('errorsPerSecond');
  });

  it('better canaries are not a failure (one-sided judgement on a two-sided p)', () => {
    const samples = rounds(10, () => [sample('C1', 50, 0), sample('B1', 50, 30), sample('B2', 50, 30)]);
    expect(judge({ canaries: ['C1'], baseline: ['B1', 'B2'], samples, plan, period, decidedAt: period.to }).verdict).toBe('pass');
  });

  it('marginal between the two thresholds', () => {
    // 4 canary vs 4 baseline samples fully separated: exact p = 2/70 = 0.0286
    const samples = [0, 1, 2, 3].flatMap((i) => [sample('C1', 40 + i, 0), sample('B1', 60 + i, 0)]);
    const j = judge({ canaries: ['C1'], baseline: ['B1'], samples, plan, period, decidedAt: period.to });
    expect(j.metrics.find((m) => m.metric === 'servingGbps')!.verdict).toBe('marginal');
    expect(j.verdict).toBe('marginal');
  });

  it('a canary ending in Error fails whatever the ranks', () => {
    const samples = [sample('C1', 50, 0, 'OK'), sample('B1', 50, 0), sample('C1', 50, 0, 'Error'), sample('B1', 50, 0)];
    const j = judge({ canaries: ['C1'], baseline: ['B1'], samples, plan, period, decidedAt: period.to });
    expect(j.verdict).toBe('fail');
    expect(j.reasons.join(' ')).toContain('C1 reports health Error');
  });
});
