/**
 * Live health through the real engine against a real lab fleet over HTTP on 127.0.0.1: sweeps,
 * faults, thresholds, roll-ups, lifecycle versus measured health, persistence across a restart,
 * bounded history and sweeps that never overlap. The engine's clock and ticker are manual; the
 * lab runs on its own manual clock so reboots and drains pass when the test says.
 */
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine } from '../engine';
import { ApiError, type ApiClient } from '../api/client';
import type { EventName } from '../api/contract';
import { ManualClock } from '../kit/time';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import type { Vault } from '../vault/vault';
import { LabFleet } from '../lab/fleet';
import { STARTUP_MS } from '../lab/model/appliance';
import { ManualTicker } from './ticker';
import type { ApplianceHealth } from './contract';
import { UNREACHABLE_ERROR_AFTER } from './assess';
import { enrollLabFleet } from '../../tests/support/lab-inventory';

// planFleet(8, 3, 11): gru1 = LAB00001-3 (3 is flash), fra1 = LAB00004-6 (6 is flash), nrt1 = LAB00007-8.
const SERIALS = ['LAB00001', 'LAB00002', 'LAB00003', 'LAB00004', 'LAB00005', 'LAB00006', 'LAB00007', 'LAB00008'];

describe('health monitor against a lab fleet', () => {
  const root = mkdtempSync(join(tmpdir(), 'fleetdeck-health-'));
  const dataDir = join(root, 'data');
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 12));
  const labClock = new ManualClock(Date.UTC(2026, 2, 1, 12));
  let ticker = new ManualTicker();
  let vault: Vault;
  let engine: Engine;
  let client: ApiClient;
  let fleet: LabFleet;
  let events: Array<{ name: EventName; payload: unknown }> = [];

  const open = () => {
    engine = createEngine({ dataDir, host: 'test', vault, log: silentLogger, clock, checkOutputs: true, health: { ticker, runsMonitor: true } });
    engine.events.subscribe((name, payload) => {
      if (name.startsWith('health.')) events.push({ name, payload });
    });
    client = engine.client({ actor: 'test:engineer' });
  };
  const byserial = async () => new Map((await client.api.health.fleet({})).items.map((h) => [h.serial, h]));
  const component = (h: ApplianceHealth | undefined, name: string) => h?.components.find((c) => c.name === name);
  const setFaults = (faults: Record<string, Parameters<LabFleet['setFault']>[1]>, on: boolean) => {
    for (const [serial, fault] of Object.entries(faults)) fleet.setFault(serial, fault, on);
  };

  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    vault = await openNodeVault(dataDir);
    open();
    // Polling is on by default (a sweep of the empty inventory ran at open): these tests sweep by
    // hand, and the last one turns the interval on itself.
    await engine.health.whenIdle();
    await client.api.health.setMonitor({ enabled: false });
    fleet = await LabFleet.start({ dir: join(root, 'lab'), appliances: 8, sites: 3, seed: 11, speed: 1, authorizedKeys: '', clock: labClock });
    enrollLabFleet(engine.inventory, fleet, { tags: ['lab'] });
    // A deadline a healthy lab appliance on a loaded machine always meets; the stalled one (LAB00003) waits it out in every sweep.
    await client.api.health.setMonitor({ timeoutMs: 2000, concurrency: 8, historySize: 10 });
  });

  afterAll(async () => {
    engine?.close();
    await fleet?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('starts Unknown, and a sweep fills every appliance with its components and metrics', async () => {
    const before = await client.api.health.fleet({});
    expect(before.items.map((h) => h.status)).toEqual(SERIALS.map(() => 'Unknown'));
    expect(before.items.every((h) => h.measuredAt === null && h.ageSeconds === null && h.components.length === 0 && h.lastKnownStatus === null)).toBe(true);
    expect(before.totals.counts.measured).toBe(0);

    events = [];
    const report = await client.api.health.pollNow({});
    expect(report).toMatchObject({ polled: 8, reached: 8, failed: 0 });
    expect(events.map((e) => e.name)).toEqual(['health.updated', 'health.swept']);
    expect((events[0]!.payload as { serials: string[] }).serials.sort()).toEqual(SERIALS);

    const { items, totals } = await client.api.health.fleet({});
    expect(totals.counts).toMatchObject({ OK: 8, Error: 0, Warning: 0, unreachable: 0, measured: 8 });
    for (const h of items) {
      expect(h).toMatchObject({ status: 'OK', reachable: true, lifecycle: 'online', lastError: null, ageSeconds: 0, measuredAt: new Date(clock.now()).toISOString() });
      expect(h.components.filter((c) => c.source === 'appliance').map((c) => c.name)).toEqual(['disk', 'nic', 'bgp', 'firmware', 'serving', 'fill']);
      expect(h.components.filter((c) => c.source === 'threshold').map((c) => c.name)).toEqual(['disk-usage', 'error-rate', 'cache-hit']);
      const lab = fleet.appliance(h.serial)!.metrics();
      expect(h.metrics).toMatchObject({ diskUsedBytes: lab.disk.usedBytes, diskTotalBytes: lab.disk.totalBytes });
    }
    expect(totals.servingGbps).toBeGreaterThan(0);
    expect(await client.api.health.actionable({})).toEqual([]);
  });

  it('turns each fault into a defined outcome and keeps the last known state of the unreachable', async () => {
    const firstMeasured = (await byserial()).get('LAB00001')!.measuredAt;
    setFaults({ LAB00001: 'unreachable', LAB00002: 'disk-failure', LAB00003: 'stall', LAB00004: 'bgp-down', LAB00005: 'malformed' }, true);
    clock.advance(60_000);
    labClock.advance(60_000);
    const report = await client.api.health.pollNow({});
    expect(report).toMatchObject({ polled: 8, reached: 5, failed: 3 });
    const h = await byserial();

    const gone = h.get('LAB00001')!;
    expect(gone).toMatchObject({ reachable: false, lastError: { code: 'E_UNREACHABLE' }, measuredAt: firstMeasured, ageSeconds: 60, status: 'Warning' });
    // What the last measurement said, apart from what the failed polls add.
    expect(gone.lastKnownStatus).toBe('OK');
    expect(gone.components.filter((c) => c.source === 'appliance').map((c) => c.name)).toEqual(['disk', 'nic', 'bgp', 'firmware', 'serving', 'fill']);
    expect(gone.metrics).not.toBeNull();
    expect(component(gone, 'reachability')).toMatchObject({ status: 'Warning', source: 'reachability', message: expect.stringMatching(/1 poll .*1 min ago|1 poll .*60 s ago/) });

    expect(h.get('LAB00003')).toMatchObject({ reachable: false, lastError: { code: 'E_TIMEOUT' } });
    expect(h.get('LAB00005')).toMatchObject({ reachable: false, lastError: { code: 'E_BAD_REPLY' } });

    const disk = h.get('LAB00002')!;
    expect(disk).toMatchObject({ reachable: true, status: 'Error', lastKnownStatus: 'Error' });
    expect(component(disk, 'disk')).toMatchObject({ status: 'Error', source: 'appliance' });

    const bgp = h.get('LAB00004')!;
    expect(bgp).toMatchObject({ reachable: true, status: 'Error' });
    expect(component(bgp, 'bgp')).toMatchObject({ status: 'Error' });

    const items = await client.api.health.actionable({});
    const byId = new Map(items.map((i) => [i.id, i]));
    expect(byId.get('LAB00002/disk-failure')).toMatchObject({ severity: 'Error', site: 'gru1', suggestedFix: expect.stringMatching(/RMA.*drain/) });
    expect(byId.get('LAB00004/bgp-down')).toMatchObject({ severity: 'Error', suggestedFix: expect.stringMatching(/BGP session with the ISP router \(neighbor \S+, AS \d+\)/) });
    // One root cause, one item: no separate "not serving" for the BGP appliance.
    expect(byId.has('LAB00004/not-serving')).toBe(false);
    expect(byId.get('LAB00001/unreachable')).toMatchObject({ severity: 'Warning', suggestedFix: expect.stringMatching(/power and the management network at the site; last seen 60 s ago/) });
    expect(items[0]!.severity).toBe('Error');
    expect(items.map((i) => i.severity)).toEqual([...items.map((i) => i.severity)].sort((a, b) => (a === b ? 0 : a === 'Error' ? -1 : 1)));
  });

  it('makes an unreachable online appliance an Error after repeated failures, with a stable item', async () => {
    const firstItem = (await client.api.health.actionable({})).find((i) => i.id === 'LAB00001/unreachable')!;
    for (let i = 1; i < UNREACHABLE_ERROR_AFTER; i++) {
      clock.advance(60_000);
      await client.api.health.pollNow({ serials: ['LAB00001', 'LAB00003'] });
    }
    const gone = (await byserial()).get('LAB00001')!;
    expect(gone).toMatchObject({ status: 'Error', reachable: false, ageSeconds: 180 });
    const item = (await client.api.health.actionable({})).find((i) => i.id === 'LAB00001/unreachable')!;
    expect(item).toMatchObject({ severity: 'Error', since: firstItem.since, suggestedFix: expect.stringMatching(/last seen 3 min ago/) });
  });

  it('rolls status up worst-first per site and partner; only online and drained appliances colour it', async () => {
    const { totals, bySite, byPartner } = await client.api.health.fleet({});
    const site = new Map(bySite.map((s) => [s.site, s]));
    expect(site.get('gru1')).toMatchObject({ status: 'Error', partner: 'Vereda Fibra' });
    expect(site.get('fra1')!.status).toBe('Error');
    expect(site.get('nrt1')).toMatchObject({ status: 'OK', counts: { OK: 2, Warning: 0, Error: 0, Unknown: 0, unreachable: 0 } });
    expect(byPartner.find((p) => p.partner === 'Hikari Kaze Net')!.status).toBe('OK');
    expect(byPartner.find((p) => p.partner === 'Vereda Fibra')!.status).toBe('Error');
    expect(totals.status).toBe('Error');
    expect(totals.counts.OK + totals.counts.Warning + totals.counts.Error + totals.counts.Unknown).toBe(8);
    expect(totals.counts.unreachable).toBe(3);

    // An appliance an operator took offline may be unreachable without turning its site red.
    engine.inventory.setStatus('LAB00008', 'offline', 'power work at the ISP', 'test');
    fleet.setFault('LAB00008', 'unreachable', true);
    for (let i = 0; i < UNREACHABLE_ERROR_AFTER; i++) await client.api.health.pollNow({ serials: ['LAB00008'] });
    const after = (await client.api.health.fleet({ query: { site: ['nrt1'] } })).bySite[0]!;
    expect(after).toMatchObject({ site: 'nrt1', status: 'OK', counts: { OK: 1, Error: 1, unreachable: 1 } });
    expect((await client.api.health.actionable({ site: ['nrt1'] })).map((i) => i.id)).toEqual([]);
    fleet.setFault('LAB00008', 'unreachable', false);
    engine.inventory.setStatus('LAB00008', 'online', undefined, 'test');
    await client.api.health.pollNow({ serials: ['LAB00008'] });

    const onlyErrors = await client.api.health.fleet({ status: ['Error'] });
    expect(onlyErrors.items.every((h) => h.status === 'Error')).toBe(true);
    expect(onlyErrors.totals.counts.OK).toBeGreaterThan(0);
  });

  it('narrows, sorts and pages the fleet view for what a window shows', async () => {
    const full = await client.api.health.fleet({});
    expect(full).toMatchObject({ total: 8, offset: 0 });

    // Roll-ups only: the same numbers, no items.
    const rollupsOnly = await client.api.health.fleet({ includeItems: false });
    expect(rollupsOnly).toMatchObject({ items: [], total: 0, totals: full.totals, bySite: full.bySite, byPartner: full.byPartner });

    // The rows a table shows: only those serials (one no longer in the inventory is left out), and
    // roll-ups over them alone.
    const rows = await client.api.health.fleet({ serials: ['LAB00005', 'LAB00002', 'GONE0001'], includeRollups: false });
    expect(rows.items.map((h) => h.serial)).toEqual(['LAB00002', 'LAB00005']);
    expect(rows.items).toEqual(full.items.filter((h) => h.serial === 'LAB00002' || h.serial === 'LAB00005'));
    expect(rows).toMatchObject({ total: 2, bySite: [], byPartner: [] });
    expect(rows.totals.counts.OK + rows.totals.counts.Warning + rows.totals.counts.Error + rows.totals.counts.Unknown).toBe(2);

    // Worst first, in pages: Error before Warning before OK; unreachable first within a status.
    const rank = { Error: 0, Warning: 1, Unknown: 2, OK: 3 } as const;
    const worst = [...full.items].sort((a, b) => rank[a.status] - rank[b.status] || Number(a.reachable) - Number(b.reachable) || a.serial.localeCompare(b.serial));
    const page1 = await client.api.health.fleet({ sort: 'worst', limit: 3, includeRollups: false });
    const page2 = await client.api.health.fleet({ sort: 'worst', offset: 3, limit: 3, includeRollups: false });
    const page3 = await client.api.health.fleet({ sort: 'worst', offset: 6, limit: 3, includeRollups: false });
    expect([...page1.items, ...page2.items, ...page3.items].map((h) => h.serial)).toEqual(worst.map((h) => h.serial));
    expect([page1.total, page3.items.length, page3.offset]).toEqual([8, 2, 6]);
    expect(page1.items[0]!.status).toBe('Error');

    // A status filter pages within the matching items; the totals still cover the whole fleet.
    const errors = await client.api.health.fleet({ status: ['Error'], sort: 'worst', limit: 1 });
    expect(errors.total).toBe(full.items.filter((h) => h.status === 'Error').length);
    expect(errors.items).toHaveLength(1);
    expect(errors.totals).toEqual(full.totals);

    const tooMany = await client.api.health.fleet({ serials: Array.from({ length: 20_001 }, (_, i) => `S${i}`) }).catch((e: unknown) => e);
    expect((tooMany as ApiError).code).toBe('E_VALIDATION');
  });

  it('shows a drained healthy appliance and an online unreachable one differently', async () => {
    engine.inventory.setStatus('LAB00007', 'drained', 'disk swap next week', 'test');
    // The inventory says drained while the appliance still serves: that mismatch is an item.
    await client.api.health.pollNow({ serials: ['LAB00007'] });
    expect((await client.api.health.actionable({ site: ['nrt1'] })).map((i) => i.id)).toEqual(['LAB00007/lifecycle-mismatch']);

    fleet.appliance('LAB00007')!.drain();
    labClock.advance(6 * 60_000);
    await client.api.health.pollNow({ serials: ['LAB00007'] });
    const h = await byserial();
    const drained = h.get('LAB00007')!;
    const gone = h.get('LAB00001')!;
    expect(drained).toMatchObject({ lifecycle: 'drained', status: 'OK', reachable: true });
    expect(drained.metrics!.servingGbps).toBe(0);
    expect(gone).toMatchObject({ lifecycle: 'online', status: 'Error', reachable: false });
    const items = await client.api.health.actionable({});
    expect(items.filter((i) => i.serial === 'LAB00007')).toEqual([]);
    expect(items.find((i) => i.serial === 'LAB00001')!.severity).toBe('Error');
    fleet.appliance('LAB00007')!.undrain();
    engine.inventory.setStatus('LAB00007', 'online', undefined, 'test');
  });

  it('reports an image that fails its health checks, with a roll-back item', async () => {
    const lab = fleet.appliance('LAB00006')!;
    lab.setFault('bad-health-image', true);
    lab.activate('fleetdeck-26.9.0.img', { bytes: 100, sha256: 'a'.repeat(64), version: '26.9.0', valid: true, problems: [] });
    const { expectedDowntimeSeconds } = lab.reboot();
    await client.api.health.pollNow({ serials: ['LAB00006'] });
    expect((await byserial()).get('LAB00006')).toMatchObject({ reachable: false, lastError: { code: 'E_UNREACHABLE' } });
    labClock.advance(expectedDowntimeSeconds * 1000 + STARTUP_MS);
    await client.api.health.pollNow({ serials: ['LAB00006'] });
    const h = (await byserial()).get('LAB00006')!;
    expect(h).toMatchObject({ reachable: true, status: 'Error' });
    expect(component(h, 'firmware')).toMatchObject({ status: 'Error', message: expect.stringMatching(/26\.9\.0/) });
    const item = (await client.api.health.actionable({})).find((i) => i.id === 'LAB00006/firmware-unhealthy');
    expect(item).toMatchObject({ severity: 'Error', suggestedFix: expect.stringMatching(/Roll back to the previous image/) });
    lab.rollback();
    lab.setFault('bad-health-image', false);
    labClock.advance(lab.reboot().expectedDowntimeSeconds * 1000 + STARTUP_MS);
  });

  it('applies thresholds per model at once, and refuses inconsistent ones', async () => {
    const [flash] = await client.api.health.thresholds({});
    expect(flash).toMatchObject({ model: 'flash', diskWarnPct: 92 });
    events = [];
    await client.api.health.setThresholds({ ...flash!, diskWarnPct: 10, diskErrorPct: 20 });
    expect(events.map((e) => e.name)).toEqual(['health.updated']);
    // Audited like every other change: who, what, and each level from/to.
    const [entry] = await client.api.inventory.audit({ limit: 1 });
    expect(entry).toMatchObject({
      actor: 'test:engineer',
      action: 'health.thresholds',
      target: 'health:thresholds:flash',
      details: { model: 'flash', changes: { diskWarnPct: { from: 92, to: 10 }, diskErrorPct: { from: 98, to: 20 } } },
    });
    expect(Object.keys((entry!.details as { changes: object }).changes)).toEqual(['diskWarnPct', 'diskErrorPct']);
    // Saving the same values again changes nothing and records nothing.
    await client.api.health.setThresholds({ ...flash!, diskWarnPct: 10, diskErrorPct: 20 });
    expect((await client.api.inventory.audit({ limit: 1 }))[0]!.id).toBe(entry!.id);
    const h = await byserial();
    // LAB00003 and LAB00006 are flash; the storage appliances are untouched.
    expect(component(h.get('LAB00006'), 'disk-usage')).toMatchObject({ status: 'Error', source: 'threshold' });
    expect(component(h.get('LAB00007'), 'disk-usage')!.status).toBe('OK');
    expect((await client.api.health.actionable({})).some((i) => i.id === 'LAB00006/disk-full')).toBe(true);

    const refused = await client.api.health.setThresholds({ ...flash!, diskWarnPct: 90, diskErrorPct: 80 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).code).toBe('E_VALIDATION');
    expect((await client.api.health.thresholds({}))[0]).toMatchObject({ diskWarnPct: 10, diskErrorPct: 20 });
    expect((await client.api.inventory.audit({ limit: 1 }))[0]!.id).toBe(entry!.id);
    await client.api.health.setThresholds(flash!);
    expect(component((await byserial()).get('LAB00006'), 'disk-usage')!.status).toBe('OK');
  });

  it('keeps the last known state across an engine restart, with its age growing', async () => {
    const before = await byserial();
    engine.close();
    clock.advance(10 * 60_000);
    open();
    const after = await byserial();
    for (const serial of SERIALS) {
      const a = after.get(serial)!;
      const b = before.get(serial)!;
      expect(a.measuredAt).toBe(b.measuredAt);
      expect(a.ageSeconds).toBe(b.ageSeconds! + 600);
      expect(a.reachable).toBe(b.reachable);
      expect(a.components.filter((c) => c.source === 'appliance')).toEqual(b.components.filter((c) => c.source === 'appliance'));
    }
    expect(after.get('LAB00001')).toMatchObject({ reachable: false, status: 'Error' });
    // Ten minutes without a measurement is older than staleAfterSec (300): the healthy ones turn Unknown.
    expect(after.get('LAB00008')).toMatchObject({ status: 'Unknown', reachable: true });
    expect(component(after.get('LAB00008'), 'freshness')).toMatchObject({ status: 'Unknown', message: expect.stringMatching(/10 min ago/) });
    expect((await client.api.health.actionable({})).some((i) => i.id === 'LAB00008/stale')).toBe(true);
    // The history restarts from SQLite: the one-minute points measured before the restart, then the last known sample.
    const { history, health } = await client.api.health.appliance({ serial: 'LAB00008' });
    expect(history.length).toBeGreaterThan(1);
    expect(history.map((s) => s.at)).toEqual([...history.map((s) => s.at)].sort());
    expect(history.at(-1)!.at).toBe(health.measuredAt);
  });

  it('keeps a bounded history, oldest first', async () => {
    for (let i = 0; i < 12; i++) {
      clock.advance(10_000);
      await client.api.health.pollNow({ serials: ['LAB00008'] });
    }
    const { history, health } = await client.api.health.appliance({ serial: 'LAB00008' });
    expect(history).toHaveLength(10);
    expect(history.map((s) => s.at)).toEqual([...history.map((s) => s.at)].sort());
    expect(history.at(-1)!.at).toBe(health.measuredAt);
    await client.api.health.setMonitor({ historySize: 20 });
    // The ring keeps its 10 samples; a larger size is filled before them with older one-minute points from SQLite.
    const wider = (await client.api.health.appliance({ serial: 'LAB00008' })).history;
    expect(wider.slice(-10)).toEqual(history);
    expect(wider.length).toBeGreaterThan(10);
    expect(wider.length).toBeLessThanOrEqual(20);
    expect(wider.map((s) => s.at)).toEqual([...wider.map((s) => s.at)].sort());
    expect((await client.api.inventory.audit({ limit: 1 }))[0]).toMatchObject({
      actor: 'test:engineer',
      action: 'health.monitor',
      target: 'health:monitor',
      details: { changes: { historySize: { from: 10, to: 20 } } },
    });
    const missing = await client.api.health.appliance({ serial: 'NOPE1' }).catch((e: unknown) => e);
    expect((missing as ApiError).code).toBe('E_NOT_FOUND');
    const unknown = await client.api.health.pollNow({ serials: ['NOPE1'] }).catch((e: unknown) => e);
    expect((unknown as ApiError).code).toBe('E_NOT_FOUND');
  });

  it('writes a change and its audit entry together, or neither', () => {
    const before = engine.deps.audit.list({ limit: 1 })[0]!.id;
    const probe = engine.deps.settings.setting('health', 'probe', z.object({ written: z.boolean() }), { written: false });
    // An entry that cannot be written (a BigInt has no JSON form) takes the change down with it.
    expect(() =>
      engine.deps.audit.record({ actor: 'test', action: 'health.monitor', target: 'health:monitor', details: { bad: 1n } }, () =>
        probe.set({ written: true }),
      ),
    ).toThrow();
    expect(probe.get()).toEqual({ written: false });
    // A change that fails leaves no entry.
    expect(() =>
      engine.deps.audit.record({ actor: 'test', action: 'health.monitor', target: 'health:monitor', details: {} }, () => {
        throw new Error('refused');
      }),
    ).toThrow('refused');
    expect(engine.deps.audit.list({ limit: 1 })[0]!.id).toBe(before);
  });

  it('shows what another process on the same data directory polled', async () => {
    const other = createEngine({ dataDir, host: 'cli', vault, log: silentLogger, clock });
    try {
      clock.advance(5_000);
      await other.client().api.health.pollNow({ serials: ['LAB00007'] });
    } finally {
      other.close();
    }
    expect((await byserial()).get('LAB00007')).toMatchObject({ lastPollAt: new Date(clock.now()).toISOString(), ageSeconds: 0 });
  });

  it('sees an inventory change another process made (the remembered selection is dropped)', async () => {
    expect((await byserial()).get('LAB00007')!.lifecycle).toBe('online');
    const other = createEngine({ dataDir, host: 'cli', vault, log: silentLogger, clock });
    try {
      other.inventory.setStatus('LAB00007', 'drained', 'cable work', 'cli:other');
    } finally {
      other.close();
    }
    expect((await byserial()).get('LAB00007')!.lifecycle).toBe('drained');
    engine.inventory.setStatus('LAB00007', 'online', undefined, 'test');
    expect((await byserial()).get('LAB00007')!.lifecycle).toBe('online');
  });

  it('polls on the interval when enabled, skips a tick while a sweep runs, and resumes after a restart', async () => {
    // LAB00003 still stalls: each sweep waits for its 2 s deadline.
    expect(engine.health.status().polling).toBe(false);
    const base = engine.health.status().sweeps;
    events = [];
    await client.api.health.setMonitor({ enabled: true, intervalSec: 10 });
    expect(ticker.intervals()).toEqual([10_000]);
    expect(engine.health.status()).toMatchObject({ polling: true, sweeping: true, skippedTicks: 0 });
    ticker.tick();
    ticker.tick();
    expect(engine.health.status().skippedTicks).toBe(2);
    await engine.health.whenIdle();
    expect(engine.health.status()).toMatchObject({ sweeps: base + 1, sweeping: false });
    ticker.tick();
    await engine.health.whenIdle();
    expect(engine.health.status().sweeps).toBe(base + 2);
    expect(events.filter((e) => e.name === 'health.swept')).toHaveLength(2);

    engine.close();
    expect(ticker.intervals()).toEqual([]);
    ticker = new ManualTicker();
    open();
    expect(ticker.intervals()).toEqual([10_000]);
    await engine.health.whenIdle();
    expect(engine.health.status()).toMatchObject({ polling: true, sweeps: 1 });
    await client.api.health.setMonitor({ enabled: false });
    expect(ticker.intervals()).toEqual([]);
    expect((await client.api.health.monitor({})).selection).toEqual({});
  });

  it('stops cleanly when the engine closes mid-sweep', async () => {
    const sweep = client.api.health.pollNow({}).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const before = (await byserial()).get('LAB00008')!.lastPollAt;
    engine.close();
    await sweep;
    open();
    expect((await byserial()).get('LAB00008')!.lastPollAt).toBe(before);
    setFaults({ LAB00001: 'unreachable', LAB00002: 'disk-failure', LAB00003: 'stall', LAB00004: 'bgp-down', LAB00005: 'malformed' }, false);
  });
});
