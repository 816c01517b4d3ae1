/**
 * OpenSSH interop: the reference appliance agent behind Debian's real sshd. sshd runs on a loopback
 * port as the current user with a temporary config (its own host key, AuthorizedKeysFile pointing
 * at a temp file, PATH set so `ocactl` resolves, internal-sftp). The same contract the lab speaks
 * through ssh2 must work through OpenSSH: exec, SFTP upload into the staging folder, and HTTP to the
 * agent's daemon.
 *
 * Login user: a real appliance logs in as `oca`; here the test logs in as the user running it
 * (root in CI containers) rather than creating a system user.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFirmwareImage } from '../../main/appliance/image';
import { parseHttpReply, parseOcactlReply } from '../../main/appliance/replies';
import { generateEd25519 } from '../../main/keys/openssh-keygen';
import { http, sftpPut, sshExec, type SshTarget } from '../../main/lab/testing';
import { freePort } from '../support/loopback';
import { startSshd, sshdUnavailable, type RunningSshd } from '../support/sshd';
import { tempDir } from '../support/temp-dir';
import { until } from '../support/wait';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const AGENT_BIN = join(ROOT, 'resources', 'agent');
/** The agent's clock speed: a lab reboot (90 s) lasts 18 real seconds. */
const SPEED = 5;
const skipReason = sshdUnavailable();
if (skipReason) console.log(`SKIPPED openssh-agent interop: ${skipReason}`);

describe.skipIf(skipReason !== null)('reference agent behind OpenSSH sshd', () => {
  const client = generateEd25519('interop-client');
  const host = generateEd25519('interop-host');
  let dir: string;
  let stateDir: string;
  let sshd: RunningSshd | null = null;
  let httpd: ChildProcess | null = null;
  let target: SshTarget;
  let apiPort = 0;

  beforeAll(async () => {
    dir = tempDir('fleetdeck-interop-');
    stateDir = join(dir, 'ocactl');
    apiPort = await freePort();

    httpd = spawn(join(AGENT_BIN, 'ocactl-httpd'), ['--port', String(apiPort), '--host', '127.0.0.1', '--serial', 'AGT-INTEROP', '--speed', String(SPEED)], {
      env: { ...process.env, OCACTL_STATE_DIR: stateDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let httpdOut = '';
    httpd.stdout!.on('data', (d: Buffer) => (httpdOut += d.toString()));
    httpd.stderr!.on('data', (d: Buffer) => (httpdOut += d.toString()));
    await until(() => httpdOut.includes('listening'), `the agent daemon (${httpdOut})`, { timeoutMs: 20_000, intervalMs: 100 });

    sshd = await startSshd({
      hostKey: host.privateKey,
      authorizedKeys: [client.publicKey],
      env: { PATH: `${AGENT_BIN}:${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, OCACTL_STATE_DIR: stateDir },
      config: ['Subsystem sftp internal-sftp'],
    });
    target = { port: sshd.port, privateKey: client.privateKey, username: sshd.user, readyTimeout: 30_000 };
  }, 60_000);

  afterAll(async () => {
    await sshd?.stop();
    httpd?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs ocactl through sshd and presents the configured host key', async () => {
    const out = await sshExec(target, 'ocactl status');
    expect(out.code, out.stdout + out.stderr + sshd!.log).toBe(0);
    expect(out.hostFingerprint).toBe(host.fingerprint);
    const status = parseOcactlReply('status', out.stdout);
    expect(status.serial).toBe('AGT-INTEROP');
    expect(status.firmware.stagingDir).toBe(join(stateDir, 'staging'));
    // Quoting through a real shell: remote words arrive intact.
    const set = await sshExec(target, "ocactl config set 'hostname=agent-interop.test'");
    expect(parseOcactlReply('config set', set.stdout).config.hostname).toBe('agent-interop.test');
    const bad = await sshExec(target, 'ocactl diag memory');
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.code).toBe('E_USAGE');
  });

  it('uploads firmware over OpenSSH SFTP into the staging folder, and ocactl checks and activates it', async () => {
    const status = parseOcactlReply('status', (await sshExec(target, 'ocactl status')).stdout);
    const image = buildFirmwareImage('26.2.0', Buffer.alloc(300_000, 5));
    await sftpPut(target, `${status.firmware.stagingDir}/oca-26.2.0.img`, image);
    expect(readFileSync(join(stateDir, 'staging', 'oca-26.2.0.img')).equals(image)).toBe(true);
    const check = parseOcactlReply('firmware stage-check', (await sshExec(target, 'ocactl firmware stage-check oca-26.2.0.img')).stdout);
    expect(check).toMatchObject({ valid: true, version: '26.2.0', bytes: image.length });
    const activated = parseOcactlReply('firmware activate', (await sshExec(target, 'ocactl firmware activate oca-26.2.0.img')).stdout);
    expect(activated).toEqual({ slot: 'B', version: '26.2.0', rebootRequired: true });
  });

  it('serves the HTTP API from the agent daemon, sharing state with ocactl', async () => {
    const res = await http(apiPort, 'GET', '/v1/health');
    expect(parseHttpReply('GET /v1/health', res.status, res.body).serial).toBe('AGT-INTEROP');
    const metrics = await http(apiPort, 'GET', '/v1/metrics');
    expect(parseHttpReply('GET /v1/metrics', metrics.status, metrics.body).servingGbps).toBeGreaterThanOrEqual(0);
    const fill = await http(apiPort, 'POST', '/v1/fill', { items: [{ contentId: 'interop-1', bytes: 1e9, source: 'origin' }] });
    const job = parseHttpReply('POST /v1/fill', fill.status, fill.body);
    // The fill shows up to ocactl in the other process.
    const logs = parseOcactlReply('logs', (await sshExec(target, 'ocactl logs --limit 5')).stdout);
    expect(logs.entries.some((e) => e.message.includes(job.id))).toBe(true);
  });

  it('a reboot through ocactl takes the HTTP side down until the appliance is back', { timeout: 120_000 }, async () => {
    const reboot = parseOcactlReply('reboot', (await sshExec(target, 'ocactl reboot')).stdout);
    expect(reboot.bootSlot).toBe('B');
    // The agent drops connections while it reboots, as an appliance would: reset, not any failure.
    await expect(http(apiPort, 'GET', '/v1/health')).rejects.toMatchObject({ code: 'ECONNRESET' });
    const down = await sshExec(target, 'ocactl status');
    expect(JSON.parse(down.stdout).error.code).toBe('E_UNAVAILABLE');
    // 90 s of boot at clock speed 5: eighteen real seconds, so a slow ocactl start (tsx, sshd, on a loaded
    // machine: six seconds were seen not to be enough) still lands inside the reboot.
    await until(async () => (await http(apiPort, 'GET', '/v1/health').catch(() => null))?.status === 200, 'the agent to boot', { timeoutMs: 60_000, intervalMs: 100 });
    const status = parseOcactlReply('status', (await sshExec(target, 'ocactl status')).stdout);
    expect(status.firmware).toMatchObject({ active: 'B', runningVersion: '26.2.0', trial: true });
  });
});
