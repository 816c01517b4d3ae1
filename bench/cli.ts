/**
 * CLI start-up benchmark: the `fleetdeck` command as a person runs it (a new process each time),
 * built (bin/fleetdeck.mjs running out/cli) against the old way (TypeScript through tsx at every
 * start, bench/fleetdeck-tsx.mjs) in the same run:
 *   - `fleetdeck --version`                     goal < 150 ms
 *   - `fleetdeck inventory list` on 10,000 appliances (first page, as a person types it)   goal < 400 ms
 * Each figure is the median of CLI_BENCH_RUNS (9) runs after one warm-up. Env: CLI_BENCH_APPLIANCES (10000).
 * Prints one JSON object as its last line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { createEngine } from '../main/engine';
import { silentLogger } from '../main/store/log';
import { openNodeVault } from '../main/vault/node-vault';
import { appliancesCsv, sitesCsv } from './fleet-gen';

const ROOT = resolve(import.meta.dirname, '..');
const N = Number(process.env['CLI_BENCH_APPLIANCES'] ?? 10_000);
const RUNS = Math.max(1, Number(process.env['CLI_BENCH_RUNS'] ?? 9));
const log = (line: string) => process.stderr.write(line + '\n');
const round = (x: number) => Math.round(x);

const BUILT = join(ROOT, 'bin', 'fleetdeck.mjs');
const TSX = join(ROOT, 'bench', 'fleetdeck-tsx.mjs');

/** Median wall time (ms) of `node <entry> ...args`, each run checked for exit status 0. */
function median(entry: string, args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const t0 = performance.now();
    const run = spawnSync(process.execPath, [entry, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FLEETDECK_DEBUG: '' } });
    const ms = performance.now() - t0;
    if (run.status !== 0) throw new Error(`${entry} ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
    if (i > 0) times.push(ms); // the first run warms the page cache
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fleetdeck-bench-cli-'));
  try {
    log(`importing ${N} appliances into ${dataDir}...`);
    const engine = createEngine({ dataDir, host: 'test', vault: await openNodeVault(dataDir, { env: {} }), log: silentLogger });
    const sites = sitesCsv(Math.max(1, Math.ceil(N / 20)));
    await engine.inventory.importStream(Readable.from([sites.csv]), { kind: 'sites', dryRun: false, source: 'sites.csv' }, 'bench');
    await engine.inventory.importStream(Readable.from([appliancesCsv(N, sites.codes)]), { kind: 'appliances', dryRun: false, source: 'appliances.csv' }, 'bench');
    engine.close();

    // Build now, so no run below pays for it (bin/fleetdeck.mjs builds only when stale).
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-cli.mjs')], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
    log(build.stdout.trim());

    const nodeBare = median('-e', ['0']);
    const list = ['--data-dir', dataDir, 'inventory', 'list'];
    const figures = {
      version: { built: round(median(BUILT, ['--version'])), tsx: round(median(TSX, ['--version'])), goalMs: 150 },
      inventoryList: { built: round(median(BUILT, list)), tsx: round(median(TSX, list)), goalMs: 400 },
    };
    log(`node with an empty script: ${round(nodeBare)} ms (the floor on this machine now)`);
    log(`fleetdeck --version: built ${figures.version.built} ms, tsx ${figures.version.tsx} ms`);
    log(`fleetdeck inventory list (${N} appliances): built ${figures.inventoryList.built} ms, tsx ${figures.inventoryList.tsx} ms`);
    console.log(
      JSON.stringify({
        bench: 'cli',
        appliances: N,
        runs: RUNS,
        machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
        nodeEmptyScriptMs: round(nodeBare),
        versionMs: figures.version.built,
        versionTsxMs: figures.version.tsx,
        versionSpeedup: Math.round((figures.version.tsx / figures.version.built) * 10) / 10,
        inventoryListMs: figures.inventoryList.built,
        inventoryListTsxMs: figures.inventoryList.tsx,
        inventoryListSpeedup: Math.round((figures.inventoryList.tsx / figures.inventoryList.built) * 10) / 10,
        goalsMet: figures.version.built < 150 && figures.inventoryList.built < 400,
      }),
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
