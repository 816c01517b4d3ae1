/**
 * Rollout benchmark: one signed firmware image rolled over ROLLOUT_APPLIANCES (500) lab appliances
 * in ROLLOUT_SITES (50) sites, with the lab clock sped up ROLLOUT_SPEED (60) times, by
 *   - Fleetdeck: a rollout (canary of 5 across sites, waves 10%,50%,100%, at most 10 % of each
 *     site's serving capacity out at once, failure budget 2 %, window "now" as the lab's
 *     maintenance windows are mostly closed in the daytime), run by the engine in this process;
 *   - Ansible: the same update as a playbook (bench/rollout-playbook.yml: the same batch sizes with
 *     `serial`, `max_fail_percentage: 2`, every appliance step with `raw`), over the same lab, in the
 *     same run, with OpenSSH and strict host-key checking (known_hosts exported by Fleetdeck).
 * A separate process (bench/rollout-sampler.ts) samples every appliance's health during each run
 * and counts per-site limit violations: a site with more than 10 % of its appliances out of service (1 of
 * the lab's 10 per site; a percent of capacity would not do: one flash appliance is 21 % of a lab site, and
 * Fleetdeck refuses a limit that an appliance alone exceeds).
 * Reports wall time, engine CPU per appliance, violations, and how many were updated.
 * Prints one JSON object as its last line. Env: ROLLOUT_APPLIANCES, ROLLOUT_SITES, ROLLOUT_SPEED,
 * ROLLOUT_TOOLS (fleetdeck,ansible), ROLLOUT_FORKS (50), ROLLOUT_TIMEOUT_S (1800: Fleetdeck's rollout is aborted after it),
 * ROLLOUT_ANSIBLE_CAP_S (900: ansible-playbook is stopped after it and its wall time extrapolated from the
 * pace of its second half, said so in the JSON), ROLLOUT_IMAGE_KIB (256).
 */
import './loopback-only';
import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../main/engine';
import { buildFirmwareImage } from '../main/appliance/image';
import { DEFAULT_STAGING_DIR } from '../main/appliance/contract';
import { silentLogger } from '../main/store/log';
import { openNodeVault } from '../main/vault/node-vault';
import { FLEET_KEY } from '../main/net/fleet-key';
import type { Appliance } from '../main/inventory/contract';
import type { Rollout } from '../main/rollouts/contract';
import { ensureSystemDeps } from '../scripts/system-deps.mjs';
import { ansibleEnv, closeAnsibleMasters, writeAnsibleInventory, writeOpenSshTrust } from './support/ansible';

const N = Number(process.env['ROLLOUT_APPLIANCES'] ?? 500);
const SITES = Number(process.env['ROLLOUT_SITES'] ?? 50);
const SPEED = Number(process.env['ROLLOUT_SPEED'] ?? 60);
const TOOLS = new Set((process.env['ROLLOUT_TOOLS'] ?? 'fleetdeck,ansible').split(',').map((t) => t.trim()));
const FORKS = Number(process.env['ROLLOUT_FORKS'] ?? 50);
const TIMEOUT_S = Number(process.env['ROLLOUT_TIMEOUT_S'] ?? 1800);
/** Ansible's run is stopped after this many seconds and its wall time extrapolated (it takes ~3 s per appliance on 2 cores). */
const ANSIBLE_CAP_S = Number(process.env['ROLLOUT_ANSIBLE_CAP_S'] ?? 900);
const IMAGE_BYTES = Number(process.env['ROLLOUT_IMAGE_KIB'] ?? 256) * 1024;
const LIMIT_PCT = 10;
/** 10 % of a site's appliances, at least one. */
const LIMIT_COUNT = Math.max(1, Math.floor(((N / SITES) * LIMIT_PCT) / 100));
const CANARY = 5;
const WAVES = [10, 50, 100];
const BUDGET_PCT = 2;
const SAMPLE_MS = 1000;

const KEYGEN = '/usr/bin/ssh-keygen';
const PEERS = [
  { pkg: 'ansible-core', path: '/usr/bin/ansible-playbook', why: 'bench:rollout runs the same update as an Ansible playbook' },
  { pkg: 'openssh-client', path: '/usr/bin/sftp', why: 'Ansible stages with OpenSSH sftp and signs with ssh-keygen' },
];

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const log = (line: string) => process.stderr.write(line + '\n');

/** The batch sizes the plan's canary and cumulative waves give, for Ansible's `serial`. */
export function batchSizes(total: number, canary: number, cumulativePct: readonly number[]): number[] {
  const sizes = [Math.min(canary, total)];
  let done = sizes[0]!;
  for (const pct of cumulativePct) {
    const reach = Math.min(total, Math.ceil((total * pct) / 100));
    if (reach > done) {
      sizes.push(reach - done);
      done = reach;
    }
  }
  if (done < total) sizes.push(total - done);
  return sizes;
}

class Sampler {
  private readonly child: ChildProcessWithoutNullStreams;
  private out = '';
  constructor(appliances: readonly Appliance[]) {
    this.child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'rollout-sampler.ts')], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (d: Buffer) => (this.out += d.toString()));
    this.child.stderr.on('data', (d: Buffer) => log(`sampler: ${d.toString().trim()}`));
    const setup = { appliances: appliances.map((a) => ({ serial: a.serial, site: a.site, nicGbps: a.nicGbps, port: a.apiPort })), limitCount: LIMIT_COUNT, sampleMs: SAMPLE_MS };
    this.child.stdin.write(JSON.stringify(setup) + '\n');
  }
  async stop(): Promise<{ samples: number; perSiteViolations: number; siteSamplesOver: number; worst: unknown; outBefore: number; maxSampleMs: number }> {
    const closed = new Promise((r) => this.child.once('close', r));
    this.child.stdin.end('stop\n');
    await closed;
    return JSON.parse(this.out.trim().split('\n').pop() ?? '{}');
  }
}

async function main(): Promise<void> {
  const wantAnsible = TOOLS.has('ansible');
  if (wantAnsible) ensureSystemDeps({ deps: PEERS, purpose: "the rollout benchmark's peer" });
  const dir = mkdtempSync(join(tmpdir(), 'fleetdeck-bench-rollout-'));
  const engine = createEngine({ dataDir: dir, host: 'cli', vault: await openNodeVault(dir), log: silentLogger });
  const client = engine.client({ actor: 'bench:rollout' });
  const api = client.api;
  const result: Record<string, unknown> = {
    bench: 'rollout',
    appliances: N,
    sites: SITES,
    labSpeed: SPEED,
    plan: { canary: CANARY, waves: WAVES.map((w) => `${w}%`), maxUnavailablePerSite: `${LIMIT_COUNT} (${LIMIT_PCT}% of a site's appliances)`, failureBudget: `${BUDGET_PCT}%`, window: 'now' },
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
  };
  try {
    // Two signed images: one for each tool, so each run really changes every appliance.
    execFileSync(KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', 'bench@releng', '-f', join(dir, 'release')]);
    const releasePub = readFileSync(join(dir, 'release.pub'), 'utf8').trim();
    const image = (version: string) => {
      const path = join(dir, `fw-${version}.img`);
      writeFileSync(path, buildFirmwareImage(version, randomBytes(IMAGE_BYTES)));
      execFileSync(KEYGEN, ['-Y', 'sign', '-n', 'fleetdeck-firmware', '-f', join(dir, 'release'), path], { stdio: 'pipe' });
      return { version, path, name: `fw-${version}.img`, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
    };
    const forFleetdeck = image('27.1.0');
    const forAnsible = image('27.2.0');
    await api.firmware.trustKey({ publicKey: releasePub });
    await api.firmware.import({ path: forFleetdeck.path });

    log(`starting a lab of ${N} appliances in ${SITES} sites at ${SPEED}x (separate process)...`);
    await api.lab.start({ appliances: N, sites: SITES, speed: SPEED, releaseKeys: [releasePub] });
    const appliances = (await api.inventory.listAppliances({ limit: 20_000 })).items;

    if (TOOLS.has('fleetdeck')) {
      const sampler = new Sampler(appliances);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const created = await api.rollouts.create({
        image: forFleetdeck.version,
        selection: { all: true },
        canary: { kind: 'count', value: CANARY },
        waves: { kind: 'percent', steps: WAVES },
        maxUnavailablePerSite: { kind: 'count', value: LIMIT_COUNT },
        window: 'now',
        confirmCount: N,
        failureBudget: { kind: 'percent', value: BUDGET_PCT },
        judgement: { observeSeconds: 10, sampleEverySeconds: 1 },
        stagingConcurrency: 32,
      });
      await api.rollouts.start({ id: created.id });
      let r: Rollout = created;
      const approvals: string[] = [];
      const deadline = Date.now() + TIMEOUT_S * 1000;
      let lastLog = 0;
      for (;;) {
        r = await api.rollouts.wait({ id: created.id, timeoutMs: 5_000 });
        if (Date.now() - lastLog > 15_000) {
          lastLog = Date.now();
          log(`fleetdeck: ${r.state} ${r.phase} wave ${r.currentWave}/${r.waveCount} ${JSON.stringify(r.counts)}`);
        }
        if (r.state === 'awaiting-approval') {
          // A person would read the judgement; the bench approves and says so.
          approvals.push(r.reason?.message ?? 'marginal');
          r = await api.rollouts.approveMarginal({ id: r.id, note: 'bench:rollout approves to measure the whole run' });
          continue;
        }
        if (['succeeded', 'failed', 'aborted', 'paused'].includes(r.state)) break;
        if (Date.now() > deadline) {
          log(`fleetdeck: not finished after ${TIMEOUT_S} s; aborting`);
          r = await api.rollouts.abort({ id: r.id, reason: 'bench timeout' });
          break;
        }
      }
      const wallSeconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const sampled = await sampler.stop();
      // Why appliances failed, grouped (step, code, sentence without numbers), most frequent first.
      const failedOnes = (await api.rollouts.appliances({ id: created.id, state: ['failed'], limit: 20_000 })).items;
      const why = new Map<string, number>();
      for (const a of failedOnes) {
        const key = `${a.step} ${a.errorCode ?? ''} ${(a.message ?? '').replace(/\d+(\.\d+)?/g, 'N').slice(0, 160)}`;
        why.set(key, (why.get(key) ?? 0) + 1);
      }
      const failures = [...why].sort((x, y) => y[1] - x[1]).slice(0, 5).map(([reason, count]) => ({ count, reason }));
      result.fleetdeck = {
        wallSeconds: round(wallSeconds),
        state: r.state,
        reason: r.reason,
        updated: r.counts.ok,
        failed: r.counts.failed,
        engineCpuMsPerAppliance: round((cpu.user + cpu.system) / 1000 / N, 1),
        perSiteViolations: sampled.perSiteViolations,
        sampling: sampled,
        ...(failures.length ? { failures } : {}),
        ...(approvals.length ? { approvedMarginal: approvals } : {}),
      };
      log(`fleetdeck: ${JSON.stringify(result.fleetdeck)}`);
    } else result.fleetdeck = { skipped: 'not in ROLLOUT_TOOLS' };

    if (!wantAnsible) result.ansible = { skipped: 'not in ROLLOUT_TOOLS' };
    else if (spawnSync('sh', ['-c', 'command -v ansible-playbook'], { stdio: 'ignore' }).status !== 0) {
      result.ansible = { skipped: 'ansible-playbook is not installed (Debian: apt-get install -y ansible-core)' };
    } else {
      // known_hosts holds keys the engine has met: one `ocactl status` round meets them all (checked against the inventory's fingerprints).
      const met = await api.jobs.exec({ selection: { all: true }, argv: ['ocactl', 'status'], concurrency: 50, timeoutMs: 60_000 });
      await engine.jobs.wait(met.id);
      const ssh = writeOpenSshTrust(dir, (await engine.deps.vault.get(FLEET_KEY))!, (await api.net.exportKnownHosts({ hashed: false })).content);
      const username = (await api.net.settings({})).username;
      const sshOpts = `-i ${ssh.keyFile} ${ssh.options.join(' ')}`;
      const inventory = join(dir, 'inventory.ini');
      writeAnsibleInventory(inventory, appliances, username, (a) => `lab_ip=${a.ipv4} lab_port=${a.sshPort} lab_user=${username}`);
      const batches = batchSizes(N, CANARY, WAVES);
      writeFileSync(
        join(dir, 'vars.json'),
        JSON.stringify({
          image_path: forAnsible.path,
          image_name: forAnsible.name,
          image_sha256: forAnsible.sha256,
          image_version: forAnsible.version,
          batches,
          max_fail: BUDGET_PCT,
          ssh_opts: sshOpts,
          staging_dir: DEFAULT_STAGING_DIR,
          wait_retries: 300,
        }),
      );
      const env = ansibleEnv(dir, ssh, 300, {
        ANSIBLE_FORKS: String(FORKS),
        PYTHONUNBUFFERED: '1',
        ANSIBLE_RETRY_FILES_ENABLED: 'False',
        // No pseudo-terminal for raw (ssh -tt): appliances answer exec requests, a TTY adds nothing.
        ANSIBLE_SSH_USETTY: 'False',
        ANSIBLE_LOCALHOST_WARNING: 'False',
        ANSIBLE_INVENTORY_UNPARSED_WARNING: 'False',
      });
      const sampler = new Sampler(appliances);
      const t0 = performance.now();
      // Each host's end (its Undrain result), as the playbook prints it: the basis of the extrapolation when capped.
      const finishedAt: number[] = [];
      let capped = false;
      const run = await new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
        const child = spawn('ansible-playbook', [...(process.env['ROLLOUT_ANSIBLE_ARGS'] ?? '').split(' ').filter(Boolean), '-i', inventory, '-e', `@${join(dir, 'vars.json')}`, join(import.meta.dirname, 'rollout-playbook.yml')], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
        let out = '';
        let err = '';
        let partial = '';
        let task = '';
        let lastLog = 0;
        child.stdout.on('data', (d: Buffer) => {
          const text = d.toString();
          out += text;
          const lines = (partial + text).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) {
            const header = /^TASK \[(.*)\]/.exec(line);
            if (header) task = header[1]!;
            else if (task === 'Undrain' && /^(changed|ok): \[/.test(line)) finishedAt.push((performance.now() - t0) / 1000);
          }
          if (Date.now() - lastLog > 30_000) {
            lastLog = Date.now();
            log(`ansible: ${finishedAt.length}/${N} updated after ${round((performance.now() - t0) / 1000, 0)} s (task ${task})`);
          }
        });
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        const timer = setTimeout(() => {
          capped = true;
          // Its whole process group: the forks (and their ssh) too.
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            child.kill('SIGKILL');
          }
        }, ANSIBLE_CAP_S * 1000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, out, err });
        });
      });
      const wallSeconds = (performance.now() - t0) / 1000;
      const sampled = await sampler.stop();
      if (process.env['ROLLOUT_ANSIBLE_LOG']) writeFileSync(process.env['ROLLOUT_ANSIBLE_LOG'], run.out + run.err);
      // PLAY RECAP: a host that ran every changing step (stage, drain, activate, reboot, commit, undrain) without failing is updated.
      const recap = [...run.out.matchAll(/^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm)];
      const updated = recap.filter((m) => Number(m[3]) >= 6 && m[4] === '0' && m[5] === '0').length;
      const failed = recap.filter((m) => m[4] !== '0' || m[5] !== '0').length;
      if (run.code !== 0) log(`ansible-playbook exited ${run.code}; stderr tail: ${run.err.slice(-1500)}\nstdout tail: ${run.out.slice(-1500)}`);
      let extrapolation: Record<string, unknown> | undefined;
      let reported = wallSeconds;
      if (capped) {
        // Killed at the cap: the rest at the pace of the run's second half (its large batches; the
        // small canary and first batches at its start were slower per host, so this does not flatter Ansible).
        const half = wallSeconds / 2;
        const late = finishedAt.filter((t) => t >= half).length;
        const perSecond = late / (wallSeconds - half);
        const rest = N - finishedAt.length;
        reported = perSecond > 0 ? wallSeconds + rest / perSecond : Number.POSITIVE_INFINITY;
        extrapolation = {
          note: `ansible-playbook was stopped at the cap of ${ANSIBLE_CAP_S} s; wallSeconds is extrapolated: the ${rest} hosts left at the pace of the run's second half`,
          measuredSeconds: round(wallSeconds),
          updatedByCap: finishedAt.length,
          hostsPerSecondSecondHalf: round(perSecond, 3),
        };
      }
      result.ansible = {
        wallSeconds: Number.isFinite(reported) ? round(reported) : null,
        ...(extrapolation ? { extrapolated: extrapolation } : {}),
        exitCode: run.code,
        updated: recap.length > 0 ? updated : finishedAt.length,
        failed,
        batches,
        forks: FORKS,
        perSiteViolations: sampled.perSiteViolations,
        ...(capped ? { perSiteViolationsNote: `counted over the ${round(wallSeconds, 0)} s measured, not extrapolated` } : {}),
        sampling: sampled,
      };
      log(`ansible: ${JSON.stringify(result.ansible)}`);
      closeAnsibleMasters(dir);
    }

    const f = result.fleetdeck as { wallSeconds?: number };
    const a = result.ansible as { wallSeconds?: number };
    result.ratio = {
      note: 'Ansible wall time / Fleetdeck wall time, same lab, same run (goal: at least 2)',
      ansibleOverFleetdeck: f.wallSeconds && a.wallSeconds ? round(a.wallSeconds / f.wallSeconds) : null,
    };
  } finally {
    await api.lab.stop({}).catch(() => undefined);
    engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:rollout failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
