/**
 * Capacity forecasting on a site's daily serving peaks: a seasonal baseline (the same weekday last
 * week) and a seasonal ARIMA model, SARIMA(1,1,1)(0,1,1)₇, fitted by the `arima` package (a build of
 * ctsa). Each is scored on the last weeks of the history it did not see (MAPE); the better one makes
 * the forecast. Pure apart from loading the model's WebAssembly, which happens on first use only.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

/** A week: traffic peaks on the same weekdays (weekend evenings). */
export const SEASON = 7;
/** Days held out to score the models. */
export const HOLDOUT_DAYS = 28;
/** Below this many days the model is not fitted (the baseline forecasts alone). */
export const MIN_MODEL_DAYS = 6 * SEASON;

export interface Forecast {
  method: 'seasonal-naive' | 'sarima';
  /** One value per day after the last day of history. */
  values: number[];
  /** Mean absolute percentage error of each method on the held-out days (null: too little history). */
  scores: { seasonalNaive: number | null; sarima: number | null };
}

/** Repeats the last full season: the forecast for a day is the value one week before it. */
export function seasonalNaive(history: readonly number[], horizon: number, season = SEASON): number[] {
  if (history.length === 0) return Array.from({ length: horizon }, () => 0);
  const last = history.slice(-Math.min(season, history.length));
  return Array.from({ length: horizon }, (_, h) => last[h % last.length]!);
}

interface ArimaModel {
  train(ts: number[]): ArimaModel;
  predict(length: number): [number[], number[]];
}
type ArimaConstructor = new (options: Record<string, number | boolean>) => ArimaModel;
let arima: ArimaConstructor | null = null;
let fits = 0;

/** How many SARIMA models this process has fitted (benchmarks and tests count them). */
export function modelFits(): number {
  return fits;
}

/** SARIMA(1,1,1)(0,1,1)ₛ fitted to the history, `horizon` days ahead. */
export function sarima(history: readonly number[], horizon: number, season = SEASON): number[] {
  const Arima = (arima ??= createRequire(import.meta.url)('arima') as ArimaConstructor);
  fits++;
  const [values] = quietly(() => new Arima({ p: 1, d: 1, q: 1, P: 0, D: 1, Q: 1, s: season, verbose: false }).train([...history]).predict(horizon));
  // Not clamped at 0: a fit that dives below zero has gone astray, and `plausible` must see it to
  // fall back to the baseline (clamped, it read as a site that stops serving: "stays under 0 %").
  return values.map((v) => (Number.isFinite(v) ? v : NaN));
}

/**
 * Runs a fit with the process's stdout and stderr muted. The model's C code prints what it thinks
 * of a fit ("non-stationary AR part", "Program Exiting as the function returns NaN") whatever
 * `verbose` says, and `fleetdeck capacity --json` must print JSON only. The fit is synchronous,
 * so nothing else writes meanwhile.
 */
function quietly<T>(fn: () => T): T {
  const [out, err] = [process.stdout.write, process.stderr.write];
  const mute = (() => true) as typeof process.stdout.write;
  process.stdout.write = mute;
  process.stderr.write = mute;
  try {
    return fn();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/** Fits a model to a history and forecasts `horizon` days (sarima, or one that remembers its fits). */
export type Fitter = (history: readonly number[], horizon: number) => number[];

/**
 * A fitter that remembers its last `size` fits by their input: the same series and horizon give the
 * same values without fitting again (a fit is a pure function of them). A sweep that only raises
 * today's peak leaves the scoring fit's input (the history without its last four weeks) as it was.
 */
export function rememberingFitter(size = 2048, fit: Fitter = sarima): Fitter {
  const kept = new Map<string, readonly number[]>();
  return (history, horizon) => {
    const key = seriesKey(history, horizon);
    let values = kept.get(key);
    if (values) kept.delete(key);
    else values = fit(history, horizon);
    kept.set(key, values);
    if (kept.size > size) kept.delete(kept.keys().next().value!);
    return [...values];
  };
}

/** Names a series and a horizon (sha256): equal keys, equal inputs. */
export function seriesKey(history: readonly number[], horizon: number, salt = ''): string {
  return createHash('sha256').update(`${salt}|${horizon}|${history.join(',')}`).digest('base64url');
}

/** Mean absolute percentage error of `predicted` against `actual` (days where actual is 0 are left out). */
export function mape(actual: readonly number[], predicted: readonly number[]): number {
  let sum = 0;
  let n = 0;
  actual.forEach((a, i) => {
    const p = predicted[i];
    if (a > 0 && p !== undefined && Number.isFinite(p)) {
      sum += Math.abs(p - a) / a;
      n++;
    }
  });
  return n === 0 ? Infinity : sum / n;
}

/** Both methods scored on the last HOLDOUT_DAYS, then the better one fitted to all of it. */
export function forecastPeaks(history: readonly number[], horizon: number, fit: Fitter = sarima): Forecast {
  const canScore = history.length >= MIN_MODEL_DAYS + HOLDOUT_DAYS;
  const train = canScore ? history.slice(0, -HOLDOUT_DAYS) : history;
  const held = canScore ? history.slice(-HOLDOUT_DAYS) : [];
  const scores = {
    seasonalNaive: canScore ? round(mape(held, seasonalNaive(train, HOLDOUT_DAYS))) : null,
    sarima: canScore ? round(mape(held, fit(train, HOLDOUT_DAYS))) : null,
  };
  const useModel = history.length >= MIN_MODEL_DAYS && (scores.sarima === null || scores.seasonalNaive === null || scores.sarima <= scores.seasonalNaive);
  if (useModel) {
    const values = fit(history, horizon);
    if (plausible(values, history)) return { method: 'sarima', values: values.map(round), scores };
  }
  return { method: 'seasonal-naive', values: seasonalNaive(history, horizon).map(round), scores };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** How far above the history's highest peak a forecast may go before it is taken for a model gone astray. */
export const MAX_GROWTH = 1.5;

/**
 * A model's forecast is used only when it is finite and stays within MAX_GROWTH of the history's
 * range: at most MAX_GROWTH times its highest peak, at least its lowest serving peak over MAX_GROWTH.
 */
export function plausible(values: readonly number[], history: readonly number[]): boolean {
  const top = Math.max(...history);
  const serving = history.filter((v) => v > 0);
  const bottom = serving.length > 0 ? Math.min(...serving) / MAX_GROWTH : 0;
  return values.every((v) => Number.isFinite(v) && v >= bottom && v <= top * MAX_GROWTH);
}

export interface CapacityAdvice {
  /** Highest forecast peak over the horizon as a share of capacity. */
  peakShare: number;
  /** First forecast day at or above the warning share, or null. */
  crossesOn: string | null;
  /** Appliances of the given serving capacity to add so the highest forecast peak stays at or below the target share. */
  addAppliances: number;
  sentence: string;
}

/** Above this share of serving capacity a site is advised to grow. */
export const WARN_SHARE = 0.9;
/** The share a site is sized back to. */
export const TARGET_SHARE = 0.8;

/**
 * What the forecast means for a site: when it reaches WARN_SHARE of capacity and how many appliances
 * (of `perApplianceGbps` serving capacity each) keep its forecast peak under TARGET_SHARE.
 */
export function adviseCapacity(
  site: string,
  forecast: readonly number[],
  firstDay: string,
  capacityGbps: number,
  perApplianceGbps: number,
  applianceKind: string,
): CapacityAdvice {
  if (capacityGbps <= 0 || forecast.length === 0) {
    return { peakShare: 0, crossesOn: null, addAppliances: 0, sentence: `${site} has no serving capacity on record; nothing to forecast against.` };
  }
  const peak = Math.max(...forecast);
  const peakShare = peak / capacityGbps;
  const at = forecast.findIndex((v) => v / capacityGbps >= WARN_SHARE);
  const crossesOn = at < 0 ? null : addDays(firstDay, at);
  const addAppliances = peakShare <= TARGET_SHARE ? 0 : Math.ceil((peak / TARGET_SHARE - capacityGbps) / Math.max(1e-9, perApplianceGbps));
  const pct = (x: number) => `${Math.round(x * 100)} %`;
  const sentence =
    crossesOn !== null
      ? `${site} peaks at ${pct(forecast[at]! / capacityGbps)} of capacity by about ${crossesOn}: add ${addAppliances === 1 ? `one ${applianceKind} appliance` : `${addAppliances} ${applianceKind} appliances`}.`
      : addAppliances > 0
        ? `${site} peaks at ${pct(peakShare)} of capacity in the forecast: add ${addAppliances === 1 ? `one ${applianceKind} appliance` : `${addAppliances} ${applianceKind} appliances`} to keep it under ${pct(TARGET_SHARE)}.`
        : `${site} stays under ${pct(Math.max(peakShare, 0))} of capacity over the forecast.`;
  return { peakShare: Math.round(peakShare * 1000) / 1000, crossesOn, addAppliances, sentence };
}

/** `YYYY-MM-DD` plus n days (UTC calendar days). */
export function addDays(day: string, n: number): string {
  const t = Date.parse(`${day}T00:00:00Z`) + n * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}
