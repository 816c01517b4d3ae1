/**
 * Snapshots at fleet scale: 10,000 appliances (1,000 sites) with a measured state each and 30 days
 * of metrics history (a day of one-minute points, then fifteen-minute points: what the history
 * keeps at steady state), written straight into SQLite in the history's own format (noisy daily
 * curves, so the deflated blobs are as large as real ones). Then:
 *   export   `snapshots.export` through the dispatcher (SQLite's online backup), size and seconds;
 *   open     a read-only engine on the file (the copy, migrations, services) and its first reads
 *            (the appliance table's first page, health roll-ups, one appliance's 30-day chart);
 *   history  the history's size per 1,000 appliances over 30 days (blob bytes and file bytes).
 * Prints one JSON object as its last line. Env: SNAPSHOT_APPLIANCES (10000), SNAPSHOT_SITES (1000), SNAPSHOT_DAYS (30).
 */
import './loopback-only';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../main/engine';
import type { HealthRecord } from '../main/health/assess';
import { Bucket, MINUTE_TIER, QUARTER_TIER } from '../main/health/history';
import { HistoryRepo, type HistoryBlobRow } from '../main/health/history-repo';
import { ManualClock, seededRng } from '../main/kit/time';
import { silentLogger } from '../main/store/log';
import { openNodeVault } from '../main/vault/node-vault';
import { openSnapshotEngine } from '../main/host/snapshot-engine';
import { importScaleFleet } from './support/scale-fleet';

const N = Number(process.env['SNAPSHOT_APPLIANCES'] ?? 10_000);
const SITES = Math.min(N, Number(process.env['SNAPSHOT_SITES'] ?? 1_000));
const DAYS = Number(process.env['SNAPSHOT_DAYS'] ?? 30);
const MIN = 60_000;

const log = (line: string) => process.stderr.write(line + '\n');
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const seconds = (t0: number) => round((performance.now() - t0) / 1000);

/** A plausible point at a minute: a daily serving curve with noise, disk filling slowly, fills at night. */
function pointAt(i: number, minute: number, rng: () => number) {
  const hourOfDay = (minute / 60) % 24;
  const daily = 0.55 + 0.45 * Math.sin(((hourOfDay - 14) / 24) * 2 * Math.PI);
  const peak = 40 + (i % 50);
  const filling = hourOfDay >= 2 && hourOfDay < 6;
  return {
    servingGbps: peak * daily * (0.95 + 0.1 * rng()),
    connections: Math.round(12_000 * daily * (0.9 + 0.2 * rng())),
    cacheHitRatio: 0.9 + 0.06 * rng(),
    diskUsedBytes: (0.6 + (i % 37) / 100) * 360e12 + minute * 1e6,
    diskTotalBytes: 360e12,
    fillProgress: filling ? ((hourOfDay - 2) / 4) : Number.NaN,
    fillRateGbps: filling ? 8 + rng() : 0,
    errorsPerSecond: rng() < 0.9 ? 0 : rng() * 2,
  };
}

function record(serial: string, at: string): HealthRecord {
  return {
    serial,
    measuredAt: at,
    lastPollAt: at,
    lastError: null,
    failures: 0,
    components: [
      { name: 'disk', status: 'OK', message: '71% used.' },
      { name: 'bgp', status: 'OK', message: 'BGP session established.' },
      { name: 'serving', status: 'OK', message: 'Serving 40 Gbps.' },
    ],
    metrics: null,
    since: {},
  };
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'fleetdeck-bench-snapshot-'));
  const dataDir = join(root, 'data');
  const end = Date.UTC(2026, 10, 30, 12, 0, 0);
  const clock = new ManualClock(end);
  const engine = createEngine({ dataDir, host: 'test', vault: await openNodeVault(dataDir, { env: {} }), clock, log: silentLogger });
  try {
    const api = engine.client({ actor: 'bench:snapshot' }).api;
    let t0 = performance.now();
    const serials = await importScaleFleet(engine, { appliances: N, sites: SITES }, 'bench:snapshot');
    engine.health.repo.saveRecords(serials.map((s) => record(s, new Date(end - 20_000).toISOString())));
    log(`inventory of ${N} in ${seconds(t0)} s`);

    // History at steady state: the last day in one-minute buckets, the days before in fifteen-minute ones.
    t0 = performance.now();
    const repo = new HistoryRepo(engine.db);
    const rng = seededRng(7);
    const endMin = Math.floor(end / MIN);
    const dayStart = endMin - MINUTE_TIER.keepMin;
    let rows: HistoryBlobRow[] = [];
    serials.forEach((serial, i) => {
      const r = () => rng.next();
      for (let h = Math.floor(dayStart / 60); h <= Math.floor(endMin / 60); h++) {
        const b = new Bucket(MINUTE_TIER, h);
        for (let s = 0; s < 60; s++) {
          const m = h * 60 + s;
          if (m > dayStart && m <= endMin) b.set(s, pointAt(i, m, r));
        }
        rows.push({ serial, tier: 1, bucket: h, points: b.encode() });
      }
      for (let d = Math.floor((endMin - DAYS * 1440) / 1440); d <= Math.floor(dayStart / 1440); d++) {
        const b = new Bucket(QUARTER_TIER, d);
        for (let s = 0; s < 96; s++) {
          const m = d * 1440 + s * 15;
          if (m >= endMin - DAYS * 1440 && m <= dayStart) b.set(s, pointAt(i, m, r));
        }
        rows.push({ serial, tier: 15, bucket: d, points: b.encode() });
      }
      if (rows.length >= 20_000) {
        repo.save(rows);
        rows = [];
      }
      if (i % 2000 === 1999) log(`history: ${i + 1} appliances`);
    });
    repo.save(rows);
    const history = repo.size();
    engine.db.pragma('wal_checkpoint(TRUNCATE)');
    const liveBytes = statSync(join(dataDir, 'fleet.sqlite')).size;
    log(`history of ${DAYS} days written in ${seconds(t0)} s: ${history.rows} rows, ${round(history.blobBytes / 2 ** 20, 1)} MiB of blobs; database ${round(liveBytes / 2 ** 20, 1)} MiB`);

    t0 = performance.now();
    const file = join(root, 'fleet.fdsnap');
    const exported = await api.snapshots.export({ out: file });
    const exportSeconds = seconds(t0);
    log(`export: ${round(exported.bytes / 2 ** 20, 1)} MiB in ${exportSeconds} s`);

    t0 = performance.now();
    const opened = openSnapshotEngine(file, 'test', silentLogger);
    const openEngineSeconds = seconds(t0);
    const snap = opened.engine.client({ actor: 'bench' }).api;
    const page = await snap.inventory.listAppliances({ limit: 100 });
    const fleet = await snap.health.fleet({ includeItems: false });
    const chart = await snap.health.history({ serial: serials[0]!, range: '30d' });
    const openSeconds = seconds(t0);
    t0 = performance.now();
    const day = await snap.health.history({ serial: serials[1]!, range: '24h' });
    const chartDayMs = round(performance.now() - t0, 1);
    t0 = performance.now();
    await snap.health.history({ serial: serials[2]!, range: '30d' });
    const chartMonthMs = round(performance.now() - t0, 1);
    opened.dispose();
    log(`open: engine ${openEngineSeconds} s, with first reads ${openSeconds} s (${page.total} appliances, ${fleet.totals.counts.OK} OK, 30-day chart of ${chart.points.length} points)`);

    const per1000 = (bytes: number) => Math.round((bytes / N) * 1000);
    const result = {
      bench: 'snapshot',
      machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`,
      appliances: N,
      sites: SITES,
      historyDays: DAYS,
      historyRows: history.rows,
      historyBlobMiB: round(history.blobBytes / 2 ** 20, 1),
      historyMiBPer1000Appliances: round(per1000(history.blobBytes) / 2 ** 20, 1),
      liveDatabaseMiB: round(liveBytes / 2 ** 20, 1),
      snapshotMiB: round(exported.bytes / 2 ** 20, 1),
      exportSeconds,
      openEngineSeconds,
      openWithFirstReadsSeconds: openSeconds,
      chartPoints30d: chart.points.length,
      chartPoints24h: day.points.length,
      chart24hMs: chartDayMs,
      chart30dMs: chartMonthMs,
    };
    console.log(JSON.stringify(result));
  } finally {
    engine.close();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
