/**
 * Fan-out benchmark: `ocactl status` on N lab appliances (the lab daemon in its own process,
 * started as `fleetdeck lab start` does), run by
 *   - Fleetdeck: a job through the engine, concurrency 100, cold (new SSH connections) and warm
 *     (the engine pool's connections reused);
 *   - parallel-ssh -p 100 (OpenSSH client per host), and
 *   - ansible -m raw -f 100 (OpenSSH with ControlPersist), cold and warm,
 * against the same lab in the same run, with strict host-key checking for all (known_hosts
 * exported by Fleetdeck). A tool that is not installed is reported as skipped with the reason.
 * Prints one JSON object as its last line. Env: FANOUT_APPLIANCES (1000), FANOUT_SITES (50),
 * FANOUT_CONCURRENCY (100), FANOUT_TOOL_TIMEOUT_S (900), FANOUT_TOOLS (fleetdeck,pssh,ansible: the
 * peers to run; Fleetdeck always runs), FANOUT_WARM_ROUNDS (1: warm runs, the best one is reported).
 */
import './loopback-only';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../main/engine';
import { silentLogger } from '../main/store/log';
import { openNodeVault } from '../main/vault/node-vault';
import { FLEET_KEY } from '../main/net/fleet-key';
import { BENCH_PEERS, ensureSystemDeps } from '../scripts/system-deps.mjs';
import { ansibleEnv, closeAnsibleMasters, writeAnsibleInventory, writeOpenSshTrust } from './support/ansible';

const N = Number(process.env['FANOUT_APPLIANCES'] ?? 1000);
const SITES = Number(process.env['FANOUT_SITES'] ?? 50);
const CONCURRENCY = Number(process.env['FANOUT_CONCURRENCY'] ?? 100);
const TOOL_TIMEOUT_S = Number(process.env['FANOUT_TOOL_TIMEOUT_S'] ?? 900);
const TOOLS = new Set((process.env['FANOUT_TOOLS'] ?? 'fleetdeck,pssh,ansible').split(',').map((t) => t.trim()));
const WARM_ROUNDS = Math.max(1, Number(process.env['FANOUT_WARM_ROUNDS'] ?? 1));

interface Run {
  seconds: number;
  ok: number;
  failed: number;
  perSecond: number;
  /** CPU time spent during the run by the engine (this process) and by the lab daemon: steadier than wall time on a shared machine. */
  cpuMs?: { engine: number; lab: number | null };
}
type Outcome = Run | { skipped: string };

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** CPU time (user + system, ms) a process has used so far, from /proc; null where there is no /proc. */
function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
const log = (line: string) => process.stderr.write(line + '\n');

function installed(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** Run a tool, count lines matching `okLine`, time it. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv, okLine: RegExp): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), TOOL_TIMEOUT_S * 1000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      const ok = out.split('\n').filter((l) => okLine.test(l)).length;
      if (ok === 0) log(`${cmd}: no successes; stderr tail: ${err.slice(-600)}\nstdout tail: ${out.slice(-600)}`);
      resolve({ seconds: round(seconds), ok, failed: N - ok, perSecond: round(ok / seconds, 1) });
    });
  });
}

async function main(): Promise<void> {
  // The peers, installed as the tests install theirs (apt-get as root on Debian), or the one command to run.
  const peers = BENCH_PEERS.fanout.filter((d) => (d.pkg === 'pssh' ? TOOLS.has('pssh') : d.pkg === 'ansible' ? TOOLS.has('ansible') : TOOLS.has('pssh') || TOOLS.has('ansible')));
  ensureSystemDeps({ deps: peers, purpose: 'the fan-out benchmark\'s peers' });
  const dir = mkdtempSync(join(tmpdir(), 'fleetdeck-bench-fanout-'));
  const engine = createEngine({ dataDir: dir, host: 'cli', vault: await openNodeVault(dir), log: silentLogger });
  const client = engine.client({ actor: 'bench:fanout' });
  const result: Record<string, unknown> = {
    bench: 'fanout',
    command: 'ocactl status',
    appliances: N,
    concurrency: CONCURRENCY,
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
  };
  try {
    log(`starting a lab of ${N} appliances in ${SITES} sites (separate process)...`);
    const labPid = (
      await client.api.lab.start({ appliances: N, sites: SITES, speed: 1 }).catch((err: unknown) => {
        // The data dir goes at exit: keep what the daemon said.
        const daemonLog = join(dir, 'lab', 'daemon.log');
        log(`lab start failed; tail of ${daemonLog}:\n${existsSync(daemonLog) ? readFileSync(daemonLog, 'utf8').slice(-2000) : '(none)'}`);
        throw err;
      })
    ).pid;

    const fleetdeck = async (label: string): Promise<Run> => {
      // FANOUT_MARKS=1: the monotonic clock (µs, as in .cpuprofile files) at each run's ends, to cut profiles by phase.
      if (process.env['FANOUT_MARKS']) log(`mark ${label} start ${process.hrtime.bigint() / 1000n}`);
      const cpu0 = { engine: process.cpuUsage(), lab: labPid === null ? null : processCpuMs(labPid) };
      const t0 = performance.now();
      const job = await client.api.jobs.exec({ selection: { all: true }, argv: ['ocactl', 'status'], concurrency: CONCURRENCY, timeoutMs: 60_000 });
      const done = await engine.jobs.wait(job.id);
      const seconds = (performance.now() - t0) / 1000;
      if (process.env['FANOUT_MARKS']) log(`mark ${label} end ${process.hrtime.bigint() / 1000n}`);
      const engineCpu = process.cpuUsage(cpu0.engine);
      const labCpu = labPid === null ? null : processCpuMs(labPid);
      const cpuMs = {
        engine: Math.round((engineCpu.user + engineCpu.system) / 1000),
        lab: labCpu === null || cpu0.lab === null ? null : Math.round(labCpu - cpu0.lab),
      };
      const run = { seconds: round(seconds), ok: done.progress.ok, failed: done.progress.failed, perSecond: round(done.progress.ok / seconds, 1), cpuMs };
      log(`fleetdeck ${label}: ${JSON.stringify(run)}`);
      return run;
    };
    const cold = await fleetdeck('cold');
    const warmRuns: Run[] = [];
    for (let i = 0; i < WARM_ROUNDS; i++) warmRuns.push(await fleetdeck('warm'));
    const warm = warmRuns.reduce((best, r) => (r.seconds < best.seconds ? r : best));
    result.fleetdeck = { cold, warm, ...(WARM_ROUNDS > 1 ? { warmRuns: warmRuns.map((r) => r.seconds) } : {}), connectionsOpened: [...engine.net.sharedPool().opened.values()].reduce((a, b) => a + b, 0) };

    // The same identity and trust for the OpenSSH-based tools.
    const ssh = writeOpenSshTrust(dir, (await engine.deps.vault.get(FLEET_KEY))!, (await client.api.net.exportKnownHosts({ hashed: false })).content);
    const appliances = (await client.api.inventory.listAppliances({ limit: 20_000 })).items;
    const username = (await client.api.net.settings({})).username;

    let pssh: Outcome;
    if (!TOOLS.has('pssh')) pssh = { skipped: 'not in FANOUT_TOOLS' };
    else if (!installed('parallel-ssh')) pssh = { skipped: 'parallel-ssh is not installed (node scripts/system-deps.mjs --bench installs it; Debian: apt-get install -y pssh)' };
    else {
      const hosts = join(dir, 'pssh-hosts');
      writeFileSync(hosts, appliances.map((a) => `${username}@${a.ipv4}:${a.sshPort}`).join('\n') + '\n');
      const opts = ssh.options.filter((o) => o !== '-o').flatMap((o) => ['-O', o]);
      pssh = await timed('parallel-ssh', ['-h', hosts, '-p', String(CONCURRENCY), '-t', '60', '-x', `-i ${ssh.keyFile}`, ...opts, 'ocactl', 'status'], process.env, /\[SUCCESS\]/);
      log(`parallel-ssh: ${JSON.stringify(pssh)}`);
    }
    result.pssh = pssh;

    let ansible: Outcome | { cold: Run; warm: Run };
    if (!TOOLS.has('ansible')) ansible = { skipped: 'not in FANOUT_TOOLS' };
    else if (!installed('ansible')) ansible = { skipped: 'ansible is not installed (node scripts/system-deps.mjs --bench installs it; Debian: apt-get install -y ansible)' };
    else {
      const inventory = join(dir, 'ansible-inventory.ini');
      writeAnsibleInventory(inventory, appliances, username);
      const env = ansibleEnv(dir, ssh, 120, { ANSIBLE_CALLBACK_RESULT_FORMAT: 'json' });
      const args = ['all', '-i', inventory, '-m', 'raw', '-a', 'ocactl status', '-f', String(CONCURRENCY), '-o'];
      const okLine = /\| CHANGED \||\| SUCCESS \|/;
      const aCold = await timed('ansible', args, env, okLine);
      log(`ansible cold: ${JSON.stringify(aCold)}`);
      const aWarm = await timed('ansible', args, env, okLine);
      log(`ansible warm: ${JSON.stringify(aWarm)}`);
      ansible = { cold: aCold, warm: aWarm };
      closeAnsibleMasters(dir);
    }
    result.ansible = ansible;

    const ratio = (other: Outcome | undefined, mine: Run) => (other && 'seconds' in other && other.ok > 0 ? round(other.seconds / mine.seconds) : null);
    result.ratios = {
      note: 'wall time of the other tool / Fleetdeck, same lab, same run (higher = Fleetdeck faster)',
      psshOverFleetdeckCold: ratio(pssh, cold),
      ansibleColdOverFleetdeckCold: 'cold' in ansible ? ratio(ansible.cold, cold) : null,
      ansibleWarmOverFleetdeckWarm: 'warm' in ansible ? ratio(ansible.warm, warm) : null,
    };
  } finally {
    await client.api.lab.stop({}).catch(() => undefined);
    engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:fanout failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
