/**
 * The capacity domain: records each site's daily serving peak (from health sweeps), generates months
 * of plausible history for lab sites, and forecasts each site's peaks against its serving capacity
 * (main/capacity/forecast.ts) with advice a planner can act on.
 */
import { z } from 'zod';
import type { CallContext } from '../kit/context';
import type { DomainHandlers } from '../kit/contract';
import { FleetError } from '../kit/errors';
import type { ServiceDeps } from '../deps';
import type { InventoryService } from '../inventory/service';
import type { HealthService } from '../health/service';
import { FleetRequest } from '../health/contract';
import { selectAppliances } from '../jobs/targets';
import type { Appliance, SiteSummary } from '../inventory/contract';
import { capacityMethods, FORECAST_DAYS, type capacityEvents, type DailyPeak, type SiteCapacity, type SiteForecast } from './contract';
import { CapacityRepo, type PeakWrite } from './repo';
import { addDays, adviseCapacity, forecastPeaks, rememberingFitter, seriesKey, type Fitter, type Forecast } from './forecast';
import { labPeakHistory } from './lab-history';

export type CapacityHandlers = DomainHandlers<typeof capacityMethods, CallContext>;

/** The share of its link an appliance can serve (docs/appliance-api.md: storage 70 of 100 Gbps, flash 300 of 400). */
export const SERVING_SHARE: Record<Appliance['model'], number> = { storage: 0.7, flash: 0.75 };
/** Appliances that count towards a site's serving capacity. */
const INSTALLED = new Set<Appliance['status']>(['online', 'drained']);
/** History read for a forecast. */
const HISTORY_DAYS = 366;
/** Days of history generated for a lab site. */
export const LAB_HISTORY_DAYS = 180;

/** What serving capacity counts of appliances: an appliance, or `count` alike ones (a group from the inventory). */
export type ServingUnit = Pick<Appliance, 'model' | 'status' | 'nicGbps'> & { count?: number };

/** A site's serving capacity from its installed appliances, and what one more of its main model adds. */
export function servingCapacity(appliances: readonly ServingUnit[]): { capacityGbps: number; perApplianceGbps: number; kind: Appliance['model'] } {
  const installed = appliances.filter((a) => INSTALLED.has(a.status));
  const n = (units: readonly ServingUnit[]) => units.reduce((sum, a) => sum + (a.count ?? 1), 0);
  const gbps = (units: readonly ServingUnit[]) => units.reduce((sum, a) => sum + a.nicGbps * SERVING_SHARE[a.model] * (a.count ?? 1), 0);
  const capacityGbps = gbps(installed);
  const storage = installed.filter((a) => a.model === 'storage');
  const kind = n(storage) >= n(installed) - n(storage) ? 'storage' : 'flash';
  const same = installed.filter((a) => a.model === kind);
  const perApplianceGbps = n(same) ? gbps(same) / n(same) : kind === 'storage' ? 70 : 300;
  return { capacityGbps: round(capacityGbps), perApplianceGbps: round(perApplianceGbps), kind };
}

/** Formatters by time zone: making one costs far more than using it. */
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day of `at` in a site's time zone (YYYY-MM-DD). */
export function localDay(at: number, timezone: string): string {
  try {
    let format = dayFormats.get(timezone);
    if (!format) dayFormats.set(timezone, (format = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' })));
    return format.format(at);
  } catch {
    return new Date(at).toISOString().slice(0, 10);
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export class CapacityService {
  readonly handlers: CapacityHandlers;
  private readonly repo: CapacityRepo;
  /** Forecasts by site, kept while the history and capacity they were made from are the same. */
  private readonly cache = new Map<string, { key: string; forecast: SiteForecast }>();
  /** SARIMA fits remembered by their input (a sweep that raises today's peak reuses the scoring fit). */
  private readonly fit: Fitter;
  /** False once keeping a forecast failed (a snapshot's engine opens its database query-only). */
  private keeps = true;

  constructor(
    private readonly deps: ServiceDeps<typeof capacityEvents>,
    private readonly inventory: InventoryService,
    private readonly health: HealthService,
    options: { fit?: Fitter } = {},
  ) {
    this.fit = options.fit ?? rememberingFitter();
    this.repo = new CapacityRepo(deps.db);
    this.handlers = {
      sites: ({ partner }) => this.sites(partner),
      site: ({ site, days }) => this.site(site, days),
    };
  }

  private now(): number {
    return this.deps.clock.now();
  }

  private siteOf(code: string): SiteSummary {
    const site = this.inventory.listSites().find((s) => s.code === code);
    if (!site) throw new FleetError('E_NOT_FOUND', `There is no site with code ${code}.`);
    return site;
  }

  /** After a health sweep: each site's summed serving now, kept as today's peak when it is the highest. */
  recordSweep(): void {
    const { bySite } = this.health.fleet(FleetRequest.parse({ includeItems: false }));
    const sites = new Map(this.inventory.listSites().map((s) => [s.code, s]));
    const rows: PeakWrite[] = [];
    for (const r of bySite) {
      const site = sites.get(r.site);
      if (!site || r.counts.measured === 0) continue;
      const { capacityGbps } = servingCapacity(selectAppliances(this.inventory, { site: [site.code] }));
      rows.push({ site: site.code, day: localDay(this.now(), site.timezone), peakGbps: round(r.servingGbps), capacityGbps, source: 'polled' });
    }
    if (rows.length === 0) return;
    this.repo.recordPeaks(rows);
    this.deps.events.emit('changed', { sites: rows.map((r) => r.site) });
  }

  /** A lab that started: months of plausible peaks for each of its sites that has none yet. */
  seedLabHistory(labTag: string): string[] {
    const bySite = new Map<string, Appliance[]>();
    for (const a of selectAppliances(this.inventory, { tag: [labTag] })) {
      const site = bySite.get(a.site);
      if (site) site.push(a);
      else bySite.set(a.site, [a]);
    }
    const seeded: string[] = [];
    const codes = [...bySite.keys()].sort();
    for (const [i, code] of codes.entries()) {
      if (this.repo.hasHistory(code)) continue;
      const site = this.siteOf(code);
      const { capacityGbps } = servingCapacity(bySite.get(code)!);
      const today = localDay(this.now(), site.timezone);
      const peaks = labPeakHistory(code, capacityGbps, addDays(today, -LAB_HISTORY_DAYS), LAB_HISTORY_DAYS, i === 0);
      this.repo.replaceHistory(
        code,
        peaks.map((p) => ({ site: code, day: p.day, peakGbps: p.peakGbps, capacityGbps: p.capacityGbps, source: 'lab' })),
      );
      seeded.push(code);
    }
    if (seeded.length) this.deps.events.emit('changed', { sites: seeded });
    return seeded;
  }

  /** Every site's appliances as serving capacity counts them (groups of alike ones), by site. */
  private servingBySite(): Map<string, ServingUnit[]> {
    const bySite = new Map<string, ServingUnit[]>();
    for (const g of this.inventory.servingGroups()) {
      const units = bySite.get(g.site);
      if (units) units.push(g);
      else bySite.set(g.site, [g]);
    }
    return bySite;
  }

  /**
   * Idle work after the history is written (a window's engine at start, a lab's history seeded):
   * each site's forecast made now, one site per turn of the event loop, and kept in SQLite as a look
   * would keep it, so the first look (this engine's or the next one's) reads it instead of fitting.
   * The same code path as a look: forecasts identical. Stops when the database closes. Returns the
   * sites it went through.
   */
  async fitInBackground(): Promise<number> {
    const bySite = this.servingBySite();
    let done = 0;
    for (const s of this.inventory.listSites()) {
      await new Promise((resolve) => setImmediate(resolve));
      if (!this.deps.db.open) break;
      this.site(s.code, FORECAST_DAYS, { site: s, appliances: bySite.get(s.code) ?? [] });
      done++;
    }
    return done;
  }

  /** One site's forecast; `known` saves looking the site and its appliances up again (sites() passes them). */
  site(code: string, days = FORECAST_DAYS, known?: { site: SiteSummary; appliances: readonly ServingUnit[] }): SiteForecast {
    const site = known?.site ?? this.siteOf(code);
    const { capacityGbps, perApplianceGbps, kind } = servingCapacity(known?.appliances ?? selectAppliances(this.inventory, { site: [code] }));
    const today = localDay(this.now(), site.timezone);
    const history = this.repo.peaks(code, addDays(today, -HISTORY_DAYS));
    const key = `${history.length}|${history.at(-1)?.day}|${history.at(-1)?.peakGbps}|${capacityGbps}|${days}`;
    const cached = this.cache.get(code);
    if (cached?.key === key) return cached.forecast;
    // Today is not over in the site's time zone: its peak so far is not a day's peak. The last peak
    // and the forecast use complete days only (today's peak so far is shown in the history).
    const complete = history.filter((p) => p.day < today);
    const lastPeak = complete.at(-1) ?? null;
    const base = { site: code, partner: site.partner, capacityGbps, days: history.length, lastPeak };
    if (complete.length === 0) {
      return { ...base, advice: null, method: null, history, forecast: [], scores: { seasonalNaive: null, sarima: null } };
    }
    const f = this.forecastOf(
      code,
      filledDays(complete).map((p) => p.peakGbps),
      days,
    );
    const first = addDays(complete.at(-1)!.day, 1);
    const forecast: SiteForecast = {
      ...base,
      history,
      forecast: f.values.map((peakGbps, i) => ({ day: addDays(first, i), peakGbps })),
      scores: f.scores,
      method: f.method,
      advice: adviseCapacity(code, f.values, first, capacityGbps, perApplianceGbps, kind),
    };
    this.cache.set(code, { key, forecast });
    return forecast;
  }

  /**
   * The forecast of a series: the one kept in SQLite for the site when it was fitted to this very
   * series and horizon (so a new engine, as each CLI command opens, does not fit again), else fitted
   * now and kept. The key names the series, the horizon and the forecasting code's version.
   */
  private forecastOf(site: string, series: readonly number[], days: number): Forecast {
    const inputKey = seriesKey(series, days, FORECAST_VERSION);
    const kept = this.repo.keptForecast(site, inputKey);
    if (kept !== undefined) {
      const parsed = KeptForecast.safeParse(JSON.parse(kept));
      if (parsed.success) return parsed.data;
    }
    const f = forecastPeaks(series, days, this.fit);
    if (this.keeps) {
      try {
        this.repo.keepForecast(site, inputKey, JSON.stringify(f));
      } catch (err) {
        this.keeps = false;
        this.deps.log.info('capacity forecasts are not kept in this database', { error: (err as Error).message });
      }
    }
    return f;
  }

  sites(partner?: string): SiteCapacity[] {
    const out: SiteCapacity[] = [];
    const bySite = this.servingBySite();
    for (const s of this.inventory.listSites()) {
      if (partner && s.partner !== partner) continue;
      const { history: _history, forecast: _forecast, scores: _scores, ...summary } = this.site(s.code, FORECAST_DAYS, { site: s, appliances: bySite.get(s.code) ?? [] });
      out.push(summary);
    }
    const urgency = (c: SiteCapacity) => (c.advice?.crossesOn ? 0 : (c.advice?.addAppliances ?? 0) > 0 ? 1 : c.advice ? 2 : 3);
    return out.sort((a, b) => urgency(a) - urgency(b) || (a.advice?.crossesOn ?? '').localeCompare(b.advice?.crossesOn ?? '') || (b.advice?.peakShare ?? 0) - (a.advice?.peakShare ?? 0) || a.site.localeCompare(b.site));
  }
}

/** Changes whenever forecast.ts would answer differently for the same series: forecasts kept by another version are fitted again. */
export const FORECAST_VERSION = 'sarima(1,1,1)(0,1,1)7/holdout28/v2';

const KeptForecast = z.object({
  method: z.enum(['seasonal-naive', 'sarima']),
  values: z.array(z.number()),
  scores: z.object({ seasonalNaive: z.number().nullable(), sarima: z.number().nullable() }),
});

/** Days missing from a history (a day nothing was polled) take the value a week before, so weeks stay aligned. */
export function filledDays(history: readonly DailyPeak[]): DailyPeak[] {
  if (history.length === 0) return [];
  const out: DailyPeak[] = [];
  const byDay = new Map(history.map((p) => [p.day, p]));
  for (let day = history[0]!.day; day <= history.at(-1)!.day; day = addDays(day, 1)) {
    const p = byDay.get(day) ?? out[out.length - 7] ?? out[out.length - 1]!;
    out.push({ ...p, day });
  }
  return out;
}
