/**
 * A real OpenSSH sshd for interop tests: Debian's /usr/sbin/sshd in the foreground (-D -e) on a
 * free loopback port, as the user running the tests, with its own temp directory for the config,
 * the host key, authorized_keys and the pid file. Public keys only (no passwords, no PAM).
 * Everything sshd logs is kept in `log` (LogLevel DEBUG1 shows each authentication request).
 *
 *   const reason = sshdUnavailable();
 *   const sshd = await startSshd({ hostKey, authorizedKeys: [client.publicKey], config: ['Subsystem sftp internal-sftp'] });
 *   ... ssh to 127.0.0.1:sshd.port as sshd.user ...
 *   await sshd.stop();
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './loopback';
import { tempDir } from './temp-dir';
import { until } from './wait';

export const SSHD = '/usr/sbin/sshd';
/** sshd's privilege separation directory (Debian's path). */
const PRIVSEP_DIR = '/run/sshd';

/** Why a real sshd cannot run here, or null when it can. `needsRoot`: the test logs in as other users or forwards. */
export function sshdUnavailable(options: { needsRoot?: boolean } = {}): string | null {
  if (!existsSync(SSHD)) return `${SSHD} is missing (apt-get install openssh-server)`;
  if (options.needsRoot && process.getuid?.() !== 0) return 'sshd needs root here for privilege separation';
  return null;
}

export type SshdLogLevel = 'QUIET' | 'FATAL' | 'ERROR' | 'INFO' | 'VERBOSE' | 'DEBUG1' | 'DEBUG2' | 'DEBUG3';

export interface SshdOptions {
  /** The host's private key (OpenSSH or PEM text); clients see its fingerprint. */
  hostKey: string;
  /** Public keys allowed to log in, one authorized_keys line each. */
  authorizedKeys: readonly string[];
  /** Environment of every session (sshd_config SetEnv), e.g. PATH. */
  env?: Readonly<Record<string, string>>;
  /** Default ERROR. */
  logLevel?: SshdLogLevel;
  /**
   * More sshd_config lines (Subsystem, AllowTcpForwarding, ...). They come after the defaults, and
   * sshd keeps the first value it reads for most keywords: use them to add, not to override.
   */
  config?: readonly string[];
  /** How long sshd may take to answer on its port; default 30 s (a loaded CI machine). */
  startTimeoutMs?: number;
}

export interface RunningSshd {
  host: '127.0.0.1';
  port: number;
  /** The login name: the user running the tests (a real appliance's is `oca`). */
  user: string;
  /** sshd's own temp directory (removed by stop). */
  dir: string;
  /** Everything sshd has logged so far. */
  readonly log: string;
  stop(): Promise<void>;
}

/** `SetEnv NAME=value ...`, double-quoting values with spaces. */
function setEnvLine(env: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(env).map(([name, value]) => (/[\s"]/.test(value) ? `${name}="${value.replace(/"/g, '\\"')}"` : `${name}=${value}`));
  return `SetEnv ${pairs.join(' ')}`;
}

/** Resolves once something on 127.0.0.1:port speaks SSH (sends its `SSH-2.0-` banner). */
function answersSsh(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let seen = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    // sshd re-executes itself for each connection before its banner: seconds on a loaded machine.
    socket.setTimeout(5000, () => done(false));
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (seen.includes('\n')) done(seen.startsWith('SSH-2.0-'));
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}

/**
 * Starts sshd; the port freePort() picked can be taken by another process before sshd binds it
 * (tests run in parallel), so a start whose sshd exits at once is tried again on another port.
 */
export async function startSshd(options: SshdOptions): Promise<RunningSshd> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startSshdOnce(options);
    } catch (err) {
      if (attempt >= 3 || !(err instanceof SshdExited)) throw err;
    }
  }
}

/** sshd ended before it answered (for example: its port was taken meanwhile). */
class SshdExited extends Error {}

async function startSshdOnce(options: SshdOptions): Promise<RunningSshd> {
  const dir = tempDir('fleetdeck-sshd-');
  const port = await freePort();
  const file = (name: string) => join(dir, name);
  writeFileSync(file('host_key'), options.hostKey.endsWith('\n') ? options.hostKey : `${options.hostKey}\n`, { mode: 0o600 });
  writeFileSync(file('authorized_keys'), options.authorizedKeys.map((k) => k.trim()).join('\n') + '\n', { mode: 0o600 });
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${file('host_key')}`,
    `PidFile ${file('sshd.pid')}`,
    `AuthorizedKeysFile ${file('authorized_keys')}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // The temp dir and its files belong to the test user, not to the login user's home.
    'StrictModes no',
    'PermitRootLogin prohibit-password',
    `LogLevel ${options.logLevel ?? 'ERROR'}`,
    // Sessions get a HOME of their own: the login user's shell start-up files belong to the test
    // machine, not to an appliance (root's ~/.bashrc here runs pyenv's init: 4 s before every command).
    setEnvLine({ HOME: file('home'), ...options.env }),
    ...(options.config ?? []),
  ];
  mkdirSync(file('home'), { mode: 0o700 });
  writeFileSync(file('sshd_config'), config.join('\n') + '\n');
  if (!existsSync(PRIVSEP_DIR)) mkdirSync(PRIVSEP_DIR, { recursive: true, mode: 0o755 });

  const child = spawn(SSHD, ['-D', '-e', '-f', file('sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;

  const stop = async () => {
    if (running()) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (running()) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };

  let exitedEarly = false;
  try {
    await until(
      async () => {
        if (!running()) {
          exitedEarly = true;
          throw new Error(`sshd exited with ${child.exitCode ?? child.signalCode}`);
        }
        return answersSsh(port);
      },
      `sshd on 127.0.0.1:${port}`,
      { timeoutMs: options.startTimeoutMs ?? 30_000, intervalMs: 50 },
    );
  } catch (err) {
    await stop();
    const message = `sshd did not start: ${(err as Error).message}\n${log}`;
    throw exitedEarly ? new SshdExited(message) : new Error(message);
  }

  return {
    host: '127.0.0.1',
    port,
    user: userInfo().username,
    dir,
    get log() {
      return log;
    },
    stop,
  };
}
