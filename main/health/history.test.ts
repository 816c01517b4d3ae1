/**
 * The metrics history in SQLite: one-minute points (the mean of a minute's samples) for a day,
 * folded into fifteen-minute points kept for 30 days; read back after a restart, by a new engine.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { openDatabase, type Db } from '../store/db';
import { MIGRATIONS } from '../migrations';
import { ManualClock } from '../kit/time';
import { HistoryRepo } from './history-repo';
import { MetricsHistory } from './history';
import type { MetricsSample } from './contract';
import { tempDir } from '../../tests/support/temp-dir';
import { tempEngine } from '../../tests/support/temp-engine';
import { sampleAppliances, sampleSites } from '../../tests/support/inventory-fixtures';

const T0 = Date.UTC(2026, 10, 1, 0, 0, 0);
const MIN = 60_000;

function sample(at: number, servingGbps: number, extra: Partial<MetricsSample> = {}): MetricsSample {
  return {
    at: new Date(at).toISOString(),
    servingGbps,
    connections: 1000,
    cacheHitRatio: 0.9,
    diskUsedBytes: 5e12,
    diskTotalBytes: 1e13,
    fillProgress: null,
    fillRateGbps: 0,
    errorsPerSecond: 0.5,
    ...extra,
  };
}

let dir: string;
let db: Db;
let clock: ManualClock;
let repo: HistoryRepo;
let history: MetricsHistory;

beforeEach(() => {
  dir = tempDir();
  db = openDatabase(join(dir, 'fleet.sqlite'), MIGRATIONS);
  clock = new ManualClock(T0);
  repo = new HistoryRepo(db);
  history = new MetricsHistory(repo, clock);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('metrics history in SQLite', () => {
  it('keeps one point a minute, the mean of its samples, and reads it back from a new instance', () => {
    history.record([{ serial: 'A1', sample: sample(T0 + 5_000, 10, { fillProgress: 0.5 }) }]);
    history.record([{ serial: 'A1', sample: sample(T0 + 35_000, 20, { fillProgress: 0.7 }) }]);
    clock.set(T0 + MIN + 5_000);
    history.record([{ serial: 'A1', sample: sample(T0 + MIN + 5_000, 40) }]);
    const again = new MetricsHistory(new HistoryRepo(db), clock);
    const points = again.read('A1', T0, T0 + 10 * MIN, 'minute');
    expect(points.map((p) => [p.at, p.servingGbps])).toEqual([
      [new Date(T0).toISOString(), 15],
      [new Date(T0 + MIN).toISOString(), 40],
    ]);
    expect(points[0]!.fillProgress).toBeCloseTo(0.6, 5);
    expect(points[1]!.fillProgress).toBeNull();
    expect(again.read('B2', T0, T0 + 10 * MIN, 'minute')).toEqual([]);
  });

  it('folds minute points older than a day into fifteen-minute means, and drops them after 30 days', () => {
    // Two hours of samples, one a minute: servingGbps = minute number.
    for (let m = 0; m < 120; m++) {
      clock.set(T0 + m * MIN);
      history.record([{ serial: 'A1', sample: sample(T0 + m * MIN, m) }]);
    }
    expect(repo.size().rows).toBe(2);
    // A day and a bit later: both hours are folded into the day's fifteen-minute bucket.
    clock.set(T0 + 26 * 60 * MIN);
    expect(history.compact()).toEqual({ folded: 2, dropped: 0 });
    expect(history.read('A1', T0, T0 + 3 * 60 * MIN, 'minute')).toEqual([]);
    const quarters = history.read('A1', T0, T0 + 3 * 60 * MIN, 'quarter');
    expect(quarters.map((p) => p.servingGbps)).toEqual([7, 22, 37, 52, 67, 82, 97, 112]);
    expect(quarters[1]!.at).toBe(new Date(T0 + 15 * MIN).toISOString());
    expect(repo.size().rows).toBe(1);
    clock.set(T0 + 32 * 24 * 60 * MIN);
    expect(history.compact()).toEqual({ folded: 0, dropped: 1 });
    expect(history.read('A1', T0, clock.now(), 'quarter')).toEqual([]);
  });

  it('quarter reads include the last day folded on the fly', () => {
    for (let m = 0; m < 30; m++) history.record([{ serial: 'A1', sample: sample(T0 + m * MIN, 1 + (m < 15 ? 0 : 1)) }]);
    expect(history.read('A1', T0, T0 + 60 * MIN, 'quarter').map((p) => p.servingGbps)).toEqual([1, 2]);
  });
});

describe('health.appliance and health.history after a restart', () => {
  it('a new engine on the same data dir charts what the old one measured', async () => {
    const t = tempEngine();
    const api = t.engine.client().api;
    await api.inventory.importData({ format: 'csv', kind: 'sites', content: sampleSites() });
    await api.inventory.importData({ format: 'csv', kind: 'appliances', content: sampleAppliances() });
    const serial = 'OCA24F00103';
    const start = t.clock.now();
    for (let m = 0; m < 10; m++) t.engine.health.metrics.record([{ serial, sample: sample(start + m * MIN, m) }]);
    t.engine.close();
    const { createEngine } = await import('../engine');
    const { memoryVault } = await import('../../tests/support/memory-vault');
    const { silentLogger } = await import('../store/log');
    const clock2 = new ManualClock(start + 10 * MIN);
    const engine = createEngine({ dataDir: t.dir, host: 'test', vault: memoryVault(), clock: clock2, log: silentLogger, checkOutputs: true });
    try {
      const api2 = engine.client().api;
      const one = await api2.health.appliance({ serial });
      expect(one.history.map((p) => p.servingGbps)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const h = await api2.health.history({ serial, range: '1h' });
      expect(h.step).toBe('minute');
      expect(h.points).toHaveLength(10);
      const month = await api2.health.history({ serial, range: '30d' });
      expect(month.step).toBe('quarter');
      expect(month.points.map((p) => p.servingGbps)).toEqual([4.5]);
    } finally {
      engine.close();
      rmSync(t.dir, { recursive: true, force: true });
    }
  });
});
