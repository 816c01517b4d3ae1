import { describe, expect, it } from 'vitest';
import { pooledTTest, studentTwoSidedP } from './t-test';

// Known answers from scipy 1.17 (stats.t.sf(t, df) * 2, stats.ttest_ind(x, y, equal_var=True)).
describe('Student t', () => {
  it('two-sided p matches scipy', () => {
    expect(studentTwoSidedP(2.0, 10)).toBeCloseTo(0.07338803477074037, 10);
    expect(studentTwoSidedP(1.0, 1)).toBeCloseTo(0.5, 10);
    expect(studentTwoSidedP(3.5, 3)).toBeCloseTo(0.039481037619282774, 10);
    expect(studentTwoSidedP(0.5, 30)).toBeCloseTo(0.6207230048851272, 10);
    expect(studentTwoSidedP(10, 2)).toBeCloseTo(0.00985245702332569, 10);
    expect(studentTwoSidedP(-2.0, 10)).toBeCloseTo(0.07338803477074037, 10);
  });

  it('pooled two-sample test matches scipy.stats.ttest_ind(equal_var=True)', () => {
    const a = pooledTTest([5.1, 4.9, 5.6], [4.0, 4.2, 3.9, 4.4, 4.1]);
    expect(a.t).toBeCloseTo(5.671134340313441, 9);
    expect(a.df).toBe(6);
    expect(a.p).toBeCloseTo(0.0012937605057875697, 10);
  });

  it('one case against a control sample (Crawford and Howell) matches scipy', () => {
    const one = pooledTTest([40], [1, 2, 3]);
    expect(one.t).toBeCloseTo(32.90896534380867, 9);
    expect(one.df).toBe(2);
    expect(one.p).toBeCloseTo(0.0009220841057241297, 10);
    const lower = pooledTTest([0.9], [0.95, 0.97, 0.96, 0.94]);
    expect(lower.t).toBeCloseTo(-3.810511776651522, 9);
    expect(lower.p).toBeCloseTo(0.03177698057239641, 10);
  });

  it('says nothing without degrees of freedom; nothing varying but a difference is certain', () => {
    expect(pooledTTest([1], [2]).p).toBe(1);
    expect(pooledTTest([1, 1], [1, 1]).p).toBe(1);
    expect(pooledTTest([0.5], [1, 1, 1]).p).toBe(0);
  });
});
