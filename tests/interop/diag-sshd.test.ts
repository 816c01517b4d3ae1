/**
 * Diagnostics against the reference agent behind Debian's OpenSSH sshd: the same checks as the lab
 * (main/lab/ocactl.ts is shared), taking real time, the throughput test measuring bytes pushed over
 * the loopback, and faults toggled on the agent (`ocactl agent-fault`) showing in the right check
 * with their detail; read by the engine's interpretation into the same structured results.
 */
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOcactlReply } from '../../main/appliance/replies';
import { interpret } from '../../main/diagnostics/interpret';
import { DIAG_CHECK_MS, THROUGHPUT_TEST_BYTES } from '../../main/lab/diag-probes';
import { initAgent } from '../../main/lab/agent/store';
import { generateEd25519 } from '../../main/keys/openssh-keygen';
import { SshPool, type SshRoute } from '../../main/net/ssh-pool';
import { startSshd, sshdUnavailable, type RunningSshd } from '../support/sshd';
import { tempDir } from '../support/temp-dir';

const AGENT_BIN = resolve(import.meta.dirname, '../../resources/agent');
const skipReason = sshdUnavailable() ?? (existsSync(join(AGENT_BIN, 'ocactl')) ? null : 'resources/agent/ocactl missing');
if (skipReason) console.log(`SKIPPED diagnostics through OpenSSH sshd: ${skipReason}`);

describe.skipIf(skipReason !== null)('diagnostics on the reference agent behind OpenSSH sshd', { timeout: 180_000 }, () => {
  const client = generateEd25519('diag-sshd-client');
  const host = generateEd25519('diag-sshd-host');
  let dir = '';
  let sshd: RunningSshd;
  let pool: SshPool;
  let route: SshRoute;

  const ocactl = async (...argv: string[]) => {
    const out = await pool.exec(route, ['ocactl', ...argv], { timeoutMs: 60_000 });
    return out;
  };
  const diag = async (check: string) => {
    const started = Date.now();
    const out = await ocactl('diag', check);
    expect(out.exitCode, out.stdout).toBe(0);
    return { reply: parseOcactlReply('diag', out.stdout), wallMs: Date.now() - started };
  };

  beforeAll(async () => {
    dir = tempDir('fleetdeck-diag-sshd-');
    const stateDir = join(dir, 'ocactl');
    initAgent(stateDir, { serial: 'AGT-DIAG' });
    sshd = await startSshd({
      hostKey: host.privateKey,
      authorizedKeys: [client.publicKey],
      env: { PATH: `${AGENT_BIN}:${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, OCACTL_STATE_DIR: stateDir },
    });
    pool = new SshPool({ auth: { kind: 'fleet-key', load: async () => ({ privateKey: Buffer.from(client.privateKey) }) }, hostKeys: { verify: async () => undefined } });
    route = { target: { label: 'AGT-DIAG', host: '127.0.0.1', port: sshd.port, username: sshd.user }, via: [] };
  }, 60_000);

  afterAll(async () => {
    pool?.close();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a healthy agent: checks take time and throughput is measured over the loopback', async () => {
    const disk = await diag('disk');
    expect(disk.reply).toMatchObject({ check: 'disk', status: 'OK', details: { failedDisks: 0 } });
    expect(disk.reply.durationMs).toBeGreaterThanOrEqual(DIAG_CHECK_MS.disk);
    expect(disk.wallMs).toBeGreaterThanOrEqual(DIAG_CHECK_MS.disk);
    const t = await diag('throughput');
    expect(t.reply.status).toBe('OK');
    expect(t.reply.details).toMatchObject({ testBytes: THROUGHPUT_TEST_BYTES });
    expect(t.reply.details.measuredGbps).toBeGreaterThan(0);
    expect(interpret(t.reply, new Date().toISOString())).toMatchObject({ unit: 'Gbps', value: t.reply.details.measuredGbps, action: null });
  });

  it('disk-failure, bgp-down and nic-errors on the agent show in their checks with the detail', async () => {
    for (const fault of ['disk-failure', 'bgp-down', 'nic-errors']) expect((await ocactl('agent-fault', fault)).exitCode).toBe(0);
    try {
      const disk = interpret((await diag('disk')).reply, new Date().toISOString());
      expect(disk).toMatchObject({ status: 'Error', details: { failedDevice: 'sdc', failedBay: 3 } });
      expect(disk.action).toMatch(/RMA for disk sdc in bay 3/);
      const bgp = interpret((await diag('bgp')).reply, new Date().toISOString());
      expect(bgp).toMatchObject({ status: 'Error', details: { state: 'Idle', lastError: 'Hold timer expired' } });
      const nic = interpret((await diag('nic')).reply, new Date().toISOString());
      expect(nic).toMatchObject({ status: 'Error', details: { faultyInterface: 'eth0' } });
    } finally {
      for (const fault of ['disk-failure', 'bgp-down', 'nic-errors']) await ocactl('agent-fault', fault, '--off');
    }
  });
});
