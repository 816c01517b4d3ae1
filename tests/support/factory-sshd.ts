/**
 * A factory-fresh reference agent behind Debian's real OpenSSH sshd, with a factory PASSWORD login.
 *
 * sshd checks passwords through PAM against system accounts, which a test must not create on a
 * shared machine. So each agent's sshd runs in its own mount namespace (`unshare --mount`, private
 * propagation) where two files are bind-mounted over the host's, for that sshd only:
 *   - /etc/passwd: the host's accounts plus the appliance's login user `oca` (an unused uid, home
 *     in the temp dir): the account exists only inside the namespace, and no password is stored
 *     for it anywhere on the host;
 *   - /etc/pam.d/sshd: `auth required pam_exec.so expose_authtok <node> resources/agent/ocactl-auth
 *     password --state DIR`: the agent decides whether a password logs in (its factory password,
 *     while password login is on), as a real appliance's own tooling would;
 * and sshd takes keys from the agent too (AuthorizedKeysCommand `ocactl-auth keys %u`), so the
 * fleet key that `ocactl access add-key` installs is what the real sshd accepts. The agent's HTTP
 * daemon (factory-fresh from `--factory-password-file`) runs as `oca` so that both sides share the
 * state folder. Everything disappears with the processes and the temp dir; nothing on the host
 * changes. Needs root (sshd privilege separation, PAM, mount namespaces): see agentSshdUnavailable.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { APPLIANCE_LOGIN_USER } from '../../main/appliance/contract';
import { freePort } from './loopback';
import { SSHD } from './sshd';
import { tempDir } from './temp-dir';
import { until } from './wait';

const ROOT = resolve(import.meta.dirname, '../..');
const AGENT_BIN = join(ROOT, 'resources', 'agent');
const PAM_EXEC = ['/lib/x86_64-linux-gnu/security/pam_exec.so', '/lib/aarch64-linux-gnu/security/pam_exec.so', '/usr/lib/security/pam_exec.so', '/lib/security/pam_exec.so'];
const PRIVSEP_DIR = '/run/sshd';

let unavailable: string | null | undefined;

/** Why a factory agent behind sshd cannot run here, or null when it can. */
export function agentSshdUnavailable(): string | null {
  if (unavailable !== undefined) return unavailable;
  unavailable = (() => {
    if (process.platform !== 'linux') return 'needs Linux (mount namespaces, PAM)';
    if (!existsSync(SSHD)) return `${SSHD} is missing (apt-get install openssh-server)`;
    if (process.getuid?.() !== 0) return 'needs root: sshd checks passwords through PAM and the test gives it a private /etc/passwd in a mount namespace';
    if (!PAM_EXEC.some((p) => existsSync(p))) return 'pam_exec.so is missing (apt-get install libpam-modules)';
    const probe = spawnSync('unshare', ['--mount', '--', '/bin/sh', '-c', 'mount --bind /etc/hostname /etc/hostname'], { stdio: 'pipe' });
    if (probe.error || probe.status !== 0) return `mount namespaces are not available here (unshare --mount: ${probe.error?.message ?? probe.stderr.toString().trim()})`;
    if (readFileSync('/etc/passwd', 'utf8').split('\n').some((l) => l.startsWith(`${APPLIANCE_LOGIN_USER}:`))) return `this host already has a user ${APPLIANCE_LOGIN_USER}`;
    return null;
  })();
  return unavailable;
}

/** An unused uid (and gid) for the namespace's `oca`. */
function freeUid(): number {
  const used = new Set(readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => Number(l.split(':')[2])));
  for (const l of readFileSync('/etc/group', 'utf8').split('\n')) used.add(Number(l.split(':')[2]));
  let uid = 47_000;
  while (used.has(uid)) uid++;
  return uid;
}

export interface AgentSshdOptions {
  serial: string;
  factoryPassword: string;
  /** The factory host key (private, OpenSSH text). */
  hostKey: string;
  /** The agent's clock speed (BGP settles in 10 s of lab time). */
  speed?: number;
}

export interface FactoryAgent {
  serial: string;
  host: '127.0.0.1';
  sshPort: number;
  apiPort: number;
  stateDir: string;
  /** What sshd logged (LogLevel VERBOSE: each authentication). */
  readonly log: string;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  return Promise.race([exited, new Promise<void>((r) => setTimeout(r, 5000))]).then(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
}

/** Makes the agent's CLI build current as root, once: sshd's hooks and `oca` only read it. */
export function buildAgent(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-cli.mjs'), '--if-stale'], { stdio: 'pipe' });
}

export async function startFactoryAgent(options: AgentSshdOptions): Promise<FactoryAgent> {
  const dir = tempDir('fleetdeck-agent-sshd-');
  // oca reaches its state folder and home through it (nothing in it is listable by others).
  chmodSync(dir, 0o711);
  const uid = freeUid();
  const stateDir = join(dir, 'state');
  const home = join(dir, 'home');
  for (const d of [stateDir, home]) {
    mkdirSync(d, { recursive: true, mode: 0o755 });
    chownSync(d, uid, uid);
  }
  const file = (name: string) => join(dir, name);
  const node = process.execPath;
  const auth = join(AGENT_BIN, 'ocactl-auth');

  // The agent's HTTP daemon, as oca: it sets the state folder up factory-fresh.
  const apiPort = await freePort();
  writeFileSync(file('factory-password'), options.factoryPassword, { mode: 0o600 });
  chownSync(file('factory-password'), uid, uid);
  const httpd = spawn(
    node,
    [join(AGENT_BIN, 'ocactl-httpd'), '--port', String(apiPort), '--host', '127.0.0.1', '--serial', options.serial, '--speed', String(options.speed ?? 30), '--factory-password-file', file('factory-password')],
    { uid, gid: uid, cwd: home, env: { PATH: `${dirname(node)}:/usr/bin:/bin`, OCACTL_STATE_DIR: stateDir, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let httpdOut = '';
  httpd.stdout!.on('data', (d: Buffer) => (httpdOut += d.toString()));
  httpd.stderr!.on('data', (d: Buffer) => (httpdOut += d.toString()));
  let sshd: ChildProcess | null = null;
  let log = '';
  const stop = async () => {
    await stopChild(sshd);
    await stopChild(httpd);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(
      () => {
        if (httpd.exitCode !== null) throw new Error(`ocactl-httpd exited: ${httpdOut}`);
        return httpdOut.includes('listening');
      },
      'the agent daemon',
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    rmSync(file('factory-password'));

    // The namespace's passwd and PAM configuration.
    const passwd = readFileSync('/etc/passwd', 'utf8').replace(/\n?$/, '\n') + `${APPLIANCE_LOGIN_USER}:x:${uid}:${uid}:Fleetdeck reference agent:${home}:/bin/sh\n`;
    writeFileSync(file('passwd'), passwd, { mode: 0o644 });
    writeFileSync(
      file('pam-sshd'),
      [
        `auth     required pam_exec.so quiet expose_authtok ${node} ${auth} password --state ${stateDir}`,
        'account  required pam_permit.so',
        'session  required pam_permit.so',
        'password required pam_deny.so',
      ].join('\n') + '\n',
      { mode: 0o644 },
    );
    writeFileSync(file('host_key'), options.hostKey.endsWith('\n') ? options.hostKey : `${options.hostKey}\n`, { mode: 0o600 });
    const sshPort = await freePort();
    const config = [
      `Port ${sshPort}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${file('host_key')}`,
      `PidFile ${file('sshd.pid')}`,
      `AllowUsers ${APPLIANCE_LOGIN_USER}`,
      'PubkeyAuthentication yes',
      'AuthorizedKeysFile none',
      `AuthorizedKeysCommand ${node} ${auth} keys %u --state ${stateDir}`,
      `AuthorizedKeysCommandUser ${APPLIANCE_LOGIN_USER}`,
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication yes',
      'UsePAM yes',
      'PermitRootLogin no',
      'StrictModes no',
      'LogLevel VERBOSE',
      `SetEnv PATH=${AGENT_BIN}:${dirname(node)}:/usr/local/bin:/usr/bin:/bin OCACTL_STATE_DIR=${stateDir}`,
    ];
    writeFileSync(file('sshd_config'), config.join('\n') + '\n');
    if (!existsSync(PRIVSEP_DIR)) mkdirSync(PRIVSEP_DIR, { recursive: true, mode: 0o755 });
    sshd = spawn(
      'unshare',
      ['--mount', '--', '/bin/sh', '-c', 'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/pam.d/sshd && exec "$3" -D -e -f "$4"', 'sh', file('passwd'), file('pam-sshd'), SSHD, file('sshd_config')],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    sshd.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const running = sshd;
    await until(
      () => {
        if (running.exitCode !== null) throw new Error(`sshd exited with ${running.exitCode}: ${log}`);
        return /Server listening on 127\.0\.0\.1/.test(log);
      },
      `sshd on 127.0.0.1:${sshPort}`,
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    return {
      serial: options.serial,
      host: '127.0.0.1',
      sshPort,
      apiPort,
      stateDir,
      get log() {
        return log;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
