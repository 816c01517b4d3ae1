/**
 * CLI start-up benchmark: the `fleetdeck` command as a person runs it (a new process each time),
 * built (bin/fleetdeck.mjs running out/cli) against the old way (TypeScript through tsx at every
 * start, bench/fleetdeck-tsx.mjs) in the same run:
 *   - `fleetdeck --version`                     goal < 150 ms
 *   - `fleetdeck inventory list` on 10,000 appliances (first page, as a person types it)   goal < 400 ms
 * Each figure is the median of CLI_BENCH_RUNS (9) runs after one warm-up. Env: CLI_BENCH_APPLIANCES (10000).
 * Prints one JSON object as its last line.
 */
import './loopback-only';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
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

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
/** CPU time (user + system, ms) of this process's finished children so far, from /proc; 0 where there is none. */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Median wall time (ms) of `node <entry> ...args`, each run checked for exit status 0; `cpu` is
 * the median CPU time of the process (steadier than wall time on a shared machine).
 */
function measure(entry: string, args: string[]): { wall: number; cpu: number } {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const cpu0 = childrenCpuMs();
    const t0 = performance.now();
    const run = spawnSync(process.execPath, [entry, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FLEETDECK_DEBUG: '' } });
    const ms = performance.now() - t0;
    if (run.status !== 0) throw new Error(`${entry} ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
    if (i === 0) continue; // the first run warms the page cache
    walls.push(ms);
    cpus.push(childrenCpuMs() - cpu0);
  }
  return { wall: mid(walls), cpu: mid(cpus) };
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

    const nodeBare = measure('-e', ['0']);
    const list = ['--data-dir', dataDir, 'inventory', 'list'];
    const version = { built: measure(BUILT, ['--version']), tsx: measure(TSX, ['--version']) };
    const inventoryList = { built: measure(BUILT, list), tsx: measure(TSX, list) };
    const load = loadavg()[0]!;
    log(`node with an empty script: ${round(nodeBare.wall)} ms (${round(nodeBare.cpu)} ms CPU): the floor on this machine now (load ${load.toFixed(1)})`);
    log(`fleetdeck --version: built ${round(version.built.wall)} ms (${round(version.built.cpu)} ms CPU), tsx ${round(version.tsx.wall)} ms (${round(version.tsx.cpu)} ms CPU)`);
    log(`fleetdeck inventory list (${N} appliances): built ${round(inventoryList.built.wall)} ms (${round(inventoryList.built.cpu)} ms CPU), tsx ${round(inventoryList.tsx.wall)} ms (${round(inventoryList.tsx.cpu)} ms CPU)`);
    const ratio = (a: number, b: number) => Math.round((a / b) * 10) / 10;
    console.log(
      JSON.stringify({
        bench: 'cli',
        appliances: N,
        runs: RUNS,
        machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version, loadavg1: Math.round(load * 10) / 10 },
        nodeEmptyScriptMs: round(nodeBare.wall),
        versionMs: round(version.built.wall),
        versionCpuMs: round(version.built.cpu),
        versionTsxMs: round(version.tsx.wall),
        versionTsxCpuMs: round(version.tsx.cpu),
        versionSpeedup: ratio(version.tsx.wall, version.built.wall),
        inventoryListMs: round(inventoryList.built.wall),
        inventoryListCpuMs: round(inventoryList.built.cpu),
        inventoryListTsxMs: round(inventoryList.tsx.wall),
        inventoryListTsxCpuMs: round(inventoryList.tsx.cpu),
        inventoryListSpeedup: ratio(inventoryList.tsx.wall, inventoryList.built.wall),
        goalsMet: version.built.wall < 150 && inventoryList.built.wall < 400,
      }),
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
