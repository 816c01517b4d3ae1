/**
 * How measured health reads on screen: ages ("3m ago"), throughput, ratios, disk sizes, and the one
 * line that says whether an appliance was reached. Pure, so it is tested in Node.
 */
import type { HealthStatus } from '../../../../main/health/contract';

export const HEALTH_ORDER: readonly HealthStatus[] = ['OK', 'Warning', 'Error', 'Unknown'];

/** 42 → "42s", 185 → "3m", 7260 → "2h 1m", 200000 → "2d 7h". */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

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

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'] as const;

/** Decimal units, as disk vendors count: 360e12 → "360 TB". */
export function formatBytes(bytes: number): string {
  let v = Math.max(0, bytes);
  let u = 0;
  while (v >= 1000 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  const digits = v >= 100 || u === 0 ? 0 : 1;
  return `${v.toFixed(digits)} ${UNITS[u]}`;
}

/** Percent of the disk in use, 0..100; 0 for a disk of unknown size. */
export function diskPercent(used: number, total: number): number {
  return total > 0 ? (used / total) * 100 : 0;
}

/**
 * One line on reachability: null when the last poll reached the appliance; otherwise
 * "unreachable, last seen 3m ago" (the status shown is the last known one) or "never reached".
 */
export function reachabilityLine(reachable: boolean, age: number | null, polled: boolean): string | null {
  if (reachable) return null;
  if (age === null) return polled ? 'unreachable, never measured' : 'not polled yet';
  return `unreachable, last seen ${formatAge(age)} ago`;
}

/** "measured 12s ago" for a reachable appliance; "never measured" before the first poll. */
export function measuredLine(age: number | null): string {
  return age === null ? 'never measured' : `measured ${formatAge(age)} ago`;
}
