/**
 * The inventory's SQL, and only here. Statements are prepared once per connection; every write
 * method expects to run inside `transaction()` together with its audit entry.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db';
import type {
  Appliance,
  ApplianceModel,
  LifecycleStatus,
  Partner,
  Site,
  SiteInput,
} from './contract';
import { SORT_FIELDS } from './contract';
import type { ApplianceItem } from './import-items';

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

/** Appliances alike in what serving capacity counts: a site's appliances of one model, status and NIC speed. */
export interface ServingGroup {
  site: string;
  model: ApplianceModel;
  status: LifecycleStatus;
  nicGbps: number;
  count: number;
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
  item: ApplianceItem;
}

/** A staged row that differs from the stored appliance with its serial. */
export interface StagedChange {
  seq: number;
  line: number;
  path: string | null;
  item: ApplianceItem;
  siteId: number;
  existing: StoredAppliance;
}

export interface StagedProblem {
  line: number;
  path: string | null;
  value: string;
  /** For duplicates: where the serial first appeared. */
  firstLine?: number;
  firstPath?: string | null;
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
  return { ...row, tags: splitTags(row.tags) };
}

/** Tags cannot contain ';' (see Tag in the contract), so they are stored joined by it. */
const joinTags = (tags: readonly string[]) => tags.join(';');
const splitTags = (tags: string): string[] => (tags ? tags.split(';') : []);

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

/** The index that gives each appliance-column sort its order (site and partner order come from sites). */
const SORT_INDEX: Record<Exclude<SortField, 'site' | 'partner'>, string> = {
  serial: 'sqlite_autoindex_appliances_1',
  hostname: 'appliances_hostname',
  model: 'appliances_model',
  status: 'appliances_status',
  firmware: 'appliances_firmware',
  storageTb: 'appliances_storage',
  updatedAt: 'appliances_updated',
};

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');
const likePattern = (term: string) => `%${term.replace(/[\\%_]/g, (c) => '\\' + c)}%`;

export interface SqlRun {
  sql: string;
  params: unknown[];
}

interface Condition {
  kind: 'text' | 'tag' | 'column';
  /** The condition as SQL over `a`, for finding and counting. */
  sql: string;
  params: unknown[];
  /** The same condition as a cheap per-row test, for walking a sort index. */
  test: string;
  testParams: unknown[];
  /** When this is the only condition: the matching ids by the fastest way (same params as sql). */
  ids?: string;
  /** When this is the only condition: how many rows match (same params as sql). */
  count?: string;
}

/** Free-text terms shorter than this have no trigram, so they are matched by LIKE on the fields. */
const TRIGRAM = 3;
/** The fields free text is looked for in. */
const SEARCHED = ['a.serial', 'a.hostname', 'a.ipv4', 'a.ipv6', 'a.firmware'];
/**
 * A term too short for the trigram index, looked for in each searched field: LIKE ignores ASCII
 * case as lower() folds it, and a term has no spaces, so it never spans two fields.
 */
const LIKE_ANY_FIELD = `(${SEARCHED.map((f) => `${f} LIKE ? ESCAPE '\\'`).join(' OR ')})`;
const likeParams = (pattern: string) => SEARCHED.map(() => pattern);
/** An FTS5 phrase: the term in double quotes, quotes inside doubled; nothing else is special in it. */
const ftsPhrase = (term: string) => `"${term.replace(/"/g, '""')}"`;
/** Appliances whose serial, hostname or addresses hold a term (one parameter: its phrase). */
const IN_TRIGRAMS = 'SELECT rowid AS id FROM appliances_fts WHERE appliances_fts MATCH ?';
/**
 * Firmware versions holding a term (one parameter: its LIKE pattern). The trigram index leaves
 * firmware out (migration 22): a fleet runs a few versions, listed here by a walk over the firmware
 * index that visits each distinct version once, whatever the number of appliances.
 */
const VERSIONS_LIKE = `WITH RECURSIVE versions(v) AS (
    SELECT min(firmware) FROM appliances
    UNION ALL SELECT (SELECT min(firmware) FROM appliances WHERE firmware > versions.v) FROM versions WHERE versions.v IS NOT NULL
  ) SELECT v FROM versions WHERE v LIKE ? ESCAPE '\\'`;
/** Appliances holding a term of 3+ characters in any searched field (two parameters: its phrase and its LIKE pattern). */
const LONG_TERM_IDS = `${IN_TRIGRAMS} UNION SELECT id FROM appliances WHERE firmware IN (${VERSIONS_LIKE})`;
/** The same as a condition: a set of ids the query can start from, as it did from the trigram index alone. */
const LONG_TERM = `a.id IN (${LONG_TERM_IDS})`;

/**
 * Free text: every term must occur in one of the fields (serial, hostname, IPv4, IPv6, firmware),
 * case-insensitively. Terms of 3+ characters are looked up in the trigram index (a phrase of a
 * term's trigrams matches exactly where the term is a substring) and in the firmware versions;
 * shorter ones fall back to LIKE on every field.
 */
function textCondition(text: string): Condition[] {
  const terms = text.toLowerCase().split(/\s+/).filter(Boolean);
  return terms.map((term) => {
    const pattern = likePattern(term);
    const test = LIKE_ANY_FIELD;
    const testParams = likeParams(pattern);
    // Short terms: a scan of the fields (a page and its count about 18 ms at 100,000 appliances).
    if ([...term].length < TRIGRAM) return { kind: 'text', sql: test, params: testParams, test, testParams };
    return {
      kind: 'text',
      sql: LONG_TERM,
      params: [ftsPhrase(term), pattern],
      test,
      testParams,
      ids: LONG_TERM_IDS,
      count: `SELECT count(*) AS n FROM (${LONG_TERM_IDS})`,
    };
  });
}

function applianceConditions(f: ApplianceFilter): Condition[] {
  const out: Condition[] = [];
  const list = (values: readonly unknown[]) => placeholders(values.length);
  const column = (sql: string, params: readonly unknown[]) =>
    out.push({ kind: 'column', sql, test: sql, params: [...params], testParams: [...params] });
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
      params: [...f.tag],
      test: `EXISTS (SELECT 1 FROM appliance_tags t WHERE t.appliance_id = a.id AND t.tag IN (${list(f.tag)}))`,
      testParams: [...f.tag],
      count: `SELECT count(DISTINCT appliance_id) AS n FROM appliance_tags WHERE tag IN (${list(f.tag)})`,
    });
  }
  out.push(...textCondition(f.text ?? ''));
  return out;
}

let stageCounter = 0;

/** New rows from which an import rebuilds the appliance indexes instead of updating them row by row. */
const BULK_LOAD_ROWS = 5000;
/** The trigger that keeps the trigram index (migration 19) in step with inserted appliances. */
const FTS_INSERT_TRIGGER = 'appliances_fts_insert';

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
    countAll: Statement<[], { n: number }>;
    statusCounts: Statement<[], SiteStatusCount>;
    servingGroups: Statement<[], ServingGroup>;
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
      countAll: p(`SELECT count(*) AS n FROM appliances`),
      servingGroups: p(
        `SELECT s.code AS site, a.model, a.status, a.nic_gbps AS nicGbps, count(*) AS count
           FROM appliances a JOIN sites s ON s.id = a.site_id GROUP BY s.code, a.model, a.status, a.nic_gbps`,
      ),
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

  insertSite(s: Omit<SiteInput, 'asn'>, partnerId: number, at: string): number {
    return Number(
      this.stmts.insertSite.run(
        s.code, partnerId, s.name, s.city, s.country, s.latitude, s.longitude, s.timezone,
        s.maintenanceWindow, s.fillWindow, at, at,
      ).lastInsertRowid,
    );
  }

  updateSite(id: number, s: Omit<SiteInput, 'asn'>, partnerId: number, at: string): void {
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
    const sortIndex = f.sort === 'site' || f.sort === 'partner' ? null : SORT_INDEX[f.sort];
    const orderAndPage = `ORDER BY ${ORDER_BY[f.sort](dir)} LIMIT ? OFFSET ?`;
    const page = (from: string, where: string, params: unknown[]) =>
      run<ApplianceRow[]>(`SELECT ${APPLIANCE_COLUMNS} FROM ${from} ${where} ${orderAndPage}`, [...params, f.limit, f.offset], 'all').map(
        toAppliance,
      );
    // Walking a sort index keeps appliances as the outer loop (site and partner order come from sites).
    const walkFrom = sortIndex
      ? `appliances a INDEXED BY ${sortIndex} CROSS JOIN sites s ON s.id = a.site_id CROSS JOIN partners p ON p.id = s.partner_id`
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
    const where = conditions.map((c) => c.sql).join(' AND ');
    const ids = run<{ id: number }[]>(
      `${only?.ids ?? `SELECT a.id AS id FROM appliances a WHERE ${where}`} LIMIT ?`,
      [...params, cap + 1],
      'all',
    );
    if (ids.length <= cap) {
      const total = ids.length;
      if (f.offset >= total) return { total, items: [] };
      const idList = JSON.stringify(ids.map((r) => r.id));
      return { total, items: page(APPLIANCE_FROM, `WHERE a.id IN (SELECT value FROM json_each(?))`, [idList]) };
    }

    const count = only?.count ?? `SELECT count(*) AS n FROM appliances a WHERE ${where}`;
    const total = run<{ n: number }>(count, params, 'get').n;
    const testParams = conditions.flatMap((c) => c.testParams);
    const items = f.offset < total ? page(walkFrom, `WHERE ${conditions.map((c) => c.test).join(' AND ')}`, testParams) : [];
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

  servingGroups(): ServingGroup[] {
    return this.stmts.servingGroups.all();
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

  // Import staging

  /** A connection-private temp table that holds an import's appliance rows until commit. */
  createApplianceStage(): ApplianceStage {
    const sites = new Map(this.db.prepare<[], { id: number; code: string }>('SELECT id, code FROM sites').all().map((s) => [s.code, s.id]));
    return new ApplianceStage(this.db, `import_stage_${++stageCounter}`, sites);
  }
}

/** Stage columns that equal the stored appliance: the row would change nothing. Mirrors applianceChanges(). */
const UNCHANGED = `
  a.hostname = st.hostname AND a.site_id = st.site_id AND a.model = st.model AND a.ipv4 IS st.ipv4
  AND a.ipv6 IS st.ipv6 AND a.ssh_port = st.ssh_port AND a.api_port = st.api_port AND a.storage_tb = st.storage_tb
  AND a.nic_gbps = st.nic_gbps AND a.firmware = st.firmware AND a.tags = st.tags
  AND (st.status IS NULL OR a.status = st.status) AND (st.notes IS NULL OR a.notes = st.notes)
  AND (st.fingerprint_given = 0 OR a.host_key_fingerprint IS st.fingerprint)`;

/**
 * An import's appliance rows in a connection-private temp table: validated rows go in as they are
 * read; at commit the checks, the count of unchanged rows and the insert of new ones are single
 * SQL statements, and only rows that change an existing appliance come back to JavaScript.
 */
export class ApplianceStage {
  private readonly t: string;
  private readonly insertMany: (rows: readonly StagedAppliance[]) => void;

  /**
   * `sites`: the sites stored when the import starts (code -> id), so most rows know their site as
   * they are staged; sites created by the same import are looked up when the rows are resolved.
   * (A site's code and id never change: sites are not renamed or deleted.)
   */
  constructor(
    private readonly db: Db,
    table: string,
    sites: ReadonlyMap<string, number>,
  ) {
    this.t = `temp.${table}`;
    db.exec(`CREATE TEMP TABLE ${table} (
      seq INTEGER PRIMARY KEY, line INTEGER NOT NULL, path TEXT,
      serial TEXT NOT NULL, hostname TEXT NOT NULL, site TEXT NOT NULL, model TEXT NOT NULL, ipv4 TEXT, ipv6 TEXT,
      ssh_port INTEGER NOT NULL, api_port INTEGER NOT NULL, storage_tb REAL NOT NULL, nic_gbps REAL NOT NULL,
      firmware TEXT NOT NULL, tags TEXT NOT NULL,
      status TEXT, status_reason TEXT, notes TEXT, fingerprint_given INTEGER NOT NULL, fingerprint TEXT,
      site_id INTEGER, appliance_id INTEGER)`);
    const insert = db.prepare(
      `INSERT INTO ${this.t} (line, path, serial, hostname, site, model, ipv4, ipv6, ssh_port, api_port, storage_tb, nic_gbps,
         firmware, tags, status, status_reason, notes, fingerprint_given, fingerprint, site_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertMany = db.transaction((rows: readonly StagedAppliance[]) => {
      for (const { line, path, item: i } of rows) {
        insert.run(
          line, path, i.serial, i.hostname, i.site, i.model, i.ipv4, i.ipv6, i.sshPort, i.apiPort, i.storageTb, i.nicGbps,
          i.firmware, joinTags(i.tags), i.status ?? null, i.statusReason ?? null, i.notes ?? null,
          i.hostKeyFingerprint === undefined ? 0 : 1, i.hostKeyFingerprint ?? null, sites.get(i.site) ?? null,
        );
      }
    });
  }

  /** Rows whose tags are already normalized (sorted, no duplicates). */
  add(rows: readonly StagedAppliance[]): void {
    if (rows.length) this.insertMany(rows);
  }

  /** Call once every row is staged. */
  seal(): void {
    this.db.exec(`CREATE INDEX ${this.t}_serial ON ${this.t.slice(5)} (serial, seq)`);
  }

  /** Inside the commit transaction, after sites are written: which site and appliance each row names. */
  resolve(): void {
    // Only rows that get a value are written (a first import of new appliances writes none).
    this.db.exec(`UPDATE ${this.t} SET site_id = (SELECT id FROM sites WHERE code = ${this.t}.site) WHERE site_id IS NULL`);
    this.db.exec(`UPDATE ${this.t} SET appliance_id = a.id FROM appliances a WHERE a.serial = ${this.t}.serial`);
  }

  /** Every row whose serial already appeared earlier in the same import. */
  duplicates(): StagedProblem[] {
    return this.db
      .prepare<[], StagedProblem>(
        `SELECT st.line, st.path, st.serial AS value, f.line AS firstLine, f.path AS firstPath
           FROM (SELECT serial, min(seq) AS first FROM ${this.t} GROUP BY serial HAVING count(*) > 1) d
           JOIN ${this.t} st ON st.serial = d.serial AND st.seq > d.first
           JOIN ${this.t} f ON f.seq = d.first
          ORDER BY st.seq`,
      )
      .all();
  }

  /** Rows naming a site that does not exist. */
  unknownSites(): StagedProblem[] {
    return this.db.prepare<[], StagedProblem>(`SELECT line, path, site AS value FROM ${this.t} WHERE site_id IS NULL ORDER BY seq`).all();
  }

  /** New serials, rows equal to what is stored, and the rest. */
  counts(): { created: number; unchanged: number; other: number } {
    return this.db
      .prepare<[], { created: number; unchanged: number; other: number }>(
        `SELECT count(*) FILTER (WHERE st.appliance_id IS NULL) AS created,
                count(*) FILTER (WHERE a.id IS NOT NULL AND ${UNCHANGED}) AS unchanged,
                count(*) FILTER (WHERE a.id IS NOT NULL AND NOT (${UNCHANGED})) AS other
           FROM ${this.t} st LEFT JOIN appliances a ON a.id = st.appliance_id
          WHERE st.site_id IS NOT NULL`,
      )
      .get()!;
  }

  /** Rows that would change a stored appliance, in file order, a chunk at a time. */
  changes(afterSeq: number, limit: number): StagedChange[] {
    const rows = this.db
      .prepare<[number, number], StageRow & { existingId: number }>(
        `SELECT st.*, a.id AS existingId FROM ${this.t} st JOIN appliances a ON a.id = st.appliance_id
          WHERE st.seq > ? AND st.site_id IS NOT NULL AND NOT (${UNCHANGED}) ORDER BY st.seq LIMIT ?`,
      )
      .all(afterSeq, limit);
    if (rows.length === 0) return [];
    const existing = new Map(
      this.db
        .prepare<[string], ApplianceRow>(`SELECT ${APPLIANCE_COLUMNS} FROM ${APPLIANCE_FROM} WHERE a.id IN (SELECT value FROM json_each(?))`)
        .all(JSON.stringify(rows.map((r) => r.existingId)))
        .map((row) => [row.id, toAppliance(row)]),
    );
    return rows.map((r) => ({
      seq: r.seq,
      line: r.line,
      path: r.path,
      siteId: r.site_id!,
      existing: existing.get(r.existingId)!,
      item: {
        serial: r.serial,
        hostname: r.hostname,
        site: r.site,
        model: r.model,
        ipv4: r.ipv4,
        ipv6: r.ipv6,
        sshPort: r.ssh_port,
        apiPort: r.api_port,
        storageTb: r.storage_tb,
        nicGbps: r.nic_gbps,
        firmware: r.firmware,
        tags: splitTags(r.tags),
        ...(r.status === null ? {} : { status: r.status }),
        ...(r.status_reason === null ? {} : { statusReason: r.status_reason }),
        ...(r.notes === null ? {} : { notes: r.notes }),
        ...(r.fingerprint_given ? { hostKeyFingerprint: r.fingerprint } : {}),
      },
    }));
  }

  /**
   * Inserts every new appliance (with its tags and an `appliance.create` audit entry each), in
   * file order. New appliances start awaiting-install unless the row says otherwise.
   */
  insertNew(at: string, actor: string, source: string): void {
    // A bulk load (at least as many new rows as stored ones): building the secondary indexes once
    // afterwards, from sorted keys, is cheaper than updating each of them row by row. The indexes
    // come back inside the same transaction; the UNIQUE serial index and every check stay in place.
    const { fresh, stored } = this.db
      .prepare<[], { fresh: number; stored: number }>(
        `SELECT (SELECT count(*) FROM ${this.t} WHERE appliance_id IS NULL) AS fresh, (SELECT count(*) FROM appliances) AS stored`,
      )
      .get()!;
    const rebuilt =
      fresh >= BULK_LOAD_ROWS && fresh >= stored
        ? this.db
            .prepare<[], { name: string; sql: string }>(
              `SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'appliances' AND sql IS NOT NULL`,
            )
            .all()
        : [];
    for (const index of rebuilt) this.db.exec(`DROP INDEX "${index.name}"`);
    // Likewise the trigram index: its postings for every new row in one statement after the insert
    // instead of the trigger's one statement per row (made from the trigger's own text).
    const trigram = rebuilt.length ? this.bulkTrigramInsert() : null;
    // New rows get ids above every stored one, so "id > maxIdBefore" is exactly the rows inserted here.
    const maxIdBefore = this.db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM appliances').get()!.id ?? 0;
    if (trigram) this.db.exec(`DROP TRIGGER "${FTS_INSERT_TRIGGER}"`);
    this.db
      .prepare(
        `INSERT INTO appliances (serial, hostname, site_id, model, ipv4, ipv6, ssh_port, api_port, storage_tb, nic_gbps,
           firmware, status, status_reason, status_changed_by, status_changed_at, host_key_fingerprint, tags, notes,
           created_at, updated_at)
         SELECT serial, hostname, site_id, model, ipv4, ipv6, ssh_port, api_port, storage_tb, nic_gbps, firmware,
           coalesce(status, 'awaiting-install'), status_reason, :actor, :at, fingerprint, tags, coalesce(notes, ''), :at, :at
           FROM ${this.t} WHERE appliance_id IS NULL ORDER BY seq`,
      )
      .run({ at, actor });
    if (trigram) {
      this.db.prepare(trigram.insert).run(maxIdBefore);
      this.db.exec(trigram.trigger);
    }
    for (const index of rebuilt) this.db.exec(index.sql);
    // Each new row's tags from its own stored list (a tag has no ';' and nothing JSON escapes, see
    // Tag in the contract, so the list becomes a JSON array by putting quotes around its parts).
    this.db
      .prepare(
        `INSERT INTO appliance_tags (tag, appliance_id)
           SELECT j.value, a.id FROM appliances a, json_each('["' || replace(a.tags, ';', '","') || '"]') j
            WHERE a.id > ? AND a.tags <> ''`,
      )
      .run(maxIdBefore);
    this.db
      .prepare(
        `INSERT INTO audit_log (at, actor, action, target, details)
         SELECT :at, :actor, 'appliance.create', 'appliance:' || serial,
                json_object('via', 'import', 'source', :source, 'site', site, 'status', coalesce(status, 'awaiting-install'))
           FROM ${this.t} WHERE appliance_id IS NULL ORDER BY seq`,
      )
      .run({ at, actor, source });
  }

  /**
   * The trigram index trigger's statement as one INSERT ... SELECT over the rows after a given id,
   * and the trigger's text to create it again; null when the trigger is not of the expected shape
   * (then it stays and works row by row).
   */
  private bulkTrigramInsert(): { insert: string; trigger: string } | null {
    const row = this.db
      .prepare<[string], { sql: string }>(`SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?`)
      .get(FTS_INSERT_TRIGGER);
    const m = row && /^CREATE TRIGGER \S+ AFTER INSERT ON appliances\s+BEGIN\s+(INSERT INTO appliances_fts\s*\([^)]*\))\s*VALUES\s*\(([^;]*)\);\s*END$/i.exec(row.sql);
    if (!row || !m) return null;
    return { insert: `${m[1]} SELECT ${m[2]} FROM appliances AS new WHERE new.id > ? ORDER BY new.id`, trigger: row.sql };
  }

  /** Serials of the new rows (after insertNew), up to `limit`. */
  newSerials(limit: number): string[] {
    return this.db
      .prepare<[number], { serial: string }>(`SELECT serial FROM ${this.t} WHERE appliance_id IS NULL ORDER BY seq LIMIT ?`)
      .all(limit)
      .map((r) => r.serial);
  }

  drop(): void {
    this.db.exec(`DROP TABLE IF EXISTS ${this.t}`);
  }
}

interface StageRow {
  seq: number;
  line: number;
  path: string | null;
  serial: string;
  hostname: string;
  site: string;
  model: ApplianceModel;
  ipv4: string | null;
  ipv6: string | null;
  ssh_port: number;
  api_port: number;
  storage_tb: number;
  nic_gbps: number;
  firmware: string;
  tags: string;
  status: LifecycleStatus | null;
  status_reason: string | null;
  notes: string | null;
  fingerprint_given: number;
  fingerprint: string | null;
  site_id: number | null;
  appliance_id: number | null;
}
