/**
 * SSH to a factory-fresh appliance, before it has the fleet key: read the host key it presents
 * (no credential is offered), and log in as `oca` with the factory password (password, or
 * keyboard-interactive as OpenSSH with PAM asks for it) with the host key pinned to the one the
 * survey or an engineer vouched for. A key that does not match ends the connection inside the key
 * exchange, before the password is sent.
 */
import ssh2 from 'ssh2';
import type { ConnectConfig } from 'ssh2';
import { APPLIANCE_LOGIN_USER } from '../appliance/contract';
import { hostKeyFromBlob, type HostKey } from '../keys/host-key';
import { FleetError } from '../kit/errors';
import { refuseOffLoopback } from '../net/loopback-guard';

export interface FactoryEndpoint {
  serial: string;
  host: string;
  port: number;
}

export interface FactoryExec {
  stdout: string;
  exitCode: number | null;
}

export interface FactorySession {
  exec(argv: readonly string[], timeoutMs: number): Promise<FactoryExec>;
  end(): void;
}

const quote = (word: string) => (/^[A-Za-z0-9._/=:+@-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

function connectError(err: Error & { level?: string; code?: string }, endpoint: FactoryEndpoint): FleetError {
  if (err.level === 'client-authentication') {
    return new FleetError('E_AUTH', `${endpoint.serial} refused the factory credential (${endpoint.host}:${endpoint.port}).`);
  }
  if (err.level === 'client-timeout' || err.code === 'ETIMEDOUT') return new FleetError('E_TIMEOUT', `${endpoint.serial} did not finish the SSH handshake in time.`);
  return new FleetError('E_UNREACHABLE', `${endpoint.serial} is not reachable at ${endpoint.host}:${endpoint.port} (${err.code ?? err.message}).`);
}

function abortable<T>(signal: AbortSignal, client: ssh2.Client, work: Promise<T>): Promise<T> {
  if (signal.aborted) {
    client.destroy();
    return Promise.reject(new FleetError('E_CANCELLED', 'Cancelled.'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      client.destroy();
      reject(new FleetError('E_CANCELLED', 'Cancelled.'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The host key the appliance presents, read in the key exchange; nothing is offered to it. */
export function presentedHostKey(endpoint: FactoryEndpoint, timeoutMs: number, signal: AbortSignal): Promise<HostKey> {
  refuseOffLoopback(endpoint.host, `SSH to ${endpoint.host}:${endpoint.port}`);
  const client = new ssh2.Client();
  const work = new Promise<HostKey>((resolve, reject) => {
    let seen: HostKey | null = null;
    client.on('error', (err: Error & { level?: string; code?: string }) => (seen ? resolve(seen) : reject(connectError(err, endpoint))));
    client.on('close', () => (seen ? resolve(seen) : reject(new FleetError('E_UNREACHABLE', `${endpoint.serial} closed the connection before showing its host key.`))));
    client.connect({
      host: endpoint.host,
      port: endpoint.port,
      username: APPLIANCE_LOGIN_USER,
      readyTimeout: timeoutMs,
      hostVerifier: (blob: Buffer) => {
        seen = hostKeyFromBlob(blob);
        // Refuse it: this connection only reads the key.
        return false;
      },
    });
  });
  return abortable(signal, client, work).finally(() => client.destroy());
}

/** Log in with the factory password; the host key must be `fingerprint`. */
export function factoryLogin(endpoint: FactoryEndpoint, fingerprint: string, password: string, timeoutMs: number, signal: AbortSignal): Promise<FactorySession> {
  refuseOffLoopback(endpoint.host, `SSH to ${endpoint.host}:${endpoint.port}`);
  const client = new ssh2.Client();
  let mismatch: FleetError | null = null;
  const config: ConnectConfig = {
    host: endpoint.host,
    port: endpoint.port,
    username: APPLIANCE_LOGIN_USER,
    password,
    tryKeyboard: true,
    readyTimeout: timeoutMs,
    hostVerifier: (blob: Buffer) => {
      const key = hostKeyFromBlob(blob);
      if (key.fingerprint === fingerprint) return true;
      mismatch = new FleetError(
        'E_HOSTKEY_MISMATCH',
        `${endpoint.serial} presented ${key.fingerprint}, not the key ${fingerprint} checked before; the factory password was not sent.`,
        { expected: fingerprint, presented: key.fingerprint },
      );
      return false;
    },
  };
  client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => password)));
  const work = new Promise<FactorySession>((resolve, reject) => {
    client.once('ready', () =>
      resolve({
        exec: (argv, execTimeoutMs) => execOn(client, argv, execTimeoutMs, endpoint),
        end: () => client.end(),
      }),
    );
    // `on`, not `once`: a refused login can be followed by a reset; a second 'error' with no listener would end the engine.
    client.on('error', (err: Error & { level?: string; code?: string }) => reject(mismatch ?? connectError(err, endpoint)));
    client.once('close', () => reject(mismatch ?? new FleetError('E_UNREACHABLE', `${endpoint.serial} closed the connection during the login.`)));
  });
  client.connect(config);
  return abortable(signal, client, work).catch((err: unknown) => {
    client.destroy();
    throw err;
  });
}

function execOn(client: ssh2.Client, argv: readonly string[], timeoutMs: number, endpoint: FactoryEndpoint): Promise<FactoryExec> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new FleetError('E_TIMEOUT', `${endpoint.serial} did not answer "${argv.slice(0, 3).join(' ')}" in ${timeoutMs} ms.`)), timeoutMs);
    client.exec(argv.map(quote).join(' '), (err, stream) => {
      if (err) {
        clearTimeout(timer);
        return reject(new FleetError('E_UNREACHABLE', `${endpoint.serial} refused a command channel: ${err.message}`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let exitCode: number | null = null;
      stream.on('data', (d: Buffer) => {
        size += d.length;
        if (size <= 1024 * 1024) chunks.push(d);
      });
      stream.stderr.on('data', () => undefined);
      stream.on('exit', (code: number | null) => (exitCode = code));
      stream.on('close', () => {
        clearTimeout(timer);
        resolve({ stdout: Buffer.concat(chunks).toString('utf8'), exitCode });
      });
    });
  });
}
