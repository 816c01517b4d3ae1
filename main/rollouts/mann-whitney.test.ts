import { describe, expect, it } from 'vitest';
import { mannWhitneyU, midRanks, normalCdf } from './mann-whitney';

describe('Mann-Whitney U', () => {
  it('mid-ranks share the mean rank of a tie', () => {
    expect(midRanks([10, 20, 20, 30]).ranks).toEqual([1, 2.5, 2.5, 4]);
    expect(midRanks([10, 20, 20, 30]).ties).toEqual([2]);
  });

  it('normal CDF matches the table', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 3);
    expect(normalCdf(-2.5758)).toBeCloseTo(0.005, 4);
  });

  it('completely separated small samples: U = 0, exact two-sided p = 2 / C(n, k)', () => {
    // 3 vs 3, every x below every y: U_x = 0; P(U <= 0) = 1/20, two-sided 0.1.
    const r = mannWhitneyU([1, 2, 3], [4, 5, 6]);
    expect(r.u).toBe(0);
    expect(r.uOther).toBe(9);
    expect(r.exact).toBe(true);
    expect(r.p).toBeCloseTo(0.1, 10);
    // 4 vs 4 separated: 2/70.
    expect(mannWhitneyU([5, 6, 7, 8], [1, 2, 3, 4]).p).toBeCloseTo(2 / 70, 10);
  });

  it('textbook case (Wikipedia: tortoise and hare) U = 25 with 6 vs 6', () => {
    // Finishing order THHHHHTTTTTH: ranks of tortoises 1,7,8,9,10,11, hares 2,3,4,5,6,12.
    const tortoise = [1, 7, 8, 9, 10, 11];
    const hare = [2, 3, 4, 5, 6, 12];
    const r = mannWhitneyU(tortoise, hare);
    expect(r.u).toBe(25); // pairs where the tortoise's place is larger (it finished later)
    expect(r.uMin).toBe(11);
    // Exact: 143 of the C(12,6) = 924 rankings have min(U) <= 11: two-sided p = 286/924 (scipy exact: 0.30952).
    expect(r.p).toBeCloseTo(286 / 924, 10);
  });

  it('matches R wilcox.test on a classic example (exact p)', () => {
    // wilcox.test(c(0.80,0.83,1.89,1.04,1.45,1.38,1.91,1.64,0.73,1.46), c(1.15,0.88,0.90,0.74,1.21)) W = 35, p-value = 0.2544
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    const r = mannWhitneyU(x, y);
    expect(r.u).toBe(35);
    expect(r.p).toBeCloseTo(0.2544, 3);
  });

  it('large samples with ties use the corrected normal approximation (as R with exact=FALSE, correct=TRUE)', () => {
    // 25 zeros and 5 ones vs 30 ones: heavy ties.
    const x = [...Array<number>(25).fill(0), ...Array<number>(5).fill(1)];
    const y = Array<number>(30).fill(1);
    const r = mannWhitneyU(x, y);
    expect(r.exact).toBe(false);
    // U_x: ones tie with 30 ones → 5*30*0.5 = 75.
    expect(r.u).toBe(75);
    // n=60, ties 25 and 35: var = 900/12 * (61 - (15600 + 42840)/(60*59)) = 75*(61-16.508) = 3336.86; z = (75-450+0.5)/57.77 = -6.483
    expect(r.z).toBeCloseTo(-6.483, 2);
    expect(r.p / 8.985848e-11).toBeCloseTo(1, 4); // scipy.stats.mannwhitneyu(method='asymptotic', use_continuity=True)
  });

  it('small samples with ties: normal approximation (Siegel and Castellan style example, scipy asymptotic p = 0.01259)', () => {
    const r = mannWhitneyU([3, 4, 2, 6, 2, 5], [9, 7, 5, 10, 6, 8]);
    expect(r.u).toBe(2);
    expect(r.exact).toBe(false);
    expect(r.p).toBeCloseTo(0.012592, 5);
  });

  it('identical samples give p = 1', () => {
    const r = mannWhitneyU([2, 2, 2], [2, 2, 2, 2]);
    expect(r.u).toBe(6);
    expect(r.p).toBe(1);
  });
});
