/**
 * Traffic follows a daily curve in the site's timezone: lowest around 05:00 local, highest around
 * 21:00, with a small per-appliance wobble. Local time comes from the runtime's IANA zone data (Intl).
 */

import { offsetMs } from '../../kit/windows';

const HOUR = 3_600_000;
const offsets = new Map<string, { hour: number; offsetMs: number }>();

/** The zone's offset from UTC at `at`, in ms (cached per zone and hour: offsets change on the hour). */
export function zoneOffsetMs(timeZone: string, at: number): number {
  const hour = Math.floor(at / HOUR);
  const cached = offsets.get(timeZone);
  if (cached && cached.hour === hour) return cached.offsetMs;
  const offset = offsetMs(timeZone, hour * HOUR);
  offsets.set(timeZone, { hour, offsetMs: offset });
  return offset;
}

/** Hours since local midnight, fractional (0 <= h < 24). */
export function localHour(timeZone: string, at: number): number {
  const local = at + zoneOffsetMs(timeZone, at);
  return (((local % (24 * HOUR)) + 24 * HOUR) % (24 * HOUR)) / HOUR;
}

const TROUGH_HOUR = 5;
const PEAK_HOUR = 21;
const TROUGH = 0.12;

/** Share of peak demand at a local hour: 0.12 at 05:00 rising to 1.0 at 21:00, falling again overnight. */
export function dailyCurve(hour: number): number {
  const h = hour < TROUGH_HOUR ? hour + 24 : hour;
  const rise = PEAK_HOUR - TROUGH_HOUR;
  const x = h <= PEAK_HOUR ? (h - TROUGH_HOUR) / rise : 1 - (h - PEAK_HOUR) / (24 - rise);
  return TROUGH + (1 - TROUGH) * (1 - Math.cos(Math.PI * x)) / 2;
}

/** Deterministic noise in [-1, 1] from two integers. */
export function wobble(seed: number, step: number): number {
  let t = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(step, 0xc2b2ae35)) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
}

/** Demand on one appliance as a share of its peak, at lab time `at`. */
export function demandShare(timeZone: string, seed: number, at: number): number {
  const base = dailyCurve(localHour(timeZone, at));
  const noise = wobble(seed, Math.floor(at / 60_000)) * 0.04;
  return Math.max(0, Math.min(1, base * (1 + noise)));
}
