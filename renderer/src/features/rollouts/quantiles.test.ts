import { describe, expect, it } from 'vitest';
import { quantile, quantileCurves } from './quantiles';

describe('quantile curves for the canary chart', () => {
  it('interpolates quantiles of a sorted sample', () => {
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([0, 10], 0.25)).toBe(2.5);
    expect(quantile([], 0.5)).toBeNull();
  });

  it('puts both samples on one grid, whatever their sizes and order', () => {
    const c = quantileCurves([3, 1, 2], [10, 30, 20, 40, 50], 2);
    expect(c).toEqual({ q: [0, 50, 100], canary: [1, 2, 3], baseline: [10, 30, 50] });
    expect(quantileCurves([], [1], 1)).toEqual({ q: [0, 100], canary: [null, null], baseline: [1, 1] });
  });
});
