/**
 * The inventory store against a real engine (real SQLite in a temp dir, the real dispatcher), through
 * the same typed client the window uses: paging as the table scrolls, a newer query beating an older
 * one, live refresh on `inventory.changed`, and the engine's refusals reaching the forms intact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../../../main/api/client';
import { ImportProblems } from '../../../../main/inventory/contract';
import { EMPTY_QUERY } from '../../route';
import { asApiError, useEngine } from '../../stores/engine';
import { followInventoryChanges, PAGE_SIZE, rowAt, useInventory } from './store';
import { useUi } from '../../stores/ui';
import { until } from '../../../../tests/support/wait';
import { twoSiteAppliancesCsv, TWO_SITES_CSV, windowTestEngine, type WindowTestEngine } from '../../../../tests/support/window-engine';

const APPLIANCE_COUNT = 1234;
const STATUSES = ['online', 'online', 'online', 'provisioning', 'drained', 'awaiting-install'];

let temp: WindowTestEngine;
let other: ApiClient;

beforeAll(async () => {
  temp = await windowTestEngine();
  // Another window (or the CLI) changing the inventory while this one looks at it.
  other = temp.engine.client({ actor: 'cli:other' });
  await other.api.inventory.importData({ format: 'csv', kind: 'sites', content: TWO_SITES_CSV });
  const appliances = twoSiteAppliancesCsv(
    APPLIANCE_COUNT,
    (i) => `storage,10.1.${i >> 8}.${i & 255},,22,443,360,100,2026.1.${i % 3},${STATUSES[i % STATUSES.length]!},rack:R${i % 10}`,
  );
  await other.api.inventory.importData({ format: 'csv', kind: 'appliances', content: appliances });
  useEngine.getState().attach(temp.engine.client({ actor: 'test:window' }));
});

afterAll(() => {
  useEngine.getState().markLost('test finished');
  temp?.dispose();
});

describe('appliance table paging', () => {
  it('fetches the first page, then only the pages scrolled into view', async () => {
    const store = useInventory.getState();
    store.setListQuery(EMPTY_QUERY);
    const first = await until(() => useInventory.getState().list.pages[0], 'the first page');
    expect(first).toHaveLength(PAGE_SIZE);
    expect(useInventory.getState().list.total).toBe(APPLIANCE_COUNT);
    expect(rowAt(useInventory.getState().list, 610)).toBeUndefined();

    store.ensureRows(600, 620);
    const row = await until(() => rowAt(useInventory.getState().list, 610), 'row 610');
    const expected = await other.api.inventory.listAppliances({ offset: 610, limit: 1 });
    expect(row.serial).toBe(expected.items[0]!.serial);
    expect(Object.keys(useInventory.getState().list.pages).sort()).toEqual(['0', '1']);

    store.ensureRows(1200, 1233);
    expect(rowAt(useInventory.getState().list, 1000)).toBeUndefined();
    const last = await until(() => rowAt(useInventory.getState().list, APPLIANCE_COUNT - 1), 'the last row');
    expect(last.serial).toBe(`OCA${String(APPLIANCE_COUNT - 1).padStart(5, '0')}`);
  });

  it('shows the rows of the newest query even when an older one answers later', async () => {
    // Hold the older query's reply until the newer one has landed, so it really arrives last.
    const real = useEngine.getState().client!;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let olderAnswered: Promise<unknown> | null = null;
    const inventory = new Proxy(real.api.inventory, {
      get(target, method, receiver) {
        const value: unknown = Reflect.get(target, method, receiver);
        if (method !== 'listAppliances') return value;
        return (q: Parameters<typeof target.listAppliances>[0]) => {
          const reply = target.listAppliances(q);
          if (!q.status?.includes('online')) return reply;
          olderAnswered = reply.then(async (r) => (await gate, r));
          return olderAnswered;
        };
      },
    });
    const api = new Proxy(real.api, { get: (target, key, receiver) => (key === 'inventory' ? inventory : Reflect.get(target, key, receiver)) });
    useEngine.setState({ client: Object.create(real, { api: { value: api } }) as typeof real });
    try {
      const store = useInventory.getState();
      store.setListQuery({ ...EMPTY_QUERY, status: ['online'] });
      store.setListQuery({ ...EMPTY_QUERY, status: ['drained'], sort: 'hostname', dir: 'desc' });
      const drained = await other.api.inventory.listAppliances({ status: ['drained'], limit: 1 });
      await until(() => useInventory.getState().list.total === drained.total, 'the newer query to land');
      expect(olderAnswered).not.toBeNull();
      release();
      await olderAnswered;
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      release();
      useEngine.setState({ client: real });
    }
    const { list } = useInventory.getState();
    const drained = await other.api.inventory.listAppliances({ status: ['drained'], limit: 1 });
    expect(list.total).toBe(drained.total);
    expect(list.pages[0]!.every((a) => a.status === 'drained')).toBe(true);
    const hostnames = list.pages[0]!.map((a) => a.hostname);
    expect(hostnames).toEqual([...hostnames].sort().reverse());
  });
});

describe('live refresh', () => {
  it('refetches the visible rows and the counts when another window changes an appliance', async () => {
    useUi.setState({ route: { name: 'appliances', query: EMPTY_QUERY } });
    const stop = followInventoryChanges();
    try {
      const store = useInventory.getState();
      store.setListQuery(EMPTY_QUERY);
      store.ensureRows(0, 30);
      const target = await until(() => rowAt(useInventory.getState().list, 3), 'row 3');
      await store.loadOverview();
      const rmaBefore = useInventory.getState().overview!.totals.counts.rma;

      await other.api.inventory.setStatus({ serial: target.serial, status: 'rma', reason: 'PSU failed, case 7781' });

      const updated = await until(
        () => (rowAt(useInventory.getState().list, 3)?.status === 'rma' ? rowAt(useInventory.getState().list, 3) : null),
        'the row to show rma',
      );
      expect(updated.statusReason).toBe('PSU failed, case 7781');
      expect(updated.statusChangedBy).toBe('cli:other');
      await until(() => useInventory.getState().overview!.totals.counts.rma === rmaBefore + 1, 'the rma count');
    } finally {
      stop();
    }
  });
});

describe('edits and the engine’s answers', () => {
  it('updates the open appliance and its audit trail', async () => {
    const serial = 'OCA00010';
    const store = useInventory.getState();
    await store.loadAppliance(serial);
    const auditBefore = useInventory.getState().appliance!.data!.audit.length;
    await store.updateAppliance(serial, { hostname: 'oca00010b.gru01.example.net', tags: ['rack:R0', 'canary'] });
    expect(useInventory.getState().appliance!.data!.appliance.hostname).toBe('oca00010b.gru01.example.net');
    await until(() => useInventory.getState().appliance!.data!.audit.length > auditBefore, 'a new audit entry');
    expect(useInventory.getState().appliance!.data!.audit[0]!.action).toMatch(/update/);
  });

  it('passes the engine’s refusal of a status change without reason to the form', async () => {
    const err = await useInventory
      .getState()
      .setStatus('OCA00011', 'drained', '  ')
      .then(() => null, asApiError);
    expect(err?.code).toBe('E_VALIDATION');
    expect(err?.message).toMatch(/reason/i);
    const after = await other.api.inventory.getAppliance({ serial: 'OCA00011' });
    expect(after.appliance.status).not.toBe('drained');
  });

  it('gets every bad row of a rejected import, and nothing changes', async () => {
    const bad = [
      'serial,hostname,site,model,ipv4,ipv6,ssh_port,api_port,storage_tb,nic_gbps,firmware,status,tags',
      'NEW00001,new1.gru01.example.net,GRU01,storage,10.9.0.1,,22,443,360,100,1,online,',
      'NEW00002,new2.gru01.example.net,NOPE1,storage,10.9.0.2,,22,443,360,100,1,online,',
      'NEW00003,new3.gru01.example.net,GRU01,storage,10.9.0.300,,22,443,lots,100,1,online,',
    ].join('\n');
    const err = await useInventory
      .getState()
      .importData({ format: 'csv', kind: 'appliances', content: bad, dryRun: true })
      .then(() => null, asApiError);
    expect(err?.code).toBe('E_IMPORT');
    const problems = ImportProblems.parse(err?.details);
    expect(problems.errors.map((e) => e.line)).toEqual(expect.arrayContaining([3, 4]));
    expect(problems.errors.find((e) => e.line === 4 && e.field === 'ipv4')).toBeTruthy();
    const count = await other.api.inventory.listAppliances({ text: 'NEW0000', limit: 1 });
    expect(count.total).toBe(0);
  });
});

describe('audit log', () => {
  it('pages newest first without gaps or repeats', async () => {
    const store = useInventory.getState();
    await store.loadAudit();
    expect(useInventory.getState().audit.entries).toHaveLength(100);
    expect(useInventory.getState().audit.done).toBe(false);
    await store.loadMoreAudit();
    const ids = useInventory.getState().audit.entries.map((e) => e.id);
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
    expect(ids.every((id, i) => i === 0 || id < ids[i - 1]!)).toBe(true);
  });
});
