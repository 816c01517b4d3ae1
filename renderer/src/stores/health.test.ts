/**
 * The health store against a real engine (real SQLite in a temp dir, the real dispatcher and health
 * service, real sockets): 1,200 appliances whose API port refuses connections, so every sweep is
 * real and fast. Roll-ups load for the screen shown, sweeps refresh them through the engine's events
 * at most about once a second however fast they come, and the engine's refusals reach the caller.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../../main/api/client';
import { EMPTY_QUERY } from '../route';
import { asApiError, useEngine } from './engine';
import { followHealth, REFRESH_MIN_MS, useHealth } from './health';
import { useUi } from './ui';

interface TempEngine {
  engine: { client(ctx?: { actor?: string }): ApiClient };
  dispose(): void;
}

// The engine is Node code and the renderer's type world stops at the contract (see inventory.test.ts).
const ENGINE_SUPPORT = '../../../tests/support/temp-engine';

const SITES = [
  'code,partner,asn,name,city,country,latitude,longitude,timezone,maintenance_window,fill_window',
  'GRU01,Rio Fibra Telecom,64512,Sao Paulo Barueri DC,Sao Paulo,BR,-23.51,-46.88,America/Sao_Paulo,03:00-05:00,02:00-14:00',
  'FRA01,Mainnetz AG,64513,Frankfurt Kleyerstrasse,Frankfurt am Main,DE,50.1,8.63,Europe/Berlin,01:00-04:00,02:00-14:00',
].join('\n');

const APPLIANCE_COUNT = 1200;
/** Nothing listens on the discard port here: each poll is refused at once. */
const CLOSED_PORT = 9;

function appliancesCsv(): string {
  const lines = ['serial,hostname,site,model,ipv4,ipv6,ssh_port,api_port,storage_tb,nic_gbps,firmware,status,tags'];
  for (let i = 0; i < APPLIANCE_COUNT; i++) {
    const n = String(i).padStart(5, '0');
    const site = i % 2 ? 'FRA01' : 'GRU01';
    lines.push(`OCA${n},oca${n}.${site.toLowerCase()}.example.net,${site},${i % 3 ? 'storage' : 'flash'},127.0.0.1,,22,${CLOSED_PORT},360,100,2026.1.0,online,`);
  }
  return lines.join('\n');
}

async function until<T>(probe: () => T | undefined | null | false, what: string, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let temp: TempEngine;
let other: ApiClient;
/** health.fleet calls made by the window's store. */
let fleetCalls = 0;
let stopFollowing: () => void = () => undefined;

beforeAll(async () => {
  const { tempEngine } = (await import(/* @vite-ignore */ ENGINE_SUPPORT)) as { tempEngine: () => TempEngine };
  temp = tempEngine();
  other = temp.engine.client({ actor: 'cli:other' });
  await other.api.inventory.importData({ format: 'csv', kind: 'sites', content: SITES });
  await other.api.inventory.importData({ format: 'csv', kind: 'appliances', content: appliancesCsv() });
  await other.api.health.setMonitor({ timeoutMs: 1000, concurrency: 200 });

  // The window's own client, counting its health.fleet calls on the way through.
  const real = temp.engine.client({ actor: 'test:window' });
  const health = new Proxy(real.api.health, {
    get(target, name, receiver) {
      if (name === 'fleet') {
        return (input: Parameters<typeof target.fleet>[0]) => {
          fleetCalls++;
          return target.fleet(input);
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
  it('loads the roll-ups and the per-appliance map for the screen shown', async () => {
    const fleet = await until(() => useHealth.getState().fleet, 'the fleet roll-ups');
    expect(fleet.data.totals.counts.Unknown).toBe(APPLIANCE_COUNT);
    expect(fleet.data.bySite.map((s) => s.site).sort()).toEqual(['FRA01', 'GRU01']);
    expect(Object.keys(useHealth.getState().bySerial)).toHaveLength(APPLIANCE_COUNT);
    expect(useHealth.getState().bySerial['OCA00007']?.lastPollAt).toBeNull();
    await until(() => useHealth.getState().actionable, 'the actionable items');
  });

  it('follows a sweep made elsewhere: unreachable counts, the last error and the sweep report', async () => {
    const report = await other.api.health.pollNow({});
    expect(report).toMatchObject({ polled: APPLIANCE_COUNT, reached: 0, failed: APPLIANCE_COUNT });
    await until(() => useHealth.getState().fleet?.data.totals.counts.unreachable === APPLIANCE_COUNT, 'the unreachable count');
    const one = useHealth.getState().bySerial['OCA00007']!;
    expect(one.reachable).toBe(false);
    expect(one.lastPollAt).not.toBeNull();
    expect(one.lastError?.code).toMatch(/^E_/);
    expect(useHealth.getState().lastSweep).toMatchObject({ polled: APPLIANCE_COUNT, failed: APPLIANCE_COUNT });
    // The items say what is wrong and where, for appliances an operator set online.
    const items = await until(() => {
      const data = useHealth.getState().actionable?.data;
      return data && data.length > 0 ? data : null;
    }, 'the actionable items');
    expect(items.some((i) => i.serial === 'OCA00007' && /unreachable/i.test(i.problem))).toBe(true);
  });

  it('refreshes at most about once a second however fast sweeps come, and ends on the newest state', async () => {
    await new Promise((r) => setTimeout(r, REFRESH_MIN_MS + 200));
    fleetCalls = 0;
    const started = Date.now();
    let sweeps = 0;
    while (Date.now() - started < 2_500) {
      await other.api.health.pollNow({ serials: ['OCA00001', 'OCA00002'] });
      sweeps++;
    }
    const last = (await other.api.health.appliance({ serial: 'OCA00001' })).health.lastPollAt;
    await new Promise((r) => setTimeout(r, REFRESH_MIN_MS + 300));
    const elapsed = Date.now() - started;
    expect(sweeps).toBeGreaterThan(10);
    expect(fleetCalls).toBeGreaterThanOrEqual(2);
    expect(fleetCalls).toBeLessThanOrEqual(Math.ceil(elapsed / REFRESH_MIN_MS) + 1);
    expect(useHealth.getState().bySerial['OCA00001']?.lastPollAt).toBe(last);
  });

  it('loads the open appliance and its history, and the Health screen’s filtered list', async () => {
    useUi.setState({ route: { name: 'appliance', serial: 'OCA00004' } });
    const view = await until(() => useHealth.getState().appliance?.health && useHealth.getState().appliance, 'the appliance');
    expect(view.serial).toBe('OCA00004');
    expect(view.health!.components.some((c) => c.source === 'reachability')).toBe(true);
    expect(view.history).toEqual([]);

    useUi.setState({ route: { name: 'health', status: ['Warning', 'Error'] } });
    const filtered = await until(() => useHealth.getState().filtered, 'the filtered list');
    expect(filtered.key).toBe('Error,Warning');
    expect(filtered.items.length).toBeGreaterThan(0);
    expect(filtered.items.every((h) => h.status === 'Warning' || h.status === 'Error')).toBe(true);
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
