/**
 * The snapshot domain's SQL. Every statement here runs on a snapshot file (the backup being
 * finished, or one being read), never on the live fleet database: the live one is only read by
 * SQLite's online backup (Db.backup).
 */
import Database from 'better-sqlite3';
import type { Db } from '../store/db';
import { schemaKey, schemaText, type SchemaObjects } from '../store/migrations';

export type Meta = Record<string, string>;

interface TableInfo {
  name: string;
  columns: string[];
  /** Foreign keys: this column → that table. */
  references: { column: string; table: string }[];
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/** Tables of the file (SQLite's own and FTS5 shadow tables left out: they follow their owners). */
export function tables(db: Db): TableInfo[] {
  const names = (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]
  ).filter((n, _i, all) => !all.some((owner) => owner !== n && n.startsWith(`${owner}_`) && isVirtual(db, owner)));
  return names.map((name) => ({
    name,
    columns: (db.pragma(`table_info(${quote(name)})`) as { name: string }[]).map((c) => c.name),
    references: (db.pragma(`foreign_key_list(${quote(name)})`) as { from: string; table: string }[]).map((f) => ({ column: f.from, table: f.table })),
  }));
}

function isVirtual(db: Db, name: string): boolean {
  const sql = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(name) as string | undefined;
  return /^CREATE VIRTUAL TABLE/i.test(sql ?? '');
}

export function dropTable(db: Db, name: string): void {
  db.exec(`DROP TABLE IF EXISTS ${quote(name)}`);
}

/**
 * Keep only these appliances and what belongs to them, in the snapshot being made:
 * rows that reference appliances (a foreign key, or a `serial` column), their sites and partners,
 * jobs with results for them, rows whose `target` names an appliance, site or partner not kept,
 * and routes through a scope not kept. Tables that name no appliance, site or partner are kept whole.
 * Triggers that forbid deleting (the audit log's) are lifted for this and put back.
 */
export function keepOnly(db: Db, serials: readonly string[]): void {
  const guards = db
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%BEFORE DELETE%'")
    .all() as { name: string; sql: string }[];
  db.transaction(() => {
    for (const g of guards) db.exec(`DROP TRIGGER ${quote(g.name)}`);
    db.exec('CREATE TEMP TABLE keep_serial (serial TEXT PRIMARY KEY) WITHOUT ROWID');
    const add = db.prepare('INSERT OR IGNORE INTO keep_serial (serial) VALUES (?)');
    for (const s of serials) add.run(s);
    const all = tables(db);
    const byName = new Map(all.map((t) => [t.name, t]));
    // 1. Rows that belong to appliances not kept.
    for (const t of all) {
      if (t.name === 'appliances') continue;
      for (const ref of t.references.filter((r) => r.table === 'appliances')) {
        db.exec(`DELETE FROM ${quote(t.name)} WHERE ${quote(ref.column)} NOT IN (SELECT a.id FROM appliances a JOIN keep_serial k ON k.serial = a.serial)`);
      }
      if (t.columns.includes('serial') && !t.references.some((r) => r.column === 'serial')) {
        db.exec(`DELETE FROM ${quote(t.name)} WHERE serial IS NOT NULL AND serial NOT IN (SELECT serial FROM keep_serial)`);
      }
    }
    db.exec('DELETE FROM appliances WHERE serial NOT IN (SELECT serial FROM keep_serial)');
    // 2. Jobs with no result left for a kept appliance (retries pointing at a dropped job lose the link).
    if (byName.has('jobs') && byName.has('job_results')) {
      db.exec('UPDATE jobs SET retry_of = NULL WHERE retry_of IS NOT NULL AND retry_of NOT IN (SELECT DISTINCT job_id FROM job_results)');
      db.exec('DELETE FROM jobs WHERE id NOT IN (SELECT DISTINCT job_id FROM job_results)');
    }
    // 3. Sites with no kept appliance, then partners with no kept site (and rows that reference them).
    for (const [parent, child, column] of [
      ['sites', 'appliances', 'site_id'],
      ['partners', 'sites', 'partner_id'],
    ] as const) {
      if (!byName.has(parent)) continue;
      const kept = `SELECT ${column} FROM ${child}`;
      for (const t of all) {
        if (t.name === child) continue;
        for (const ref of t.references.filter((r) => r.table === parent)) db.exec(`DELETE FROM ${quote(t.name)} WHERE ${quote(ref.column)} NOT IN (${kept})`);
      }
      db.exec(`DELETE FROM ${parent} WHERE id NOT IN (${kept})`);
    }
    // 4. Rows whose target names an appliance, site or partner that is not kept, and imports (they name many).
    for (const t of all) {
      if (!t.columns.includes('target')) continue;
      db.exec(
        `DELETE FROM ${quote(t.name)} WHERE target LIKE 'import:%'
           OR (target LIKE 'appliance:%' AND substr(target, 11) NOT IN (SELECT serial FROM keep_serial))
           OR (target LIKE 'site:%' AND substr(target, 6) NOT IN (SELECT code FROM sites))
           OR (target LIKE 'partner:%' AND substr(target, 9) NOT IN (SELECT name FROM partners))`,
      );
    }
    // 5. Routes for a site or an appliance not kept.
    if (byName.has('net_routes')) {
      db.exec(
        `DELETE FROM net_routes WHERE (scope = 'appliance' AND key NOT IN (SELECT serial FROM keep_serial))
           OR (scope = 'site' AND key NOT IN (SELECT code FROM sites))`,
      );
    }
    db.exec('DROP TABLE temp.keep_serial');
    for (const g of guards) db.exec(g.sql);
  })();
  const problems = db.pragma('foreign_key_check') as unknown[];
  if (problems.length) throw new Error(`the filtered snapshot breaks ${problems.length} foreign keys`);
}

export function writeMeta(db: Db, meta: Meta): void {
  db.exec('CREATE TABLE IF NOT EXISTS snapshot_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT');
  const put = db.prepare('INSERT INTO snapshot_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  db.transaction(() => {
    for (const [k, v] of Object.entries(meta)) put.run(k, v);
  })();
}

/**
 * The first table, index, view or trigger of a snapshot file that Fleetdeck's own schema at the
 * file's version does not have, or has with another definition; null when every one is Fleetdeck's.
 * A file from elsewhere may hold a view that never ends or a trigger that fires on the migrations of
 * its copy: it is refused before any of its tables is read. (Tables may be missing: secret-bearing
 * ones are left out. SQLite's own tables and the snapshot record are allowed.)
 */
export function foreignSchemaObject(db: Db, expected: SchemaObjects): string | null {
  const rows = db.prepare('SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL').all() as { type: string; name: string; sql: string }[];
  for (const r of rows) {
    if (r.type === 'table' && (r.name === 'snapshot_meta' || r.name.startsWith('sqlite_'))) continue;
    if (expected.get(schemaKey(r.type, r.name)) !== schemaText(r.sql)) return `${r.type} ${r.name}`;
  }
  return null;
}

/** The record in a snapshot file, or null when the file has none (not a snapshot). */
export function readMeta(db: Db): Meta | null {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'snapshot_meta'").get();
  if (!has) return null;
  return Object.fromEntries((db.prepare('SELECT key, value FROM snapshot_meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
}

export function counts(db: Db): { appliances: number; sites: number } {
  return {
    appliances: db.prepare('SELECT count(*) FROM appliances').pluck().get() as number,
    sites: db.prepare('SELECT count(*) FROM sites').pluck().get() as number,
  };
}

/**
 * One file, no WAL beside it; after deleting (a filter, a secret-bearing table) VACUUM rewrites it
 * so the free pages, and what the deleted rows left in them, are gone.
 */
export function finish(db: Db, deleted: boolean): void {
  db.pragma('journal_mode = DELETE');
  if (deleted) db.exec('VACUUM');
}

export function openFile(path: string, readonly: boolean): Db {
  const db = new Database(path, { readonly, fileMustExist: true });
  if (!readonly) db.pragma('foreign_keys = ON');
  return db;
}

export interface ApplianceRow {
  serial: string;
  hostname: string;
  site: string;
  partner: string;
  model: string;
  ipv4: string | null;
  ipv6: string | null;
  ssh_port: number;
  api_port: number;
  storage_tb: number;
  nic_gbps: number;
  firmware: string;
  status: string;
  status_reason: string | null;
  host_key_fingerprint: string | null;
  tags: string;
  notes: string;
}

/** Every appliance of a snapshot with its site and partner, by serial. */
export function appliancesOf(db: Db): ApplianceRow[] {
  return db
    .prepare(
      `SELECT a.serial, a.hostname, s.code AS site, p.name AS partner, a.model, a.ipv4, a.ipv6, a.ssh_port, a.api_port, a.storage_tb, a.nic_gbps,
              a.firmware, a.status, a.status_reason, a.host_key_fingerprint, a.tags, a.notes
       FROM appliances a JOIN sites s ON s.id = a.site_id JOIN partners p ON p.id = s.partner_id ORDER BY a.serial`,
    )
    .all() as ApplianceRow[];
}

export function siteCodesOf(db: Db): string[] {
  return db.prepare('SELECT code FROM sites ORDER BY code').pluck().all() as string[];
}

/** The stored health state per serial: its appliance components (JSON) and whether the last poll failed. */
export function healthOf(db: Db): Map<string, { measured: boolean; failed: boolean; components: string }> {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'health_latest'").get();
  if (!has) return new Map();
  const rows = db.prepare('SELECT serial, measured_at, error_code, components FROM health_latest').all() as {
    serial: string;
    measured_at: string | null;
    error_code: string | null;
    components: string;
  }[];
  return new Map(rows.map((r) => [r.serial, { measured: r.measured_at !== null, failed: r.error_code !== null, components: r.components }]));
}

/** SQLite refuses every write on this connection from now on (a snapshot's engine). */
export function refuseWrites(db: Db): void {
  db.pragma('query_only = ON');
}
