/**
 * The reference agent's restricted shell behind Debian's OpenSSH sshd (ForceCommand
 * resources/agent/ocactl-shell): the real `ssh -tt` client types into it (line editing, a refused
 * command, Ctrl-C, Ctrl-D), `ssh host CMD` runs one command through the same restrictions with its
 * exit status, and the engine's pool opens a pty session on it, resizes it and reads the output.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initAgent } from '../../main/lab/agent/store';
import { generateEd25519 } from '../../main/keys/openssh-keygen';
import { SshPool, type SshRoute } from '../../main/net/ssh-pool';
import { startSshd, sshdUnavailable, type RunningSshd } from '../support/sshd';
import { tempDir } from '../support/temp-dir';
import { until } from '../support/wait';

const ROOT = resolve(import.meta.dirname, '../..');
const SHELL = join(ROOT, 'resources/agent/ocactl-shell');
const skipReason = sshdUnavailable() ?? (existsSync('/usr/bin/ssh') ? null : 'the OpenSSH client (/usr/bin/ssh) is missing');
if (skipReason) console.log(`SKIPPED the agent's restricted shell behind OpenSSH sshd: ${skipReason}`);

describe.skipIf(skipReason !== null)("the agent's restricted shell behind OpenSSH sshd", { timeout: 90_000 }, () => {
  const client = generateEd25519('terminal-sshd-client');
  const host = generateEd25519('terminal-sshd-host');
  let dir = '';
  let keyFile = '';
  let sshd: RunningSshd;
  let pool: SshPool;
  let route: SshRoute;

  beforeAll(async () => {
    // The shell runs from the CLI build: make it current once here, not inside sshd's session.
    execFileSync(process.execPath, [join(ROOT, 'scripts/build-cli.mjs'), '--if-stale'], { stdio: 'pipe' });
    dir = tempDir('fleetdeck-terminal-sshd-');
    const stateDir = join(dir, 'ocactl');
    initAgent(stateDir, { serial: 'AGT-TERM' });
    writeFileSync(join(stateDir, 'staging', 'fw-26.10.img'), Buffer.alloc(1234));
    keyFile = join(dir, 'id_ed25519');
    writeFileSync(keyFile, client.privateKey, { mode: 0o600 });
    sshd = await startSshd({
      hostKey: host.privateKey,
      authorizedKeys: [client.publicKey],
      env: { PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, OCACTL_STATE_DIR: stateDir },
      config: [`ForceCommand ${SHELL}`],
    });
    pool = new SshPool({ auth: { kind: 'fleet-key', load: async () => ({ privateKey: Buffer.from(client.privateKey) }) }, hostKeys: { verify: async () => undefined } });
    route = { target: { label: 'AGT-TERM', host: '127.0.0.1', port: sshd.port, username: sshd.user }, via: [] };
  }, 60_000);

  afterAll(async () => {
    pool?.close();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const sshArgs = (...extra: string[]) => [
    '-i', keyFile, '-p', String(sshd.port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes',
    ...extra, `${sshd.user}@127.0.0.1`,
  ];

  it('ssh -tt: a prompt, ocactl, line editing, a refused command, Ctrl-C and Ctrl-D', async () => {
    const ssh = spawn('ssh', sshArgs('-tt'), { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    ssh.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    ssh.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const exited = new Promise<number | null>((r) => ssh.once('exit', (code) => r(code)));
    const seen = (pattern: RegExp) => until(() => pattern.test(out), `${pattern} from ssh -tt (got ${JSON.stringify(out.slice(-300))})`, { timeoutMs: 20_000 });
    try {
      await seen(/restricted appliance shell[\s\S]*\$ $/);
      ssh.stdin.write('ocactl sta\x7f\x7ftatus\r');
      await seen(/"serial":"AGT-TERM"/);
      ssh.stdin.write('ls -l\r');
      await seen(/1234 fw-26\.10\.img/);
      ssh.stdin.write('bash -i\r');
      await seen(/bash: not available in this restricted shell/);
      ssh.stdin.write('half a line');
      await seen(/\$ half a line$/);
      ssh.stdin.write('\x03');
      await seen(/half a line\^C\r\n/);
      ssh.stdin.write('\x04');
      expect(await exited).toBe(0);
      expect(out).toContain('logout');
    } finally {
      ssh.kill();
    }
  });

  it('ssh host CMD runs one command through the same restrictions, with its status', () => {
    const ok = spawnSync('ssh', [...sshArgs(), 'ocactl', 'status'], { encoding: 'utf8', timeout: 30_000 });
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, result: { serial: 'AGT-TERM' } });
    const refused = spawnSync('ssh', [...sshArgs(), 'cat', '/etc/shadow'], { encoding: 'utf8', timeout: 30_000 });
    expect(refused.status).toBe(1);
    expect(refused.stdout).toMatch(/cat: only \/var\/log\/ocactl\.log can be read here/);
    const other = spawnSync('ssh', [...sshArgs(), 'sh', '-c', 'id'], { encoding: 'utf8', timeout: 30_000 });
    expect(other.status).toBe(127);
  });

  it("the engine's pool opens a pty session on it, types, resizes and reads", async () => {
    const channel = await pool.shell(route, { cols: 90, rows: 20 }, { timeoutMs: 20_000 });
    let out = '';
    channel.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const exit = new Promise<number | null>((r) => channel.once('exit', (code: number | null) => r(code)));
    await until(() => /\$ $/.test(out), 'the prompt', { timeoutMs: 20_000 });
    channel.setWindow(40, 120, 0, 0);
    channel.write('uptime\r');
    await until(() => /up \d/.test(out), 'uptime', { timeoutMs: 20_000 });
    // sshd sets the new size on the pty and the shell reads it there.
    channel.write('stty size\r');
    await until(() => /\n40 120\r?\n/.test(out), 'the new size from stty size', { timeoutMs: 20_000 });
    channel.write('exit 5\r');
    expect(await exit).toBe(5);
  });
});
