/**
 * Health polling benchmark: the engine polls /v1/health and /v1/metrics of 1,000 lab appliances
 * every 10 s (the lab daemon in its own process, started as `fleetdeck lab start` does it), and a
 * naive peer does the same requests in the same run: per sweep one `curl --parallel
 * --parallel-max 100` over the 2,000 URLs (new connections every sweep, no parsing, no validation,
 * nothing stored). Goal: the engine spends under 10% of one core.
 *
 * Measures, over the same window for each: CPU as % of one core (the engine: process.cpuUsage
 * deltas of this process; curl: its user+sys from the shell's `times`), sweep durations p50/p95,
 * the engine's RSS, the lab daemon's CPU in each phase (the load each side put on it), and what
 * reading the whole fleet view and the action items costs (health.fleet, health.actionable).
 * Prints one JSON object as its last line. Env: HEALTH_BENCH_APPLIANCES (1000), HEALTH_BENCH_SITES
 * (50), HEALTH_BENCH_INTERVAL_S (10), HEALTH_BENCH_WINDOW_S (60), HEALTH_BENCH_CONCURRENCY (100).
 */
import './loopback-only';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../main/engine';
import { readManifest } from '../main/lab/manifest';
import { pidAlive } from '../main/lab/service';
import { silentLogger } from '../main/store/log';
import { openNodeVault } from '../main/vault/node-vault';
import { BENCH_PEERS, ensureSystemDeps } from '../scripts/system-deps.mjs';

const N = Number(process.env['HEALTH_BENCH_APPLIANCES'] ?? 1000);
const SITES = Number(process.env['HEALTH_BENCH_SITES'] ?? 50);
const INTERVAL_S = Number(process.env['HEALTH_BENCH_INTERVAL_S'] ?? 10);
const WINDOW_S = Number(process.env['HEALTH_BENCH_WINDOW_S'] ?? 60);
const CONCURRENCY = Number(process.env['HEALTH_BENCH_CONCURRENCY'] ?? 100);
const CLK_TCK = 100;

const log = (line: string) => process.stderr.write(line + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const mb = (bytes: number) => round(bytes / 1e6, 1);

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function procCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** One curl sweep: wall ms, 200s counted, and curl's own CPU seconds (bash `times`, children line). */
function curlSweep(configFile: string): Promise<{ ms: number; ok: number; cpuS: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('bash', ['-c', `curl --parallel --parallel-max ${CONCURRENCY} -s -K '${configFile}'; echo; times`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', () => {
      const ms = performance.now() - t0;
      const ok = (out.match(/^200$/gm) ?? []).length;
      // `times` prints the shell's user/sys, then its children's: "0m0.412s 0m0.311s".
      const timesLines = out.trim().split('\n').slice(-2);
      const child2 = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s/.exec(timesLines[1] ?? '');
      const cpuS = child2 ? Number(child2[1]) * 60 + Number(child2[2]) + Number(child2[3]) * 60 + Number(child2[4]) : NaN;
      resolve({ ms, ok, cpuS });
    });
  });
}

async function main(): Promise<void> {
  ensureSystemDeps({ deps: BENCH_PEERS.health, purpose: 'the health benchmark\'s peer' });
  const dir = mkdtempSync(join(tmpdir(), 'fleetdeck-bench-health-'));
  const engine = createEngine({ dataDir: dir, host: 'cli', vault: await openNodeVault(dir, { env: {} }), log: silentLogger, health: { runsMonitor: true } });
  const client = engine.client({ actor: 'bench:health' });
  let pid = 0;
  try {
    log(`starting a lab of ${N} appliances in ${SITES} sites...`);
    await client.api.lab.start({ appliances: N, sites: SITES, speed: 1 });
    const manifest = readManifest(join(dir, 'lab'))!;
    pid = manifest.pid;
    await sleep(2000);

    // --- Fleetdeck: the monitor, as the desktop app runs it.
    const sweeps: Array<{ durationMs: number; reached: number; at: number }> = [];
    client.on('health.swept', (r) => sweeps.push({ durationMs: r.durationMs, reached: r.reached, at: performance.now() }));
    await client.api.health.setMonitor({ enabled: true, intervalSec: INTERVAL_S, concurrency: CONCURRENCY, timeoutMs: 5000 });
    while (sweeps.length < 1) await sleep(50);
    const cold = sweeps[0]!;
    log(`cold sweep (new connections): ${Math.round(cold.durationMs)} ms, ${cold.reached}/${N} reached`);
    // Measure whole intervals, starting just after a sweep ended.
    const c0 = process.cpuUsage();
    const l0 = procCpuSeconds(pid);
    const w0 = performance.now();
    await sleep(WINDOW_S * 1000);
    const cpu = process.cpuUsage(c0);
    const wallS = (performance.now() - w0) / 1000;
    const labCpuFleetdeck = (procCpuSeconds(pid) - l0) / wallS;
    const engineCpuPct = ((cpu.user + cpu.system) / 1e6 / wallS) * 100;
    const rssBytes = process.memoryUsage().rss;
    const status = engine.health.status();
    await client.api.health.setMonitor({ enabled: false });
    await engine.health.whenIdle();
    // What a window pays to read the whole fleet view and the action items (median of 5).
    const timeRead = async (read: () => Promise<unknown>) => {
      const ms: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        await read();
        ms.push(performance.now() - t);
      }
      return round(percentile(ms, 50));
    };
    const readFleetMs = await timeRead(() => client.api.health.fleet({}));
    const readActionableMs = await timeRead(() => client.api.health.actionable({}));
    const warm = sweeps.slice(1).filter((s) => s.at <= w0 + wallS * 1000);
    const warmMs = warm.map((s) => s.durationMs);
    log(`fleetdeck: ${round(engineCpuPct)}% of one core over ${round(wallS, 1)} s; ${warm.length} sweeps p50 ${round(percentile(warmMs, 50))} ms p95 ${round(percentile(warmMs, 95))} ms; rss ${mb(rssBytes)} MB`);

    // --- The peer: curl over the same 2,000 URLs every interval, for the same window.
    let peer: Record<string, unknown>;
    if (spawnSync('sh', ['-c', 'command -v curl'], { stdio: 'ignore' }).status !== 0) {
      peer = { skipped: 'curl is not installed' };
    } else {
      const config = join(dir, 'curl.cfg');
      const lines: string[] = [];
      for (const a of manifest.appliances) {
        for (const path of ['/v1/health', '/v1/metrics']) lines.push(`url = "http://${manifest.host}:${a.apiPort}${path}"`, 'output = "/dev/null"', 'write-out = "%{http_code}\\n"');
      }
      writeFileSync(config, lines.join('\n') + '\n');
      const runs: Array<{ ms: number; ok: number; cpuS: number }> = [];
      const p0 = performance.now();
      const lp0 = procCpuSeconds(pid);
      const end = p0 + WINDOW_S * 1000;
      while (performance.now() < end) {
        const started = performance.now();
        runs.push(await curlSweep(config));
        const next = started + INTERVAL_S * 1000;
        if (next >= end) {
          await sleep(Math.max(0, end - performance.now()));
          break;
        }
        await sleep(Math.max(0, next - performance.now()));
      }
      const peerWallS = (performance.now() - p0) / 1000;
      const labCpuPeer = (procCpuSeconds(pid) - lp0) / peerWallS;
      const peerCpuPct = (runs.reduce((s, r) => s + r.cpuS, 0) / peerWallS) * 100;
      const ms = runs.map((r) => r.ms);
      peer = {
        tool: 'curl --parallel --parallel-max ' + CONCURRENCY,
        cpuPctOfCore: round(peerCpuPct),
        sweeps: runs.length,
        sweepMs: { p50: round(percentile(ms, 50)), p95: round(percentile(ms, 95)) },
        okPerSweep: Math.min(...runs.map((r) => r.ok)),
        labCpuPct: round(labCpuPeer * 100),
      };
      log(`curl: ${round(peerCpuPct)}% of one core; ${runs.length} sweeps p50 ${round(percentile(ms, 50))} ms p95 ${round(percentile(ms, 95))} ms; ${Math.min(...runs.map((r) => r.ok))}/${2 * N} answered`);
    }

    const result = {
      bench: 'health',
      machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`,
      appliances: N,
      intervalS: INTERVAL_S,
      windowS: WINDOW_S,
      concurrency: CONCURRENCY,
      fleetdeck: {
        cpuPctOfCore: round(engineCpuPct),
        sweeps: warm.length,
        skippedTicks: status.skippedTicks,
        coldSweepMs: round(cold.durationMs),
        sweepMs: { p50: round(percentile(warmMs, 50)), p95: round(percentile(warmMs, 95)) },
        reachedPerSweep: Math.min(...warm.map((s) => s.reached)),
        rssMB: mb(rssBytes),
        labCpuPct: round(labCpuFleetdeck * 100),
        readFleetMs,
        readActionableMs,
      },
      peer,
      /** Fleetdeck's CPU over curl's, same work, same window: below 1 means Fleetdeck is cheaper. */
      cpuRatioFleetdeckToPeer: typeof peer['cpuPctOfCore'] === 'number' ? round(engineCpuPct / (peer['cpuPctOfCore'] as number)) : null,
      goal: { cpuPctOfCore: 10 },
      met: engineCpuPct < 10,
    };
    await client.api.lab.stop({});
    console.log(JSON.stringify(result));
  } finally {
    if (pid && pidAlive(pid)) process.kill(pid, 'SIGKILL');
    engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
