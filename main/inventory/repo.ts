/**
 * The inventory's SQL, and only here. Statements are prepared once per connection; every write
 * method expects to run inside `transaction()` together with its audit entry.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db';
import type {
  Appliance,
  ApplianceModel,
  AuditEntry,
  LifecycleStatus,
  Partner,
  Site,
  SiteInput,
} from './contract';
import { SORT_FIELDS } from './contract';

/** The stored state of one appliance, as the service writes it. */
export interface ApplianceRecord {
  serial: string;
  hostname: string;
  siteId: number;
  /** The site's code, carried along for audit details (the row stores siteId). */
  site: string;
  model: ApplianceModel;
  ipv4: string | null;
  ipv6: string | null;
  sshPort: number;
  apiPort: number;
  storageTb: number;
  nicGbps: number;
  firmware: string;
  status: LifecycleStatus;
  statusReason: string | null;
  statusChangedBy: string | null;
  statusChangedAt: string | null;
  hostKeyFingerprint: string | null;
  /** Sorted, without duplicates. */
  tags: string[];
  notes: string;
}

export interface StoredAppliance extends Appliance {
  id: number;
  siteId: number;
}

export interface StoredSite extends Site {
  id: number;
}

export interface StoredPartner extends Partner {
  createdAt: string;
  updatedAt: string;
}

export interface AuditInput {
  at: string;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

export type SortField = (typeof SORT_FIELDS)[number];

/** A parsed ApplianceQuery with every default applied. */
export interface ApplianceFilter {
  text?: string | undefined;
  status?: LifecycleStatus[] | undefined;
  site?: string[] | undefined;
  partner?: string[] | undefined;
  model?: ApplianceModel[] | undefined;
  tag?: string[] | undefined;
  firmware?: string[] | undefined;
  sort: SortField;
  dir: 'asc' | 'desc';
  offset: number;
  limit: number;
}

export interface SiteStatusCount {
  siteId: number;
  status: LifecycleStatus;
  appliances: number;
  capacityTb: number;
}

/** One appliance row of an import, parked in a temp table until the whole file has been read. */
export interface StagedAppliance {
  line: number;
  path: string | null;
  serial: string;
  site: string;
  /** The validated item, as JSON. */
  data: string;
}

export interface StagedRow {
  seq: number;
  line: number;
  path: string | null;
  data: string;
  /** The id of the site the row names, or null if no such site exists (yet). */
  siteId: number | null;
  /** The appliance with this serial as it is now, if any. */
  existing: StoredAppliance | null;
}

export interface StagedDuplicate {
  line: number;
  path: string | null;
  serial: string;
  firstLine: number;
  firstPath: string | null;
}

const APPLIANCE_COLUMNS = `
  a.id AS id, a.serial AS serial, a.hostname AS hostname, a.site_id AS siteId, s.code AS site, p.name AS partner,
  a.model AS model, a.ipv4 AS ipv4, a.ipv6 AS ipv6, a.ssh_port AS sshPort, a.api_port AS apiPort,
  a.storage_tb AS storageTb, a.nic_gbps AS nicGbps, a.firmware AS firmware, a.status AS status,
  a.status_reason AS statusReason, a.status_changed_by AS statusChangedBy, a.status_changed_at AS statusChangedAt,
  a.host_key_fingerprint AS hostKeyFingerprint,
  a.tags AS tags,
  a.notes AS notes, a.created_at AS createdAt, a.updated_at AS updatedAt`;

const APPLIANCE_FROM = `appliances a JOIN sites s ON s.id = a.site_id JOIN partners p ON p.id = s.partner_id`;

const SITE_COLUMNS = `
  s.id AS id, s.code AS code, p.name AS partner, p.asn AS asn, s.partner_id AS partnerId, s.name AS name,
  s.city AS city, s.country AS country, s.latitude AS latitude, s.longitude AS longitude, s.timezone AS timezone,
  s.maintenance_window AS maintenanceWindow, s.fill_window AS fillWindow,
  s.created_at AS createdAt, s.updated_at AS updatedAt`;

type ApplianceRow = Omit<StoredAppliance, 'tags'> & { tags: string };

function toAppliance(row: ApplianceRow): StoredAppliance {
  return { ...row, tags: row.tags ? row.tags.split(';') : [] };
}

/** Tags cannot contain ';' (see Tag in the contract), so they are stored joined by it. */
const joinTags = (tags: readonly string[]) => tags.join(';');

/** ORDER BY per sort field; the serial breaks ties so pages are stable. Each has an index. */
const ORDER_BY: Record<SortField, (dir: string) => string> = {
  serial: (d) => `a.serial ${d}`,
  hostname: (d) => `a.hostname ${d}, a.serial ${d}`,
  site: (d) => `s.code ${d}, a.serial ${d}`,
  partner: (d) => `p.name ${d}, s.code ${d}, a.serial ${d}`,
  model: (d) => `a.model ${d}, a.serial ${d}`,
  status: (d) => `a.status ${d}, a.serial ${d}`,
  firmware: (d) => `a.firmware ${d}, a.serial ${d}`,
  storageTb: (d) => `a.storage_tb ${d}, a.serial ${d}`,
  updatedAt: (d) => `a.updated_at ${d}, a.serial ${d}`,
};

/** The index that gives each appliance-column sort its order (site and partner sort through sites). */
const SORT_INDEX: Record<SortField, string> = {
  serial: 'sqlite_autoindex_appliances_1',
  hostname: 'appliances_hostname',
  site: 'appliances_site',
  partner: 'appliances_site',
  model: 'appliances_model',
  status: 'appliances_status',
  firmware: 'appliances_firmware',
  storageTb: 'appliances_storage',
  updatedAt: 'appliances_updated',
};

const likePattern = (term: string) => `%${term.replace(/[\\%_]/g, (c) => '\\' + c)}%`;

export interface SqlRun {
  sql: string;
  params: unknown[];
}

interface Condition {
  kind: 'text' | 'tag' | 'column';
  /** The condition as SQL over `a`, for finding and counting. */
  sql: string;
  /** The same condition as a cheap per-row test, for walking a sort index. */
  test: string;
  params: unknown[];
}

function applianceConditions(f: ApplianceFilter): Condition[] {
  const out: Condition[] = [];
  const list = (values: readonly unknown[]) => placeholders(values.length);
  const column = (sql: string, params: readonly unknown[]) => out.push({ kind: 'column', sql, test: sql, params: [...params] });
  if (f.status?.length) column(`a.status IN (${list(f.status)})`, f.status);
  if (f.model?.length) column(`a.model IN (${list(f.model)})`, f.model);
  if (f.firmware?.length) column(`a.firmware IN (${list(f.firmware)})`, f.firmware);
  if (f.site?.length) column(`a.site_id IN (SELECT id FROM sites WHERE code IN (${list(f.site)}))`, f.site);
  if (f.partner?.length) {
    column(
      `a.site_id IN (SELECT s2.id FROM sites s2 JOIN partners p2 ON p2.id = s2.partner_id WHERE p2.name IN (${list(f.partner)}))`,
      f.partner,
    );
  }
  if (f.tag?.length) {
    out.push({
      kind: 'tag',
      sql: `a.id IN (SELECT appliance_id FROM appliance_tags WHERE tag IN (${list(f.tag)}))`,
      test: `EXISTS (SELECT 1 FROM appliance_tags t WHERE t.appliance_id = a.id AND t.tag IN (${list(f.tag)}))`,
      params: [...f.tag],
    });
  }
  const terms = (f.text ?? '').toLowerCase().split(/\s+/).filter(Boolean).map(likePattern);
  if (terms.length) {
    const sql = terms.map(() => `a.search LIKE ? ESCAPE '\\'`).join(' AND ');
    out.push({ kind: 'text', sql, test: sql, params: terms });
  }
  return out;
}
const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

let stageCounter = 0;

export class InventoryRepo {
  private readonly stmts: {
    partnerByName: Statement<[string], StoredPartner>;
    allPartners: Statement<[], StoredPartner>;
    insertPartner: Statement<[string, number, string, string]>;
    updatePartnerAsn: Statement<[number, string, number]>;
    siteByCode: Statement<[string], StoredSite>;
    allSites: Statement<[], StoredSite>;
    insertSite: Statement<unknown[]>;
    updateSite: Statement<unknown[]>;
    applianceBySerial: Statement<[string], ApplianceRow>;
    appliancesAfter: Statement<[string, number], ApplianceRow>;
    insertAppliance: Statement<unknown[]>;
    updateAppliance: Statement<unknown[]>;
    deleteAppliance: Statement<[number]>;
    deleteTags: Statement<[number]>;
    insertTag: Statement<[string, number]>;
    insertAudit: Statement<[string, string, string, string, string]>;
    countAll: Statement<[], { n: number }>;
    statusCounts: Statement<[], SiteStatusCount>;
    distinctTags: Statement<[], { tag: string }>;
    distinctFirmware: Statement<[], { firmware: string }>;
  };
  private readonly queryCache = new Map<string, Statement<unknown[]>>();

  constructor(private readonly db: Db) {
    const p = <A extends unknown[] = unknown[], R = unknown>(sql: string) => db.prepare<A, R>(sql);
    this.stmts = {
      partnerByName: p(`SELECT id, name, asn, created_at AS createdAt, updated_at AS updatedAt FROM partners WHERE name = ?`),
      allPartners: p(`SELECT id, name, asn, created_at AS createdAt, updated_at AS updatedAt FROM partners ORDER BY name`),
      insertPartner: p(`INSERT INTO partners (name, asn, created_at, updated_at) VALUES (?, ?, ?, ?)`),
      updatePartnerAsn: p(`UPDATE partners SET asn = ?, updated_at = ? WHERE id = ?`),
      siteByCode: p(`SELECT ${SITE_COLUMNS} FROM sites s JOIN partners p ON p.id = s.partner_id WHERE s.code = ?`),
      allSites: p(`SELECT ${SITE_COLUMNS} FROM sites s JOIN partners p ON p.id = s.partner_id ORDER BY s.code`),
      insertSite: p(
        `INSERT INTO sites (code, partner_id, name, city, country, latitude, longitude, timezone, maintenance_window,
           fill_window, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateSite: p(
        `UPDATE sites SET partner_id = ?, name = ?, city = ?, country = ?, latitude = ?, longitude = ?, timezone = ?,
           maintenance_window = ?, fill_window = ?, updated_at = ? WHERE id = ?`,
      ),
      applianceBySerial: p(`SELECT ${APPLIANCE_COLUMNS} FROM ${APPLIANCE_FROM} WHERE a.serial = ?`),
      appliancesAfter: p(
        `SELECT ${APPLIANCE_COLUMNS} FROM appliances a CROSS JOIN sites s ON s.id = a.site_id
           CROSS JOIN partners p ON p.id = s.partner_id WHERE a.serial > ? ORDER BY a.serial LIMIT ?`,
      ),
      insertAppliance: p(
        `INSERT INTO appliances (serial, hostname, site_id, model, ipv4, ipv6, ssh_port, api_port, storage_tb, nic_gbps,
           firmware, status, status_reason, status_changed_by, status_changed_at, host_key_fingerprint, tags, notes,
           created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateAppliance: p(
        `UPDATE appliances SET hostname = ?, site_id = ?, model = ?, ipv4 = ?, ipv6 = ?, ssh_port = ?, api_port = ?,
           storage_tb = ?, nic_gbps = ?, firmware = ?, status = ?, status_reason = ?, status_changed_by = ?,
           status_changed_at = ?, host_key_fingerprint = ?, tags = ?, notes = ?, updated_at = ? WHERE id = ?`,
      ),
      deleteAppliance: p(`DELETE FROM appliances WHERE id = ?`),
      deleteTags: p(`DELETE FROM appliance_tags WHERE appliance_id = ?`),
      insertTag: p(`INSERT INTO appliance_tags (tag, appliance_id) VALUES (?, ?)`),
      insertAudit: p(`INSERT INTO audit_log (at, actor, action, target, details) VALUES (?, ?, ?, ?, ?)`),
      countAll: p(`SELECT count(*) AS n FROM appliances`),
      statusCounts: p(
        `SELECT site_id AS siteId, status, count(*) AS appliances, total(storage_tb) AS capacityTb
           FROM appliances GROUP BY site_id, status`,
      ),
      distinctTags: p(`SELECT DISTINCT tag FROM appliance_tags ORDER BY tag`),
      distinctFirmware: p(`SELECT DISTINCT firmware FROM appliances WHERE firmware <> '' ORDER BY firmware`),
    };
  }

  /** Runs fn in one SQLite transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // Partners

  partnerByName(name: string): StoredPartner | undefined {
    return this.stmts.partnerByName.get(name);
  }

  allPartners(): StoredPartner[] {
    return this.stmts.allPartners.all();
  }

  insertPartner(name: string, asn: number, at: string): number {
    return Number(this.stmts.insertPartner.run(name, asn, at, at).lastInsertRowid);
  }

  updatePartnerAsn(id: number, asn: number, at: string): void {
    this.stmts.updatePartnerAsn.run(asn, at, id);
  }

  // Sites

  siteByCode(code: string): StoredSite | undefined {
    return this.stmts.siteByCode.get(code);
  }

  allSites(): StoredSite[] {
    return this.stmts.allSites.all();
  }

  insertSite(site: Omit<SiteInput, 'asn'>, partnerId: number, at: string): number {
    const s = site;
    return Number(
      this.stmts.insertSite.run(
        s.code, partnerId, s.name, s.city, s.country, s.latitude, s.longitude, s.timezone,
        s.maintenanceWindow, s.fillWindow, at, at,
      ).lastInsertRowid,
    );
  }

  updateSite(id: number, site: Omit<SiteInput, 'asn'>, partnerId: number, at: string): void {
    const s = site;
    this.stmts.updateSite.run(
      partnerId, s.name, s.city, s.country, s.latitude, s.longitude, s.timezone, s.maintenanceWindow, s.fillWindow, at, id,
    );
  }

  // Appliances

  applianceBySerial(serial: string): StoredAppliance | undefined {
    const row = this.stmts.applianceBySerial.get(serial);
    return row ? toAppliance(row) : undefined;
  }

  /** Keyset paging in serial order, for exports of any size. */
  appliancesAfter(serial: string, limit: number): StoredAppliance[] {
    return this.stmts.appliancesAfter.all(serial, limit).map(toAppliance);
  }

  insertAppliance(r: ApplianceRecord, at: string): number {
    const id = Number(
      this.stmts.insertAppliance.run(
        r.serial, r.hostname, r.siteId, r.model, r.ipv4, r.ipv6, r.sshPort, r.apiPort, r.storageTb, r.nicGbps,
        r.firmware, r.status, r.statusReason, r.statusChangedBy, r.statusChangedAt, r.hostKeyFingerprint, joinTags(r.tags),
        r.notes, at, at,
      ).lastInsertRowid,
    );
    for (const tag of r.tags) this.stmts.insertTag.run(tag, id);
    return id;
  }

  updateAppliance(id: number, r: ApplianceRecord, at: string, tagsChanged: boolean): void {
    this.stmts.updateAppliance.run(
      r.hostname, r.siteId, r.model, r.ipv4, r.ipv6, r.sshPort, r.apiPort, r.storageTb, r.nicGbps, r.firmware,
      r.status, r.statusReason, r.statusChangedBy, r.statusChangedAt, r.hostKeyFingerprint, joinTags(r.tags), r.notes, at, id,
    );
    if (tagsChanged) {
      this.stmts.deleteTags.run(id);
      for (const tag of r.tags) this.stmts.insertTag.run(tag, id);
    }
  }

  deleteAppliance(id: number): void {
    this.stmts.deleteAppliance.run(id);
  }

  countAppliances(): number {
    return this.stmts.countAll.get()!.n;
  }

  /**
   * Filters combine with AND; the values of one filter with OR. Free text is split on spaces and
   * every term must occur (case-insensitive substring) in serial, hostname, IPv4, IPv6 or firmware.
   *
   * Two ways to a page, chosen by how many rows match:
   * - few: collect the matching ids through the filters' own indexes, then sort just those;
   * - many (over 5000, or over 4 x (offset + limit)): walk the sort field's index and test each row,
   *   which stops after offset + limit hits; the total then comes from a separate count.
   * The id collection is capped, so it also tells which case this is.
   */
  queryAppliances(f: ApplianceFilter, trace?: SqlRun[]): { total: number; items: StoredAppliance[] } {
    const run = <T>(sql: string, params: unknown[], mode: 'get' | 'all'): T => {
      trace?.push({ sql, params });
      const stmt = this.cached(sql);
      return (mode === 'get' ? stmt.get(...params) : stmt.all(...params)) as T;
    };
    const conditions = applianceConditions(f);
    const dir = f.dir === 'desc' ? 'DESC' : 'ASC';
    const byApplianceColumn = f.sort !== 'site' && f.sort !== 'partner';
    const orderAndPage = `ORDER BY ${ORDER_BY[f.sort](dir)} LIMIT ? OFFSET ?`;
    const page = (from: string, where: string, params: unknown[]) =>
      run<ApplianceRow[]>(`SELECT ${APPLIANCE_COLUMNS} FROM ${from} ${where} ${orderAndPage}`, [...params, f.limit, f.offset], 'all').map(
        toAppliance,
      );
    // Walking a sort index keeps appliances as the outer loop (site and partner order come from sites).
    const walkFrom = byApplianceColumn
      ? `appliances a INDEXED BY ${SORT_INDEX[f.sort]} CROSS JOIN sites s ON s.id = a.site_id CROSS JOIN partners p ON p.id = s.partner_id`
      : APPLIANCE_FROM;
    const params = conditions.flatMap((c) => c.params);

    if (conditions.length === 0) {
      const total = this.countAppliances();
      return { total, items: f.offset < total ? page(walkFrom, '', []) : [] };
    }

    // Up to a few thousand matches, sorting them is cheap and safe; walking is faster only when
    // matches are common and spread out (clustered matches, say one IP range, make walks long).
    const cap = Math.min(Math.max(4 * (f.offset + f.limit), 5000), 50_000);
    const only = conditions.length === 1 ? conditions[0]! : null;
    const ids = run<{ id: number }[]>(
      only?.kind === 'text'
        ? `SELECT a.id AS id FROM appliances a INDEXED BY appliances_search WHERE ${only.sql} LIMIT ?`
        : `SELECT a.id AS id FROM appliances a WHERE ${conditions.map((c) => c.sql).join(' AND ')} LIMIT ?`,
      [...params, cap + 1],
      'all',
    );
    if (ids.length <= cap) {
      const total = ids.length;
      if (f.offset >= total) return { total, items: [] };
      const from = byApplianceColumn ? `appliances a CROSS JOIN sites s ON s.id = a.site_id CROSS JOIN partners p ON p.id = s.partner_id` : APPLIANCE_FROM;
      return { total, items: page(from, `WHERE a.id IN (SELECT value FROM json_each(?))`, [JSON.stringify(ids.map((r) => r.id))]) };
    }

    const count =
      only?.kind === 'text'
        ? `SELECT count(*) AS n FROM appliances a INDEXED BY appliances_search WHERE ${only.sql}`
        : only?.kind === 'tag'
          ? `SELECT count(DISTINCT appliance_id) AS n FROM appliance_tags WHERE tag IN (${placeholders(only.params.length)})`
          : `SELECT count(*) AS n FROM appliances a WHERE ${conditions.map((c) => c.sql).join(' AND ')}`;
    const total = run<{ n: number }>(count, params, 'get').n;
    const items = f.offset < total ? page(walkFrom, `WHERE ${conditions.map((c) => c.test).join(' AND ')}`, params) : [];
    return { total, items };
  }

  /** EXPLAIN QUERY PLAN of every statement a query runs, for tests and benchmarks that keep the indexes honest. */
  explainQuery(f: ApplianceFilter): { sql: string; plan: string[] }[] {
    const trace: SqlRun[] = [];
    this.queryAppliances(f, trace);
    return trace.map(({ sql, params }) => ({
      sql,
      plan: (this.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail),
    }));
  }

  private cached(sql: string): Statement<unknown[]> {
    let stmt = this.queryCache.get(sql);
    if (!stmt) {
      if (this.queryCache.size > 200) this.queryCache.clear();
      stmt = this.db.prepare(sql);
      this.queryCache.set(sql, stmt);
    }
    return stmt;
  }

  statusCounts(): SiteStatusCount[] {
    return this.stmts.statusCounts.all();
  }

  distinctTags(): string[] {
    return this.stmts.distinctTags.all().map((r) => r.tag);
  }

  distinctFirmware(): string[] {
    return this.stmts.distinctFirmware.all().map((r) => r.firmware);
  }

  /** Refresh the planner's statistics after a bulk change (cheap; SQLite decides what to redo). */
  optimize(): void {
    this.db.pragma('optimize');
  }

  // Audit log (append-only: triggers reject UPDATE and DELETE)

  appendAudit(e: AuditInput): void {
    this.stmts.insertAudit.run(e.at, e.actor, e.action, e.target, JSON.stringify(e.details));
  }

  listAudit(q: { target?: string | undefined; limit: number; beforeId?: number | undefined }): AuditEntry[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.target !== undefined) {
      where.push('target = ?');
      params.push(q.target);
    }
    if (q.beforeId !== undefined) {
      where.push('id < ?');
      params.push(q.beforeId);
    }
    const sql = `SELECT id, at, actor, action, target, details FROM audit_log
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.cached(sql).all(...params, q.limit) as (Omit<AuditEntry, 'details'> & { details: string })[];
    return rows.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
  }

  // Import staging

  /** A connection-private temp table that holds an import's appliance rows until commit. */
  createApplianceStage(): ApplianceStage {
    return new ApplianceStage(this.db, `import_stage_${++stageCounter}`);
  }
}

export class ApplianceStage {
  private readonly insert: Statement<[number, string | null, string, string, string]>;
  private readonly insertMany: (rows: readonly StagedAppliance[]) => void;
  private chunkStmt: Statement<[number, number], Record<string, unknown>> | undefined;

  constructor(
    private readonly db: Db,
    private readonly table: string,
  ) {
    db.exec(`CREATE TEMP TABLE ${table} (
      seq INTEGER PRIMARY KEY, line INTEGER NOT NULL, path TEXT, serial TEXT NOT NULL, site TEXT NOT NULL, data TEXT NOT NULL)`);
    this.insert = db.prepare(`INSERT INTO temp.${table} (line, path, serial, site, data) VALUES (?, ?, ?, ?, ?)`);
    this.insertMany = db.transaction((rows: readonly StagedAppliance[]) => {
      for (const r of rows) this.insert.run(r.line, r.path, r.serial, r.site, r.data);
    });
  }

  add(rows: readonly StagedAppliance[]): void {
    if (rows.length) this.insertMany(rows);
  }

  /** Call once every row is staged: indexes the serials for the checks and the merge. */
  seal(): void {
    this.db.exec(`CREATE INDEX temp.${this.table}_serial ON ${this.table} (serial, seq)`);
  }

  /** Every row whose serial already appeared earlier in the same import. */
  duplicates(): StagedDuplicate[] {
    const t = `temp.${this.table}`;
    return this.db
      .prepare<[], StagedDuplicate>(
        `SELECT st.line, st.path, st.serial, f.line AS firstLine, f.path AS firstPath
           FROM (SELECT serial, min(seq) AS first FROM ${t} GROUP BY serial HAVING count(*) > 1) d
           JOIN ${t} st ON st.serial = d.serial AND st.seq > d.first
           JOIN ${t} f ON f.seq = d.first
          ORDER BY st.seq`,
      )
      .all();
  }

  /** Staged rows in file order, with the current appliance and the site they name. */
  chunk(afterSeq: number, limit: number): StagedRow[] {
    this.chunkStmt ??= this.db.prepare(
      `SELECT st.seq AS stSeq, st.line AS stLine, st.path AS stPath, st.data AS stData, ns.id AS stSiteId, ${APPLIANCE_COLUMNS}
         FROM temp.${this.table} st
         LEFT JOIN appliances a ON a.serial = st.serial
         LEFT JOIN sites s ON s.id = a.site_id
         LEFT JOIN partners p ON p.id = s.partner_id
         LEFT JOIN sites ns ON ns.code = st.site
        WHERE st.seq > ? ORDER BY st.seq LIMIT ?`,
    );
    return this.chunkStmt.all(afterSeq, limit).map((row) => {
      const { stSeq, stLine, stPath, stData, stSiteId, ...rest } = row;
      return {
        seq: stSeq as number,
        line: stLine as number,
        path: stPath as string | null,
        data: stData as string,
        siteId: stSiteId as number | null,
        existing: rest['id'] === null ? null : toAppliance(rest as unknown as ApplianceRow),
      };
    });
  }

  drop(): void {
    this.db.exec(`DROP TABLE IF EXISTS temp.${this.table}`);
  }
}
