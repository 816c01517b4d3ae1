import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '../api/client';
import { rejectionOf, sampleAppliances, sampleSites } from '../../tests/support/inventory-fixtures';
import { tempEngine, type TempEngine } from '../../tests/support/temp-engine';
import { until } from '../../tests/support/wait';
import type { InventoryService } from './service';

let t: TempEngine;
let inv: InventoryService;
let client: ApiClient;
const ACTOR = 'test:alice';

beforeEach(async () => {
  t = tempEngine();
  inv = t.engine.inventory;
  client = t.engine.client({ actor: 'desktop:bob' });
  await inv.importData({ format: 'csv', content: sampleSites() }, ACTOR);
  await inv.importData({ format: 'csv', content: sampleAppliances() }, ACTOR);
});
afterEach(() => t.dispose());

const newAppliance = {
  serial: 'OCA26S00001',
  hostname: 'oca09.gru01.riofibra.net.br',
  site: 'GRU01',
  model: 'storage' as const,
  ipv4: '192.0.2.99',
  storageTb: 360,
  nicGbps: 100,
  tags: ['rack:A9', 'new', 'new'],
};

describe('lifecycle status', () => {
  it('needs a reason to drain, take offline or RMA, and records it with the actor and time', async () => {
    for (const status of ['drained', 'offline', 'rma'] as const) {
      const r = await rejectionOf(client.api.inventory.setStatus({ serial: 'OCA24S00101', status }));
      expect(r.code).toBe('E_VALIDATION');
      expect(r.message).toMatch(new RegExp(`^Moving OCA24S00101 from online to ${status} needs a reason`));
      expect((await rejectionOf(client.api.inventory.setStatus({ serial: 'OCA24S00101', status, reason: '   ' }))).code).toBe('E_VALIDATION');
    }
    expect(inv.getAppliance('OCA24S00101').appliance.status).toBe('online');

    t.clock.advance(3_600_000);
    const drained = await client.api.inventory.setStatus({ serial: 'OCA24S00101', status: 'drained', reason: 'BGP session move, ticket 4411' });
    expect(drained).toMatchObject({
      status: 'drained',
      statusReason: 'BGP session move, ticket 4411',
      statusChangedBy: 'desktop:bob',
      statusChangedAt: '2026-01-01T01:00:00.000Z',
    });
    expect(inv.getAppliance('OCA24S00101').audit[0]).toMatchObject({
      action: 'appliance.status',
      actor: 'desktop:bob',
      at: '2026-01-01T01:00:00.000Z',
      details: { from: 'online', to: 'drained', reason: 'BGP session move, ticket 4411' },
    });
    // back online needs no reason
    expect(await client.api.inventory.setStatus({ serial: 'OCA24S00101', status: 'online' })).toMatchObject({ status: 'online', statusReason: null });
  });

  it('writes nothing when the status does not change', async () => {
    const before = t.engine.deps.audit.list({ limit: 1000 }).length;
    await client.api.inventory.setStatus({ serial: 'OCA24S00102', status: 'online' });
    expect(t.engine.deps.audit.list({ limit: 1000 })).toHaveLength(before);
  });

  it('says which appliance does not exist', async () => {
    const r = await rejectionOf(client.api.inventory.setStatus({ serial: 'NOPE', status: 'online' }));
    expect(r).toMatchObject({ code: 'E_NOT_FOUND', message: 'There is no appliance with serial NOPE.' });
  });
});

describe('the audit log is written in the same transaction as the change', () => {
  /** Makes every audit insert fail, as a full disk or a bug would. */
  const breakAudit = () =>
    t.engine.db.exec(`CREATE TEMP TRIGGER audit_breaks BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit write failed'); END`);

  it('a status change whose audit entry fails is not made', async () => {
    breakAudit();
    const r = await rejectionOf(client.api.inventory.setStatus({ serial: 'OCA24S00101', status: 'rma', reason: 'dead PSU' }));
    expect(r.code).toBe('E_INTERNAL');
    expect(inv.getAppliance('OCA24S00101').appliance).toMatchObject({ status: 'online', statusReason: null });
  });

  it('an import whose audit entries fail imports nothing', async () => {
    breakAudit();
    await expect(inv.importData({ format: 'csv', content: sampleAppliances().replaceAll('2026.1.2', '2026.2.0') }, ACTOR)).rejects.toThrow(
      /audit write failed/,
    );
    expect(inv.listAppliances({ firmware: ['2026.2.0'], sort: 'serial', dir: 'asc', offset: 0, limit: 10 }).total).toBe(0);
  });

  it('creates, edits and deletes fail whole too', async () => {
    breakAudit();
    expect((await rejectionOf(client.api.inventory.createAppliance(newAppliance))).code).toBe('E_INTERNAL');
    expect((await rejectionOf(client.api.inventory.updateAppliance({ serial: 'OCA24S00101', patch: { firmware: 'x' } }))).code).toBe('E_INTERNAL');
    expect((await rejectionOf(client.api.inventory.deleteAppliance({ serial: 'OCA24S00101', reason: 'gone' }))).code).toBe('E_INTERNAL');
    expect(inv.getAppliance('OCA24S00101').appliance.firmware).toBe('2026.1.2');
    expect((await rejectionOf(client.api.inventory.getAppliance({ serial: newAppliance.serial }))).code).toBe('E_NOT_FOUND');
  });
});

describe('single changes', () => {
  it('creates an appliance with defaults, sorted tags and an audit entry', async () => {
    const created = await client.api.inventory.createAppliance(newAppliance);
    expect(created).toMatchObject({ sshPort: 22, apiPort: 443, status: 'awaiting-install', ipv6: null, tags: ['new', 'rack:A9'], partner: 'Rio Fibra Telecom' });
    expect(inv.getAppliance(newAppliance.serial).audit).toMatchObject([{ action: 'appliance.create', actor: 'desktop:bob' }]);
    expect(await rejectionOf(client.api.inventory.createAppliance(newAppliance))).toMatchObject({
      code: 'E_CONFLICT',
      message: 'An appliance with serial OCA26S00001 already exists.',
    });
    expect(await rejectionOf(client.api.inventory.createAppliance({ ...newAppliance, serial: 'X2', site: 'NOPE1' }))).toMatchObject({
      code: 'E_VALIDATION',
      message: 'Site NOPE1 does not exist; add the site first.',
    });
    expect((await rejectionOf(client.api.inventory.createAppliance({ ...newAppliance, serial: 'X3', ipv4: null }))).code).toBe('E_VALIDATION');
  });

  it('edits record exactly the fields that changed', async () => {
    const updated = await client.api.inventory.updateAppliance({
      serial: 'OCA24S00101',
      patch: { site: 'GIG01', firmware: '2026.2.0', tags: ['rack:A1', 'canary'], notes: 'moved' },
    });
    expect(updated).toMatchObject({ site: 'GIG01', firmware: '2026.2.0', notes: 'moved' });
    expect(inv.getAppliance('OCA24S00101').audit[0]!.details).toEqual({
      changes: {
        site: { from: 'GRU01', to: 'GIG01' },
        firmware: { from: '2026.1.2', to: '2026.2.0' },
        notes: { from: '', to: 'moved' },
      },
    });
    const before = t.engine.deps.audit.list({ limit: 1000 }).length;
    await client.api.inventory.updateAppliance({ serial: 'OCA24S00101', patch: { firmware: '2026.2.0' } });
    expect(t.engine.deps.audit.list({ limit: 1000 })).toHaveLength(before);
    expect(
      await rejectionOf(client.api.inventory.updateAppliance({ serial: 'OCA24S00201', patch: { ipv4: null } })),
    ).toMatchObject({ code: 'E_VALIDATION', message: 'An appliance needs a management IPv4 or IPv6 address.' });
  });

  it('deletes with a reason and keeps what was deleted in the audit log', async () => {
    expect(await client.api.inventory.deleteAppliance({ serial: 'OCA24S00602', reason: 'returned to vendor' })).toEqual({ deleted: true });
    expect(await client.api.inventory.deleteAppliance({ serial: 'OCA24S00602', reason: 'again' })).toEqual({ deleted: false });
    const [entry] = await client.api.inventory.audit({ target: 'appliance:OCA24S00602', limit: 1 });
    expect(entry).toMatchObject({
      action: 'appliance.delete',
      details: { reason: 'returned to vendor', appliance: { serial: 'OCA24S00602', status: 'rma', tags: ['rack:D4', 'returned'] } },
    });
    expect((await rejectionOf(client.api.inventory.deleteAppliance({ serial: 'OCA24S00601', reason: '' }))).code).toBe('E_VALIDATION');
  });

  it('adds and edits sites, creating the partner, and refuses unknown time zones and bad windows', async () => {
    const site = {
      code: 'POA01',
      partner: 'Pampa Net',
      asn: 64520,
      name: 'Porto Alegre',
      city: 'Porto Alegre',
      country: 'BR',
      latitude: -30.03,
      longitude: -51.23,
      timezone: 'America/Sao_Paulo',
      maintenanceWindow: '22:00-02:00',
      fillWindow: '02:00-14:00',
    };
    expect(await client.api.inventory.upsertSite(site)).toMatchObject({ code: 'POA01', partner: 'Pampa Net', asn: 64520 });
    expect(await client.api.inventory.upsertSite({ ...site, fillWindow: '04:00-16:00' })).toMatchObject({ fillWindow: '04:00-16:00' });
    expect((await client.api.inventory.audit({ target: 'site:POA01', limit: 10 })).map((e) => e.action)).toEqual(['site.update', 'site.create']);
    const tz = await rejectionOf(client.api.inventory.upsertSite({ ...site, timezone: 'America/Porto_Alegre' }));
    expect(tz.code).toBe('E_VALIDATION');
    expect(tz.message).toMatch(/timezone: not a known IANA time zone/);
    expect((await rejectionOf(client.api.inventory.upsertSite({ ...site, maintenanceWindow: '25:00-02:00' }))).message).toMatch(
      /maintenance window: a window is HH:MM-HH:MM/,
    );
  });

  it('emits inventory.changed after the change is committed', async () => {
    const seen: { name: string; payload: unknown; inTransaction: boolean }[] = [];
    t.engine.events.subscribe((name, payload) => seen.push({ name, payload, inTransaction: t.engine.db.inTransaction }));
    const windowSaw: unknown[] = [];
    client.on('inventory.changed', (payload) => windowSaw.push(payload));
    await client.api.inventory.setStatus({ serial: 'OCA24S00101', status: 'offline', reason: 'power work' });
    await inv.importData({ format: 'csv', content: sampleSites().replace('Munich Riem', 'Munich Riem 2') }, ACTOR);
    expect(seen).toEqual([
      { name: 'inventory.changed', payload: { kind: 'appliance', keys: ['OCA24S00101'] }, inTransaction: false },
      { name: 'inventory.changed', payload: { kind: 'import', keys: ['site:MUC01'] }, inTransaction: false },
    ]);
    await until(() => windowSaw.length >= seen.length, 'the window to see both events');
    expect(windowSaw).toEqual(seen.map((e) => e.payload));
  });
});

describe('overview, sites and facets', () => {
  it('counts appliances by status and capacity per site, partner and fleet', async () => {
    const overview = await client.api.inventory.overview({});
    expect(overview.totals).toEqual({
      partners: 4,
      sites: 6,
      appliances: 12,
      capacityTb: 2792,
      counts: { 'awaiting-install': 1, provisioning: 1, online: 7, drained: 1, offline: 1, rma: 1 },
    });
    const rio = overview.partners.find((p) => p.name === 'Rio Fibra Telecom')!;
    expect(rio).toMatchObject({ asn: 64512, appliances: 5, capacityTb: 1056 });
    expect(rio.sites.map((s) => [s.code, s.appliances, s.counts.online, s.counts.drained])).toEqual([
      ['GIG01', 2, 1, 1],
      ['GRU01', 3, 3, 0],
    ]);
    const { site, audit } = await client.api.inventory.getSite({ code: 'DFW01' });
    expect(site).toMatchObject({ appliances: 2, capacityTb: 720, counts: { online: 1, rma: 1, drained: 0 } });
    expect(audit.map((e) => e.action)).toEqual(['site.create']);
    expect((await rejectionOf(client.api.inventory.getSite({ code: 'NOPE1' }))).code).toBe('E_NOT_FOUND');
    expect(await client.api.inventory.listSites({})).toHaveLength(6);
  });

  it('lists the values the filter pickers offer', async () => {
    const facets = await client.api.inventory.facets({});
    expect(facets.firmware).toEqual(['2025.12.4', '2026.1.0', '2026.1.1', '2026.1.2']);
    expect(facets.tags).toEqual(['canary', 'rack:A1', 'rack:A2', 'rack:B1', 'rack:D4', 'rack:K7', 'rack:M3', 'rack:R12', 'returned']);
    expect(facets.sites[0]).toEqual({ code: 'BOM01', name: 'Mumbai Vikhroli', partner: 'Konkan Broadband' });
  });

  it('pages the audit log newest first', async () => {
    const first = await client.api.inventory.audit({ limit: 5 });
    expect(first).toHaveLength(5);
    const next = await client.api.inventory.audit({ limit: 5, beforeId: first[4]!.id });
    expect(next[0]!.id).toBeLessThan(first[4]!.id);
    expect(first[0]!.action).toBe('inventory.import');
  });
});
