/**
 * The forecast: how many views each title will get at a site tomorrow, from the site's history.
 *
 * Popularity of a title = bytes streamed / asset size ("views": whole-asset equivalents). The
 * forecaster folds one day of demand logs at a time into its state (so a daily run costs one pass
 * over the catalog, and history need not be kept):
 *
 *  - established titles: exponential smoothing of log(1 + views), level L <- a x log1p(v) + (1 - a) x L
 *    (a = 0.4 by default); the forecast is expm1(L). Smoothing in log space follows the ranks
 *    without being thrown by one day's spike, and the tail's zero days pull it down gently.
 *  - young titles (released less than PRIOR_DAYS days before the target day): the release-age
 *    prior, learned from the releases the site has already seen: the mean log1p(views) of a title
 *    at each age in days. A title released on the target day (or after the history ends) is
 *    forecast at the prior for its age; one already seen follows its last day along the prior's
 *    decay: log1p(v_last) + prior[age] - prior[age_last].
 *  - titles not released yet on the target day: zero.
 */

/** Ages (days since release) the release-age prior covers. */
export const PRIOR_DAYS = 14;

export interface ForecastCatalog {
  /** Asset size per title (catalog index). */
  bytes: Float64Array;
  /** Release day per title (days since 1970-01-01). */
  releaseDay: Int32Array;
}

export interface ForecastOptions {
  /** Smoothing weight of the newest day (0 < alpha <= 1). */
  alpha: number;
}

export const DEFAULT_FORECAST_OPTIONS: ForecastOptions = { alpha: 0.4 };

/** One site's forecast state, fed a day of demand at a time. */
export class SiteForecaster {
  readonly alpha: number;
  /** Smoothed log1p(views) per title. */
  readonly level: Float32Array;
  /** log1p(views) on the last day folded in. */
  readonly last: Float32Array;
  /** The last day folded in (days since 1970-01-01), or null before the first. */
  lastDay: number | null = null;
  /** Days folded in. */
  days = 0;
  private readonly priorSum = new Float64Array(PRIOR_DAYS);
  private readonly priorCount = new Float64Array(PRIOR_DAYS);
  /** Titles by release day, to visit the young ones of a day without a pass over the catalog. */
  private readonly byRelease: Int32Array;

  constructor(
    readonly catalog: ForecastCatalog,
    options: Partial<ForecastOptions> = {},
  ) {
    const opts = { ...DEFAULT_FORECAST_OPTIONS, ...options };
    if (!(opts.alpha > 0 && opts.alpha <= 1)) throw new RangeError('alpha is a number above 0 and at most 1');
    this.alpha = opts.alpha;
    const n = catalog.bytes.length;
    if (catalog.releaseDay.length !== n) throw new RangeError('bytes and releaseDay must have one entry per title');
    this.level = new Float32Array(n);
    this.last = new Float32Array(n);
    const rel = catalog.releaseDay;
    this.byRelease = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => rel[a]! - rel[b]! || a - b);
  }

  get titles(): number {
    return this.level.length;
  }

  /** Titles released in [from, to] (days), via binary search on the release order. */
  private releasedBetween(from: number, to: number): Int32Array {
    const rel = this.catalog.releaseDay;
    const order = this.byRelease;
    const lowerBound = (day: number) => {
      let lo = 0;
      let hi = order.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (rel[order[mid]!]! < day) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    return order.subarray(lowerBound(from), lowerBound(to + 1));
  }

  /**
   * Folds in one day of demand: bytes streamed per title (a title not in the logs streamed 0).
   * Days must come in order; a gap counts as days of no data (the level is left as it was).
   */
  observe(day: number, bytesStreamed: Float64Array | ArrayLike<number>): void {
    if (this.lastDay !== null && day <= this.lastDay) throw new RangeError(`day ${day} is not after the last day folded in (${this.lastDay})`);
    const n = this.titles;
    const size = this.catalog.bytes;
    const a = this.alpha;
    const first = this.days === 0;
    for (let i = 0; i < n; i++) {
      const b = bytesStreamed[i] ?? 0;
      const x = b > 0 && size[i]! > 0 ? Math.log1p(b / size[i]!) : 0;
      this.last[i] = x;
      this.level[i] = first ? x : a * x + (1 - a) * this.level[i]!;
    }
    for (const i of this.releasedBetween(day - PRIOR_DAYS + 1, day)) {
      const age = day - this.catalog.releaseDay[i]!;
      this.priorSum[age] = this.priorSum[age]! + this.last[i]!;
      this.priorCount[age] = this.priorCount[age]! + 1;
    }
    // A title released inside the history starts its level from its own days, not the zeros before.
    for (const i of this.releasedBetween(day, day)) this.level[i] = this.last[i]!;
    this.lastDay = day;
    this.days++;
  }

  /**
   * The release-age prior: mean log1p(views) at each age (0 .. PRIOR_DAYS-1). Ages no release
   * has been seen at take the nearest age seen; with no release seen at all, a title at age 0 is
   * taken to be as popular as the 99th percentile of the catalog, halving every 5 days.
   */
  prior(): Float64Array {
    const out = new Float64Array(PRIOR_DAYS);
    const seen: number[] = [];
    for (let a = 0; a < PRIOR_DAYS; a++) if (this.priorCount[a]! > 0) seen.push(a);
    if (seen.length === 0) {
      const p99 = percentile(this.level, 0.99);
      for (let a = 0; a < PRIOR_DAYS; a++) out[a] = Math.log1p(Math.expm1(p99) * Math.pow(0.5, a / 5));
      return out;
    }
    for (let a = 0; a < PRIOR_DAYS; a++) {
      let best = seen[0]!;
      for (const s of seen) if (Math.abs(s - a) < Math.abs(best - a)) best = s;
      out[a] = this.priorSum[best]! / this.priorCount[best]!;
    }
    return out;
  }

  /** Forecast views per title on `day` (after the last day folded in). */
  forecast(day: number): Float64Array {
    const n = this.titles;
    const out = new Float64Array(n);
    const rel = this.catalog.releaseDay;
    for (let i = 0; i < n; i++) if (rel[i]! <= day - PRIOR_DAYS) out[i] = Math.expm1(this.level[i]!);
    const prior = this.prior();
    const lastDay = this.lastDay;
    for (const i of this.releasedBetween(day - PRIOR_DAYS + 1, day)) {
      const age = day - rel[i]!;
      let f: number;
      if (lastDay !== null && rel[i]! <= lastDay && lastDay - rel[i]! < PRIOR_DAYS) {
        const ageLast = lastDay - rel[i]!;
        f = this.last[i]! + prior[age]! - prior[ageLast]!;
      } else {
        f = prior[age]!;
      }
      out[i] = Math.max(0, Math.expm1(f));
    }
    return out;
  }

  /** Forecast bytes per day per title (views x size): the value a cache earns by holding it. */
  forecastBytes(day: number): Float64Array {
    const views = this.forecast(day);
    const size = this.catalog.bytes;
    for (let i = 0; i < views.length; i++) views[i] = views[i]! * size[i]!;
    return views;
  }
}

function percentile(values: Float32Array, q: number): number {
  const sorted = Float32Array.from(values).sort();
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
