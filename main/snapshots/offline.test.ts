/**
 * Offline with the live data dir: no appliance answers (the loopback guard refuses every address
 * the sample fleet names, before anything is sent), and every read method of the contract still
 * answers from what SQLite holds: the last known health with its age, the history, jobs and their
 * results, the inventory and the audit log. The walk covers the whole contract: a read method
 * added later needs an input below or the test says so.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contract } from '../api/contract';
import type { MethodSpec } from '../kit/contract';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { HealthRecord } from '../health/assess';
import { HealthRepo } from '../health/repo';
import { HistoryRepo } from '../health/history-repo';
import { MetricsHistory } from '../health/history';
import { DB_FILE } from '../store/db';
import { tempEngine, type TempEngine } from '../../tests/support/temp-engine';
import { sampleAppliances, sampleSites } from '../../tests/support/inventory-fixtures';

const SERIAL = 'OCA24S00101';
let t: TempEngine;

beforeEach(() => {
  t = tempEngine();
});
afterEach(() => t.dispose());

/** Reads that cannot take `{}`: an input that names something this fleet has. */
function inputs(jobId: number): Record<string, unknown> {
  return {
    'system.ping': { nonce: 'offline' },
    'inventory.getAppliance': { serial: SERIAL },
    'inventory.getSite': { code: 'GRU01' },
    'inventory.exportData': { format: 'csv', kind: 'appliances' },
    'jobs.preview': { selection: { all: true } },
    'jobs.get': { id: jobId },
    'jobs.results': { id: jobId },
    'jobs.wait': { id: jobId },
    'jobs.groups': { id: jobId, by: ['firmware'] },
    'health.appliance': { serial: SERIAL },
    'health.history': { serial: SERIAL, range: '24h' },
    'capacity.site': { site: 'GRU01' },
    'history.series': { scope: { kind: 'site', site: 'GRU01' }, range: '24h' },
    'diagnostics.compare': { serial: SERIAL },
    ...Object.fromEntries([...NONE_YET].map((name) => [name, NONE_YET_INPUTS[name.split('.')[0]!] ?? { id: 1 }])),
  };
}
/**
 * Reads of one record of a kind this fleet has none of yet (a diagnostics suite, a fill plan or run, a
 * rollout or the image it would roll out, a site survey): offline they must still answer, and "there is none"
 * (E_NOT_FOUND) is that answer.
 */
const NONE_YET = new Set(['diagnostics.get', 'fills.getPlan', 'fills.placement', 'fills.getRun', 'rollouts.preview', 'rollouts.get', 'rollouts.appliances', 'rollouts.timeline', 'rollouts.wait', 'provisioning.site']);
const NONE_YET_INPUTS: Record<string, Record<string, unknown>> = {
  fills: { id: 1, site: 'GRU01' },
  provisioning: { site: 'GRU01' },
  rollouts: { id: 1, serial: SERIAL, image: '27.1.0', selection: { all: true }, timeoutMs: 100 },
};
/** Reads about files or windows, not the fleet (covered in service.test.ts). */
const NOT_FLEET_VIEWS = new Set(['snapshots.inspect', 'snapshots.diff', 'snapshots.open', 'snapshots.back']);

describe('offline with the live data dir', () => {
  it('every read view answers from the last known state, with its age, while no appliance is reachable', async () => {
    const api = t.engine.client().api;
    await api.inventory.importData({ format: 'csv', kind: 'sites', content: sampleSites() });
    await api.inventory.importData({ format: 'csv', kind: 'appliances', content: sampleAppliances() });
    // Measured (OK, with metrics) ten minutes ago, when the fleet was reachable.
    const measured = t.clock.now();
    const at = new Date(measured).toISOString();
    const serials = (await api.inventory.listAppliances({ limit: 100 })).items.map((a) => a.serial);
    const sample = { at, servingGbps: 42, connections: 100, cacheHitRatio: 0.95, diskUsedBytes: 1, diskTotalBytes: 2, fillProgress: null, fillRateGbps: 0, errorsPerSecond: 0 };
    // Written by another process on this data dir (a `fleetdeck health poll` then), as the engine would.
    const other = new Database(join(t.dir, DB_FILE));
    new HealthRepo(other).saveRecords(serials.map((serial): HealthRecord => ({ serial, measuredAt: at, lastPollAt: at, lastError: null, failures: 0, components: [{ name: 'disk', status: 'OK', message: 'fine' }], metrics: sample, since: {} })));
    new MetricsHistory(new HistoryRepo(other), t.clock).record(serials.map((serial) => ({ serial, sample })));
    other.close();
    t.clock.advance(10 * 60_000);
    await api.net.generateFleetKey({});
    // Now nothing answers: a poll and a job fail, and are recorded as failed.
    const sweep = await api.health.pollNow({});
    expect(sweep.polled).toBeGreaterThan(0);
    expect(sweep).toMatchObject({ reached: 0, failed: sweep.polled });
    const job = await api.jobs.exec({ selection: { serials: [SERIAL] }, argv: ['ocactl', 'status'], timeoutMs: 2000 });
    const done = await api.jobs.wait({ id: job.id, timeoutMs: 30_000 });
    expect(done.state).not.toBe('running');

    const table = inputs(job.id);
    const reads = Object.entries(contract).flatMap(([d, ms]) =>
      Object.entries(ms as Record<string, MethodSpec>)
        .filter(([, s]) => !s.writes)
        .map(([m]) => `${d}.${m}`),
    );
    const failures: string[] = [];
    for (const name of reads.filter((n) => !NOT_FLEET_VIEWS.has(n))) {
      const r = await t.engine.dispatcher.dispatch(name, table[name] ?? {}, { actor: 'test', host: 'test' });
      if (!r.ok && !(NONE_YET.has(name) && r.error.code === 'E_NOT_FOUND')) failures.push(`${name}: ${r.error.code} ${r.error.message}${r.error.code === 'E_VALIDATION' && !(name in table) ? ' (add an input for it to this test)' : ''}`);
    }
    expect(failures).toEqual([]);

    // The last known state, with its age, beside the fact that it is unreachable now.
    const fleet = await api.health.fleet({});
    const one = fleet.items.find((h) => h.serial === SERIAL)!;
    expect(one).toMatchObject({ reachable: false, lastKnownStatus: 'OK', measuredAt: at, ageSeconds: 600 });
    const detail = await api.health.appliance({ serial: SERIAL });
    expect(detail.history.at(-1)).toMatchObject({ servingGbps: 42 });
    expect((await api.health.history({ serial: SERIAL, range: '1h' })).points).toHaveLength(1);
    const results = await api.jobs.results({ id: job.id });
    expect(results.items[0]).toMatchObject({ serial: SERIAL });
  });
});
