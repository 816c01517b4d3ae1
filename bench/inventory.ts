/**
 * `npm run bench:inventory`: the inventory at fleet scale. Prints one JSON object as its last line.
 * - import of 100,000 appliances (goal < 3 s), side by side with the sqlite3 shell's `.import`
 *   of the same file (no validation, no audit: the floor a plain loader reaches);
 * - filtered-query p95 on 100,000 (goal < 20 ms);
 * - first render of the appliance table with 10,000 rows in Chromium (goal < 1 s);
 * - engine RSS (`fleetdeck serve`) with 100,000 appliances loaded and the table open.
 */
import './loopback-only';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureInventory } from './inventory-engine';
import { firstRender, median, monitorOff } from './support/first-render';
import { chromiumAvailable, launchChromium } from '../tests/e2e/support/browser';
import { serveApp } from '../tests/e2e/support/serve';
import { BENCH_PEERS, ensureSystemDeps } from '../scripts/system-deps.mjs';

const log = (msg: string) => process.stderr.write(`bench:inventory: ${msg}\n`);

/** The sqlite3 shell's `.import` of the same file into a new database: the median of three runs. */
function sqliteShellImport(csvFile: string): number | null {
  const runs = [0, 1, 2].map(() => sqliteShellImportOnce(csvFile));
  return runs.includes(null) ? null : median(runs as number[]);
}

function sqliteShellImportOnce(csvFile: string): number | null {
  if (!existsSync('/usr/bin/sqlite3')) return null;
  const dir = mkdtempSync(join(tmpdir(), 'fleetdeck-bench-sqlite-'));
  try {
    const t0 = performance.now();
    const r = spawnSync('/usr/bin/sqlite3', [join(dir, 'peer.sqlite'), '.mode csv', `.import ${csvFile} appliances`], { encoding: 'utf8' });
    const ms = performance.now() - t0;
    return r.status === 0 ? Math.round(ms) : null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function rssMbOf(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

async function servedRss(dataDir: string): Promise<number | null> {
  monitorOff(dataDir);
  const app = await serveApp({ dataDir });
  try {
    if (chromiumAvailable) {
      const browser = await launchChromium();
      const page = await browser.newPage();
      const url = new URL(app.url);
      url.hash = '#/appliances';
      await page.goto(url.toString());
      await page.getByTestId('appliance-row').first().waitFor({ timeout: 30_000 });
      await page.getByTestId('nav-overview').click();
      await page.getByTestId('total-appliances').waitFor();
      await browser.close();
    }
    return rssMbOf(app.process.pid!);
  } finally {
    await app.stop();
  }
}

async function main() {
  ensureSystemDeps({ deps: BENCH_PEERS.inventory, purpose: 'the inventory benchmark\'s peer' });
  const appliances = Number(process.env['BENCH_APPLIANCES'] ?? 100_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'fleetdeck-bench-inv-'));
  try {
    log(`importing ${appliances} appliances ...`);
    const engine = await measureInventory(dataDir, appliances);
    log(`import ${engine.importMs} ms, query p95 ${engine.queryP95Ms} ms`);
    const peerMs = sqliteShellImport(join(dataDir, 'bench-appliances.csv'));
    log('first render of the table with 10,000 rows in Chromium ...');
    const render = await firstRender(10_000);
    log('engine RSS with the fleet loaded ...');
    const rss = await servedRss(dataDir);
    const result = {
      bench: 'inventory',
      machine: `${process.platform} ${process.arch}, node ${process.version}`,
      appliances,
      importMs: engine.importMs,
      importRunsMs: engine.importRunsMs,
      importCpuMs: engine.importCpuMs,
      backgroundCheckpointRunsMs: engine.checkpointRunsMs,
      importGoalMs: 3000,
      reimportUnchangedMs: engine.reimportMs,
      peerSqlite3ShellImportMs: peerMs,
      importVsPeerRatio: peerMs ? Math.round((engine.importMs / peerMs) * 100) / 100 : null,
      queryP95Ms: engine.queryP95Ms,
      queryGoalMs: 20,
      queries: engine.queries,
      exportCsvMs: engine.exportCsvMs,
      importPeakRssMb: engine.rssMb,
      firstRender10kMs: render?.medianMs ?? null,
      firstRenderRunsMs: render?.runsMs ?? null,
      firstRenderGoalMs: 1000,
      firstRenderBreakdownMs: render?.breakdownMs ?? null,
      servedEngineRssMb: rss,
    };
    console.log(JSON.stringify(result));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
