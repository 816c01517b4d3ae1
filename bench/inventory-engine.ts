/**
 * The inventory engine at fleet scale: 100,000 appliances imported from a CSV file through the
 * streaming path the CLI uses, then filtered queries as the fleet table issues them.
 * `measureInventory(dataDir)` is what `npm run bench:inventory` reports.
 */
import './loopback-only';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../main/engine';
import type { ApplianceQuery } from '../main/inventory/contract';
import { ApplianceQuery as QuerySchema } from '../main/inventory/contract';
import { silentLogger } from '../main/store/log';
import { openNodeVault } from '../main/vault/node-vault';
import { appliancesCsv, sitesCsv } from './fleet-gen';

export interface InventoryMeasurement {
  appliances: number;
  /** Import of the appliances CSV into an empty inventory (sites already there): the median of `importRunsMs`. */
  importMs: number;
  /** Each import into an empty inventory, each in a fresh data dir (one import swings by a second on this machine). */
  importRunsMs: number[];
  /** CPU time of the process during each import (user + system). */
  importCpuMs: number[];
  /**
   * The WAL checkpoint after each import's commit, on its background thread (main/store/checkpoints.ts):
   * not part of the import's time; each run waits for it before the next starts.
   */
  checkpointRunsMs: number[];
  /** The same file again: every row unchanged. */
  reimportMs: number;
  /** p95 over every run of every query below. */
  queryP95Ms: number;
  queries: Record<string, { p50Ms: number; p95Ms: number; total: number }>;
  exportCsvMs: number;
  /** Peak resident set size seen during the import. */
  rssMb: number;
}

const QUERIES: Record<string, ApplianceQuery> = {
  'first page': {},
  'status=provisioning': { status: ['provisioning'] },
  'status=online sort hostname': { status: ['online'], sort: 'hostname' },
  'site': { site: ['S0042'] },
  'partner sort site': { partner: ['Partner 7'], sort: 'site' },
  'tag=edge': { tag: ['edge'] },
  'model=flash firmware desc': { model: ['flash'], sort: 'firmware', dir: 'desc' },
  'text serial': { text: 'oca0012345' },
  'text ip prefix': { text: '10.11.3' },
  'text firmware (many)': { text: '2026.3' },
  'text + status': { text: 's0042', status: ['online'] },
  'storage desc page 50': { sort: 'storageTb', dir: 'desc', offset: 10000 },
};

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

interface ImportRun {
  ms: number;
  cpuMs: number;
  checkpointMs: number;
}

/** Imports the appliances file into a fresh data dir (sites first); returns wall and CPU time of the appliances import. */
async function importOnce(sitesFile: string, appliancesFile: string, appliances: number): Promise<ImportRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fleetdeck-bench-import-'));
  const engine = createEngine({ dataDir, host: 'cli', vault: await openNodeVault(dataDir), log: silentLogger });
  try {
    await engine.inventory.importStream(createReadStream(sitesFile), { source: 'bench-sites.csv' }, 'bench');
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const report = await engine.inventory.importStream(createReadStream(appliancesFile), { source: 'bench-appliances.csv' }, 'bench');
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (report.created !== appliances) throw new Error(`expected ${appliances} created, got ${JSON.stringify(report)}`);
    await engine.settled();
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000, checkpointMs: engine.deps.checkpoints.timesMs.at(-1) ?? 0 };
  } finally {
    engine.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function measureInventory(dataDir: string, appliances = 100_000, importRuns = 3): Promise<InventoryMeasurement> {
  const sites = sitesCsv(400);
  const sitesFile = join(dataDir, 'bench-sites.csv');
  const appliancesFile = join(dataDir, 'bench-appliances.csv');
  writeFileSync(sitesFile, sites.csv);
  writeFileSync(appliancesFile, appliancesCsv(appliances, sites.codes));

  const engine = createEngine({ dataDir, host: 'cli', vault: await openNodeVault(dataDir), log: silentLogger });
  try {
    const inventory = engine.inventory;
    await inventory.importStream(createReadStream(sitesFile), { source: 'bench-sites.csv' }, 'bench');

    let rss = process.memoryUsage().rss;
    const sampler = setInterval(() => (rss = Math.max(rss, process.memoryUsage().rss)), 20);
    const cpu0 = process.cpuUsage();
    let t0 = performance.now();
    const report = await inventory.importStream(createReadStream(appliancesFile), { source: 'bench-appliances.csv' }, 'bench');
    const first = { ms: performance.now() - t0, cpuMs: ((c) => (c.user + c.system) / 1000)(process.cpuUsage(cpu0)) };
    clearInterval(sampler);
    rss = Math.max(rss, process.memoryUsage().rss);
    if (report.created !== appliances) throw new Error(`expected ${appliances} created, got ${JSON.stringify(report)}`);
    await engine.settled();
    const runs: ImportRun[] = [{ ...first, checkpointMs: engine.deps.checkpoints.timesMs.at(-1) ?? 0 }];
    for (let i = 1; i < importRuns; i++) runs.push(await importOnce(sitesFile, appliancesFile, appliances));
    const importRunsMs = runs.map((r) => round(r.ms));

    t0 = performance.now();
    const again = await inventory.importStream(createReadStream(appliancesFile), { source: 'bench-appliances.csv' }, 'bench');
    const reimportMs = performance.now() - t0;
    if (again.unchanged !== appliances) throw new Error(`expected ${appliances} unchanged, got ${JSON.stringify(again)}`);

    const all: number[] = [];
    const queries: InventoryMeasurement['queries'] = {};
    for (const [name, q] of Object.entries(QUERIES)) {
      const parsed = QuerySchema.parse(q);
      const times: number[] = [];
      let total = 0;
      for (let i = 0; i < 30; i++) {
        const t = performance.now();
        total = inventory.listAppliances(parsed).total;
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      all.push(...times);
      queries[name] = { p50Ms: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)), total };
    }
    all.sort((a, b) => a - b);

    t0 = performance.now();
    let bytes = 0;
    for (const chunk of inventory.exportChunks({ format: 'csv' })) bytes += chunk.length;
    const exportCsvMs = performance.now() - t0;
    if (bytes === 0) throw new Error('empty export');

    return {
      appliances,
      importMs: median(importRunsMs),
      importRunsMs,
      importCpuMs: runs.map((r) => Math.round(r.cpuMs)),
      checkpointRunsMs: runs.map((r) => r.checkpointMs),
      reimportMs: round(reimportMs),
      queryP95Ms: round(percentile(all, 95)),
      queries,
      exportCsvMs: round(exportCsvMs),
      rssMb: Math.round(rss / 1024 / 1024),
    };
  } finally {
    engine.close();
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
