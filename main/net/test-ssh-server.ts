/**
 * A real ssh2 SSH server on 127.0.0.1 for net/ tests: its own ed25519 host key, public-key auth
 * against given keys, commands run through a real `sh -c` (as sshd does), direct-tcpip forwarding
 * (so it can be a bastion), and switches for the failures tests need (stall, drop). It counts
 * connections and authentication attempts so tests can prove what the client did and did not do.
 */
import { spawn } from 'node:child_process';
import { connect as tcpConnect, type AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import ssh2 from 'ssh2';
import type { Connection, ParsedKey, Server as SshServer } from 'ssh2';
import { fingerprintOf } from '../keys/host-key';
import { sshPair } from '../keys/openssh-keygen';

export interface TestSshServerOptions {
  /** Public keys (OpenSSH `type base64` lines or PEM) allowed to log in. */
  authorizedKeys: string[];
  /** Host key (OpenSSH PEM); a fresh ed25519 key when omitted. */
  hostKey?: string;
  /** Refuse the client mid-way instead of running commands. */
  mode?: 'normal' | 'stall-exec' | 'drop-exec';
  /**
   * Where a direct-tcpip request for host:port really goes: the bastion's own view of the network
   * (an address only it can reach). As requested when omitted.
   */
  forwardTo?: (host: string, port: number) => { host: string; port: number };
}

export interface TestSshServer {
  port: number;
  hostKeyPem: string;
  hostKeyFingerprint: string;
  /** `type base64` of the host key. */
  hostPublicKey: string;
  stats: { connections: number; authAttempts: number; execs: string[]; forwards: string[] };
  mode: NonNullable<TestSshServerOptions['mode']>;
  close(): Promise<void>;
}

function parse(key: string): ParsedKey {
  const parsed = ssh2.utils.parseKey(key);
  if (parsed instanceof Error) throw parsed;
  return Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
}

export async function startTestSshServer(options: TestSshServerOptions): Promise<TestSshServer> {
  const hostKeyPem = options.hostKey ?? sshPair().private;
  const hostKey = parse(hostKeyPem);
  const allowed = options.authorizedKeys.map(parse);
  const connections = new Set<Connection>();
  const sockets = new Set<import('node:net').Socket>();

  const state: TestSshServer = {
    port: 0,
    hostKeyPem,
    hostKeyFingerprint: fingerprintOf(hostKey.getPublicSSH()),
    hostPublicKey: `${hostKey.type} ${hostKey.getPublicSSH().toString('base64')}`,
    stats: { connections: 0, authAttempts: 0, execs: [], forwards: [] },
    mode: options.mode ?? 'normal',
    close: async () => {},
  };

  const server: SshServer = new ssh2.Server({ hostKeys: [hostKeyPem] }, (client) => {
    state.stats.connections++;
    connections.add(client);
    client.on('close', () => connections.delete(client));
    client.on('error', () => {});
    client.on('authentication', (ctx) => {
      state.stats.authAttempts++;
      if (ctx.method !== 'publickey') {
        ctx.reject(['publickey']);
        return;
      }
      const match = allowed.find(
        (k) => k.type === ctx.key.algo && timingSafeEqual(k.getPublicSSH(), ctx.key.data.length === k.getPublicSSH().length ? ctx.key.data : Buffer.alloc(k.getPublicSSH().length)),
      );
      if (!match) {
        ctx.reject(['publickey']);
        return;
      }
      if (!ctx.signature) {
        ctx.accept();
        return;
      }
      if (ctx.blob && match.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) ctx.accept();
      else ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      client.on('tcpip', (accept, reject, info) => {
        state.stats.forwards.push(`${info.destIP}:${info.destPort}`);
        const to = options.forwardTo?.(info.destIP, info.destPort) ?? { host: info.destIP, port: info.destPort };
        const upstream = tcpConnect(to.port, to.host);
        upstream.once('error', () => reject());
        upstream.once('connect', () => {
          const channel = accept();
          channel.pipe(upstream).pipe(channel);
          channel.on('close', () => upstream.destroy());
          upstream.on('close', () => channel.close());
          upstream.removeAllListeners('error');
          upstream.on('error', () => channel.close());
        });
      });
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (acceptExec, _reject, info) => {
          state.stats.execs.push(info.command);
          const channel = acceptExec();
          if (state.mode === 'stall-exec') return;
          if (state.mode === 'drop-exec') {
            channel.write('partial output\n');
            setTimeout(() => client.end(), 20);
            return;
          }
          const child = spawn('sh', ['-c', info.command], { stdio: ['pipe', 'pipe', 'pipe'] });
          child.stdout.pipe(channel, { end: false });
          child.stderr.pipe(channel.stderr, { end: false });
          channel.on('data', (d: Buffer) => child.stdin.write(d));
          channel.on('end', () => child.stdin.end());
          channel.on('close', () => child.kill('SIGKILL'));
          child.on('close', (code, signal) => {
            if (signal) channel.exit(signal.replace(/^SIG/, ''), false, '');
            else channel.exit(code ?? 0);
            channel.end();
          });
        });
      });
    });
  });

  server.on('connection', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.port = (server.address() as AddressInfo).port;
  // Track raw sockets so close() can end stalled clients too.
  const raw = (server as unknown as { _srv: import('node:net').Server })._srv;
  raw.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const c of connections) c.end();
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}
