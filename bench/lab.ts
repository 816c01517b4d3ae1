/**
 * Lab scale benchmark: 1,000 simulated appliances (2,000 listening servers) in one lab process,
 * started the way `fleetdeck lab start` does it (engine -> lab daemon -> inventory import).
 *
 * Measures: start time (lab.start until the inventory holds the fleet), the daemon's resident
 * memory, its idle CPU over 10 s (from /proc), an HTTP health sweep of every appliance, SSH exec
 * on a sample, and memory after that traffic. Goals: start < 30 s, RSS < 1.5 GB, idle CPU < 10%.
 * Prints one JSON object as its last line. Env: LAB_BENCH_APPLIANCES, LAB_BENCH_SITES, LAB_BENCH_IDLE_S.
 */
import './loopback-only';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../main/engine';
import { silentLogger } from '../main/store/log';
import { openNodeVault } from '../main/vault/node-vault';
import { FLEET_KEY } from '../main/net/fleet-key';
import { readManifest } from '../main/lab/manifest';
import { pidAlive } from '../main/lab/service';
import { http, sshExec } from '../main/lab/testing';
import { parseHttpReply, parseOcactlReply } from '../main/appliance/replies';

const N = Number(process.env['LAB_BENCH_APPLIANCES'] ?? 1000);
const SITES = Number(process.env['LAB_BENCH_SITES'] ?? 50);
const IDLE_S = Number(process.env['LAB_BENCH_IDLE_S'] ?? 10);
const CLK_TCK = 100;

function procStat(pid: number): { cpuTicks: number; rssBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuTicks = Number(fields[11]) + Number(fields[12]); // utime + stime
  const rssLine = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return { cpuTicks, rssBytes: Number(rssLine?.[1] ?? 0) * 1024 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetdeck-bench-lab-'));
  const engine = createEngine({ dataDir: dir, host: 'cli', vault: await openNodeVault(dir), log: silentLogger });
  const client = engine.client({ actor: 'bench:lab' });
  let pid = 0;
  try {
    process.stderr.write(`starting a lab of ${N} appliances in ${SITES} sites...\n`);
    const t0 = performance.now();
    await client.api.lab.start({ appliances: N, sites: SITES, speed: 1 });
    const startS = (performance.now() - t0) / 1000;
    const manifest = readManifest(join(dir, 'lab'))!;
    pid = manifest.pid;
    const inventory = await client.api.inventory.listAppliances({ limit: 1 });
    process.stderr.write(`started in ${startS.toFixed(2)} s; inventory holds ${inventory.total}\n`);

    await sleep(2000);
    const rssStartBytes = procStat(pid).rssBytes;
    const c0 = procStat(pid).cpuTicks;
    const w0 = performance.now();
    await sleep(IDLE_S * 1000);
    const idleCpuPct = (((procStat(pid).cpuTicks - c0) / CLK_TCK) / ((performance.now() - w0) / 1000)) * 100;
    process.stderr.write(`idle: ${idleCpuPct.toFixed(2)}% of one core over ${IDLE_S} s; rss ${mb(rssStartBytes)} MB\n`);

    // Every appliance answers its health endpoint with a reply the contract accepts.
    const s0 = performance.now();
    let ok = 0;
    const queue = [...manifest.appliances];
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        for (let a = queue.shift(); a; a = queue.shift()) {
          const res = await http(a.apiPort, 'GET', '/v1/health');
          parseHttpReply('GET /v1/health', res.status, res.body);
          ok++;
        }
      }),
    );
    const sweepS = (performance.now() - s0) / 1000;

    const key = (await engine.deps.vault.get(FLEET_KEY))!.toString();
    const sample = manifest.appliances.filter((_, i) => i % Math.max(1, Math.floor(N / 20)) === 0).slice(0, 20);
    const e0 = performance.now();
    for (const a of sample) parseOcactlReply('status', (await sshExec({ port: a.sshPort, privateKey: key }, 'ocactl status')).stdout);
    const sshExecMs = (performance.now() - e0) / sample.length;
    const rssAfterTrafficBytes = procStat(pid).rssBytes;

    const result = {
      bench: 'lab',
      machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`,
      appliances: N,
      sites: SITES,
      listeningServers: manifest.appliances.length * 2,
      startS: Math.round(startS * 100) / 100,
      rssMB: mb(rssStartBytes),
      idleCpuPct: Math.round(idleCpuPct * 100) / 100,
      healthSweep: { appliances: ok, seconds: Math.round(sweepS * 100) / 100 },
      sshExecMs: Math.round(sshExecMs),
      rssAfterTrafficMB: mb(rssAfterTrafficBytes),
      goals: { startS: 30, rssMB: 1500, idleCpuPct: 10 },
      met: startS < 30 && rssStartBytes < 1.5e9 && idleCpuPct < 10,
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
