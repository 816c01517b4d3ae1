import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../tests/support/temp-dir';
import { migrate, openDatabase, schemaVersion, type Db } from './db';
import { MIGRATIONS } from '../migrations';
import { gatherMigrations } from './migrations';
import { InventoryRepo } from '../inventory/repo';
import { ApplianceQuery } from '../inventory/contract';

let dir: string;
beforeEach(() => {
  dir = tempDir('fleetdeck-migrations-');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Every table, index and trigger with its SQL: what "the same schema" means. */
function schemaOf(db: Db): string[] {
  return (
    db.prepare(`SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`).all() as {
      type: string;
      name: string;
      sql: string | null;
    }[]
  ).map((r) => `${r.type} ${r.name}: ${(r.sql ?? '').replace(/\s+/g, ' ')}`);
}

describe('migrations', () => {
  it('are numbered 1, 2, 3, ... without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('are gathered from the domains in order, and two domains cannot claim one number', () => {
    const m = (version: number, name: string) => ({ version, name, sql: '' });
    expect(gatherMigrations([m(2, 'net')], [m(1, 'inventory'), m(3, 'health')]).map((x) => x.name)).toEqual(['inventory', 'net', 'health']);
    expect(() => gatherMigrations([m(1, 'inventory'), m(2, 'jobs')], [m(2, 'rollouts')])).toThrow(/Migration 2 is claimed twice: jobs \/ rollouts/);
    expect(() => gatherMigrations([m(1, 'inventory'), m(3, 'health')])).toThrow(/skip from 1 to 3/);
  });

  it('build the latest schema from an empty file', () => {
    const db = openDatabase(join(dir, 'fresh.sqlite'), MIGRATIONS);
    expect(schemaVersion(db)).toBe(latest);
    expect(schemaOf(db).some((s) => s.startsWith('table appliances'))).toBe(true);
    db.close();
  });

  // Stays meaningful as versions are added: every earlier version upgrades to the same schema.
  it.each(MIGRATIONS.map((_, k) => k))('upgrade a database written at version %i to the latest schema', (k) => {
    const fresh = openDatabase(join(dir, 'fresh.sqlite'), MIGRATIONS);
    const expected = schemaOf(fresh);
    fresh.close();

    const path = join(dir, `from-${k}.sqlite`);
    const old = openDatabase(path, MIGRATIONS.slice(0, k));
    expect(schemaVersion(old)).toBe(k);
    old.close();

    const upgraded = openDatabase(path, MIGRATIONS);
    expect(schemaVersion(upgraded)).toBe(latest);
    expect(schemaOf(upgraded)).toEqual(expected);
    expect(upgraded.pragma('foreign_key_check')).toEqual([]);
    expect(upgraded.pragma('integrity_check', { simple: true })).toBe('ok');
    upgraded.close();
  });

  it('keep data written at an earlier version', () => {
    const path = join(dir, 'data.sqlite');
    const v1 = openDatabase(path, MIGRATIONS.slice(0, 1));
    v1.prepare(`INSERT INTO partners (name, asn, created_at, updated_at) VALUES ('Rio Fibra', 64512, 'x', 'x')`).run();
    v1.close();
    const now = openDatabase(path, MIGRATIONS);
    expect(now.prepare(`SELECT name, asn FROM partners`).all()).toEqual([{ name: 'Rio Fibra', asn: 64512 }]);
    now.close();
  });

  it('refuse a database written by a newer Fleetdeck, leaving it untouched', () => {
    const path = join(dir, 'newer.sqlite');
    const db = openDatabase(path, MIGRATIONS);
    db.pragma(`user_version = ${latest + 1}`);
    db.close();
    expect(() => openDatabase(path, MIGRATIONS)).toThrow(/newer Fleetdeck/);
    const again = new Database(path, { readonly: true });
    expect(schemaVersion(again)).toBe(latest + 1);
    again.close();
  });

  it('roll a failing migration back whole', () => {
    const path = join(dir, 'broken.sqlite');
    const broken = [...MIGRATIONS, { version: latest + 1, name: 'broken', sql: 'CREATE TABLE half (x); SELECT * FROM nowhere;' }];
    const db = openDatabase(path, MIGRATIONS);
    expect(() => migrate(db, broken)).toThrow(/no such table: nowhere/);
    expect(schemaVersion(db)).toBe(latest);
    expect(db.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE name = 'half'`).get()).toEqual({ n: 0 });
    db.close();
  });
});

describe('version 1: the audit log is append-only', () => {
  it('rejects UPDATE and DELETE of audit entries', () => {
    const db = openDatabase(join(dir, 'audit.sqlite'), MIGRATIONS);
    db.prepare(`INSERT INTO audit_log (at, actor, action, target, details) VALUES ('t', 'a', 'x', 'y', '{}')`).run();
    expect(() => db.prepare(`UPDATE audit_log SET actor = 'someone else'`).run()).toThrow(/append-only/);
    expect(() => db.prepare(`DELETE FROM audit_log`).run()).toThrow(/append-only/);
    expect(() => db.prepare(`INSERT INTO audit_log (at, actor, action, target, details) VALUES ('t', 'a', 'x', 'y', 'not json')`).run()).toThrow(
      /CHECK constraint/,
    );
    expect(db.prepare(`SELECT actor FROM audit_log`).all()).toEqual([{ actor: 'a' }]);
    db.close();
  });

  it('enforces appliance constraints the service relies on', () => {
    const db = openDatabase(join(dir, 'rules.sqlite'), MIGRATIONS);
    db.exec(`INSERT INTO partners (name, asn, created_at, updated_at) VALUES ('P', 1, 't', 't');
      INSERT INTO sites (code, partner_id, name, city, country, latitude, longitude, timezone, maintenance_window,
        fill_window, created_at, updated_at) VALUES ('S1', 1, 'n', 'c', 'BR', 0, 0, 'UTC', '01:00-02:00', '02:00-14:00', 't', 't');`);
    const insert = (serial: string, site: number, ipv4: string | null, status = 'online') =>
      db
        .prepare(
          `INSERT INTO appliances (serial, hostname, site_id, model, ipv4, ipv6, ssh_port, api_port, storage_tb, nic_gbps,
            firmware, status, notes, created_at, updated_at) VALUES (?, 'h', ?, 'storage', ?, NULL, 22, 443, 1, 1, '', ?, '', 't', 't')`,
        )
        .run(serial, site, ipv4, status);
    insert('A1', 1, '192.0.2.1');
    expect(() => insert('A1', 1, '192.0.2.2')).toThrow(/UNIQUE/);
    expect(() => insert('A2', 99, '192.0.2.2')).toThrow(/FOREIGN KEY/);
    expect(() => insert('A3', 1, null)).toThrow(/CHECK/);
    expect(() => insert('A4', 1, '192.0.2.4', 'lost')).toThrow(/CHECK/);
    db.close();
  });
});

/**
 * A database file migrated up to just before `version`, holding partner 1, site GRU1 and appliance 7
 * (OCA-OLD-1 at 10.9.8.7, with the hostname and IPv6 address given): what that migration must carry over.
 */
function seededBefore(version: number, appliance: { hostname: string; ipv6: string | null }): string {
  const path = join(dir, `before-${version}.sqlite`);
  const db = openDatabase(path, MIGRATIONS.slice(0, version - 1));
  db.exec(`
    INSERT INTO partners (id, name, asn, created_at, updated_at) VALUES (1, 'Rio Fibra', 64512, 'x', 'x');
    INSERT INTO sites (id, code, partner_id, name, city, country, latitude, longitude, timezone, maintenance_window,
      fill_window, created_at, updated_at) VALUES (1, 'GRU1', 1, 'n', 'c', 'BR', 0, 0, 'UTC', '01:00-02:00', '02:00-03:00', 'x', 'x');`);
  db.prepare(
    `INSERT INTO appliances (id, serial, hostname, site_id, model, ipv4, ipv6, ssh_port, api_port, storage_tb, nic_gbps, firmware,
      status, notes, created_at, updated_at)
      VALUES (7, 'OCA-OLD-1', ?, 1, 'storage', '10.9.8.7', ?, 22, 443, 240, 100, '2026.1.0', 'online', '', 'x', 'x')`,
  ).run(appliance.hostname, appliance.ipv6);
  db.close();
  return path;
}

describe('version 6: free text through the trigram index', () => {
  it('indexes the appliances stored before it, and follows changes after it', () => {
    const path = seededBefore(6, { hostname: 'old1.gru1.example.net', ipv6: null });
    const db = openDatabase(path, MIGRATIONS);
    const match = (phrase: string) =>
      (db.prepare(`SELECT rowid AS id FROM appliances_fts WHERE appliances_fts MATCH ?`).all(`"${phrase}"`) as { id: number }[]).map((r) => r.id);
    expect(match('old1.gru1')).toEqual([7]);
    expect(match('10.9.8')).toEqual([7]);
    db.prepare(`UPDATE appliances SET hostname = 'renamed.gru1.example.net' WHERE id = 7`).run();
    expect(match('old1.gru1')).toEqual([]);
    expect(match('renamed')).toEqual([7]);
    db.prepare(`DELETE FROM appliances WHERE id = 7`).run();
    expect(match('renamed')).toEqual([]);
    db.close();
  });
});

describe('version 19: one trigram column per searched field', () => {
  it('reindexes the appliances stored before it by field, and follows inserts, changes and deletes after it', () => {
    const path = seededBefore(19, { hostname: 'Old1.GRU1.example.net', ipv6: '2001:DB8::7' });
    const db = openDatabase(path, MIGRATIONS.slice(0, 19));
    const match = (query: string) =>
      (db.prepare(`SELECT rowid AS id FROM appliances_fts WHERE appliances_fts MATCH ?`).all(query) as { id: number }[]).map((r) => r.id);
    // Each field, lower-cased, in a column of its own.
    expect(match('serial : "oca-old"')).toEqual([7]);
    expect(match('hostname : "old1.gru1"')).toEqual([7]);
    expect(match('ipv4 : "10.9.8"')).toEqual([7]);
    expect(match('ipv6 : "2001:db8"')).toEqual([7]);
    expect(match('firmware : "2026.1"')).toEqual([7]);
    expect(match('"old1.gru1"')).toEqual([7]);
    // Text across two fields is no longer indexed (a search term has no spaces, so it never matched one).
    expect(match('"net 10"')).toEqual([]);
    db.prepare(`UPDATE appliances SET hostname = 'renamed.gru1.example.net' WHERE id = 7`).run();
    expect(match('"old1.gru1"')).toEqual([]);
    expect(match('hostname : "renamed"')).toEqual([7]);
    db.exec(`INSERT INTO appliances (id, serial, hostname, site_id, model, ipv4, ssh_port, api_port, storage_tb, nic_gbps, firmware,
        status, notes, created_at, updated_at)
        VALUES (8, 'OCA-NEW-2', 'new2.gru1.example.net', 1, 'flash', '10.9.8.8', 22, 443, 24, 400, '2026.2.0', 'online', '', 'x', 'x')`);
    expect(match('"10.9.8"')).toEqual([7, 8]);
    db.prepare(`DELETE FROM appliances WHERE id = 7`).run();
    expect(match('"10.9.8"')).toEqual([8]);
    expect(db.prepare(`SELECT v FROM appliances_fts_config WHERE k = 'hashsize'`).get()).toEqual({ v: 16777216 });
    db.close();
  });
});

describe('version 21: no stored haystack column', () => {
  it('drops the column and keeps the trigram index following every searched field', () => {
    const path = join(dir, 'fts21.sqlite');
    const v20 = openDatabase(path, MIGRATIONS.slice(0, 20));
    v20.exec(`
      INSERT INTO partners (id, name, asn, created_at, updated_at) VALUES (1, 'Rio Fibra', 64512, 'x', 'x');
      INSERT INTO sites (id, code, partner_id, name, city, country, latitude, longitude, timezone, maintenance_window,
        fill_window, created_at, updated_at) VALUES (1, 'GRU1', 1, 'n', 'c', 'BR', 0, 0, 'UTC', '01:00-02:00', '02:00-03:00', 'x', 'x');
      INSERT INTO appliances (id, serial, hostname, site_id, model, ipv4, ipv6, ssh_port, api_port, storage_tb, nic_gbps, firmware,
        status, notes, created_at, updated_at)
        VALUES (7, 'OCA-OLD-1', 'Old1.GRU1.example.net', 1, 'storage', '10.9.8.7', NULL, 22, 443, 240, 100, '2026.1.0', 'online', '', 'x', 'x');`);
    v20.close();
    const db = openDatabase(path, MIGRATIONS.slice(0, 21));
    const columns = (db.prepare(`SELECT name FROM pragma_table_info('appliances')`).all() as { name: string }[]).map((c) => c.name);
    expect(columns).not.toContain('search');
    expect(columns).toContain('firmware');
    const match = (query: string) =>
      (db.prepare(`SELECT rowid AS id FROM appliances_fts WHERE appliances_fts MATCH ?`).all(query) as { id: number }[]).map((r) => r.id);
    expect(match('hostname : "old1.gru1"')).toEqual([7]);
    const change = (column: string, value: string) => db.prepare(`UPDATE appliances SET ${column} = ? WHERE id = 7`).run(value);
    for (const [column, value, query] of [
      ['serial', 'OCA-NEW-1', 'serial : "oca-new"'],
      ['hostname', 'renamed.gru1.example.net', 'hostname : "renamed"'],
      ['ipv4', '10.1.2.3', 'ipv4 : "10.1.2"'],
      ['ipv6', '2001:DB8::9', 'ipv6 : "2001:db8"'],
      ['firmware', '2026.9.9', 'firmware : "2026.9"'],
    ] as const) {
      change(column, value);
      expect(match(query), column).toEqual([7]);
    }
    expect(match('"old1.gru1"')).toEqual([]);
    expect(match('"10.9.8"')).toEqual([]);
    // A change to a field that is not searched leaves the index as it was.
    change('status', 'drained');
    expect(match('hostname : "renamed"')).toEqual([7]);
    db.close();
  });
});

describe('version 22: firmware out of the trigram index', () => {
  it('reindexes without firmware, follows the other fields, and free text still finds firmware through the versions', () => {
    const path = seededBefore(22, { hostname: 'Old1.GRU1.example.net', ipv6: null });
    const db = openDatabase(path, MIGRATIONS.slice(0, 22));
    const match = (query: string) =>
      (db.prepare(`SELECT rowid AS id FROM appliances_fts WHERE appliances_fts MATCH ?`).all(query) as { id: number }[]).map((r) => r.id);
    expect(match('serial : "oca-old"')).toEqual([7]);
    expect(match('hostname : "old1.gru1"')).toEqual([7]);
    expect(() => match('firmware : "2026.1"')).toThrow(/no such column/);
    expect(match('"2026.1"')).toEqual([]);
    // Inserts and changes of the indexed fields are followed; a firmware change does not touch the index.
    db.exec(`INSERT INTO appliances (id, serial, hostname, site_id, model, ipv4, ssh_port, api_port, storage_tb, nic_gbps, firmware,
        status, notes, created_at, updated_at)
        VALUES (8, 'OCA-NEW-2', 'new2.gru1.example.net', 1, 'flash', '10.9.8.8', 22, 443, 24, 400, '2026.2.0', 'online', '', 'x', 'x')`);
    expect(match('"10.9.8"')).toEqual([7, 8]);
    db.prepare(`UPDATE appliances SET ipv4 = '10.1.2.3' WHERE id = 8`).run();
    expect(match('ipv4 : "10.1.2"')).toEqual([8]);
    db.prepare(`UPDATE appliances SET firmware = '2027.5.0' WHERE id = 7`).run();
    expect(match('hostname : "old1.gru1"')).toEqual([7]);
    const repo = new InventoryRepo(db);
    const found = (text: string) =>
      repo.queryAppliances(ApplianceQuery.parse({ text }) as Parameters<typeof repo.queryAppliances>[0]).items.map((a) => a.serial);
    expect(found('2027.5')).toEqual(['OCA-OLD-1']);
    expect(found('2026.2.0 new2')).toEqual(['OCA-NEW-2']);
    expect(found('2026')).toEqual(['OCA-NEW-2']);
    expect(found('oca 2027')).toEqual(['OCA-OLD-1']);
    db.close();
  });
});
