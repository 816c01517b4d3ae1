import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { GRU1_SITE } from '../../tests/support/inventory-fixtures';
import { tempEngine, type TempEngine } from '../../tests/support/temp-engine';
import type { ApiClient } from '../api/client';
import type { HealthRecord } from '../health/assess';
import { HealthRepo } from '../health/repo';
import { DB_FILE } from '../store/db';
import { hoursOf, stateOf, type Observation } from './service';

const T0 = Date.parse('2026-12-04T10:00:00Z');
const S = 1000;

let t: TempEngine;
let client: ApiClient;

/** Sites AAA1 and BBB1 of Vivo, CCC1 of Claro; storage appliances (100 Gbps link: 70 Gbps serving), one flash (400: 300). */
async function fleet(): Promise<void> {
  client = t.engine.client({ actor: 'test:history' });
  const sites = [
    ['AAA1', 'Vivo', 'America/Sao_Paulo'],
    ['BBB1', 'Vivo', 'America/Sao_Paulo'],
    ['CCC1', 'Claro', 'America/Bogota'],
  ] as const;
  for (const [code, partner, timezone] of sites) {
    await client.api.inventory.upsertSite({ ...GRU1_SITE, code, partner, asn: partner === 'Vivo' ? 26599 : 10620, timezone });
    for (let i = 0; i < 3; i++) {
      const flash = code === 'AAA1' && i === 1;
      await client.api.inventory.createAppliance({ serial: `${code}-${i}`, hostname: `${code.toLowerCase()}-${i}.isp.net`, site: code, model: flash ? 'flash' : 'storage', ipv4: '192.0.2.1', storageTb: 300, nicGbps: flash ? 400 : 100, status: 'online', tags: ['lab'] });
    }
  }
}

beforeEach(async () => {
  t = tempEngine();
  t.clock.set(T0);
  await fleet();
});
afterEach(() => t.dispose());

const obs = (serial: string, site: string, capacityGbps: number, state: Observation['state'], atSec: number): Observation => ({ serial, site, capacityGbps, state, at: T0 + atSec * S });

describe('availability: capacity-hours serving against 99.9 %, maintenance apart', () => {
  it('splits an interval at the hour', () => {
    expect(hoursOf(Date.parse('2026-12-04T10:59:50Z'), Date.parse('2026-12-04T11:00:20Z'))).toEqual([
      [Math.floor(Date.parse('2026-12-04T10:00:00Z') / 3_600_000), 10],
      [Math.floor(Date.parse('2026-12-04T11:00:00Z') / 3_600_000), 20],
    ]);
  });

  it('decides serving, down and maintenance from what the last poll saw', () => {
    const h = { lifecycle: 'online' as const, expected: null, reachable: true, status: 'OK' as const };
    expect(stateOf(h)).toBe('serving');
    expect(stateOf({ ...h, status: 'Warning' })).toBe('serving');
    expect(stateOf({ ...h, status: 'Error' })).toBe('down');
    expect(stateOf({ ...h, reachable: false })).toBe('down');
    expect(stateOf({ ...h, lifecycle: 'drained', reachable: false })).toBe('maintenance');
    expect(stateOf({ ...h, expected: 'rebooting (rollout 3)', reachable: false })).toBe('maintenance');
  });

  it('counts the time since each appliance was last observed, by its capacity (hand-computed)', async () => {
    const interval = 30 * S;
    const h = t.engine.history;
    // AAA1-0 (70 Gbps): serving, serving, down, serving. AAA1-1 (300 Gbps): maintenance, then serving.
    h.observe([obs('AAA1-0', 'AAA1', 70, 'serving', 0), obs('AAA1-1', 'AAA1', 300, 'maintenance', 0)], interval);
    h.observe([obs('AAA1-0', 'AAA1', 70, 'serving', 30), obs('AAA1-1', 'AAA1', 300, 'serving', 30)], interval);
    h.observe([obs('AAA1-0', 'AAA1', 70, 'down', 60), obs('AAA1-1', 'AAA1', 300, 'serving', 60)], interval);
    // The same poll seen twice (another sweep of other appliances) adds nothing.
    h.observe([obs('AAA1-0', 'AAA1', 70, 'down', 60)], interval);
    h.observe([obs('AAA1-0', 'AAA1', 70, 'serving', 90), obs('AAA1-1', 'AAA1', 300, 'serving', 90), obs('BBB1-0', 'BBB1', 70, 'serving', 90)], interval);
    // CCC1-0 down at its only poll; then, an hour later (the engine was not watching), serving: one interval each.
    h.observe([obs('CCC1-0', 'CCC1', 70, 'down', 0)], interval);
    h.observe([obs('CCC1-0', 'CCC1', 70, 'serving', 3600)], interval);
    t.clock.set(T0 + 2 * 3600 * S);

    const r = await client.api.history.availability({ range: '24h' });
    const site = (code: string) => r.sites.find((s) => s.site === code)!;
    // AAA1: serving 70x90 s + 300x90 s = 33,300 Gbps·s = 9.25 Gbps·h; down 70x30 s = 0.5833; maintenance 300x30 s = 2.5.
    expect(site('AAA1')).toMatchObject({ servingGbpsH: 9.25, downGbpsH: 0.583, maintenanceGbpsH: 2.5, meetsTarget: false, observedHours: 2 }); // the first poll's interval began in the hour before
    expect(site('AAA1').availability).toBeCloseTo(9.25 / (9.25 + 70 * 30 / 3600), 9);
    // BBB1: its first poll counts one interval: 70x30 s serving, nothing down.
    expect(site('BBB1')).toMatchObject({ servingGbpsH: 0.583, downGbpsH: 0, availability: 1, meetsTarget: true });
    // CCC1: 30 s down, 30 s serving, in two hours.
    expect(site('CCC1')).toMatchObject({ servingGbpsH: 0.583, downGbpsH: 0.583, availability: 0.5, meetsTarget: false, observedHours: 2 });
    // Vivo = AAA1 + BBB1: (9.25 + 0.5833) / (9.25 + 0.5833 + 0.5833).
    const vivo = r.partners.find((p) => p.partner === 'Vivo')!;
    expect(vivo.availability).toBeCloseTo((9.25 + 70 * 30 / 3600) / (9.25 + 2 * 70 * 30 / 3600), 9);
    expect(vivo).toMatchObject({ sites: 2, maintenanceGbpsH: 2.5 });
    // Worst first: CCC1 (0.5), AAA1 (0.94), BBB1 (1).
    expect(r.sites.map((s) => s.site)).toEqual(['CCC1', 'AAA1', 'BBB1']);
    expect(r.partners.map((p) => p.partner)).toEqual(['Claro', 'Vivo']);
    expect(r.fleet.availability).toBeCloseTo((9.25 + 2 * 70 * 30 / 3600) / (9.25 + 4 * 70 * 30 / 3600), 9);
    expect(r.target).toBe(0.999);
    // Filtered by partner; and nothing observed in a range before it all.
    expect((await client.api.history.availability({ partner: 'Claro', range: '24h' })).sites.map((s) => s.site)).toEqual(['CCC1']);
    t.clock.set(T0 + 3 * 86_400 * S);
    expect((await client.api.history.availability({ range: '24h' })).fleet).toMatchObject({ availability: null, meetsTarget: null, observedHours: 0 });
  });

  it('is exactly at the target when down for 0.1 % of the capacity-hours', () => {
    // 999 s serving and 1 s down on one appliance: 99.9 % meets the promise.
    const h = t.engine.history;
    h.observe([obs('AAA1-0', 'AAA1', 70, 'serving', 0)], 999 * S);
    h.observe([obs('AAA1-0', 'AAA1', 70, 'down', 1)], 999 * S);
    t.clock.set(T0 + 3600 * S);
    const a = t.engine.history.availability('24h', {}).fleet;
    expect(a.availability).toBeCloseTo(0.999, 12);
    expect(a.meetsTarget).toBe(true);
    expect(a.allowedDownGbpsH).toBeCloseTo(70 * 1000 / 3600 / 1000, 3);
  });
});

describe('series: per fleet, partner, site and appliance, aggregated and bounded', () => {
  /** Health records as a `fleetdeck health poll` in another process writes them. */
  function measured(values: Record<string, [serving: number, hit: number, errors: number]>, atMs: number): void {
    const at = new Date(atMs).toISOString();
    const other = new Database(join(t.dir, DB_FILE));
    new HealthRepo(other).saveRecords(
      Object.entries(values).map(([serial, [servingGbps, cacheHitRatio, errorsPerSecond]]): HealthRecord => ({
        serial, measuredAt: at, lastPollAt: at, lastError: null, failures: 0, since: {},
        components: [{ name: 'disk', status: 'OK', message: 'fine' }],
        metrics: { at, servingGbps, connections: 1, cacheHitRatio, diskUsedBytes: 1, diskTotalBytes: 2, fillProgress: null, fillRateGbps: 0, errorsPerSecond },
      })),
    );
    other.close();
  }

  it('sums the sites, averages sweeps and steps, weights the hit ratio by serving (hand-computed)', async () => {
    // Minute 0, two sweeps: AAA1 10 then 20 Gbps (hit 0.9, 0.6), BBB1 5 (0.8) both times, CCC1 (Claro) 7.
    measured({ 'AAA1-0': [10, 0.9, 1], 'BBB1-0': [5, 0.8, 2], 'CCC1-0': [7, 0.5, 0] }, T0);
    t.engine.history.recordSweep();
    measured({ 'AAA1-0': [20, 0.6, 3], 'BBB1-0': [5, 0.8, 2], 'CCC1-0': [7, 0.5, 0] }, T0 + 20 * S);
    t.clock.set(T0 + 20 * S);
    t.engine.history.recordSweep();
    const vivo = await client.api.history.series({ scope: { kind: 'partner', partner: 'Vivo' }, range: '1h' });
    expect(vivo).toMatchObject({ stepSec: 60, range: '1h' });
    // Vivo at minute 0: AAA1's mean 15 + BBB1's 5 = 20; hit (9 + 12) / 2 + 4 = 14.5 over 20; errors 2 + 2.
    expect(vivo.points).toEqual([{ at: new Date(T0).toISOString(), servingGbps: 20, cacheHitRatio: 0.725, errorsPerSecond: 4, appliances: 2 }]);
    const all = await client.api.history.series({ scope: { kind: 'fleet' }, range: '1h' });
    expect(all.points[0]).toMatchObject({ servingGbps: 27, appliances: 3 });
    // Two minutes later a sweep at 40 Gbps: the 6-hour range (2-minute steps) averages minutes 0 and 1 into one point...
    measured({ 'AAA1-0': [40, 1, 0] }, T0 + 61 * S);
    t.clock.set(T0 + 61 * S);
    t.engine.history.recordSweep();
    const site = await client.api.history.series({ scope: { kind: 'site', site: 'AAA1' }, range: '6h' });
    expect(site.stepSec).toBe(120);
    expect(site.points.map((p) => p.servingGbps)).toEqual([(15 + 40) / 2]);
    expect(site.points[0]!.cacheHitRatio).toBeCloseTo((10.5 + 40) / 55, 4);
    // ...and the series span the range, at most 360 points.
    expect(Date.parse(site.to) - Date.parse(site.from)).toBe(6 * 3600 * S);
    // The same sweeps counted availability: AAA1-0 polled at 0 s (one 30 s interval before), 20 s and 61 s: 91 s serving
    // at 70 Gbps; BBB1-0 and CCC1-0 at 0 s and 20 s: 50 s. The appliances never polled count nothing.
    const a = await client.api.history.availability({ range: '24h' });
    expect(a.sites.map((s) => [s.site, s.servingGbpsH, s.downGbpsH])).toEqual([
      ['AAA1', Math.round((70 * 91) / 3.6) / 1000, 0],
      ['BBB1', Math.round((70 * 50) / 3.6) / 1000, 0],
      ['CCC1', Math.round((70 * 50) / 3.6) / 1000, 0],
    ]);
    await expect(client.api.history.series({ scope: { kind: 'site', site: 'ZZZ9' }, range: '1h' })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await expect(client.api.history.series({ scope: { kind: 'partner', partner: 'Nobody' }, range: '1h' })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it("gives a lab thirty days of history once: charts at every range, one site below 99.9 %, a night's rollout apart", async () => {
    t.clock.set(Date.parse('2026-12-04T12:00:00Z'));
    expect(await t.engine.history.seedLabHistory('lab')).toEqual(['AAA1', 'BBB1', 'CCC1']);
    expect(await t.engine.history.seedLabHistory('lab')).toEqual([]);
    for (const [range, n] of [['1h', 60], ['6h', 180], ['24h', 288], ['7d', 336], ['30d', 360]] as const) {
      const s = await client.api.history.series({ scope: { kind: 'fleet' }, range });
      // Every step but the one still running has a point.
      expect(s.points.length, range).toBeGreaterThanOrEqual(n - 1);
      expect(s.points.length, range).toBeLessThanOrEqual(n);
      for (const p of s.points) {
        expect(p.servingGbps).toBeGreaterThan(0);
        expect(p.cacheHitRatio).toBeGreaterThan(0.8);
        expect(p.cacheHitRatio).toBeLessThan(1);
      }
    }
    // The fleet is the sum of its sites; a site the sum of its appliances.
    const at = async (scope: Parameters<typeof client.api.history.series>[0]['scope']) => (await client.api.history.series({ scope, range: '7d' })).points;
    const [fleetPts, a, b, c] = await Promise.all([at({ kind: 'fleet' }), at({ kind: 'site', site: 'AAA1' }), at({ kind: 'site', site: 'BBB1' }), at({ kind: 'site', site: 'CCC1' })]);
    expect(fleetPts[100]!.servingGbps).toBeCloseTo(a[100]!.servingGbps + b[100]!.servingGbps + c[100]!.servingGbps, 1);
    const parts = await Promise.all([0, 1, 2].map((i) => at({ kind: 'appliance', serial: `AAA1-${i}` })));
    // An appliance's last hour from its generated quarter hours; its health card's recent samples stay only what was measured (none).
    const lastHour = await client.api.history.series({ scope: { kind: 'appliance', serial: 'AAA1-0' }, range: '1h' });
    // 11:01 to 12:00 in one-minute steps: all but the quarter hour still running (12:00) have one.
    expect(lastHour.points.length).toBe(59);
    expect(new Set(lastHour.points.map((p) => p.servingGbps)).size).toBe(4);
    expect((await client.api.health.appliance({ serial: 'AAA1-0' })).history).toEqual([]);
    expect(a[100]!.servingGbps).toBeCloseTo(parts.reduce((s, p) => s + p[100]!.servingGbps, 0), 0);
    // The second site lost one appliance for eight hours four days ago: two measured then.
    const outage = b.filter((p) => p.at >= '2026-11-30T09:00:00.000Z' && p.at < '2026-11-30T17:00:00.000Z');
    expect(outage).toHaveLength(16);
    expect(outage.every((p) => p.appliances === 2)).toBe(true);

    // Availability over 30 days (hours 2026-11-04T13 .. 2026-12-04T12): 719 observed hours a storage appliance (70 Gbps).
    const r = await client.api.history.availability({ range: '30d' });
    const site = (code: string) => r.sites.find((s) => s.site === code)!;
    // BBB1: 3 x 719 h, 8 h down, three fifteen-minute drains: 70 x (2157 - 8 - 0.75) serving, 70 x 8 down.
    expect(site('BBB1')).toMatchObject({ servingGbpsH: 70 * 2148.25, downGbpsH: 560, maintenanceGbpsH: 52.5, meetsTarget: false, observedHours: 719 });
    expect(site('BBB1').availability).toBeCloseTo(2148.25 / 2156.25, 9);
    // CCC1: thirty minutes down: 99.98 %, meets.
    expect(site('CCC1')).toMatchObject({ downGbpsH: 35, maintenanceGbpsH: 52.5, meetsTarget: true });
    expect(site('CCC1').availability).toBeCloseTo(2155.75 / 2156.25, 9);
    // AAA1 (a flash appliance too): never down.
    expect(site('AAA1')).toMatchObject({ availability: 1, downGbpsH: 0, maintenanceGbpsH: (70 + 300 + 70) * 0.25 });
    expect(r.sites[0]!.site).toBe('BBB1');
  });
});
