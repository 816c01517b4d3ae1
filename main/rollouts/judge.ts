/**
 * The canary judgement: the canaries' metrics after the update against a baseline of untouched
 * appliances of the same model sampled at the same moments, one Mann-Whitney U test per metric on
 * ONE value per appliance (its median over the period: an appliance is the unit that was updated or
 * not, its repeated samples are not independent observations). A metric where the canaries are
 * worse with p < failP fails the canary, with p < marginalP makes it marginal; a canary reporting
 * Error health fails it outright. With few appliances the ranks cannot be significant (one canary
 * against n baseline appliances gives at best p = 2/(n+1)): the judgement says so, and the canary is
 * then judged on its own health.
 */
import type { HealthStatus } from '../appliance/contract';
import type { CanaryJudgement, JudgementPlan, MetricJudgement, MetricName, Verdict } from './contract';
import { mannWhitneyU } from './mann-whitney';

export interface Sample {
  serial: string;
  reached: boolean;
  health: HealthStatus | null;
  servingGbps: number | null;
  errorsPerSecond: number | null;
  cacheHitRatio: number | null;
}

/** Health as a number for the rank test: higher is better. */
export const HEALTH_SCORE: Record<HealthStatus, number> = { OK: 1, Unknown: 0.75, Warning: 0.5, Error: 0 };

const METRICS: ReadonlyArray<{ metric: MetricName; better: 'higher' | 'lower'; value: (s: Sample) => number | null }> = [
  { metric: 'servingGbps', better: 'higher', value: (s) => s.servingGbps },
  // Errors grow with traffic: judged per Gbps served, so a canary that serves more is not "worse".
  { metric: 'errorsPerSecond', better: 'lower', value: (s) => (s.errorsPerSecond === null || s.servingGbps === null ? null : s.errorsPerSecond / Math.max(s.servingGbps, 1)) },
  { metric: 'cacheHitRatio', better: 'higher', value: (s) => s.cacheHitRatio },
  // An unreachable appliance scores as Error: it does not serve.
  { metric: 'health', better: 'higher', value: (s) => (s.reached && s.health ? HEALTH_SCORE[s.health] : 0) },
];

const median = (v: readonly number[]): number | null => {
  if (v.length === 0) return null;
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const mean = (v: readonly number[]): number | null => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);
const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
const stats = (v: readonly number[]) => ({ n: v.length, median: median(v) === null ? null : round(median(v)!), mean: mean(v) === null ? null : round(mean(v)!) });

/** The smallest two-sided p a rank test can give with these sample sizes: 2 / C(nx + ny, nx). */
export function smallestRankP(nx: number, ny: number): number {
  let c = 1;
  for (let i = 1; i <= nx; i++) c = (c * (ny + i)) / i;
  return Math.min(1, 2 / c);
}

const WORST: Record<Verdict, number> = { pass: 0, marginal: 1, fail: 2 };

export interface JudgeInput {
  canaries: readonly string[];
  baseline: readonly string[];
  /** Every sample taken, canaries and baseline, over the period. */
  samples: readonly Sample[];
  plan: Pick<JudgementPlan, 'failP' | 'marginalP'>;
  period: { from: string; to: string };
  decidedAt: string;
}

export function judge(input: JudgeInput): CanaryJudgement {
  const canarySet = new Set(input.canaries);
  const baselineSet = new Set(input.baseline);
  const reasons: string[] = [];
  const metrics: MetricJudgement[] = [];
  const samples: CanaryJudgement['samples'] = [];
  for (const m of METRICS) {
    const rawC: number[] = [];
    const rawB: number[] = [];
    // One value per appliance: its median over the period. Samples of one appliance are not
    // independent observations (more samples would make a tiny difference "significant").
    const perAppliance = new Map<string, number[]>();
    for (const s of input.samples) {
      const v = m.value(s);
      if (v === null || !Number.isFinite(v)) continue;
      if (canarySet.has(s.serial)) rawC.push(v);
      else if (baselineSet.has(s.serial)) rawB.push(v);
      else continue;
      const list = perAppliance.get(s.serial);
      if (list) list.push(v);
      else perAppliance.set(s.serial, [v]);
    }
    const c: number[] = [];
    const b: number[] = [];
    for (const [serial, values] of perAppliance) (canarySet.has(serial) ? c : b).push(median(values)!);
    samples.push({ metric: m.metric, canary: rawC.map((x) => round(x)), baseline: rawB.map((x) => round(x)) });
    if (c.length === 0 || b.length === 0) {
      metrics.push({ metric: m.metric, better: m.better, canary: stats(c), baseline: stats(b), u: null, z: null, p: null, worse: false, verdict: 'pass', note: c.length === 0 ? 'no canary samples' : 'no baseline samples' });
      continue;
    }
    const cm = median(c)!;
    const bm = median(b)!;
    const fmtP = (p: number) => (p < 0.0001 ? p.toExponential(2) : String(round(p)));
    const head = `canary median ${round(cm)} vs baseline ${round(bm)} over ${c.length} + ${b.length} appliances (${m.better} is better)`;
    const r = mannWhitneyU(c, b);
    const half = (c.length * b.length) / 2;
    const worse = m.better === 'higher' ? r.u < half : r.u > half;
    const p = r.p;
    const note = `${head}, U=${round(r.u, 1)}, p=${fmtP(p)}`;
    const verdict: Verdict = worse && p < input.plan.failP ? 'fail' : worse && p < input.plan.marginalP ? 'marginal' : 'pass';
    metrics.push({ metric: m.metric, better: m.better, canary: stats(c), baseline: stats(b), u: round(r.u, 2), z: round(r.z), p, worse, verdict, note });
    if (verdict !== 'pass') reasons.push(`${m.metric}: ${note}: ${verdict === 'fail' ? `worse with p < ${input.plan.failP}` : `worse with p < ${input.plan.marginalP}`}`);
  }
  // A canary whose last word was Error (or that could not be reached) fails whatever the ranks say.
  const last = new Map<string, Sample>();
  for (const s of input.samples) if (canarySet.has(s.serial)) last.set(s.serial, s);
  let verdict: Verdict = metrics.reduce<Verdict>((w, m) => (WORST[m.verdict] > WORST[w] ? m.verdict : w), 'pass');
  for (const [serial, s] of last) {
    if (!s.reached || s.health === 'Error') {
      verdict = 'fail';
      reasons.push(`${serial} ${s.reached ? 'reports health Error' : 'could not be reached'} at the end of the observation`);
    }
  }
  const judged = metrics.find((m) => m.canary.n > 0 && m.baseline.n > 0);
  if (judged && smallestRankP(judged.canary.n, judged.baseline.n) >= input.plan.marginalP) {
    reasons.push(
      `${judged.canary.n} canary and ${judged.baseline.n} baseline appliance(s) are too few for the ranks to show anything (the smallest p they can give is ${round(smallestRankP(judged.canary.n, judged.baseline.n))}): judged on the canaries' own health; a larger canary gives a judgement on the metrics`,
    );
  }
  if (input.baseline.length === 0) reasons.push('no untouched appliance of the same model to compare with: judged on the canaries\' own health only');
  if (reasons.length === 0) reasons.push('no metric is worse on the canaries than on the baseline with significance');
  return {
    verdict,
    decidedAt: input.decidedAt,
    period: input.period,
    canaries: [...input.canaries],
    baseline: [...input.baseline],
    metrics,
    reasons,
    samples,
    approvedBy: null,
    approvedAt: null,
  };
}
