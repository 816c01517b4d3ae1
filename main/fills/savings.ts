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
import type { SitePlanSummary, SavingsReport, SiteSavings, PartnerSavings } from './contract';

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

export function siteSavings(s: SavingsSite): SiteSavings & { hourly: number[] } {
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
    hourly,
  };
}

/** Sites grouped by partner (partners by avoided bytes, most first; sites likewise), with the totals. */
export function savingsReport(sites: readonly SavingsSite[], withoutPlan: readonly string[]): SavingsReport {
  const byPartner = new Map<string, (SiteSavings & { hourly: number[] })[]>();
  for (const s of sites) {
    const list = byPartner.get(s.partner) ?? [];
    list.push(siteSavings(s));
    byPartner.set(s.partner, list);
  }
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
    };
  });
  partners.sort((a, b) => b.avoidedBytes - a.avoidedBytes || a.partner.localeCompare(b.partner));
  const demandBytes = partners.reduce((sum, p) => sum + p.demandBytes, 0);
  const avoidedBytes = partners.reduce((sum, p) => sum + p.avoidedBytes, 0);
  return {
    partners,
    totals: { demandBytes, avoidedBytes, transitBytes: demandBytes - avoidedBytes, offload: demandBytes > 0 ? avoidedBytes / demandBytes : 0 },
    sitesWithoutPlan: [...withoutPlan].sort(),
    profile: [...DEMAND_PROFILE],
  };
}
