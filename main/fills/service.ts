/**
 * The fills domain (model side): imports the catalog and demand logs (all or nothing, every bad
 * row reported with its line), forecasts each site's demand for its next local day, places it on
 * the site's online appliances and stores the plan with an id. Fill execution (main/fills/exec/)
 * reads plans through `placement`.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { AuditLog } from '../audit/service';
import type { CallContext } from '../kit/context';
import type { DomainHandlers } from '../kit/contract';
import { FleetError, type ImportRowError } from '../kit/errors';
import type { ServiceDeps } from '../deps';
import { ApplianceQuery } from '../inventory/contract';
import type { InventoryService } from '../inventory/service';
import {
  fillsMethods,
  SitePlanSummary,
  type CatalogImportReport,
  type DemandImportReport,
  type fillsEvents,
  type FillsInputs,
  type ForecastQuality,
  type Plan,
  type SavingsReport,
  type SitePlacement,
} from './contract';
import { apportion, resolveRegion, type Region, type RegionSite } from './region';
import { MEASURED_SLOT_MINUTES, savingsReport, type MeasuredSlot, type SavingsSite } from './savings';
import { SiteForecaster } from './forecast';
import { readRows, type FileKind } from './import-rows';
import { churnBytes, placeSite, type PlacementAppliance, type SitePlacementResult } from './placement';
import { FillsRepo, type StagedDemand } from './repo';

/** The history domain's measured transit per site and quarter hour (main/history/service.ts). */
export interface MeasuredTransit {
  transit(fromMinute: number, toMinute: number, slotMinutes: typeof MEASURED_SLOT_MINUTES): MeasuredSlot[];
}

export type FillsHandlers = DomainHandlers<typeof fillsMethods, CallContext>;

const DAY_MS = 86_400_000;
/** Days of demand history a forecast folds in. */
export const HISTORY_DAYS = 28;
/** Share of an appliance's storage a plan may fill (the rest: headroom for fills in flight and the OS). */
export const USABLE_SHARE = 0.97;
/** Bad rows listed in one E_IMPORT error (a file with more says how many more). */
const MAX_REPORTED = 1000;
const STAGE_BATCH = 5000;

export function dayNumberOf(day: string): number {
  return Math.round(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
}

export function dayOf(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();
/** The local calendar day (days since 1970) of instant `at` in `timeZone`. */
export function localDay(timeZone: string, at: number): number {
  let f = dayFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  return dayNumberOf(`${parts['year']}-${parts['month']}-${parts['day']}`);
}

/** Collects bad rows, in file order, up to MAX_REPORTED. */
class Problems {
  readonly list: ImportRowError[] = [];
  rows = 0;
  private lastLine = -1;
  add(line: number, reason: string, field?: string): void {
    if (line !== this.lastLine) this.rows++;
    this.lastLine = line;
    if (this.list.length < MAX_REPORTED) this.list.push({ line, reason, ...(field === undefined ? {} : { field }) });
  }
  fail(what: string): never {
    const more = this.rows > MAX_REPORTED ? ` (the first ${MAX_REPORTED} are listed)` : '';
    throw new FleetError('E_IMPORT', `${this.rows} row${this.rows === 1 ? ' has' : 's have'} problems${more}; nothing was imported from the ${what} file`, {
      errors: [...this.list].sort((a, b) => a.line - b.line),
    });
  }
}

interface CatalogArrays {
  ids: Int32Array;
  contentIds: string[];
  bytes: Float64Array;
  releaseDay: Int32Array;
  indexOfId: Map<number, number>;
}

export class FillsService {
  readonly repo: FillsRepo;
  readonly handlers: FillsHandlers;
  private readonly audit: AuditLog;

  constructor(
    private readonly deps: ServiceDeps<typeof fillsEvents>,
    private readonly inventory: InventoryService,
    /** The health history's measured transit (the composition gives it; built when first asked). */
    private readonly measured?: () => Promise<MeasuredTransit>,
  ) {
    this.repo = new FillsRepo(deps.db);
    this.audit = deps.audit;
    this.handlers = {
      importCatalog: ({ path }, ctx) => this.importCatalog(path, ctx.actor),
      importDemand: ({ path }, ctx) => this.importDemand(path, ctx.actor),
      plan: (req, ctx) => this.plan(req, ctx.actor),
      getPlan: ({ id }) => this.getPlan(id),
      listPlans: ({ limit }) => this.repo.plans(limit).map((p) => this.getPlan(p.id)),
      placement: ({ site, planId }) => this.placement(site, planId),
      inputs: ({ site }) => this.inputs(site),
      savings: ({ partner }) => this.savings(partner),
    };
  }

  private now(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  private async open<K extends FileKind>(path: string, kind: K) {
    const s = await stat(path).catch(() => null);
    if (!s) throw new FleetError('E_NOT_FOUND', `Cannot read the ${kind} file ${path}: there is no such file.`);
    // A device (/dev/zero), a pipe or a folder would be read for ever or not at all.
    if (!s.isFile()) throw new FleetError('E_VALIDATION', `Cannot read the ${kind} file ${path}: it is not a plain file (a device, pipe or folder); give the path of a CSV or JSON lines file.`);
    return readRows(kind, createReadStream(path));
  }

  /** What plans are made from (the Fills screen: which import is missing, which days a site has). */
  inputs(site?: string): FillsInputs {
    const span = site === undefined ? null : this.repo.demandSpan(site);
    return {
      catalogTitles: this.repo.catalogCount(),
      demand: this.repo.hasDemand(),
      site:
        site === undefined || span === null
          ? null
          : { code: site, firstDay: span.first === null ? null : dayOf(span.first), lastDay: span.last === null ? null : dayOf(span.last), days: span.days },
    };
  }

  // Catalog

  async importCatalog(path: string, actor: string): Promise<CatalogImportReport> {
    const rows = await this.open(path, 'catalog');
    const problems = new Problems();
    const seen = new Map<string, number>();
    const items: { line: number; row: { content_id: string; title: string; bytes: number; kind: string; release_day: number } }[] = [];
    let count = 0;
    for await (const r of rows) {
      count++;
      if ('problems' in r) {
        for (const p of r.problems) problems.add(r.line, p.reason, p.field);
        continue;
      }
      const first = seen.get(r.item.contentId);
      if (first !== undefined) {
        problems.add(r.line, `content id ${r.item.contentId} is listed twice (first at line ${first})`, 'content_id');
        continue;
      }
      seen.set(r.item.contentId, r.line);
      items.push({ line: r.line, row: { content_id: r.item.contentId, title: r.item.title, bytes: r.item.bytes, kind: r.item.kind, release_day: dayNumberOf(r.item.releaseDate) } });
    }
    if (problems.rows > 0) problems.fail('catalog');
    const counts = { created: 0, updated: 0, unchanged: 0 };
    this.deps.checkpoints.bulk(
      () =>
        this.repo.transaction(() => {
          for (const { row } of items) counts[this.repo.upsertTitle(row)]++;
          if (counts.created + counts.updated > 0) {
            this.audit.append({ actor, action: 'fills.catalog-import', target: `import:${basename(path)}`, details: { rows: count, ...counts } });
          }
        }),
      items.length,
    );
    if (counts.created + counts.updated > 0) this.deps.events.emit('changed', { kind: 'catalog' });
    return { rows: count, ...counts, titles: this.repo.catalogCount() };
  }

  // Demand

  async importDemand(path: string, actor: string): Promise<DemandImportReport> {
    const catalog = this.repo.catalogIndex();
    if (catalog.size === 0) throw new FleetError('E_NOT_FOUND', 'The catalog is empty: import it first (fleetdeck catalog import FILE), then the demand logs.');
    const siteList = this.inventory.listSites();
    const sites = new Set(siteList.map((s) => s.code));
    const regionSites = this.regionSites(siteList);
    const regions = new Map<string, Region | null>();
    const regionOf = (name: string) => {
      const key = name.trim().toLowerCase();
      if (!regions.has(key)) regions.set(key, resolveRegion(name, regionSites));
      return regions.get(key)!;
    };
    const named = new Set<string>();
    const rows = await this.open(path, 'demand');
    const problems = new Problems();
    const stage = this.repo.createDemandStage();
    try {
      let batch: StagedDemand[] = [];
      const flush = () => {
        for (const d of stage.add(batch)) {
          problems.add(d.line, `this site, day and content id are listed already at line ${d.first} (a region row counts for each of its sites)`, 'content_id');
        }
        batch = [];
      };
      for await (const r of rows) {
        if ('problems' in r) {
          for (const p of r.problems) problems.add(r.line, p.reason, p.field);
          continue;
        }
        const row = r.item;
        const title = catalog.get(row.contentId);
        let bad = false;
        const region = row.region !== undefined ? regionOf(row.region) : null;
        if (row.site !== undefined && !sites.has(row.site)) {
          problems.add(r.line, `there is no site "${row.site.slice(0, 64)}" in the inventory`, 'site');
          bad = true;
        }
        if (row.region !== undefined && !region) {
          problems.add(r.line, `there is no region "${row.region.slice(0, 64)}": a region is a partner's name, or PARTNER/CC for its sites in one country`, 'region');
          bad = true;
        }
        if (!title) {
          problems.add(r.line, `content id ${row.contentId} is not in the catalog (import the catalog first)`, 'content_id');
          bad = true;
        }
        if (bad || !title) continue;
        const plays = row.plays ?? 0;
        const bytes = row.bytes ?? plays * title.bytes;
        const day = dayNumberOf(row.day);
        if (region) {
          // Apportioned to the region's sites (region.ts); each share is a site row of that line.
          named.add(region.name);
          const b = apportion(region, bytes);
          const p = apportion(region, plays);
          region.sites.forEach((s, i) => batch.push({ site: s.code, day, titleId: title.id, bytes: b[i]!, plays: p[i]!, line: r.line }));
        } else batch.push({ site: row.site!, day, titleId: title.id, bytes, plays, line: r.line });
        if (batch.length >= STAGE_BATCH) flush();
      }
      flush();
      if (problems.rows > 0) problems.fail('demand');
      const summary = stage.summary();
      this.deps.checkpoints.bulk(
        () =>
          this.repo.transaction(() => {
            stage.commit();
            this.audit.append({
              actor,
              action: 'fills.demand-import',
              target: `import:${basename(path)}`,
              details: { rows: summary.rows, sites: summary.sites.length, siteDays: summary.siteDays },
            });
          }),
        summary.rows,
      );
      this.deps.events.emit('changed', { kind: 'demand' });
      return {
        rows: summary.rows,
        sites: summary.sites,
        firstDay: summary.firstDay === null ? null : dayOf(summary.firstDay),
        lastDay: summary.lastDay === null ? null : dayOf(summary.lastDay),
        siteDays: summary.siteDays,
        bytes: summary.bytes,
        regions: [...named].sort(),
      };
    } finally {
      stage.drop();
    }
  }

  // Plans

  private catalogArrays(): CatalogArrays {
    const rows = this.repo.catalog();
    if (rows.length === 0) throw new FleetError('E_NOT_FOUND', 'The catalog is empty: import it first (fleetdeck catalog import FILE).');
    const n = rows.length;
    const ids = new Int32Array(n);
    const bytes = new Float64Array(n);
    const releaseDay = new Int32Array(n);
    const contentIds: string[] = new Array<string>(n);
    const indexOfId = new Map<number, number>();
    rows.forEach((r, i) => {
      ids[i] = r.id;
      bytes[i] = r.bytes;
      releaseDay[i] = r.release_day;
      contentIds[i] = r.content_id;
      indexOfId.set(r.id, i);
    });
    return { ids, contentIds, bytes, releaseDay, indexOfId };
  }

  private demandArray(catalog: CatalogArrays, site: string, day: number): Float64Array {
    const out = new Float64Array(catalog.ids.length);
    for (const r of this.repo.demandOf(site, day)) {
      const i = catalog.indexOfId.get(r.title_id);
      if (i !== undefined) out[i] = r.bytes;
    }
    return out;
  }

  /** Every site with its serving capacity (its appliances' NIC Gbps): what region rows are apportioned by. */
  private regionSites(sites: readonly { code: string; partner: string; country: string }[]): RegionSite[] {
    const capacity = new Map<string, number>();
    for (let offset = 0; ; ) {
      const page = this.inventory.listAppliances(ApplianceQuery.parse({ offset, limit: 20_000 }));
      // An appliance sent back (rma) serves nobody.
      for (const a of page.items) if (a.status !== 'rma') capacity.set(a.site, (capacity.get(a.site) ?? 0) + a.nicGbps);
      offset += page.items.length;
      if (page.items.length === 0 || offset >= page.total) break;
    }
    return sites.map((s) => ({ code: s.code, partner: s.partner, country: s.country, capacityGbps: capacity.get(s.code) ?? 0 }));
  }

  private appliancesOf(site: string): PlacementAppliance[] {
    const page = this.inventory.listAppliances(ApplianceQuery.parse({ site: [site], status: ['online'], limit: 20_000 }));
    return page.items.map((a) => ({ serial: a.serial, kind: a.model, capacityBytes: Math.floor(a.storageTb * 1e12 * USABLE_SHARE) }));
  }

  /** What a stored plan placed on each appliance of a site, as catalog indexes. */
  private storedHoldings(catalog: CatalogArrays, planId: number, site: string): Map<string, Set<number>> {
    const out = new Map<string, Set<number>>();
    for (const row of this.repo.planAppliances(planId, site)) {
      const ids = new Int32Array(row.titles.buffer.slice(row.titles.byteOffset, row.titles.byteOffset + row.titles.byteLength));
      const set = new Set<number>();
      for (const id of ids) {
        const i = catalog.indexOfId.get(id);
        if (i !== undefined) set.add(i);
      }
      out.set(row.serial, set);
    }
    return out;
  }

  async plan(req: { site?: string | undefined; day?: string | undefined }, actor: string): Promise<Plan> {
    const catalog = this.catalogArrays();
    const known = new Map(this.inventory.listSites().map((s) => [s.code, s]));
    let sites: string[];
    if (req.site !== undefined) {
      if (!known.has(req.site)) throw new FleetError('E_NOT_FOUND', `There is no site with code ${req.site}.`);
      sites = [req.site];
    } else {
      sites = this.repo.sitesWithDemand().filter((s) => known.has(s));
      if (sites.length === 0) throw new FleetError('E_NOT_FOUND', 'No site has demand history: import demand logs first (fleetdeck demand import FILE).');
    }
    const planned: { summary: SitePlanSummary; result: SitePlacementResult; values: Float64Array }[] = [];
    for (const site of sites) {
      planned.push(this.planSite(catalog, site, known.get(site)!.timezone, req.day));
      // Let other work in the engine run between sites.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const createdAt = this.now();
    const id = this.repo.transaction(() => {
      const planId = this.repo.insertPlan(createdAt, actor);
      for (const { summary, result } of planned) {
        this.repo.insertPlanSite({ plan_id: planId, site: summary.site, day: summary.day, summary: JSON.stringify(summary) });
        for (const a of result.appliances) {
          const titles = Int32Array.from(a.items, (i) => catalog.ids[i]!);
          this.repo.insertPlanAppliance({
            plan_id: planId,
            site: summary.site,
            serial: a.serial,
            kind: a.kind,
            capacity_bytes: a.capacityBytes,
            used_bytes: a.usedBytes,
            titles: Buffer.from(titles.buffer, titles.byteOffset, titles.byteLength),
            vals: Buffer.from(a.values.buffer, a.values.byteOffset, a.values.byteLength),
          });
        }
      }
      this.audit.append({ actor, action: 'fills.plan', target: `plan:${planId}`, details: { sites: planned.map((p) => p.summary.site) } });
      return planId;
    });
    this.deps.events.emit('changed', { kind: 'plan', planId: id });
    return { id, createdAt, createdBy: actor, sites: planned.map((p) => p.summary) };
  }

  private planSite(catalog: CatalogArrays, site: string, timezone: string, day: string | undefined) {
    const target = day !== undefined ? dayNumberOf(day) : localDay(timezone, this.deps.clock.now()) + 1;
    const days = this.repo.demandDays(site, target, HISTORY_DAYS);
    if (days.length === 0) {
      throw new FleetError('E_NOT_FOUND', `Site ${site} has no demand history before ${dayOf(target)}: import its demand logs first (fleetdeck demand import FILE).`);
    }
    const appliances = this.appliancesOf(site);
    const forecaster = new SiteForecaster({ bytes: catalog.bytes, releaseDay: catalog.releaseDay });
    let quality: ForecastQuality | null = null;
    let lastPlacement: Map<string, Set<number>> | undefined;
    const holdingsOf = (r: SitePlacementResult) => new Map(r.appliances.map((a) => [a.serial, new Set(a.items)]));
    if (days.length >= 3) {
      // Judge yesterday: the placement the forecast made for it (after the day before), against its demand.
      for (const d of days.slice(0, -2)) forecaster.observe(d, this.demandArray(catalog, site, d));
      const before = days[days.length - 2]!;
      const yesterday = days[days.length - 1]!;
      const p1 = placeSite({ value: forecaster.forecastBytes(before), bytes: catalog.bytes, appliances });
      forecaster.observe(before, this.demandArray(catalog, site, before));
      const p2 = placeSite({ value: forecaster.forecastBytes(yesterday), bytes: catalog.bytes, appliances, previous: holdingsOf(p1) });
      const actual = this.demandArray(catalog, site, yesterday);
      const oracle = placeSite({ value: actual, bytes: catalog.bytes, appliances, options: { hysteresis: 0 } });
      quality = {
        day: dayOf(yesterday),
        hitRatio: hitRatio(p2, actual),
        oracleHitRatio: hitRatio(oracle, actual),
        churnBytes: churnBytes(p2, catalog.bytes, holdingsOf(p1)),
      };
      forecaster.observe(yesterday, actual);
      lastPlacement = holdingsOf(p2);
    } else {
      for (const d of days) forecaster.observe(d, this.demandArray(catalog, site, d));
    }
    const previousPlanId = this.repo.latestPlanOf(site) ?? null;
    const previous = previousPlanId !== null ? this.storedHoldings(catalog, previousPlanId, site) : lastPlacement;
    const values = forecaster.forecastBytes(target);
    const result = placeSite({ value: values, bytes: catalog.bytes, appliances, previous });
    const summary: SitePlanSummary = {
      site,
      day: dayOf(target),
      appliances: appliances.length,
      capacityBytes: appliances.reduce((s, a) => s + a.capacityBytes, 0),
      historyDays: days.length,
      titles: result.titles,
      copies: result.copies,
      placedBytes: result.placedBytes,
      forecastBytes: result.totalValue,
      offload: result.offload,
      bound: result.bound,
      churnBytes: churnBytes(result, catalog.bytes, previousPlanId !== null ? previous : undefined),
      previousPlanId,
      dropped: result.dropped,
      quality,
    };
    return { summary, result, values };
  }

  getPlan(id: number): Plan {
    const plan = this.repo.plan(id);
    if (!plan) throw new FleetError('E_NOT_FOUND', `There is no plan ${id}.`);
    return {
      id: plan.id,
      createdAt: plan.created_at,
      createdBy: plan.created_by,
      sites: this.repo.planSites(id).map((r) => SitePlanSummary.parse(JSON.parse(r.summary))),
    };
  }

  /** Transit avoided per partner by each site's latest plan (main/fills/savings.ts). */
  async savings(partner?: string): Promise<SavingsReport> {
    let sites = this.inventory.listSites();
    if (partner !== undefined) {
      const want = partner.toLowerCase();
      sites = sites.filter((s) => s.partner.toLowerCase() === want);
      if (sites.length === 0) throw new FleetError('E_NOT_FOUND', `There is no partner named ${partner} with a site.`, { missing: [partner] });
    }
    const planned: SavingsSite[] = [];
    const withoutPlan: string[] = [];
    for (const site of sites) {
      const planId = this.repo.latestPlanOf(site.code);
      const row = planId === undefined ? undefined : this.repo.planSite(planId, site.code);
      if (planId === undefined || !row) withoutPlan.push(site.code);
      else planned.push({ code: site.code, partner: site.partner, timezone: site.timezone, planId, summary: SitePlanSummary.parse(JSON.parse(row.summary)) });
    }
    // The last 24 hours of measurements: the quarter hours that started in them.
    const nowMinute = Math.floor(this.deps.clock.now() / 60_000);
    const from = (Math.floor(nowMinute / MEASURED_SLOT_MINUTES) + 1) * MEASURED_SLOT_MINUTES - 24 * 60;
    const slots = this.measured ? (await this.measured()).transit(from, nowMinute + 1, MEASURED_SLOT_MINUTES) : [];
    return savingsReport(planned, withoutPlan, slots);
  }

  /** A site's target contents in a plan (its latest when `planId` is not given): the contract execution reads. */
  /** The newest stored plan that places the site. */
  latestPlanOf(site: string): number | undefined {
    return this.repo.latestPlanOf(site);
  }

  placement(site: string, planId?: number): SitePlacement {
    const id = planId ?? this.repo.latestPlanOf(site);
    if (id === undefined) throw new FleetError('E_NOT_FOUND', `No plan places site ${site} yet: run fleetdeck fills plan --site ${site}.`);
    const siteRow = this.repo.planSite(id, site);
    if (!siteRow) throw new FleetError('E_NOT_FOUND', `Plan ${id} does not place site ${site}.`);
    const catalog = new Map(this.repo.catalog().map((r) => [r.id, r]));
    return {
      site,
      day: siteRow.day,
      appliances: this.repo.planAppliances(id, site).map((row) => {
        const titles = new Int32Array(row.titles.buffer.slice(row.titles.byteOffset, row.titles.byteOffset + row.titles.byteLength));
        const vals = new Float64Array(row.vals.buffer.slice(row.vals.byteOffset, row.vals.byteOffset + row.vals.byteLength));
        const items: SitePlacement['appliances'][number]['items'] = [];
        titles.forEach((tid, j) => {
          const t = catalog.get(tid);
          if (t) items.push({ contentId: t.content_id, bytes: t.bytes, value: vals[j]! });
        });
        return { serial: row.serial, capacityBytes: row.capacity_bytes, items };
      }),
    };
  }
}

/** Share of a day's demand (bytes) a placement serves from the site (a title counts once, wherever it is). */
export function hitRatio(placement: SitePlacementResult, actual: Float64Array): number {
  let total = 0;
  for (const b of actual) total += b;
  if (total === 0) return 0;
  const held = new Uint8Array(actual.length);
  for (const a of placement.appliances) for (const i of a.items) held[i] = 1;
  let hit = 0;
  for (let i = 0; i < actual.length; i++) if (held[i]) hit += actual[i]!;
  return hit / total;
}
