/**
 * Snapshots end to end in the engine: export by online backup (whole, and filtered to a site),
 * no secret in the file, the record of when/where/who, opened read-only with every write refused,
 * ages relative to the snapshot's time, and two snapshots compared.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contract } from '../api/contract';
import { ApiError } from '../api/client';
import type { MethodSpec } from '../kit/contract';
import { openSnapshotEngine, type SnapshotEngine } from '../host/snapshot-engine';
import { tempEngine, type TempEngine } from '../../tests/support/temp-engine';
import { tempDir } from '../../tests/support/temp-dir';
import { sampleAppliances, sampleSites } from '../../tests/support/inventory-fixtures';
import type { HealthRecord } from '../health/assess';

const PASSPHRASE = 'planted-passphrase-7f3c1e9b2a';
const MIN = 60_000;

let t: TempEngine;
let out: string;
let opened: SnapshotEngine[] = [];

async function seed(): Promise<void> {
  const api = t.engine.client({ actor: 'test:alice' }).api;
  await api.inventory.importData({ format: 'csv', kind: 'sites', content: sampleSites() });
  await api.inventory.importData({ format: 'csv', kind: 'appliances', content: sampleAppliances() });
  // Secrets in the vault: the fleet key (private half) and a passphrase.
  await api.net.generateFleetKey({ comment: 'fleet' });
  await t.engine.deps.vault.set('fleet-ssh-key-passphrase', Buffer.from(PASSPHRASE));
  // Measured health and an hour of history for every appliance.
  const now = t.clock.now();
  const { items } = await api.inventory.listAppliances({ limit: 100 });
  const records: HealthRecord[] = items.map((a, i) => ({
    serial: a.serial,
    measuredAt: new Date(now).toISOString(),
    lastPollAt: new Date(now).toISOString(),
    lastError: null,
    failures: 0,
    components: [{ name: 'disk', status: i === 0 ? 'Warning' : 'OK', message: 'ok' }],
    metrics: null,
    since: {},
  }));
  t.engine.health.repo.saveRecords(records);
  for (let m = 0; m < 60; m++) {
    t.engine.health.metrics.record(
      items.map((a) => ({
        serial: a.serial,
        sample: { at: new Date(now - (60 - m) * MIN).toISOString(), servingGbps: m, connections: 10, cacheHitRatio: 0.9, diskUsedBytes: 1, diskTotalBytes: 2, fillProgress: null, fillRateGbps: 0, errorsPerSecond: 0 },
      })),
    );
  }
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

beforeEach(async () => {
  t = tempEngine();
  out = tempDir('fleetdeck-snapshots-');
  await seed();
});
afterEach(() => {
  for (const o of opened) o.dispose();
  opened = [];
  t.dispose();
  rmSync(out, { recursive: true, force: true });
});

function open(file: string): SnapshotEngine {
  const o = openSnapshotEngine(file, 'test');
  opened.push(o);
  return o;
}

describe('snapshot export', () => {
  it('writes the whole fleet with its record, and no secret', async () => {
    const api = t.engine.client({ actor: 'test:alice' }).api;
    const file = join(out, 'fleet.fdsnap');
    const r = await api.snapshots.export({ out: file });
    expect(r.info).toMatchObject({ takenBy: 'test:alice', hostName: hostname(), dataDir: t.dir, appliances: 12, sites: 6, where: null, takenAt: new Date(t.clock.now()).toISOString() });
    expect(r.bytes).toBeGreaterThan(0);
    expect(await api.snapshots.inspect({ file })).toEqual(r.info);
    // No secret: neither the private key nor the passphrase appears anywhere in the file.
    const bytes = readFileSync(file);
    const privateKey = (await t.engine.deps.vault.get('fleet-ssh-key'))!.toString();
    const body = privateKey.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    expect(body.length).toBeGreaterThan(40);
    for (const needle of [PASSPHRASE, body.slice(0, 40), 'PRIVATE KEY']) expect(bytes.includes(Buffer.from(needle)), needle).toBe(false);
    // One file, not a WAL database: SQLite opens it alone.
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(db.prepare('SELECT count(*) FROM health_history').pluck().get()).toBe(12);
    db.close();
    // The export is audited in the live fleet.
    expect((await api.inventory.audit({ limit: 1 }))[0]).toMatchObject({ action: 'snapshot.export', actor: 'test:alice' });
    // An existing file is not overwritten unless asked.
    const again = await api.snapshots.export({ out: file }).catch((e: unknown) => e);
    expect((again as ApiError).code).toBe('E_CONFLICT');
  });

  it('with a filter keeps only those appliances and what belongs to them', async () => {
    const api = t.engine.client().api;
    const all = (await api.inventory.listAppliances({ limit: 100 })).items;
    const kept = all.filter((a) => a.site === 'GRU01').map((a) => a.serial).sort();
    expect(kept.length).toBeGreaterThan(0);
    const file = join(out, 'gru01.fdsnap');
    const r = await api.snapshots.export({ out: file, where: { site: ['GRU01'] }, whereText: 'site=GRU01' });
    expect(r.info).toMatchObject({ appliances: kept.length, sites: 1, where: 'site=GRU01' });
    const db = new Database(file, { readonly: true });
    const serials = (sql: string) => (db.prepare(sql).pluck().all() as string[]).sort();
    expect(serials('SELECT serial FROM appliances')).toEqual(kept);
    expect(serials('SELECT DISTINCT serial FROM health_latest')).toEqual(kept);
    expect(serials('SELECT DISTINCT serial FROM health_history')).toEqual(kept);
    expect(serials('SELECT code FROM sites')).toEqual(['GRU01']);
    expect(db.prepare('SELECT count(*) FROM partners').pluck().get()).toBe(1);
    const targets = serials("SELECT target FROM audit_log WHERE target LIKE 'appliance:%' OR target LIKE 'site:%'");
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) expect(target === 'site:GRU01' || kept.includes(target.slice('appliance:'.length)), target).toBe(true);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
    const none = await api.snapshots.export({ out: join(out, 'none.fdsnap'), where: { site: ['NOPE1'] } }).catch((e: unknown) => e);
    expect((none as ApiError).code).toBe('E_NOT_FOUND');
  });

  it('a file that is not a snapshot is refused with a sentence', async () => {
    const api = t.engine.client().api;
    const notOne = join(out, 'not.sqlite');
    new Database(notOne).exec('CREATE TABLE x (a)');
    const err = (await api.snapshots.inspect({ file: notOne }).catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe('E_VALIDATION');
    expect(err.message).toMatch(/is not a Fleetdeck snapshot/);
  });
});

describe('a snapshot opened read-only', () => {
  it('reads like a live fleet, at the snapshot time, and refuses every write with E_READ_ONLY', async () => {
    const file = join(out, 'fleet.fdsnap');
    await t.engine.client({ actor: 'test:alice' }).api.snapshots.export({ out: file });
    const before = sha(file);
    const takenAt = t.clock.now();
    t.clock.advance(3 * 3_600_000);
    const { engine, info } = open(file);
    const api = engine.client({ actor: 'test:bob' }).api;
    expect(await api.snapshots.current({})).toMatchObject({ file, takenBy: 'test:alice', appliances: 12 });
    expect((await api.inventory.listAppliances({ limit: 100 })).total).toBe(12);
    const health = await api.health.fleet({});
    expect(health.items).toHaveLength(12);
    // Ages as they were when the snapshot was taken: measured just then.
    for (const h of health.items) expect(h.ageSeconds).toBe(0);
    expect(health.totals).toMatchObject({ status: 'Warning', counts: { Warning: 1 } });
    const serial = health.items[0]!.serial;
    const chart = await api.health.history({ serial, range: '24h' });
    expect(chart.to).toBe(new Date(takenAt).toISOString());
    expect(chart.points).toHaveLength(60);
    expect((await api.health.appliance({ serial })).history.length).toBeGreaterThan(0);
    expect(await api.net.fleetKey({})).toBeNull();
    // Every writing method of the whole contract, through the real engine: refused with the sentence.
    const writing = Object.entries(contract).flatMap(([d, ms]) =>
      Object.entries(ms as Record<string, MethodSpec>)
        .filter(([, s]) => s.writes)
        .map(([m]) => `${d}.${m}`),
    );
    expect(writing).toContain('inventory.setStatus');
    expect(writing).toContain('snapshots.export');
    for (const name of writing) {
      const r = await engine.dispatcher.dispatch(name, {}, { actor: 'test:bob', host: 'test' });
      expect(r, name).toMatchObject({ ok: false, error: { code: 'E_READ_ONLY' } });
      if (!r.ok) expect(r.error.message).toContain(`read-only snapshot (taken by test:alice on ${info.hostName} at ${info.takenAt})`);
    }
    const refused = (await api.inventory.setStatus({ serial, status: 'drained', reason: 'x' }).catch((e: unknown) => e)) as ApiError;
    expect(refused.code).toBe('E_READ_ONLY');
    // Nothing changed: not the file, not the snapshot's inventory.
    expect((await api.inventory.getAppliance({ serial })).appliance.status).not.toBe('drained');
    expect((await api.health.monitorStatus({})).polling).toBe(false);
    expect(sha(file)).toBe(before);
    // The live fleet is not read-only.
    expect((await t.engine.client().api.snapshots.current({}))).toBeNull();
  });
});

describe('snapshot diff', () => {
  it('names appliances added, removed and changed, health and firmware between two snapshots', async () => {
    const api = t.engine.client().api;
    const a = join(out, 'a.fdsnap');
    const b = join(out, 'b.fdsnap');
    await api.snapshots.export({ out: a });
    const items = (await api.inventory.listAppliances({ limit: 100 })).items;
    const [first, second, third] = items;
    await api.inventory.updateAppliance({ serial: first!.serial, patch: { firmware: '2027.1.0' } });
    await api.inventory.deleteAppliance({ serial: second!.serial, reason: 'returned' });
    await api.inventory.createAppliance({
      serial: 'NEW0001',
      hostname: 'new0001.example.net',
      site: third!.site,
      model: third!.model,
      ipv4: '192.0.2.99',
      storageTb: third!.storageTb,
      nicGbps: third!.nicGbps,
      firmware: third!.firmware,
    });
    t.engine.health.repo.saveRecords([{ serial: third!.serial, measuredAt: new Date(t.clock.now()).toISOString(), lastPollAt: null, lastError: null, failures: 0, components: [{ name: 'disk', status: 'Error', message: 'bad' }], metrics: null, since: {} }]);
    t.clock.advance(MIN);
    await api.snapshots.export({ out: b });
    const d = await api.snapshots.diff({ a, b });
    expect(d.inventory.added.map((x) => x.serial)).toEqual(['NEW0001']);
    expect(d.inventory.removed.map((x) => x.serial)).toEqual([second!.serial]);
    expect(d.inventory.changed).toEqual([{ serial: first!.serial, site: first!.site, changes: { firmware: { from: first!.firmware, to: '2027.1.0' } } }]);
    expect(d.firmware.changed).toEqual([{ serial: first!.serial, site: first!.site, from: first!.firmware, to: '2027.1.0' }]);
    expect(d.firmware.versionsB['2027.1.0']).toBe(1);
    expect(d.health).toEqual([{ serial: third!.serial, site: third!.site, from: expect.any(String), to: 'Error' }]);
  });
});
