/**
 * How measured health reads on screen: ages ("3 min ago"), throughput, ratios, and the one
 * line that says whether an appliance was reached. Pure, so it is tested in Node.
 */
import { formatAge } from '../../../../main/kit/age';
import type { HealthStatus } from '../../../../main/health/contract';

export const HEALTH_ORDER: readonly HealthStatus[] = ['OK', 'Warning', 'Error', 'Unknown'];

/** Ages read the same as in the engine and the CLI: "45 s", "3 min", "2 h 1 min" (main/kit/age.ts). */
export { formatAge };

/**
 * The age of a measurement now: the engine's age when it answered plus the time since, so the
 * display ticks without trusting that this computer's clock agrees with the engine's.
 */
export function ageAt(ageSeconds: number | null, receivedAtMs: number, nowMs: number): number | null {
  if (ageSeconds === null) return null;
  return ageSeconds + Math.max(0, nowMs - receivedAtMs) / 1000;
}

const gbps = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const small = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const count = new Intl.NumberFormat('en-US');

/** 12.345 → "12.3 Gbps". */
export function formatGbps(n: number): string {
  return `${gbps.format(n)} Gbps`;
}

/** 0.9341 → "93.4%". */
export function formatRatio(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

/** 1.5 → "1.5/s". */
export function formatRate(perSecond: number): string {
  return `${small.format(perSecond)}/s`;
}

export function formatInt(n: number): string {
  return count.format(n);
}

/** Percent of the disk in use, 0..100; 0 for a disk of unknown size. */
export function diskPercent(used: number, total: number): number {
  return total > 0 ? (used / total) * 100 : 0;
}

/**
 * One line on reachability: null when the last poll reached the appliance; otherwise
 * "unreachable, last seen 3 min ago" (the status shown is the last known one) or "never reached".
 */
export function reachabilityLine(reachable: boolean, age: number | null, polled: boolean): string | null {
  if (reachable) return null;
  if (age === null) return polled ? 'unreachable, never measured' : 'not polled yet';
  return `unreachable, last seen ${formatAge(age)} ago`;
}

/** "measured 12 s ago" for a reachable appliance; "never measured" before the first poll. */
export function measuredLine(age: number | null): string {
  return age === null ? 'never measured' : `measured ${formatAge(age)} ago`;
}

/**
 * Why health may be old or Unknown, when that is so: the monitor is off, or on but not run by this
 * engine. Null while it polls (or before the settings are known).
 */
export function pollingNote(monitor: { enabled: boolean } | null, status: { polling: boolean } | null): string | null {
  if (!monitor) return null;
  if (!monitor.enabled) return 'Polling is off: health shows the last measurement, or Unknown for appliances never polled. Turn it on, or Poll now, on the Health screen.';
  if (status && !status.polling) return 'Polling is on, but this engine does not run it: health changes only when something else polls.';
  return null;
}

/** Lifecycles the engine never polls (the monitor's default selection leaves them out). */
export const NOT_POLLED_LIFECYCLES: readonly string[] = ['rma'];
/** Lifecycles whose health colours the roll-ups; the others show the age of what they show. */
const WATCHED_LIFECYCLES: readonly string[] = ['online', 'drained'];

/** How one appliance's health reads: the current state first, then what was last known. */
export interface HealthShown {
  /** The badge's word: a status, "Unreachable" or "Not polled". */
  label: string;
  /** The badge's colour: the status the roll-ups count, or Unknown for what is not polled. */
  tone: HealthStatus;
  state: 'measured' | 'unreachable' | 'never-polled' | 'not-polled' | 'expected';
  /** The line beside it: "last known OK 3m ago", "not polled yet", "measured 12s ago", or null. */
  line: string | null;
}

interface ShownInput {
  status: HealthStatus;
  lastKnownStatus?: HealthStatus | null | undefined;
  reachable: boolean;
  lastPollAt: string | null;
  lifecycle: string;
  /** Out of service as planned ("rebooting (rollout 12)"): shown as that, never as a problem. */
  expected?: string | null | undefined;
}

/**
 * The current state first: an unreachable appliance says Unreachable (coloured as the roll-ups
 * count it when it is online or drained, muted otherwise) and then what was last known and how
 * long ago; an RMA appliance (never polled) says
 * Not polled, never a green OK; a reachable one its status, with its age when `always` or when its
 * lifecycle does not colour the roll-ups (offline, awaiting install, provisioning).
 */
export function healthShown(h: ShownInput, age: number | null, always = false): HealthShown {
  const lastKnown = age === null ? null : `last known ${h.lastKnownStatus ?? 'Unknown'} ${formatAge(age)} ago`;
  if (NOT_POLLED_LIFECYCLES.includes(h.lifecycle)) {
    return { label: 'Not polled', tone: 'Unknown', state: 'not-polled', line: `not polled (${h.lifecycle})${lastKnown ? `; ${lastKnown}` : ''}` };
  }
  if (h.expected) return { label: h.expected, tone: 'Unknown', state: 'expected', line: lastKnown };
  if (h.lastPollAt === null) return { label: 'Unknown', tone: 'Unknown', state: 'never-polled', line: 'not polled yet' };
  if (!h.reachable) {
    // Offline, awaiting install, provisioning: not answering is expected, so it is not coloured as a problem.
    const tone = WATCHED_LIFECYCLES.includes(h.lifecycle) ? h.status : 'Unknown';
    return { label: 'Unreachable', tone, state: 'unreachable', line: lastKnown ?? 'never reached' };
  }
  const showAge = always || !WATCHED_LIFECYCLES.includes(h.lifecycle);
  return { label: h.status, tone: h.status, state: 'measured', line: showAge ? measuredLine(age) : null };
}
