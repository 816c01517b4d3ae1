/**
 * The health store against a real engine (real SQLite in a temp dir, the real dispatcher and health
 * service, real sockets): 1,200 appliances whose API port refuses connections, so every sweep is
 * real and fast. Roll-ups load for the screen shown, sweeps refresh them through the engine's events
 * at most about once a second however fast they come, and the engine's refusals reach the caller.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../../../main/api/client';
import { EMPTY_QUERY } from '../../route';
import { asApiError, useEngine } from '../../stores/engine';
import { followHealth, LIST_PAGE_SIZE, REFRESH_MIN_MS, useHealth } from './store';
import { useUi } from '../../stores/ui';
import { until } from '../../../../tests/support/wait';
import { twoSiteAppliancesCsv, TWO_SITES_CSV, windowTestEngine, type WindowTestEngine } from '../../../../tests/support/window-engine';

const APPLIANCE_COUNT = 1200;
/** Nothing listens on the discard port here: each poll is refused at once. */
const CLOSED_PORT = 9;

let temp: WindowTestEngine;
let other: ApiClient;
/** health.fleet calls made by the window's store, with what each asked and how many items came back. */
let fleetCalls = 0;
const fleetLog: Array<{ input: Record<string, unknown>; items: number }> = [];
let stopFollowing: () => void = () => undefined;

beforeAll(async () => {
  temp = await windowTestEngine();
  other = temp.engine.client({ actor: 'cli:other' });
  await other.api.inventory.importData({ format: 'csv', kind: 'sites', content: TWO_SITES_CSV });
  const appliances = twoSiteAppliancesCsv(APPLIANCE_COUNT, (i) => `${i % 3 ? 'storage' : 'flash'},127.0.0.1,,22,${CLOSED_PORT},360,100,2026.1.0,online,`);
  await other.api.inventory.importData({ format: 'csv', kind: 'appliances', content: appliances });
  await other.api.health.setMonitor({ timeoutMs: 10_000, concurrency: 200 }); // refused at once: the deadline only guards a loaded machine

  // The window's own client, counting its health.fleet calls on the way through.
  const real = temp.engine.client({ actor: 'test:window' });
  const health = new Proxy(real.api.health, {
    get(target, name, receiver) {
      if (name === 'fleet') {
        return async (input: Parameters<typeof target.fleet>[0]) => {
          fleetCalls++;
          const reply = await target.fleet(input);
          fleetLog.push({ input: { ...input }, items: reply.items.length });
          return reply;
        };
      }
      return Reflect.get(target, name, receiver) as unknown;
    },
  });
  const api = new Proxy(real.api, {
    get: (target, domain, receiver) => (domain === 'health' ? health : (Reflect.get(target, domain, receiver) as unknown)),
  });
  useEngine.getState().attach({ ...real, api });
  useUi.setState({ route: { name: 'overview' } });
  stopFollowing = followHealth();
}, 60_000);

afterAll(() => {
  stopFollowing();
  useEngine.getState().markLost('test finished');
  temp?.dispose();
});

describe('health store', () => {
  it('loads roll-ups only for the overview: counts, not 1,200 appliances', async () => {
    const fleet = await until(() => useHealth.getState().fleet, 'the fleet roll-ups');
    expect(fleet.data.totals.counts).toMatchObject({ Unknown: APPLIANCE_COUNT, measured: 0 });
    expect(fleet.data.bySite.map((s) => s.site).sort()).toEqual(['FRA01', 'GRU01']);
    expect(fleet.data.items).toEqual([]);
    expect(fleetLog.every((c) => c.input['includeItems'] === false && c.items === 0)).toBe(true);
    await until(() => useHealth.getState().actionable, 'the actionable items');
  });

  it('fetches health for the table rows in view only, and keeps it to them', async () => {
    useUi.setState({ route: { name: 'appliances', query: EMPTY_QUERY } });
    const shown = ['OCA00005', 'OCA00006', 'OCA00007'];
    useHealth.getState().showRows(shown);
    const rows = await until(() => (useHealth.getState().rows.answered['OCA00007'] ? useHealth.getState().rows : null), 'the rows in view');
    expect(Object.keys(rows.bySerial).sort()).toEqual(shown);
    expect(rows.bySerial['OCA00007']?.data.lastPollAt).toBeNull();
    expect(fleetLog.at(-1)).toEqual({ input: { serials: shown, includeRollups: false }, items: 3 });
    // Scrolling on: the next rows are fetched, the ones gone from view are dropped.
    useHealth.getState().showRows(['OCA00007', 'OCA00008']);
    await until(() => useHealth.getState().rows.answered['OCA00008'], 'the next rows');
    expect(Object.keys(useHealth.getState().rows.bySerial).sort()).toEqual(['OCA00007', 'OCA00008']);
  });

  it('follows a sweep made elsewhere: unreachable counts, the last error and the sweep report', async () => {
    const callsBefore = fleetCalls;
    const report = await other.api.health.pollNow({});
    expect(report).toMatchObject({ polled: APPLIANCE_COUNT, reached: 0, failed: APPLIANCE_COUNT });
    // The table's rows follow (only them: no roll-up is shown on this screen).
    await until(() => useHealth.getState().rows.bySerial['OCA00007']?.data.lastPollAt, 'the row to be measured');
    const one = useHealth.getState().rows.bySerial['OCA00007']!.data;
    expect(one.reachable).toBe(false);
    expect(one.lastKnownStatus).toBeNull();
    expect(one.lastError?.code).toMatch(/^E_/);
    expect(fleetLog.slice(callsBefore).every((c) => Array.isArray(c.input['serials']))).toBe(true);
    expect(useHealth.getState().lastSweep).toMatchObject({ polled: APPLIANCE_COUNT, failed: APPLIANCE_COUNT });

    useUi.setState({ route: { name: 'overview' } });
    await until(() => useHealth.getState().fleet?.data.totals.counts.unreachable === APPLIANCE_COUNT, 'the unreachable count');
    // The items say what is wrong and where, for appliances an operator set online.
    const items = await until(() => {
      const data = useHealth.getState().actionable?.data;
      return data && data.length > 0 ? data : null;
    }, 'the actionable items');
    expect(items.some((i) => i.serial === 'OCA00007' && /unreachable/i.test(i.problem))).toBe(true);
  });

  it('refreshes at most about once a second however fast sweeps come, and ends on the newest state', async () => {
    useUi.setState({ route: { name: 'appliances', query: EMPTY_QUERY } });
    useHealth.getState().showRows(['OCA00001', 'OCA00002', 'OCA00003']);
    await until(() => useHealth.getState().rows.answered['OCA00001'], 'the rows');
    await new Promise((r) => setTimeout(r, REFRESH_MIN_MS + 200));
    fleetCalls = 0;
    const started = Date.now();
    let sweeps = 0;
    // Sweeps back to back for at least 2.5 s, and at least a dozen of them however slow the machine is.
    while (Date.now() - started < 2_500 || sweeps < 12) {
      await other.api.health.pollNow({ serials: ['OCA00001', 'OCA00002'] });
      sweeps++;
    }
    const last = (await other.api.health.appliance({ serial: 'OCA00001' })).health.lastPollAt;
    await until(() => useHealth.getState().rows.bySerial['OCA00001']?.data.lastPollAt === last, 'the newest state on screen');
    // A refresh still scheduled by the last sweep's events is due before this timer, so it fires first however late both are.
    await new Promise((r) => setTimeout(r, REFRESH_MIN_MS + 300));
    const elapsed = Date.now() - started;
    expect(fleetCalls).toBeGreaterThanOrEqual(2);
    expect(fleetCalls).toBeLessThanOrEqual(Math.ceil(elapsed / REFRESH_MIN_MS) + 1);
    expect(useHealth.getState().rows.bySerial['OCA00001']?.data.lastPollAt).toBe(last);

    // A sweep of appliances not in view costs this screen nothing.
    fleetCalls = 0;
    await other.api.health.pollNow({ serials: ['OCA00900'] });
    await new Promise((r) => setTimeout(r, REFRESH_MIN_MS + 300));
    expect(fleetCalls).toBe(0);
  });

  it('loads the open appliance and its history, and the Health screen’s list a page at a time, worst first', async () => {
    useUi.setState({ route: { name: 'appliance', serial: 'OCA00004' } });
    const view = await until(() => useHealth.getState().appliance?.health && useHealth.getState().appliance, 'the appliance');
    expect(view.serial).toBe('OCA00004');
    expect(view.health!.components.some((c) => c.source === 'reachability')).toBe(true);
    expect(view.history).toEqual([]);

    // One measured unreachable appliance is Warning, the others (polled many times) are Error.
    const callsBefore = fleetLog.length;
    useUi.setState({ route: { name: 'health', status: ['Warning', 'Error'] } });
    const list = await until(() => (useHealth.getState().list.total !== null ? useHealth.getState().list : null), 'the list');
    expect(list.key).toBe('Error,Warning');
    expect(list.total).toBe(APPLIANCE_COUNT);
    expect(list.pages[0]!.items).toHaveLength(LIST_PAGE_SIZE);
    const firstPage = list.pages[0]!.items;
    expect(firstPage.every((h) => h.status === 'Warning' || h.status === 'Error')).toBe(true);
    // Worst first: every Error before any Warning.
    const statuses = firstPage.map((h) => h.status);
    expect(statuses).toEqual([...statuses].sort((a, b) => (a === b ? 0 : a === 'Error' ? -1 : 1)));
    // Scrolling fetches the pages in view, never the whole list.
    useHealth.getState().ensureListRows(150, 260);
    await until(() => useHealth.getState().list.pages[2], 'pages 1 and 2');
    expect(Object.keys(useHealth.getState().list.pages).sort()).toEqual(['0', '1', '2']);
    const listCalls = fleetLog.slice(callsBefore).filter((c) => c.input['sort'] === 'worst');
    expect(listCalls.every((c) => c.input['limit'] === LIST_PAGE_SIZE && c.items <= LIST_PAGE_SIZE)).toBe(true);
    // Another filter starts over.
    useUi.setState({ route: { name: 'health', status: ['OK'] } });
    await until(() => useHealth.getState().list.key === 'OK' && useHealth.getState().list.total === 0, 'the OK list');
    await until(() => useHealth.getState().monitor, 'the monitor settings');
    await until(() => useHealth.getState().thresholds, 'the thresholds');
    useUi.setState({ route: { name: 'appliances', query: EMPTY_QUERY } });
  });

  it('passes the engine’s refusals to the caller with their code, and keeps the settings', async () => {
    const before = useHealth.getState().thresholds!.find((t) => t.model === 'storage')!;
    const bad = { ...before, diskWarnPct: 95, diskErrorPct: 80 };
    const err = await useHealth.getState().saveThresholds(bad).then(
      () => null,
      (e: unknown) => asApiError(e),
    );
    expect(err?.code).toBe('E_VALIDATION');
    expect(err?.message).toMatch(/at or above the Warning level/);
    expect((await other.api.health.thresholds({})).find((t) => t.model === 'storage')).toEqual(before);

    const monitorErr = await useHealth.getState().setMonitor({ intervalSec: 1 }).then(
      () => null,
      (e: unknown) => asApiError(e),
    );
    expect(monitorErr?.code).toBe('E_VALIDATION');
    expect((await other.api.health.monitor({})).intervalSec).toBe(30);
  });
});

describe('an appliance the engine does not know', () => {
  it('is marked missing: E_NOT_FOUND whose details name no method (a method this engine lacks would)', async () => {
    await useHealth.getState().loadAppliance('NO-SUCH-OCA');
    expect(useHealth.getState().appliance).toMatchObject({ serial: 'NO-SUCH-OCA', missing: true });
  });
});
