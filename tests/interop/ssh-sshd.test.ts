/**
 * Interop with a real OpenSSH sshd on a loopback port: every key type the fleet key may be,
 * a passphrase-protected key, ssh-agent, hostile argv through the login shell, a jump host,
 * ssh-keyscan's hashed known_hosts, and a host-key mismatch refused before authentication.
 * Needs /usr/sbin/sshd and root (sshd's privilege separation); otherwise SKIPPED with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FleetError } from '../../main/kit/errors';
import { SshPool, type HostKeyPolicy, type SshAuth, type SshEndpoint } from '../../main/net/ssh-pool';
import { lookupKnownHost, parseKnownHosts } from '../../main/net/known-hosts';
import { startTestSshServer, type TestSshServer } from '../../main/net/test-ssh-server';
import { startSshd, sshdUnavailable, type RunningSshd } from '../support/sshd';
import { tempDir } from '../support/temp-dir';
import { until } from '../support/wait';

const skipReason = sshdUnavailable({ needsRoot: true });
if (skipReason) console.log(`SKIPPED: OpenSSH interop: ${skipReason}`);

function keygen(dir: string, name: string, args: string[], passphrase = ''): { pem: string; pub: string; fingerprint: string } {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', ...args, '-N', passphrase, '-C', name, '-f', file]);
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${file}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  return { pem: readFileSync(file, 'utf8'), pub: readFileSync(`${file}.pub`, 'utf8').trim(), fingerprint };
}

describe.skipIf(skipReason !== null)('OpenSSH sshd interop', () => {
  /** The client keys (and the ssh-agent socket); sshd keeps its own files in sshd.dir. */
  let dir = '';
  let sshd: RunningSshd;
  let hostFingerprint = '';
  let agent: ChildProcess | null = null;
  let behind: TestSshServer;
  const keys: Record<string, { pem: string; pub: string; fingerprint: string; passphrase?: string }> = {};
  const pools: SshPool[] = [];

  const policy = (expected: Record<string, string>): HostKeyPolicy => ({
    async verify(endpoint, key) {
      if (expected[endpoint.label] !== key.fingerprint) {
        throw new FleetError('E_HOSTKEY_MISMATCH', `host key of ${endpoint.label} changed`, { expected: expected[endpoint.label] ?? '(none)', presented: key.fingerprint });
      }
    },
  });
  const sshdEndpoint = (label = 'OCA-SSHD'): SshEndpoint => ({ label, host: sshd.host, port: sshd.port, username: sshd.user });
  const pool = (auth: SshAuth, expected: Record<string, string> = { 'OCA-SSHD': hostFingerprint }) => {
    const p = new SshPool({ auth, hostKeys: policy(expected), retries: 0 });
    pools.push(p);
    return p;
  };
  const keyAuth = (k: { pem: string; passphrase?: string }): SshAuth => ({
    kind: 'fleet-key',
    load: async () => (k.passphrase ? { privateKey: Buffer.from(k.pem), passphrase: Buffer.from(k.passphrase) } : { privateKey: Buffer.from(k.pem) }),
  });

  beforeAll(async () => {
    dir = tempDir('fleetdeck-sshd-keys-');
    keys.ed25519 = keygen(dir, 'id_ed25519', ['-t', 'ed25519']);
    keys.ecdsa = keygen(dir, 'id_ecdsa', ['-t', 'ecdsa', '-b', '256']);
    keys.rsa = keygen(dir, 'id_rsa', ['-t', 'rsa', '-b', '3072']);
    keys.locked = { ...keygen(dir, 'id_locked', ['-t', 'ed25519'], 's3cret phrase'), passphrase: 's3cret phrase' };
    const host = keygen(dir, 'host_ed25519', ['-t', 'ed25519']);
    hostFingerprint = host.fingerprint;
    sshd = await startSshd({
      hostKey: host.pem,
      authorizedKeys: Object.values(keys).map((k) => k.pub),
      logLevel: 'DEBUG1',
      config: ['AllowTcpForwarding yes'],
    });
    behind = await startTestSshServer({ authorizedKeys: [keys.ed25519.pub] });
  });

  afterAll(async () => {
    for (const p of pools) p.close();
    await behind?.close();
    await sshd?.stop();
    agent?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const type of ['ed25519', 'ecdsa', 'rsa', 'locked']) {
    it(`logs in with a ${type === 'locked' ? 'passphrase-protected ed25519' : type} key`, async () => {
      const result = await pool(keyAuth(keys[type]!)).exec({ target: sshdEndpoint(), via: [] }, ['id', '-un']);
      expect(result).toMatchObject({ exitCode: 0, stdout: `${sshd.user}\n` });
    });
  }

  it('delivers hostile argv intact through the login shell of a real sshd', async () => {
    const hostile = ['a;rm -rf /', '$(reboot)', '`reboot`', "it's", '"q"', 'two\nlines', '', '*', '$HOME', '!x', '\\'];
    const result = await pool(keyAuth(keys.ed25519!)).exec({ target: sshdEndpoint(), via: [] }, ['printf', '%s\\0', ...hostile]);
    expect(result.stdout.split('\0').slice(0, -1)).toEqual(hostile);
  });

  it('authenticates through ssh-agent (SSH_AUTH_SOCK)', async () => {
    const socket = join(dir, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    await until(() => existsSync(socket), 'the ssh-agent socket', { timeoutMs: 20_000, intervalMs: 50 });
    execFileSync('ssh-add', [join(dir, 'id_ecdsa')], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
    const result = await pool({ kind: 'agent', socket }).exec({ target: sshdEndpoint(), via: [] }, ['echo', 'via agent']);
    expect(result.stdout).toBe('via agent\n');
  });

  it('uses the real sshd as a jump host (ProxyJump), one bastion connection for several calls', async () => {
    const p = pool(keyAuth(keys.ed25519!), { 'bastion:sshd': hostFingerprint, BEHIND: behind.hostKeyFingerprint });
    const route = { target: { label: 'BEHIND', host: '127.0.0.1', port: behind.port, username: 'fleet' }, via: [sshdEndpoint('bastion:sshd')] };
    const runs = await Promise.all([p.exec(route, ['echo', 'a']), p.exec(route, ['echo', 'b'])]);
    expect(runs.map((r) => r.stdout)).toEqual(['a\n', 'b\n']);
    expect(p.opened.get(`${sshd.user}@127.0.0.1:${sshd.port}`)).toBe(1);
    expect(behind.stats.forwards).toEqual([]); // the bastion forwarded, the appliance did not
    expect(behind.stats.connections).toBe(1);
  });

  it('reads the hashed known_hosts that ssh-keyscan -H writes', () => {
    const text = execFileSync('ssh-keyscan', ['-H', '-t', 'ed25519', '-p', String(sshd.port), '127.0.0.1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(text).toContain('|1|');
    const { entries } = parseKnownHosts(text);
    expect(lookupKnownHost(entries, '127.0.0.1', sshd.port).keys.map((k) => k.fingerprint)).toEqual([hostFingerprint]);
  });

  it('refuses a mismatched host key before any authentication attempt reaches sshd', async () => {
    const otherFingerprint = 'SHA256:' + Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '');
    const mark = sshd.log.length;
    const err = await pool(keyAuth(keys.ed25519!), { 'OCA-SSHD': otherFingerprint })
      .exec({ target: sshdEndpoint(), via: [] }, ['true'])
      .catch((e: unknown) => e);
    expect((err as FleetError).code).toBe('E_HOSTKEY_MISMATCH');
    expect((err as FleetError).details).toEqual({ expected: otherFingerprint, presented: hostFingerprint });
    // sshd's log comes through a pipe, late on a loaded machine: wait until it has logged our connection's end.
    await until(() => /remote software version ssh2js[\s\S]*(Disconnected from|Connection closed by) 127\.0\.0\.1/.test(sshd.log.slice(mark)), 'sshd to log the refused connection');
    const during = sshd.log.slice(mark);
    expect(during).toMatch(/Connection from 127\.0\.0\.1/);
    expect(during).not.toMatch(/userauth-request|Accepted publickey|Failed publickey/);
    // The same log shows auth requests when the key is right, so the check above can fail.
    const mark2 = sshd.log.length;
    await pool(keyAuth(keys.ed25519!)).exec({ target: sshdEndpoint(), via: [] }, ['true']);
    await until(() => /userauth-request/.test(sshd.log.slice(mark2)), 'sshd to log the authentication request');
  });
});
