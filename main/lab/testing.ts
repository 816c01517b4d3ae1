/**
 * Test support for the lab: a plain ssh2 client (exec, SFTP upload, host key capture) and a plain
 * HTTP GET/POST, so tests talk to lab appliances over real sockets exactly as an engineer's
 * tools would. Not used by the product.
 */
import { request } from 'node:http';
import ssh2 from 'ssh2';
import { fingerprintOf } from '../keys/host-key';

export interface SshTarget {
  port: number;
  privateKey: string;
  username?: string;
  host?: string;
  readyTimeout?: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
  hostFingerprint: string;
}

function connect(target: SshTarget): Promise<{ client: ssh2.Client; hostFingerprint: string }> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let hostFingerprint = '';
    client.once('ready', () => resolve({ client, hostFingerprint }));
    // Errors after the first (a reset after a timeout, ...) have nobody left to tell.
    client.on('error', (err) => reject(err));
    client.connect({
      host: target.host ?? '127.0.0.1',
      port: target.port,
      username: target.username ?? 'oca',
      privateKey: target.privateKey,
      readyTimeout: target.readyTimeout ?? 30_000,
      hostVerifier: (key: Buffer) => {
        hostFingerprint = fingerprintOf(key);
        return true;
      },
    });
  });
}

/** Run one command; rejects when the connection fails or is cut before the command finishes. */
export async function sshExec(target: SshTarget, command: string): Promise<ExecResult> {
  const { client, hostFingerprint } = await connect(target);
  try {
    return await new Promise<ExecResult>((resolve, reject) => {
      client.exec(command, (err, stream) => {
        if (err) return reject(err);
        let stdout = '';
        let stderr = '';
        let code: number | null = null;
        stream.on('data', (d: Buffer) => (stdout += d.toString()));
        stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        stream.on('exit', (c: number | null) => (code = c));
        stream.on('close', () => (code === null ? reject(new Error(`connection closed mid-command (got ${stdout.length} bytes)`)) : resolve({ stdout, stderr, code, hostFingerprint })));
        client.once('close', () => reject(new Error(`connection closed mid-command (got ${stdout.length} bytes)`)));
      });
    });
  } finally {
    client.end();
  }
}

/** Upload bytes over SFTP to a remote path. */
export async function sftpPut(target: SshTarget, remotePath: string, data: Buffer): Promise<void> {
  const { client } = await connect(target);
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('close', () => reject(new Error('connection closed mid-transfer')));
      client.sftp((err, sftp) => {
        if (err) return reject(err);
        const stream = sftp.createWriteStream(remotePath);
        stream.on('error', reject);
        stream.on('close', () => resolve());
        stream.end(data);
      });
    });
  } finally {
    client.end();
  }
}

/** The host key fingerprint an SSH server presents (no login needed). */
export function hostKeyFingerprint(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.on('error', (err) => reject(err));
    client.connect({
      host,
      port,
      username: 'probe',
      readyTimeout: 30_000,
      hostVerifier: (key: Buffer) => {
        resolve(fingerprintOf(key));
        return false;
      },
    });
  });
}

export interface HttpResult {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export function http(port: number, method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        timeout: timeoutMs,
        headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('response aborted')));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}
