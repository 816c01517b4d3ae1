/** The fills domain's SQL: catalog, demand logs (staged, then committed all at once) and plans. */
import type { Db } from '../store/db';

export interface CatalogEntryRow {
  id: number;
  content_id: string;
  title: string;
  bytes: number;
  kind: string;
  release_day: number;
}

export interface StagedDemand {
  site: string;
  day: number;
  titleId: number;
  bytes: number;
  plays: number;
  line: number;
}

export interface PlanApplianceRow {
  plan_id: number;
  site: string;
  serial: string;
  kind: string;
  capacity_bytes: number;
  used_bytes: number;
  titles: Buffer;
  vals: Buffer;
}

export interface PlanRow {
  id: number;
  created_at: string;
  created_by: string;
}

export interface PlanSiteRow {
  plan_id: number;
  site: string;
  day: string;
  summary: string;
}

export class FillsRepo {
  private readonly titleByContentId;
  private readonly insertTitle;
  private readonly updateTitle;

  constructor(private readonly db: Db) {
    this.titleByContentId = db.prepare('SELECT id, content_id, title, bytes, kind, release_day FROM fills_catalog WHERE content_id = ?');
    this.insertTitle = db.prepare('INSERT INTO fills_catalog (content_id, title, bytes, kind, release_day) VALUES (@content_id, @title, @bytes, @kind, @release_day)');
    this.updateTitle = db.prepare('UPDATE fills_catalog SET title = @title, bytes = @bytes, kind = @kind, release_day = @release_day WHERE content_id = @content_id');
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // Catalog

  catalog(): CatalogEntryRow[] {
    return this.db.prepare('SELECT id, content_id, title, bytes, kind, release_day FROM fills_catalog ORDER BY id').all() as CatalogEntryRow[];
  }

  catalogCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM fills_catalog').get() as { n: number }).n;
  }

  /** content id -> (id, bytes) for every title. */
  catalogIndex(): Map<string, { id: number; bytes: number }> {
    const map = new Map<string, { id: number; bytes: number }>();
    for (const r of this.db.prepare('SELECT id, content_id, bytes FROM fills_catalog').iterate() as IterableIterator<{ id: number; content_id: string; bytes: number }>) {
      map.set(r.content_id, { id: r.id, bytes: r.bytes });
    }
    return map;
  }

  /** Inserts or updates one title; 'created', 'updated' or 'unchanged'. */
  upsertTitle(row: Omit<CatalogEntryRow, 'id'>): 'created' | 'updated' | 'unchanged' {
    const existing = this.titleByContentId.get(row.content_id) as CatalogEntryRow | undefined;
    if (!existing) {
      this.insertTitle.run(row);
      return 'created';
    }
    if (existing.title === row.title && existing.bytes === row.bytes && existing.kind === row.kind && existing.release_day === row.release_day) return 'unchanged';
    this.updateTitle.run(row);
    return 'updated';
  }

  // Demand

  /** A temp table for one import's rows; duplicates inside the file are found by its key. */
  createDemandStage(): DemandStage {
    return new DemandStage(this.db);
  }

  hasDemand(): boolean {
    return (this.db.prepare('SELECT EXISTS (SELECT 1 FROM fills_demand) AS yes').get() as { yes: number }).yes === 1;
  }

  /** A site's first and last day of demand and how many days it has (the primary key's order: no scan of other sites). */
  demandSpan(site: string): { first: number | null; last: number | null; days: number } {
    return this.db.prepare('SELECT min(day) AS first, max(day) AS last, count(DISTINCT day) AS days FROM fills_demand WHERE site = ?').get(site) as { first: number | null; last: number | null; days: number };
  }

  sitesWithDemand(): string[] {
    return (this.db.prepare('SELECT DISTINCT site FROM fills_demand ORDER BY site').all() as { site: string }[]).map((r) => r.site);
  }

  /** Days (days since 1970) with demand for a site, before `before`, oldest first, at most the last `limit`. */
  demandDays(site: string, before: number, limit: number): number[] {
    const rows = this.db.prepare('SELECT DISTINCT day FROM fills_demand WHERE site = ? AND day < ? ORDER BY day DESC LIMIT ?').all(site, before, limit) as { day: number }[];
    return rows.map((r) => r.day).reverse();
  }

  demandOf(site: string, day: number): IterableIterator<{ title_id: number; bytes: number }> {
    return this.db.prepare('SELECT title_id, bytes FROM fills_demand WHERE site = ? AND day = ?').iterate(site, day) as IterableIterator<{ title_id: number; bytes: number }>;
  }

  // Plans

  insertPlan(createdAt: string, createdBy: string): number {
    return Number(this.db.prepare('INSERT INTO fills_plans (created_at, created_by) VALUES (?, ?)').run(createdAt, createdBy).lastInsertRowid);
  }

  insertPlanSite(row: PlanSiteRow): void {
    this.db.prepare('INSERT INTO fills_plan_sites (plan_id, site, day, summary) VALUES (@plan_id, @site, @day, @summary)').run(row);
  }

  insertPlanAppliance(row: PlanApplianceRow): void {
    this.db
      .prepare(
        `INSERT INTO fills_plan_appliances (plan_id, site, serial, kind, capacity_bytes, used_bytes, titles, vals)
         VALUES (@plan_id, @site, @serial, @kind, @capacity_bytes, @used_bytes, @titles, @vals)`,
      )
      .run(row);
  }

  plan(id: number): PlanRow | undefined {
    return this.db.prepare('SELECT id, created_at, created_by FROM fills_plans WHERE id = ?').get(id) as PlanRow | undefined;
  }

  plans(limit: number): PlanRow[] {
    return this.db.prepare('SELECT id, created_at, created_by FROM fills_plans ORDER BY id DESC LIMIT ?').all(limit) as PlanRow[];
  }

  planSites(planId: number): PlanSiteRow[] {
    return this.db.prepare('SELECT plan_id, site, day, summary FROM fills_plan_sites WHERE plan_id = ? ORDER BY site').all(planId) as PlanSiteRow[];
  }

  /** The newest plan that placed `site`, or undefined. */
  latestPlanOf(site: string): number | undefined {
    const row = this.db.prepare('SELECT max(plan_id) AS id FROM fills_plan_sites WHERE site = ?').get(site) as { id: number | null };
    return row.id ?? undefined;
  }

  planSite(planId: number, site: string): PlanSiteRow | undefined {
    return this.db.prepare('SELECT plan_id, site, day, summary FROM fills_plan_sites WHERE plan_id = ? AND site = ?').get(planId, site) as PlanSiteRow | undefined;
  }

  planAppliances(planId: number, site: string): PlanApplianceRow[] {
    return this.db
      .prepare('SELECT plan_id, site, serial, kind, capacity_bytes, used_bytes, titles, vals FROM fills_plan_appliances WHERE plan_id = ? AND site = ? ORDER BY serial')
      .all(planId, site) as PlanApplianceRow[];
  }
}

/** One demand import's rows, staged in a temp table until the whole file has been read. */
export class DemandStage {
  private readonly name = `fills_demand_stage_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  private readonly insert;
  private readonly firstLine;

  constructor(private readonly db: Db) {
    db.exec(
      `CREATE TEMP TABLE ${this.name} (site TEXT NOT NULL, day INTEGER NOT NULL, title_id INTEGER NOT NULL, bytes INTEGER NOT NULL,
         plays INTEGER NOT NULL, line INTEGER NOT NULL, PRIMARY KEY (site, day, title_id)) WITHOUT ROWID`,
    );
    this.insert = db.prepare(`INSERT INTO ${this.name} (site, day, title_id, bytes, plays, line) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`);
    this.firstLine = db.prepare(`SELECT line FROM ${this.name} WHERE site = ? AND day = ? AND title_id = ?`);
  }

  /** Stages rows; returns, for each row whose key was already staged, its line and the first line with that key. */
  add(rows: readonly StagedDemand[]): { line: number; first: number }[] {
    const duplicates: { line: number; first: number }[] = [];
    this.db.transaction(() => {
      for (const r of rows) {
        if (this.insert.run(r.site, r.day, r.titleId, r.bytes, r.plays, r.line).changes === 0) {
          const first = this.firstLine.get(r.site, r.day, r.titleId) as { line: number };
          duplicates.push({ line: r.line, first: first.line });
        }
      }
    })();
    return duplicates;
  }

  summary(): { rows: number; sites: string[]; firstDay: number | null; lastDay: number | null; siteDays: number; bytes: number } {
    const agg = this.db.prepare(`SELECT count(*) AS rows, min(day) AS first, max(day) AS last, coalesce(sum(bytes), 0) AS bytes FROM ${this.name}`).get() as {
      rows: number;
      first: number | null;
      last: number | null;
      bytes: number;
    };
    const sites = (this.db.prepare(`SELECT DISTINCT site FROM ${this.name} ORDER BY site`).all() as { site: string }[]).map((r) => r.site);
    const siteDays = (this.db.prepare(`SELECT count(*) AS n FROM (SELECT DISTINCT site, day FROM ${this.name})`).get() as { n: number }).n;
    return { rows: agg.rows, sites, firstDay: agg.first, lastDay: agg.last, siteDays, bytes: agg.bytes };
  }

  /** Replaces the stored demand of every (site, day) the stage holds with the stage's rows (in the caller's transaction). */
  commit(): void {
    this.db.exec(
      `DELETE FROM fills_demand WHERE (site, day) IN (SELECT DISTINCT site, day FROM ${this.name});
       INSERT INTO fills_demand (site, day, title_id, bytes, plays) SELECT site, day, title_id, bytes, plays FROM ${this.name};`,
    );
  }

  drop(): void {
    this.db.exec(`DROP TABLE IF EXISTS temp.${this.name}`);
  }
}
