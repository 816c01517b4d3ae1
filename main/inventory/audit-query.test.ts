/** The audit log's filters through the contract: actor, action, appliance, time, and hiding the lab's set-up rows. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '../api/client';
import { rejectionOf, sampleAppliances, sampleSites } from '../../tests/support/inventory-fixtures';
import { tempEngine, type TempEngine } from '../../tests/support/temp-engine';

let t: TempEngine;
let client: ApiClient;
let serial: string;

beforeEach(async () => {
  t = tempEngine();
  await t.engine.inventory.importData({ format: 'csv', content: sampleSites() }, 'lab:simulator');
  await t.engine.inventory.importData({ format: 'csv', content: sampleAppliances() }, 'lab:simulator');
  client = t.engine.client({ actor: 'desktop:bob' });
  serial = (await client.api.inventory.listAppliances({ limit: 1 })).items[0]!.serial;
  await client.api.inventory.setStatus({ serial, status: 'drained', reason: 'fibre cut' });
});
afterEach(() => t.dispose());

describe('audit query filters', () => {
  it('filters by actor, hides actors, and filters by action', async () => {
    const bob = await client.api.inventory.audit({ actor: ['desktop:bob'] });
    expect(bob.map((e) => [e.actor, e.action, e.target])).toEqual([['desktop:bob', 'appliance.status', `appliance:${serial}`]]);
    const notLab = await client.api.inventory.audit({ excludeActor: ['lab:simulator'] });
    expect(notLab.map((e) => e.actor)).toEqual(['desktop:bob']);
    const all = await client.api.inventory.audit({ limit: 1000 });
    const creates = await client.api.inventory.audit({ action: ['site.create'], limit: 1000 });
    expect(creates.length).toBe(all.filter((e) => e.action === 'site.create').length);
    expect(creates.length).toBeGreaterThan(0);
    expect(new Set(creates.map((e) => e.action))).toEqual(new Set(['site.create']));
  });

  it('filters by appliance serial and by time, and pages within a filter', async () => {
    const mine = await client.api.inventory.audit({ appliance: serial });
    expect(mine.map((e) => e.action)).toEqual(['appliance.status', 'appliance.create']);
    const newest = mine[0]!;
    const later = new Date(Date.parse(newest.at) + 1).toISOString();
    expect(await client.api.inventory.audit({ appliance: serial, since: later })).toEqual([]);
    expect((await client.api.inventory.audit({ appliance: serial, since: newest.at })).map((e) => e.id)).toContain(newest.id);
    expect((await client.api.inventory.audit({ appliance: serial, until: later })).map((e) => e.id)).toEqual(mine.map((e) => e.id));
    expect(await client.api.inventory.audit({ appliance: serial, until: mine.at(-1)!.at })).toEqual([]);
    // An offset is read as the instant it names.
    const shifted = new Date(Date.parse(newest.at) + 2 * 3_600_000 + 1).toISOString().replace('Z', '+02:00');
    expect(await client.api.inventory.audit({ appliance: serial, since: shifted })).toEqual([]);
    const page = await client.api.inventory.audit({ appliance: serial, limit: 1, beforeId: newest.id });
    expect(page.map((e) => e.action)).toEqual(['appliance.create']);
  });

  it('refuses a time range that ends before it starts, and a time that is not one', async () => {
    const backwards = await rejectionOf(client.api.inventory.audit({ since: '2026-03-02T00:00:00Z', until: '2026-03-01T00:00:00Z' }));
    expect(backwards.code).toBe('E_VALIDATION');
    expect((await rejectionOf(client.api.inventory.audit({ since: 'yesterday' }))).code).toBe('E_VALIDATION');
  });
});
