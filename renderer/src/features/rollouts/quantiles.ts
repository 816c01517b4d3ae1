/** Quantiles of two samples on one grid, so a canary and its baseline can share a chart's x axis. Pure. */

/** The q-quantile (0..1) of sorted values, linearly interpolated; null for an empty sample. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const pos = Math.min(1, Math.max(0, q)) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Each sample at `steps + 1` evenly spaced quantiles (0 %, …, 100 %). */
export function quantileCurves(
  canary: readonly number[],
  baseline: readonly number[],
  steps = 20,
): { q: number[]; canary: (number | null)[]; baseline: (number | null)[] } {
  const a = canary.filter(Number.isFinite).slice().sort((x, y) => x - y);
  const b = baseline.filter(Number.isFinite).slice().sort((x, y) => x - y);
  const q = Array.from({ length: steps + 1 }, (_, i) => i / steps);
  return { q: q.map((v) => Math.round(v * 100)), canary: q.map((v) => quantile(a, v)), baseline: q.map((v) => quantile(b, v)) };
}
