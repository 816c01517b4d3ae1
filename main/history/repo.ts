/** The history domain's SQL, and only here: site series and availability hours, aggregated in SQL. */
import type { Db } from '../store/db';

/** One site's sums for one slot (a sweep's, or a generated point's: sweeps 1). */
export interface SeriesWrite {
  site: string;
  tier: 1 | 15;
  minute: number;
  serving: number;
  hit: number;
  errors: number;
  appliances: number;
  /** Transit (origin Gbps) and serving of the appliances that report origin, and how many did (0 when none: not measured). */
  origin?: number;
  originServing?: number;
  originReports?: number;
}

/** A site's measured transit in one slot: means over its sweeps, of the appliances that report origin. */
export interface TransitSlot {
  site: string;
  minute: number;
  /** Served from the site's caches (Gbps): transit avoided. */
  servingGbps: number;
  /** Fetched over transit (Gbps). */
  originGbps: number;
}

export interface AvailabilityWrite {
  serial: string;
  site: string;
  hour: number;
  capacityGbps: number;
  servingSec: number;
  downSec: number;
  maintenanceSec: number;
  lastMs: number;
}

export interface SeriesRow {
  /** The step's first minute since the epoch. */
  minute: number;
  serving: number;
  hit: number;
  errors: number;
  appliances: number;
}

export interface SiteAvailabilityRow {
  site: string;
  partner: string;
  serving: number;
  down: number;
  maintenance: number;
  hours: number;
}

/** Which sites a series covers: all of them, one partner's, or one. */
export type SiteFilter = { kind: 'fleet' } | { kind: 'partner'; partner: string } | { kind: 'site'; site: string };

const SITE_FILTER: Record<SiteFilter['kind'], string> = {
  fleet: '',
  partner: 'AND site IN (SELECT s.code FROM sites s JOIN partners p ON p.id = s.partner_id WHERE p.name = @partner)',
  site: 'AND site = @site',
};

export class HistorySeriesRepo {
  constructor(private readonly db: Db) {}

  /** Adds each write to its slot (one sweep more), in one transaction. */
  addSeries(rows: readonly SeriesWrite[]): void {
    const upsert = this.db.prepare(
      `INSERT INTO site_series (site, tier, minute, sweeps, serving_gbps, hit_gbps, errors_per_sec, appliances, origin_gbps, origin_serving_gbps, origin_reports)
       VALUES (@site, @tier, @minute, 1, @serving, @hit, @errors, @appliances, @origin, @originServing, @originReports)
       ON CONFLICT (site, tier, minute) DO UPDATE SET sweeps = sweeps + 1, serving_gbps = serving_gbps + excluded.serving_gbps,
         hit_gbps = hit_gbps + excluded.hit_gbps, errors_per_sec = errors_per_sec + excluded.errors_per_sec, appliances = appliances + excluded.appliances,
         origin_gbps = origin_gbps + excluded.origin_gbps, origin_serving_gbps = origin_serving_gbps + excluded.origin_serving_gbps,
         origin_reports = origin_reports + excluded.origin_reports`,
    );
    this.db.transaction(() => {
      for (const r of rows) upsert.run({ origin: 0, originServing: 0, originReports: 0, ...r });
    })();
  }

  /**
   * The sites' series between two minutes (from inclusive, to exclusive) at a step: per slot each
   * site's mean (its sums over its sweeps), summed over the sites, then averaged over the slots of the
   * step that have any; the hit ratio weighted by serving.
   */
  series(filter: SiteFilter, tier: 1 | 15, fromMin: number, toMin: number, stepMin: number): SeriesRow[] {
    const params = { tier, from: fromMin, to: toMin, step: stepMin, ...('partner' in filter ? { partner: filter.partner } : {}), ...('site' in filter ? { site: filter.site } : {}) };
    return this.db
      .prepare(
        `SELECT CAST(minute / @step AS INTEGER) * @step AS minute,
                sum(serving_gbps / sweeps) / count(DISTINCT minute) AS serving,
                sum(hit_gbps / sweeps) / count(DISTINCT minute) AS hit,
                sum(errors_per_sec / sweeps) / count(DISTINCT minute) AS errors,
                sum(appliances / sweeps) / count(DISTINCT minute) AS appliances
           FROM site_series
          WHERE tier = @tier AND minute >= @from AND minute < @to ${SITE_FILTER[filter.kind]}
          GROUP BY 1 ORDER BY 1`,
      )
      .all(params) as SeriesRow[];
  }

  /**
   * Each site's measured transit per slot of a tier between two minutes (from inclusive, to
   * exclusive): only slots where some appliance reported origin Gbps; means over the slot's sweeps.
   */
  transitSlots(tier: 1 | 15, fromMin: number, toMin: number): TransitSlot[] {
    return this.db
      .prepare(
        `SELECT site, minute, origin_serving_gbps / sweeps AS servingGbps, origin_gbps / sweeps AS originGbps
           FROM site_series WHERE tier = ? AND minute >= ? AND minute < ? AND origin_reports > 0 ORDER BY site, minute`,
      )
      .all(tier, fromMin, toMin) as TransitSlot[];
  }

  hasSeries(site: string): boolean {
    return this.db.prepare('SELECT 1 FROM site_series WHERE site = ? LIMIT 1').get(site) !== undefined;
  }

  /** Slots older than these minutes go: one-minute slots after a day, fifteen-minute ones after 30 days. */
  trim(minuteBefore: number, quarterBefore: number): void {
    this.db.prepare('DELETE FROM site_series WHERE (tier = 1 AND minute < ?) OR (tier = 15 AND minute < ?)').run(minuteBefore, quarterBefore);
    this.db.prepare('DELETE FROM availability_hours WHERE hour < ?').run(Math.floor(quarterBefore / 60));
  }

  /** Adds seconds to each appliance's hour (its capacity and site the latest), in one transaction. */
  addAvailability(rows: readonly AvailabilityWrite[]): void {
    const upsert = this.db.prepare(
      `INSERT INTO availability_hours (serial, site, hour, capacity_gbps, serving_sec, down_sec, maintenance_sec, last_ms)
       VALUES (@serial, @site, @hour, @capacityGbps, @servingSec, @downSec, @maintenanceSec, @lastMs)
       ON CONFLICT (serial, hour) DO UPDATE SET site = excluded.site, capacity_gbps = excluded.capacity_gbps,
         serving_sec = serving_sec + excluded.serving_sec, down_sec = down_sec + excluded.down_sec,
         maintenance_sec = maintenance_sec + excluded.maintenance_sec, last_ms = max(last_ms, excluded.last_ms)`,
    );
    this.db.transaction(() => {
      for (const r of rows) upsert.run(r);
    })();
  }

  /** The last observation counted per appliance, looking back from this hour. */
  lastObserved(sinceHour: number): Map<string, number> {
    const rows = this.db.prepare('SELECT serial, max(last_ms) AS lastMs FROM availability_hours WHERE hour >= ? GROUP BY serial').all(sinceHour) as { serial: string; lastMs: number }[];
    return new Map(rows.map((r) => [r.serial, r.lastMs]));
  }

  /** Capacity-hours (Gbps x hours) per site between two hours (from inclusive, to exclusive). */
  availability(fromHour: number, toHour: number, filter: { partner?: string | undefined; site?: string | undefined }): SiteAvailabilityRow[] {
    return this.db
      .prepare(
        `SELECT h.site AS site, p.name AS partner,
                sum(h.capacity_gbps * h.serving_sec) / 3600.0 AS serving,
                sum(h.capacity_gbps * h.down_sec) / 3600.0 AS down,
                sum(h.capacity_gbps * h.maintenance_sec) / 3600.0 AS maintenance,
                count(DISTINCT h.hour) AS hours
           FROM availability_hours h JOIN sites s ON s.code = h.site JOIN partners p ON p.id = s.partner_id
          WHERE h.hour >= @from AND h.hour < @to
            AND (@partner IS NULL OR p.name = @partner) AND (@site IS NULL OR h.site = @site)
          GROUP BY h.site ORDER BY h.site`,
      )
      .all({ from: fromHour, to: toHour, partner: filter.partner ?? null, site: filter.site ?? null }) as SiteAvailabilityRow[];
  }

  /** Distinct hours observed over several sites (a partner's or the fleet's coverage). */
  observedHours(fromHour: number, toHour: number, sites: readonly string[]): number {
    if (sites.length === 0) return 0;
    return this.db
      .prepare(`SELECT count(DISTINCT hour) FROM availability_hours WHERE hour >= ? AND hour < ? AND site IN (SELECT value FROM json_each(?))`)
      .pluck()
      .get(fromHour, toHour, JSON.stringify(sites)) as number;
  }
}
