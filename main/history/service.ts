/**
 * The history domain: after each health sweep it adds every site's summed metrics to the site series
 * (one-minute slots for a day, fifteen-minute slots for 30 days) and each installed appliance's time
 * since its last observation to its hour as serving, down or maintenance; it answers series per
 * fleet, partner, site (aggregated in SQL) and appliance (from the health domain's history), and
 * availability per site and partner against the 99.9 % target. A lab that starts gets thirty days
 * of generated history (main/history/lab-history.ts).
 */
import type { CallContext } from '../kit/context';
import type { DomainHandlers } from '../kit/contract';
import { FleetError } from '../kit/errors';
import type { ServiceDeps } from '../deps';
import type { InventoryService } from '../inventory/service';
import type { HealthService } from '../health/service';
import { FleetRequest, type ApplianceHealth, type MetricsSample } from '../health/contract';
import { selectAppliances } from '../jobs/targets';
import type { Appliance } from '../inventory/contract';
import { SERVING_SHARE } from '../capacity/service';
import {
  AVAILABILITY_RANGE_HOURS,
  AVAILABILITY_TARGET,
  SERIES_RESOLUTION,
  historyMethods,
  type Availability,
  type AvailabilityRange,
  type AvailabilityReport,
  type PartnerAvailability,
  type Series,
  type SeriesPoint,
  type SeriesRange,
  type SeriesScope,
  type SiteAvailability,
  type historyEvents,
} from './contract';
import { HistorySeriesRepo, type AvailabilityWrite, type SeriesRow, type SeriesWrite, type SiteAvailabilityRow, type TransitSlot } from './repo';
import { LabHistory, type LabSite, type LabState } from './lab-history';

export type HistoryHandlers = DomainHandlers<typeof historyMethods, CallContext>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Appliances whose capacity counts: installed (as capacity counts them). */
const INSTALLED = new Set<Appliance['status']>(['online', 'drained']);

/** An installed appliance as one sweep saw it. */
export interface Observation {
  serial: string;
  site: string;
  capacityGbps: number;
  state: LabState;
  /** When it was polled (ms). */
  at: number;
}

/** What an appliance was doing at its last poll: drained or in a rollout's hands is maintenance. */
export function stateOf(h: Pick<ApplianceHealth, 'lifecycle' | 'expected' | 'reachable' | 'status'>): LabState {
  if (h.lifecycle === 'drained' || h.expected) return 'maintenance';
  return h.reachable && h.status !== 'Error' ? 'serving' : 'down';
}

/** Split [from, to) into its hours: [hour, seconds]. */
export function hoursOf(from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  for (let t = from; t < to; ) {
    const hour = Math.floor(t / HOUR);
    const end = Math.min(to, (hour + 1) * HOUR);
    out.push([hour, (end - t) / 1000]);
    t = end;
  }
  return out;
}

/** The share and the target's verdict from capacity-hours. */
export function availabilityOf(serving: number, down: number, maintenance: number, observedHours: number): Availability {
  const observed = serving + down;
  const availability = observed > 0 ? serving / observed : null;
  return {
    servingGbpsH: round(serving),
    downGbpsH: round(down),
    maintenanceGbpsH: round(maintenance),
    availability,
    // Sums of float capacity-seconds: exactly 99.9 % may come out a hair below.
    meetsTarget: availability === null ? null : availability >= AVAILABILITY_TARGET - 1e-12,
    allowedDownGbpsH: round(observed * (1 - AVAILABILITY_TARGET)),
    observedHours,
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const worstFirst = (a: Availability, b: Availability) => (a.availability ?? 2) - (b.availability ?? 2);

export class HistoryService {
  readonly handlers: HistoryHandlers;
  private readonly repo: HistorySeriesRepo;
  private trimmedHour = -1;

  constructor(
    private readonly deps: ServiceDeps<typeof historyEvents>,
    private readonly inventory: InventoryService,
    private readonly health: HealthService,
  ) {
    this.repo = new HistorySeriesRepo(deps.db);
    this.handlers = {
      series: ({ scope, range }) => this.series(scope, range),
      availability: ({ partner, site, range }) => this.availability(range, { partner, site }),
    };
  }

  private now(): number {
    return this.deps.clock.now();
  }

  // Recording

  /**
   * Each site's transit as its appliances measured it, per slot of `slotMinutes` (the 1-minute or the
   * quarter-hour tier) whose first minute is in [fromMinute, toMinute): what they served from their
   * caches and fetched over transit (means over the slot's sweeps; slots where no appliance reported
   * origin Gbps are left out). The caller names the slot length it turns into bytes.
   */
  transit(fromMinute: number, toMinute: number, slotMinutes: 1 | 15): TransitSlot[] {
    return this.repo.transitSlots(slotMinutes, fromMinute, toMinute);
  }

  /** After a health sweep: the sites' sums now, and each installed appliance's time since it was last counted. */
  recordSweep(): void {
    const { items } = this.health.fleet(FleetRequest.parse({ includeRollups: false }));
    const capacity = new Map(selectAppliances(this.inventory, { status: [...INSTALLED] }).map((a) => [a.serial, a.nicGbps * SERVING_SHARE[a.model]]));
    const now = this.now();
    const intervalMs = this.health.settings().intervalSec * 1000;
    const recentMs = Math.max(3 * intervalMs, 2 * MINUTE) + 5 * MINUTE;
    const sums = new Map<string, Required<Omit<SeriesWrite, 'tier' | 'minute'>>>();
    const observations: Observation[] = [];
    for (const h of items) {
      const cap = capacity.get(h.serial);
      if (cap === undefined) continue;
      if (h.reachable && h.metrics) {
        let s = sums.get(h.site);
        if (!s) sums.set(h.site, (s = { site: h.site, serving: 0, hit: 0, errors: 0, appliances: 0, origin: 0, originServing: 0, originReports: 0 }));
        s.serving += h.metrics.servingGbps;
        s.hit += h.metrics.servingGbps * h.metrics.cacheHitRatio;
        s.errors += h.metrics.errorsPerSecond;
        s.appliances += 1;
        // Transit as the appliance measures it: its origin Gbps beside what it served from its cache.
        const origin = h.metrics.originGbps;
        if (typeof origin === 'number') {
          s.origin += origin;
          s.originServing += h.metrics.servingGbps;
          s.originReports += 1;
        }
      }
      // Polled lately (this sweep, or another process's): an appliance left out of polling long ago adds nothing.
      const at = h.lastPollAt ? Date.parse(h.lastPollAt) : Number.NaN;
      if (at >= now - recentMs) observations.push({ serial: h.serial, site: h.site, capacityGbps: cap, state: stateOf(h), at });
    }
    const minute = Math.floor(now / MINUTE);
    this.repo.addSeries([...sums.values()].flatMap((s) => [
      { ...s, tier: 1 as const, minute },
      { ...s, tier: 15 as const, minute: Math.floor(minute / 15) * 15 },
    ]));
    this.observe(observations, intervalMs);
    const hour = Math.floor(now / HOUR);
    if (hour !== this.trimmedHour) {
      this.trimmedHour = hour;
      this.repo.trim(minute - 24 * 60, minute - 30 * 24 * 60);
    }
    if (sums.size) this.deps.events.emit('changed', { sites: [...sums.keys()].sort() });
  }

  /**
   * Count each observation's time: since the appliance's last counted observation when that is
   * recent (within three poll intervals, at least two minutes), else one poll interval (the engine
   * was not watching before: those hours are neither up nor down). An observation not newer than
   * the last counted one (no poll since) adds nothing.
   */
  observe(observations: readonly Observation[], intervalMs: number): void {
    if (observations.length === 0) return;
    const earliest = Math.min(...observations.map((o) => o.at));
    const recent = Math.max(3 * intervalMs, 2 * MINUTE);
    const last = this.repo.lastObserved(Math.floor((earliest - recent) / HOUR));
    const rows: AvailabilityWrite[] = [];
    for (const o of observations) {
      if (!Number.isFinite(o.at)) continue;
      const prev = last.get(o.serial);
      if (prev !== undefined && o.at <= prev) continue;
      const span = prev !== undefined && o.at - prev <= recent ? o.at - prev : intervalMs;
      for (const [hour, sec] of hoursOf(o.at - span, o.at)) {
        rows.push({
          serial: o.serial, site: o.site, hour, capacityGbps: o.capacityGbps, lastMs: o.at,
          servingSec: o.state === 'serving' ? sec : 0, downSec: o.state === 'down' ? sec : 0, maintenanceSec: o.state === 'maintenance' ? sec : 0,
        });
      }
    }
    this.repo.addAvailability(rows);
  }

  /**
   * A lab that started: thirty days of generated history for each of its sites that has none yet,
   * one site (one transaction) at a time. `sliced`: let other work run between sites (a window's
   * engine answers meanwhile); else it is all done before this returns (a CLI command exits after).
   */
  async seedLabHistory(labTag: string, sliced = true): Promise<string[]> {
    const bySite = new Map<string, Appliance[]>();
    for (const a of selectAppliances(this.inventory, { tag: [labTag] })) if (INSTALLED.has(a.status)) bySite.set(a.site, [...(bySite.get(a.site) ?? []), a]);
    const zones = new Map(this.inventory.listSites().map((s) => [s.code, s.timezone]));
    const sites: LabSite[] = [...bySite.keys()].sort().map((code) => ({
      code,
      timezone: zones.get(code) ?? 'UTC',
      appliances: bySite.get(code)!.sort((a, b) => a.serial.localeCompare(b.serial)).map((a) => ({ serial: a.serial, capacityGbps: a.nicGbps * SERVING_SHARE[a.model], diskTotalBytes: a.storageTb * 1e12 })),
    }));
    const end = Math.floor(this.now() / MINUTE) * MINUTE;
    const lab = new LabHistory(sites, end);
    const seeded: string[] = [];
    for (const [i, site] of sites.entries()) {
      if (sliced && seeded.length) await new Promise((resolve) => setImmediate(resolve));
      if (this.repo.hasSeries(site.code)) continue;
      this.deps.db.transaction(() => this.seedSite(lab, site, i))();
      seeded.push(site.code);
    }
    if (seeded.length) this.deps.events.emit('changed', { sites: seeded });
    return seeded;
  }

  private seedSite(lab: LabHistory, site: LabSite, i: number): void {
    const end = lab.end;
    const firstQuarter = Math.floor((end - 30 * DAY) / (15 * MINUTE)) * 15 * MINUTE;
    const lastQuarter = Math.floor(end / (15 * MINUTE)) * 15 * MINUTE;
    const series: SeriesWrite[] = [];
    const hours: AvailabilityWrite[] = [];
    const add = (tier: 1 | 15, at: number, points: (MetricsSample | null)[]) => {
      const measured = points.filter((p): p is MetricsSample => p !== null);
      if (measured.length === 0) return;
      series.push({
        site: site.code, tier, minute: at / MINUTE, appliances: measured.length,
        serving: measured.reduce((s, p) => s + p.servingGbps, 0),
        hit: measured.reduce((s, p) => s + p.servingGbps * p.cacheHitRatio, 0),
        errors: measured.reduce((s, p) => s + p.errorsPerSecond, 0),
      });
    };
    const sample = (j: number, at: number, stamp: number, state?: LabState): MetricsSample | null => {
      const p = lab.point(i, j, at, state);
      const a = site.appliances[j]!;
      return p && { at: new Date(stamp).toISOString(), ...p, diskUsedBytes: a.diskTotalBytes * 0.82, diskTotalBytes: a.diskTotalBytes, fillProgress: null, fillRateGbps: 0 };
    };
    const firstHour = Math.floor(firstQuarter / HOUR);
    /** Per appliance, per hour from the first: seconds serving, down, maintenance. */
    const seconds = site.appliances.map(() => new Float64Array(3 * (Math.floor(end / HOUR) - firstHour + 1)));
    const column = { serving: 0, down: 1, maintenance: 2 } as const;
    const quarters: MetricsSample[][] = site.appliances.map(() => []);
    for (let at = firstQuarter; at < lastQuarter; at += 15 * MINUTE) {
      const h = Math.floor(at / HOUR) - firstHour;
      const points = site.appliances.map((_a, j) => {
        const mid = at + 7.5 * MINUTE;
        const state = lab.state(i, j, mid);
        seconds[j]![3 * h + column[state]]! += 900;
        const p = sample(j, mid, at, state);
        if (p) quarters[j]!.push(p);
        return p;
      });
      add(15, at, points);
    }
    for (const [j, a] of site.appliances.entries()) {
      const s = seconds[j]!;
      for (let h = 0; 3 * h < s.length; h++) {
        if (s[3 * h]! + s[3 * h + 1]! + s[3 * h + 2]! === 0) continue;
        const hour = firstHour + h;
        hours.push({ serial: a.serial, site: site.code, hour, capacityGbps: a.capacityGbps, servingSec: s[3 * h]!, downSec: s[3 * h + 1]!, maintenanceSec: s[3 * h + 2]!, lastMs: Math.min((hour + 1) * HOUR, lastQuarter) });
      }
    }
    // The sites' last day in one-minute slots. The appliances' own history gets the fifteen-minute points
    // only: its one-minute points (the health card's recent samples) stay what was measured.
    for (let at = end - DAY; at < end; at += MINUTE) add(1, at, site.appliances.map((_a, j) => sample(j, at, at)));
    this.repo.addSeries(series);
    this.repo.addAvailability(hours);
    site.appliances.forEach((a, j) => this.health.metrics.fill(a.serial, 15, quarters[j]!));
  }

  // Reads

  series(scope: SeriesScope, range: SeriesRange): Series {
    const { tier, stepMin, spanMin } = SERIES_RESOLUTION[range];
    const nowMin = Math.floor(this.now() / MINUTE);
    const toMin = (Math.floor(nowMin / stepMin) + 1) * stepMin;
    const fromMin = toMin - spanMin;
    let rows: SeriesRow[];
    if (scope.kind === 'appliance') {
      rows = this.applianceSeries(scope.serial, range, fromMin, toMin, stepMin);
    } else {
      if (scope.kind === 'site' && !this.inventory.listSites().some((s) => s.code === scope.site)) throw new FleetError('E_NOT_FOUND', `There is no site with code ${scope.site}.`);
      if (scope.kind === 'partner' && !this.inventory.listSites().some((s) => s.partner === scope.partner)) throw new FleetError('E_NOT_FOUND', `There is no partner named ${scope.partner} with a site.`);
      rows = this.repo.series(scope, tier, fromMin, toMin, stepMin);
    }
    const points: SeriesPoint[] = rows.map((r) => ({
      at: new Date(r.minute * MINUTE).toISOString(),
      servingGbps: round(r.serving),
      cacheHitRatio: r.serving > 0 ? Math.round((r.hit / r.serving) * 10_000) / 10_000 : null,
      errorsPerSecond: round(r.errors),
      appliances: Math.round(r.appliances * 100) / 100,
    }));
    return { scope, range, stepSec: stepMin * 60, from: new Date(fromMin * MINUTE).toISOString(), to: new Date(toMin * MINUTE).toISOString(), points };
  }

  /**
   * One appliance's points from the health history, averaged to the step. Up to a day back a step
   * with no one-minute point takes its quarter hour's point (a lab's generated month is kept in
   * fifteen-minute points only, so the appliance's recent samples stay its own).
   */
  private applianceSeries(serial: string, range: SeriesRange, fromMin: number, toMin: number, stepMin: number): SeriesRow[] {
    const { points } = this.health.historyOf(serial, range);
    const steps = new Map<number, MetricsSample[]>();
    for (const p of points) {
      const minute = Math.floor(Date.parse(p.at) / MINUTE);
      if (minute < fromMin) continue;
      const step = Math.floor(minute / stepMin) * stepMin;
      let list = steps.get(step);
      if (!list) steps.set(step, (list = []));
      list.push(p);
    }
    if (SERIES_RESOLUTION[range].tier === 1) {
      const quarters = new Map(this.health.metrics.read(serial, Math.floor(fromMin / 15) * 15 * MINUTE, toMin * MINUTE, 'quarter').map((p) => [Math.floor(Date.parse(p.at) / MINUTE), p]));
      for (let step = fromMin; step < toMin; step += stepMin) {
        const q = quarters.get(Math.floor(step / 15) * 15);
        if (q && !steps.has(step)) steps.set(step, [q]);
      }
    }
    return [...steps.entries()]
      .sort(([a], [b]) => a - b)
      .map(([minute, list]) => {
        const mean = (f: (p: MetricsSample) => number) => list.reduce((s, p) => s + f(p), 0) / list.length;
        return { minute, serving: mean((p) => p.servingGbps), hit: mean((p) => p.servingGbps * p.cacheHitRatio), errors: mean((p) => p.errorsPerSecond), appliances: 1 };
      });
  }

  availability(range: AvailabilityRange, filter: { partner?: string | undefined; site?: string | undefined }): AvailabilityReport {
    const toHour = Math.floor(this.now() / HOUR) + 1;
    const fromHour = toHour - AVAILABILITY_RANGE_HOURS[range];
    const rows = this.repo.availability(fromHour, toHour, filter);
    const sites: SiteAvailability[] = rows.map((r) => ({ site: r.site, partner: r.partner, ...availabilityOf(r.serving, r.down, r.maintenance, r.hours) }));
    const byPartner = new Map<string, SiteAvailabilityRow[]>();
    for (const r of rows) byPartner.set(r.partner, [...(byPartner.get(r.partner) ?? []), r]);
    const total = (list: readonly SiteAvailabilityRow[]) =>
      availabilityOf(
        list.reduce((s, r) => s + r.serving, 0),
        list.reduce((s, r) => s + r.down, 0),
        list.reduce((s, r) => s + r.maintenance, 0),
        this.repo.observedHours(fromHour, toHour, list.map((r) => r.site)),
      );
    const partners: PartnerAvailability[] = [...byPartner.entries()].map(([partner, list]) => ({ partner, sites: list.length, ...total(list) }));
    return {
      range,
      from: new Date(fromHour * HOUR).toISOString(),
      to: new Date(toHour * HOUR).toISOString(),
      target: AVAILABILITY_TARGET,
      fleet: total(rows),
      partners: partners.sort((a, b) => worstFirst(a, b) || a.partner.localeCompare(b.partner)),
      sites: sites.sort((a, b) => worstFirst(a, b) || a.site.localeCompare(b.site)),
    };
  }
}
