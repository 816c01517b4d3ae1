/** How a job's numbers, states and outputs read on screen. Pure, so it is tested in Node. */
import type { JobProgress, JobState, ResultState } from '../../../../main/net/contract';
import { formatDuration } from '../../../../main/kit/age';
import { detailsOf } from '../../../../main/kit/errors';
import { formatCount } from '../../ui/format';

/** 12.345 → "12.3/s"; below 1 per second, per minute reads better. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '—';
  if (perSecond < 1) return `${Math.round(perSecond * 60 * 10) / 10}/min`;
  return `${perSecond >= 100 ? Math.round(perSecond) : Math.round(perSecond * 10) / 10}/s`;
}

/** Elapsed and ETA read as everywhere else (main/kit/age.ts): "45 s", "3 min 20 s", "1 h 5 min"; null is "—". */
export { formatDuration };

/** Whole percent of the appliances that have an answer (never 100 before the end). */
export function percentDone(p: Pick<JobProgress, 'done' | 'total' | 'state'>): number {
  if (p.total <= 0) return p.state === 'running' ? 0 : 100;
  const pct = Math.floor((p.done / p.total) * 100);
  return p.state === 'running' ? Math.min(pct, 99) : pct;
}

/** Appliances a finished job never ran on (cancelled or interrupted). */
export function notRunCount(p: Pick<JobProgress, 'done' | 'ok' | 'failed' | 'state'>): number {
  return p.state === 'running' ? 0 : Math.max(0, p.done - p.ok - p.failed);
}

/** "40 of 60 · 38 ok · 2 failed". */
export function progressLine(p: JobProgress): string {
  const parts = [`${formatCount(p.done)} of ${formatCount(p.total)}`, `${formatCount(p.ok)} ok`];
  if (p.failed) parts.push(`${formatCount(p.failed)} failed`);
  const notRun = notRunCount(p);
  if (notRun) parts.push(`${formatCount(notRun)} not run`);
  return parts.join(' · ');
}

export const JOB_STATE_TEXT: Record<JobState, string> = {
  running: 'running',
  done: 'done',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
};

export const RESULT_STATE_TEXT: Record<ResultState, string> = {
  pending: 'waiting',
  running: 'running',
  ok: 'ok',
  failed: 'failed',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
};

/** The fingerprint an E_HOSTKEY_UNKNOWN result carries in its details (the key the appliance presented). */
export function presentedFingerprint(r: { errorCode: string | null; errorDetails: Record<string, unknown> | null }): string | null {
  return detailsOf({ code: r.errorCode, details: r.errorDetails }, 'E_HOSTKEY_UNKNOWN')?.presented ?? null;
}

/** The first line of an output, cut to `max` characters, for a table cell. */
export function outputPreview(output: string | null, max = 160): string {
  if (!output) return '';
  const text = output.trim();
  const nl = text.indexOf('\n');
  const line = nl >= 0 ? text.slice(0, nl) : text;
  const more = nl >= 0 || line.length > max;
  return more ? `${line.slice(0, max)}…` : line;
}

/** JSON text pretty-printed (ocactl replies are one JSON line); anything else as it is. */
export function prettyOutput(output: string): string {
  const t = output.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return output;
  try {
    return JSON.stringify(JSON.parse(t), null, 2);
  } catch {
    return output;
  }
}

/** `appliance:OCA1` → `OCA1`; `bastion:gw1` → null (no appliance page). */
export function applianceOfTarget(target: string): string | null {
  return target.startsWith('appliance:') ? target.slice('appliance:'.length) : null;
}

/** Reply fields the results row already shows (or that say nothing there). */
const ROW_KNOWS = new Set(['serial', 'hostname', 'apiVersion']);

function brief(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (Array.isArray(value)) return `[${value.length}]`;
  if (typeof value === 'object') {
    const inner = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v === null || typeof v !== 'object')
      .map(([k, v]) => `${k}=${v === null ? '—' : String(v)}`);
    return inner.length ? inner.join(' ') : '{…}';
  }
  return String(value);
}

/**
 * A one-line reading of a reply for a table cell. An ocactl envelope shows its result's fields
 * (`model: storage · health: OK · …`; serial, hostname and API version left out) or its error; anything
 * else shows its first line.
 */
export function replyPreview(output: string | null, max = 160): string {
  if (!output) return '';
  const t = output.trim();
  if (t.startsWith('{')) {
    try {
      const reply = JSON.parse(t) as { ok?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown } };
      let line: string | null = null;
      if (reply.ok === true && 'result' in reply) {
        const r = reply.result;
        line =
          r !== null && typeof r === 'object' && !Array.isArray(r)
            ? Object.entries(r as Record<string, unknown>)
                .filter(([k]) => !ROW_KNOWS.has(k))
                .map(([k, v]) => `${k}: ${brief(v)}`)
                .join(' · ')
            : brief(r);
      } else if (reply.ok === false && reply.error) {
        line = `${String(reply.error.code ?? 'error')}: ${String(reply.error.message ?? '')}`;
      }
      if (line !== null) return line.length > max ? `${line.slice(0, max)}…` : line;
    } catch {
      // Not JSON after all: shown as text below.
    }
  }
  return outputPreview(output, max);
}

/** A running appliance is stalled past this many seconds at least ... */
export const STALL_MIN_S = 10;
/** ... and past this many times the typical time per appliance (running / rate, Little's law). */
export const STALL_FACTOR = 4;

export interface RunningAge {
  serial: string;
  /** Seconds since it started. */
  seconds: number;
}

/** Running appliances from their results: serial and seconds since they started, longest first. */
export function runningAges(results: ReadonlyArray<{ serial: string; startedAt: string | null }>, nowMs: number): RunningAge[] {
  return results
    .map((r) => ({ serial: r.serial, seconds: r.startedAt ? Math.max(0, (nowMs - Date.parse(r.startedAt)) / 1000) : 0 }))
    .sort((a, b) => b.seconds - a.seconds || a.serial.localeCompare(b.serial));
}

/**
 * The ETA as it can honestly be said. The engine's figure is remaining / rate: when one appliance
 * stalls (it runs until its timeout) that figure shrinks to "0 s" while the job waits on. Running
 * ones far slower than the rest are named instead: "waiting on LAB00003 (running 45 s)", after
 * the estimate for the rest when others are still to run.
 */
export function honestEta(p: Pick<JobProgress, 'rate' | 'running' | 'remaining' | 'etaSeconds'>, running: readonly RunningAge[]): { text: string; stalled: string[] } {
  const typical = p.rate > 0 && p.running > 0 ? p.running / p.rate : 0;
  const limit = Math.max(STALL_MIN_S, typical * STALL_FACTOR);
  const stalled = running.filter((r) => r.seconds > limit);
  if (stalled.length === 0) return { text: formatDuration(p.etaSeconds), stalled: [] };
  const worst = stalled[0]!;
  const who =
    stalled.length === 1
      ? `${worst.serial} (running ${formatDuration(worst.seconds)})`
      : `${formatCount(stalled.length)} slow appliances (${worst.serial} running ${formatDuration(worst.seconds)})`;
  const onlyStalled = p.remaining <= 0 && stalled.length >= p.running;
  return { text: onlyStalled ? `waiting on ${who}` : `${formatDuration(p.etaSeconds)} + waiting on ${who}`, stalled: stalled.map((s) => s.serial) };
}
