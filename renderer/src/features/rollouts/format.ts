/**
 * How rollouts read on screen: state words and chip tones, progress segments, which controls a
 * state allows, the per-site limit against capacity, and the canary's numbers. Pure, tested in Node.
 */
import type {
  Counts,
  MetricJudgement,
  MetricName,
  Rollout,
  RolloutApplianceState,
  RolloutState,
  SitePreview,
} from '../../../../main/rollouts/contract';
import { FINAL_ROLLOUT_STATES } from '../../../../main/rollouts/contract';
import type { RolloutAction } from './store';

/** The lifecycle chip class (.status.st-*) each state borrows its colour from. */
export const STATE_TONE: Record<RolloutState | RolloutApplianceState, string> = {
  created: 'st-provisioning',
  running: 'st-online',
  paused: 'st-drained',
  'awaiting-approval': 'st-drained',
  aborting: 'st-offline',
  succeeded: 'st-online',
  failed: 'st-offline',
  aborted: 'st-rma',
  pending: 'st-provisioning',
  staging: 'st-provisioning',
  waiting: 'st-provisioning',
  'in-flight': 'st-drained',
  ok: 'st-online',
  cancelled: 'st-rma',
};

export const STATE_LABEL: Record<RolloutState, string> = {
  created: 'created (not started)',
  running: 'running',
  paused: 'paused',
  'awaiting-approval': 'awaiting approval',
  aborting: 'aborting',
  succeeded: 'succeeded',
  failed: 'failed',
  aborted: 'aborted',
};

export const PHASE_LABEL: Record<Rollout['phase'], string> = {
  'not-started': 'not started',
  canary: 'canary',
  judging: 'judging the canary',
  waves: 'waves',
  finished: 'finished',
};

/** The controls a rollout in this state offers (the engine refuses the others). */
export function actionsFor(r: Pick<Rollout, 'state' | 'counts'>): RolloutAction[] {
  switch (r.state) {
    case 'created':
      return ['start', 'abort'];
    case 'running':
      return ['pause', 'abort'];
    case 'paused':
      return ['resume', 'abort'];
    case 'awaiting-approval':
      return ['approveMarginal', 'abort'];
    case 'aborting':
      return [];
    default:
      return FINAL_ROLLOUT_STATES.includes(r.state) && r.counts.failed > 0 ? ['retryFailed'] : [];
  }
}

export const ACTION_LABEL: Record<RolloutAction, string> = {
  start: 'Start',
  pause: 'Pause',
  resume: 'Resume',
  abort: 'Abort',
  retryFailed: 'Retry failed',
  approveMarginal: 'Approve marginal canary',
};

/** Segments of a progress bar, in percent of the total (ok, failed, in flight, waiting; the rest is pending). */
export function segments(c: Pick<Counts, 'total' | 'ok' | 'failed' | 'inFlight' | 'waiting' | 'cancelled'>): {
  ok: number;
  failed: number;
  inFlight: number;
  waiting: number;
  cancelled: number;
  done: number;
} {
  const pct = (n: number) => (c.total > 0 ? (100 * n) / c.total : 0);
  return {
    ok: pct(c.ok),
    failed: pct(c.failed),
    inFlight: pct(c.inFlight),
    waiting: pct(c.waiting),
    cancelled: pct(c.cancelled),
    done: c.total > 0 ? Math.round((100 * (c.ok + c.failed + c.cancelled)) / c.total) : 0,
  };
}

/** "12 of 40 updated · 1 failed · 3 in flight". */
export function countsLine(c: Counts): string {
  const parts = [`${c.ok} of ${c.total} updated`];
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.inFlight) parts.push(`${c.inFlight} in flight`);
  if (c.waiting) parts.push(`${c.waiting} staged and waiting`);
  if (c.cancelled) parts.push(`${c.cancelled} cancelled`);
  return parts.join(' · ');
}

/**
 * The per-site limit against the site's capacity, in words and as shares of the capacity bar:
 * what is out already, what this rollout may add at once, and what keeps serving.
 */
export function siteLimit(s: SitePreview): { text: string; outPct: number; allowedPct: number } {
  const perBox = s.appliances > 0 ? s.capacityGbps / s.appliances : 0;
  const cap = s.capacityGbps > 0 ? s.capacityGbps : 1;
  const outPct = Math.min(100, (100 * s.alreadyOut.gbps) / cap);
  const allowedPct = Math.min(100 - outPct, (100 * s.maxAtOnce * perBox) / cap);
  const limit =
    s.limitGbps !== null
      ? `at most ${fmtGbps(s.limitGbps)} of ${fmtGbps(s.capacityGbps)} out at once`
      : `at most ${s.limitCount ?? 0} of ${s.appliances} appliances out at once`;
  const already = s.alreadyOut.count > 0 ? `; ${s.alreadyOut.count} already out (${fmtGbps(s.alreadyOut.gbps)})` : '';
  const now = s.blocked ? ' → blocked until some come back' : ` → ${s.maxAtOnce} at a time`;
  return { text: `${limit}${already}${now}`, outPct, allowedPct };
}

export function fmtGbps(g: number): string {
  return `${Number.isInteger(g) ? g : g.toFixed(1)} Gbps`;
}

export const METRIC_LABEL: Record<MetricName, string> = {
  servingGbps: 'Serving (Gbps)',
  errorsPerSecond: 'Errors per second',
  cacheHitRatio: 'Cache hit ratio',
  health: 'Health score',
};

/** A number from the judgement as it reads in a table: p-values in scientific notation when tiny. */
export function fmtStat(v: number | null, kind: 'p' | 'value' = 'value'): string {
  if (v === null || !Number.isFinite(v)) return '—';
  if (kind === 'p') return v < 0.001 ? v.toExponential(1) : v.toFixed(3);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
}

/** "median 9.80 vs 10.10 (baseline)". */
export function metricLine(m: MetricJudgement): string {
  return `median ${fmtStat(m.canary.median)} on ${m.canary.n} canary samples vs ${fmtStat(m.baseline.median)} on ${m.baseline.n} baseline samples`;
}
