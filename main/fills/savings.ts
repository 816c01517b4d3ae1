/**
 * The savings report per partner: what the fills keep off the ISP's transit links, the figure an
 * ISP cares about. From each site's latest stored plan: its forecast demand for the plan's day
 * (bytes) and the share its placement serves from inside the site (offload) give the transit
 * bytes avoided per day; spread over the day by the diurnal demand profile below, in each site's
 * own time zone, they give the Gbps avoided at the partner's peak hour (the sites of a partner in
 * several time zones peak at different instants, so a partner's peak is the peak of their sum, not
 * the sum of their peaks).
 */
import { offsetMs } from '../kit/windows';
import type { MeasuredSavings, SitePlanSummary, SavingsReport, SiteSavings, PartnerSavings } from './contract';

const HOUR_MS = 3_600_000;
const TROUGH_HOUR = 5;
const PEAK_HOUR = 21;
const TROUGH = 0.12;

/**
 * Video demand over a local day: lowest at 05:00 (12 % of the peak), highest at 21:00, a raised
 * cosine between (the shape the lab's traffic follows too). Demand logs carry days, not hours: this
 * is the assumption that turns a day's bytes into a rate at the peak.
 */
function curve(hour: number): number {
  const h = hour < TROUGH_HOUR ? hour + 24 : hour;
  const rise = PEAK_HOUR - TROUGH_HOUR;
  const x = h <= PEAK_HOUR ? (h - TROUGH_HOUR) / rise : 1 - (h - PEAK_HOUR) / (24 - rise);
  return TROUGH + ((1 - TROUGH) * (1 - Math.cos(Math.PI * x))) / 2;
}

const CURVE_SUM = Array.from({ length: 24 }, (_, h) => curve(h + 0.5)).reduce((s, v) => s + v, 0);

/** Share (0..1) of a day's bytes streamed in the local hour starting at `hour` (0..24, fractional allowed). */
export function hourShare(hour: number): number {
  return curve((((hour + 0.5) % 24) + 24) % 24) / CURVE_SUM;
}

/** The 24 hourly shares of a local day (sum 1). */
export const DEMAND_PROFILE: readonly number[] = Array.from({ length: 24 }, (_, h) => hourShare(h));

/** Average Gbps over one hour that carries `bytes`. */
const gbpsOfHour = (bytes: number) => (bytes * 8) / 3600 / 1e9;

export interface SavingsSite {
  code: string;
  partner: string;
  timezone: string;
  planId: number;
  summary: SitePlanSummary;
}

/** The zone's offset (hours) on the plan's day (at its noon UTC). */
function offsetHours(timeZone: string, day: string): number {
  return offsetMs(timeZone, Date.parse(`${day}T12:00:00Z`)) / HOUR_MS;
}

/** One site's measured transit in a quarter hour (history: means over its sweeps). */
export interface MeasuredSlot {
  site: string;
  /** The quarter hour's first minute since the epoch. */
  minute: number;
  servingGbps: number;
  originGbps: number;
}

/** Minutes in a measured slot (the history's quarter hours). */
export const MEASURED_SLOT_MINUTES = 15 as const;
const bytesOfSlot = (gbps: number) => (gbps * 1e9 * MEASURED_SLOT_MINUTES * 60) / 8;

/**
 * Measured savings of some slots (one site's, or a partner's sites'): bytes served from the caches
 * and over transit, each quarter hour at its mean; the peak is the highest quarter hour of the sum
 * over the sites. Null without any slot.
 */
function measuredSavings(slots: readonly MeasuredSlot[]): MeasuredSavings | null {
  if (slots.length === 0) return null;
  const byMinute = new Map<number, number>();
  let served = 0;
  let transit = 0;
  for (const slot of slots) {
    served += slot.servingGbps;
    transit += slot.originGbps;
    byMinute.set(slot.minute, (byMinute.get(slot.minute) ?? 0) + slot.servingGbps);
  }
  const avoidedBytes = bytesOfSlot(served);
  const transitBytes = bytesOfSlot(transit);
  return {
    avoidedBytes,
    transitBytes,
    offload: avoidedBytes + transitBytes > 0 ? avoidedBytes / (avoidedBytes + transitBytes) : 0,
    peakGbpsAvoided: Math.max(...byMinute.values()),
    hours: (byMinute.size * MEASURED_SLOT_MINUTES) / 60,
  };
}

export function siteSavings(s: SavingsSite, measured: readonly MeasuredSlot[] = []): SiteSavings & { hourly: number[] } {
  const { summary } = s;
  const demandBytes = summary.forecastBytes;
  const avoidedBytes = demandBytes * summary.offload;
  const offset = offsetHours(s.timezone, summary.day);
  // Gbps avoided in each UTC hour of the day (the local hour is the UTC hour shifted by the offset).
  const hourly = Array.from({ length: 24 }, (_, utc) => gbpsOfHour(avoidedBytes * hourShare(utc + offset)));
  let peakUtc = 0;
  hourly.forEach((g, h) => {
    if (g > hourly[peakUtc]!) peakUtc = h;
  });
  return {
    site: s.code,
    partner: s.partner,
    planId: s.planId,
    day: summary.day,
    demandBytes,
    avoidedBytes,
    transitBytes: demandBytes - avoidedBytes,
    offload: summary.offload,
    bound: summary.bound,
    peakGbpsAvoided: hourly[peakUtc]!,
    peakLocalHour: (((peakUtc + Math.round(offset)) % 24) + 24) % 24,
    yesterdayHitRatio: summary.quality?.hitRatio ?? null,
    yesterdayOracleHitRatio: summary.quality?.oracleHitRatio ?? null,
    measured: measuredSavings(measured),
    hourly,
  };
}

/** Sites grouped by partner (partners by avoided bytes, most first; sites likewise), with the totals. */
export function savingsReport(sites: readonly SavingsSite[], withoutPlan: readonly string[], measured: readonly MeasuredSlot[] = []): SavingsReport {
  const slotsOf = new Map<string, MeasuredSlot[]>();
  for (const slot of measured) slotsOf.set(slot.site, [...(slotsOf.get(slot.site) ?? []), slot]);
  const byPartner = new Map<string, (SiteSavings & { hourly: number[] })[]>();
  for (const s of sites) {
    const list = byPartner.get(s.partner) ?? [];
    list.push(siteSavings(s, slotsOf.get(s.code)));
    byPartner.set(s.partner, list);
  }
  const slotsOfSites = (codes: readonly string[]) => codes.flatMap((code) => slotsOf.get(code) ?? []);
  const partners: PartnerSavings[] = [...byPartner].map(([partner, list]) => {
    const hourly = Array.from({ length: 24 }, (_, h) => list.reduce((sum, s) => sum + s.hourly[h]!, 0));
    let peakUtc = 0;
    hourly.forEach((g, h) => {
      if (g > hourly[peakUtc]!) peakUtc = h;
    });
    const demandBytes = list.reduce((sum, s) => sum + s.demandBytes, 0);
    const avoidedBytes = list.reduce((sum, s) => sum + s.avoidedBytes, 0);
    return {
      partner,
      demandBytes,
      avoidedBytes,
      transitBytes: demandBytes - avoidedBytes,
      offload: demandBytes > 0 ? avoidedBytes / demandBytes : 0,
      peakGbpsAvoided: hourly[peakUtc]!,
      peakUtcHour: peakUtc,
      hourlyGbpsAvoided: hourly,
      sites: list.map(({ hourly: _hourly, ...site }) => site).sort((a, b) => b.avoidedBytes - a.avoidedBytes || a.site.localeCompare(b.site)),
      measured: measuredSavings(slotsOfSites(list.map((s) => s.site))),
    };
  });
  partners.sort((a, b) => b.avoidedBytes - a.avoidedBytes || a.partner.localeCompare(b.partner));
  const demandBytes = partners.reduce((sum, p) => sum + p.demandBytes, 0);
  const avoidedBytes = partners.reduce((sum, p) => sum + p.avoidedBytes, 0);
  return {
    partners,
    totals: {
      demandBytes,
      avoidedBytes,
      transitBytes: demandBytes - avoidedBytes,
      offload: demandBytes > 0 ? avoidedBytes / demandBytes : 0,
      measured: measuredSavings(slotsOfSites(sites.map((s) => s.code))),
    },
    sitesWithoutPlan: [...withoutPlan].sort(),
    profile: [...DEMAND_PROFILE],
  };
}
