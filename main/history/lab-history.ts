/**
 * Thirty days of plausible history for a lab's appliances, so a first-time user sees charts and
 * availability: serving follows the daily curve in the site's time zone (a trough at 05:00, the peak
 * at 21:00, busier weekends), the cache hit ratio dips a little as demand rises, errors follow
 * demand. Deterministic from the serials and the end instant. Some things happened in that month:
 * every site had a rollout in its night nine days ago (each appliance drained for fifteen minutes,
 * maintenance), the second site lost one appliance for eight hours four days ago (below 99.9 %), the
 * third one for thirty minutes two days ago (still above).
 */
import { offsetMs } from '../kit/windows';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface LabSite {
  code: string;
  timezone: string;
  appliances: { serial: string; capacityGbps: number; diskTotalBytes: number }[];
}

export type LabState = 'serving' | 'down' | 'maintenance';

export interface LabPoint {
  servingGbps: number;
  cacheHitRatio: number;
  errorsPerSecond: number;
  connections: number;
}

/** Deterministic noise in [-1, 1] from a text and a step. */
function noise(seed: string, step: number): number {
  let h = 2166136261 ^ step;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  h = Math.imul(h ^ (h >>> 15), h | 1);
  h ^= h + Math.imul(h ^ (h >>> 7), h | 61);
  return (((h ^ (h >>> 14)) >>> 0) / 4294967296) * 2 - 1;
}

/** Share of peak demand at a local hour: 0.12 at 05:00 rising to 1.0 at 21:00 (as the lab's appliances serve). */
export function dailyCurve(hour: number): number {
  const h = hour < 5 ? hour + 24 : hour;
  const x = h <= 21 ? (h - 5) / 16 : 1 - (h - 21) / 8;
  return 0.12 + 0.88 * (1 - Math.cos(Math.PI * x)) / 2;
}

/** The incidents of the generated month, relative to its end: [site index, appliance index, from, to]. */
function outages(end: number): [number, number, number, number][] {
  const day = Math.floor(end / DAY) * DAY;
  return [
    [1, 0, day - 4 * DAY + 9 * HOUR, day - 4 * DAY + 17 * HOUR],
    [2, 1, day - 2 * DAY + 14 * HOUR, day - 2 * DAY + 14 * HOUR + 30 * MINUTE],
  ];
}

export class LabHistory {
  private readonly down: [number, number, number, number][];
  private readonly rolloutDay: number;
  private readonly offsets = new Map<string, Map<number, number>>();

  constructor(
    private readonly sites: readonly LabSite[],
    readonly end: number,
  ) {
    this.down = outages(end);
    this.rolloutDay = Math.floor(end / DAY) * DAY - 9 * DAY;
  }

  /** The zone's offset, looked up once per zone and hour (offsets change on the hour). */
  private offset(timeZone: string, at: number): number {
    const hour = Math.floor(at / HOUR);
    let zone = this.offsets.get(timeZone);
    if (!zone) this.offsets.set(timeZone, (zone = new Map()));
    let o = zone.get(hour);
    if (o === undefined) zone.set(hour, (o = offsetMs(timeZone, hour * HOUR)));
    return o;
  }

  /** What appliance `j` of site `i` was doing at `at`. */
  state(i: number, j: number, at: number): LabState {
    if (this.down.some(([si, aj, from, to]) => si === i && aj === j && at >= from && at < to)) return 'down';
    // The rollout: from 02:00 local on that day, one appliance after another, fifteen minutes each.
    const site = this.sites[i]!;
    const local0200 = this.rolloutDay + 2 * HOUR - this.offset(site.timezone, this.rolloutDay);
    const from = local0200 + j * 15 * MINUTE;
    return at >= from && at < from + 15 * MINUTE ? 'maintenance' : 'serving';
  }

  /** Its metrics then (null when down: nothing was measured). */
  point(i: number, j: number, at: number, state = this.state(i, j, at)): LabPoint | null {
    if (state === 'down') return null;
    const site = this.sites[i]!;
    const a = site.appliances[j]!;
    if (state === 'maintenance') return { servingGbps: 0, cacheHitRatio: 0, errorsPerSecond: 0, connections: 0 };
    const local = at + this.offset(site.timezone, at);
    const hour = (local % DAY) / HOUR;
    const weekday = new Date(local).getUTCDay();
    const weekend = weekday === 0 || weekday === 6 ? 1.08 : 1;
    const level = 0.72 + 0.2 * ((noise(site.code, 0) + 1) / 2);
    const n = noise(a.serial, Math.floor(at / (5 * MINUTE)));
    const demand = Math.min(1, dailyCurve(hour) * weekend * (1 + 0.04 * n));
    const servingGbps = a.capacityGbps * level * demand;
    return {
      servingGbps,
      cacheHitRatio: Math.max(0, Math.min(1, 0.95 - 0.06 * demand + 0.01 * n)),
      errorsPerSecond: Math.max(0, 0.05 + 0.4 * demand + 0.05 * n),
      connections: Math.round(servingGbps * 180),
    };
  }
}
