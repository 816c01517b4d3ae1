/**
 * The savings report's arithmetic on hand-checked cases: transit avoided per day is forecast x
 * offload; the day's bytes spread by the diurnal profile in each site's own time zone; a partner's
 * peak is the peak of its sites' sum (sites in different zones peak at different instants).
 */
import { describe, expect, it } from 'vitest';
import type { SitePlanSummary } from './contract';
import { DEMAND_PROFILE, hourShare, savingsReport, siteSavings, type SavingsSite } from './savings';

const TB = 1e12;

function site(code: string, partner: string, timezone: string, forecastBytes: number, offload: number): SavingsSite {
  const summary: SitePlanSummary = {
    site: code,
    day: '2026-12-01',
    appliances: 3,
    capacityBytes: 500 * TB,
    historyDays: 10,
    titles: 100,
    copies: 120,
    placedBytes: 400 * TB,
    forecastBytes,
    offload,
    bound: Math.min(1, offload + 0.05),
    churnBytes: 0,
    previousPlanId: null,
    dropped: 0,
    quality: null,
  };
  return { code, partner, timezone, planId: 7, summary };
}

describe('the diurnal profile', () => {
  it('is a day: shares sum to 1, lowest before dawn, highest in the evening', () => {
    expect(DEMAND_PROFILE.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    const max = Math.max(...DEMAND_PROFILE);
    const min = Math.min(...DEMAND_PROFILE);
    expect(DEMAND_PROFILE.indexOf(max)).toBe(20); // 20:00-21:00
    expect([4, 5]).toContain(DEMAND_PROFILE.indexOf(min));
    expect(min / max).toBeLessThan(0.2);
  });
});

describe('one site', () => {
  it('avoids forecast x offload bytes a day; at its peak hour, that hour’s share as Gbps', () => {
    const s = siteSavings(site('lon1', 'Acme', 'UTC', 100 * TB, 0.8));
    expect(s.avoidedBytes).toBeCloseTo(80 * TB, 0);
    expect(s.transitBytes).toBeCloseTo(20 * TB, 0);
    // 80 TB a day; the peak hour carries DEMAND_PROFILE[20] of it: bytes x 8 / 3600 s.
    expect(s.peakGbpsAvoided).toBeCloseTo((80 * TB * DEMAND_PROFILE[20]! * 8) / 3600 / 1e9, 9);
    expect(s.peakLocalHour).toBe(20);
    // The hours carry the whole day back.
    expect(s.hourly.reduce((sum, g) => sum + (g * 1e9 * 3600) / 8, 0)).toBeCloseTo(80 * TB, -3);
  });

  it('peaks at 20:00 in its own zone: 23:00 UTC in São Paulo (UTC-3)', () => {
    const s = siteSavings(site('gru1', 'Acme', 'America/Sao_Paulo', 100 * TB, 0.5));
    expect(s.peakLocalHour).toBe(20);
    expect(s.hourly.indexOf(Math.max(...s.hourly))).toBe(23);
  });
});

describe('per partner', () => {
  it('sums bytes, and takes the peak of the summed hours, below the sum of the sites’ peaks when their zones differ', () => {
    const report = savingsReport(
      [
        site('lon1', 'Acme', 'UTC', 100 * TB, 0.8),
        site('nyc1', 'Acme', 'America/New_York', 100 * TB, 0.8),
        site('gru1', 'Beta', 'America/Sao_Paulo', 50 * TB, 0.5),
      ],
      ['zzz9'],
    );
    expect(report.partners.map((p) => p.partner)).toEqual(['Acme', 'Beta']);
    const acme = report.partners[0]!;
    expect(acme.avoidedBytes).toBeCloseTo(160 * TB, 0);
    expect(acme.demandBytes).toBeCloseTo(200 * TB, 0);
    expect(acme.offload).toBeCloseTo(0.8, 12);
    const [lon, nyc] = [acme.sites.find((s) => s.site === 'lon1')!, acme.sites.find((s) => s.site === 'nyc1')!];
    expect(acme.peakGbpsAvoided).toBeLessThan(lon.peakGbpsAvoided + nyc.peakGbpsAvoided - 1);
    expect(acme.peakGbpsAvoided).toBeGreaterThan(lon.peakGbpsAvoided);
    // The partner's hour h is its sites' hour h summed.
    const h = acme.peakUtcHour;
    const lonHour = (80 * TB * hourShare(h) * 8) / 3600 / 1e9;
    const nycHour = (80 * TB * hourShare(h - 5) * 8) / 3600 / 1e9; // New York in December: UTC-5
    expect(acme.peakGbpsAvoided).toBeCloseTo(lonHour + nycHour, 9);
    expect(Math.max(...acme.hourlyGbpsAvoided)).toBe(acme.peakGbpsAvoided);
    expect(report.totals.avoidedBytes).toBeCloseTo(185 * TB, 0);
    expect(report.totals.transitBytes).toBeCloseTo(65 * TB, 0);
    expect(report.sitesWithoutPlan).toEqual(['zzz9']);
  });

  it('in one zone, two sites peak together: the partner’s peak is the sum of theirs', () => {
    const report = savingsReport([site('a1', 'P', 'Europe/Berlin', 10 * TB, 0.9), site('a2', 'P', 'Europe/Berlin', 30 * TB, 0.6)], []);
    const p = report.partners[0]!;
    expect(p.peakGbpsAvoided).toBeCloseTo(p.sites[0]!.peakGbpsAvoided + p.sites[1]!.peakGbpsAvoided, 9);
    expect(p.sites.map((s) => s.site)).toEqual(['a2', 'a1']);
  });
});
