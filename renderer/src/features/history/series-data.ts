/**
 * A series as the charts' aligned columns: one time per step of the range (Unix seconds), the values
 * at the steps that have a point and null at the others (a gap, not a line across it). Pure.
 */
import type { Series } from '../../../../main/history/contract';

export interface ChartColumns {
  times: number[];
  serving: Array<number | null>;
  /** Percent. */
  hit: Array<number | null>;
  errors: Array<number | null>;
  /** Steps with a point. */
  points: number;
}

export function seriesColumns(s: Series): ChartColumns {
  const from = Date.parse(s.from) / 1000;
  const steps = Math.round((Date.parse(s.to) / 1000 - from) / s.stepSec);
  const out: ChartColumns = { times: [], serving: [], hit: [], errors: [], points: 0 };
  for (let i = 0; i < steps; i++) {
    out.times.push(from + i * s.stepSec);
    out.serving.push(null);
    out.hit.push(null);
    out.errors.push(null);
  }
  for (const p of s.points) {
    const i = Math.round((Date.parse(p.at) / 1000 - from) / s.stepSec);
    if (i < 0 || i >= steps) continue;
    out.serving[i] = p.servingGbps;
    out.hit[i] = p.cacheHitRatio === null ? null : p.cacheHitRatio * 100;
    out.errors[i] = p.errorsPerSecond;
    out.points++;
  }
  return out;
}

/** An availability share as people read it against 99.9 %: three decimals, never rounded up to the target. */
export function formatAvailability(a: number | null): string {
  if (a === null) return '—';
  return `${(Math.floor(a * 100_000) / 1000).toFixed(3)} %`;
}
