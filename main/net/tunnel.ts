/**
 * HTTP to appliances behind jump hosts. Each request rides a direct-tcpip channel (ssh2's
 * `forwardOut`, as OpenSSH's ProxyJump does) over ONE SSH connection per bastion chain, shared by
 * every appliance behind that bastion and kept open across sweeps. `httpAgent(via)` is a keep-alive
 * http.Agent whose sockets are those channels: a poller gets the same reuse through a bastion as
 * it gets directly (one channel per appliance, reused sweep after sweep).
 *
 * Host keys of the bastions are checked by the injected policy inside ssh2's hostVerifier, before
 * any credential is offered, exactly as the SSH pool does. A bastion connection nobody has used
 * (no channel open) for `idleMs` is closed; a channel a keep-alive agent holds free for its
 * `timeout` is closed by the agent.
 *
 * Why not the SSH pool's bastion connection: SshPool (ssh-pool.ts) exposes commands, not channels.
 * When it grows a public `forwardOut`, `forwardOut` here can ride its links instead.
 */
import { Agent, type AgentOptions, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { Client as SshClient, ClientChannel, ConnectConfig } from 'ssh2';
import { FleetError } from '../api/errors';
import type { Logger } from '../store/log';
import { silentLogger } from '../store/log';
import type { FleetCredential } from './fleet-key';
import { hostKeyFromBlob } from './host-key';
import type { HostKeyPolicy, SshAuth, SshEndpoint } from './ssh-pool';
import { openSshSocket } from './ssh-socket';

export interface SshTunnelsOptions {
  /** Asked when a connection opens (settings may change; a missing agent socket throws E_AUTH). */
  auth: () => SshAuth;
  hostKeys: HostKeyPolicy;
  connectTimeoutMs?: number;
  keepaliveMs?: number;
  /** A bastion connection with no channel open for this long is closed. */
  idleMs?: number;
  /** A failed connection attempt is remembered this long: the appliances behind a dead bastion fail fast. */
  failureHoldMs?: number;
  log?: Logger;
}

interface Hop {
  key: string;
  label: string;
  client: SshClient;
  /** Channels open on this connection (forwarded HTTP sockets and inner bastions' connections). */
  channels: number;
  idleTimer: NodeJS.Timeout | null;
  closed: boolean;
}

const DEFAULTS = { connectTimeoutMs: 15_000, keepaliveMs: 15_000, idleMs: 60_000, failureHoldMs: 2_000 };
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

const endpointKey = (e: SshEndpoint) => `${e.username}@${e.host}:${e.port}`;
const chainKey = (via: readonly SshEndpoint[]) => via.map(endpointKey).join(' > ');

export class SshTunnels {
  private readonly options: Required<Omit<SshTunnelsOptions, 'log'>> & { log: Logger };
  /** Connections by chain key: opening, open, or failed a moment ago. */
  private readonly hops = new Map<string, Promise<Hop>>();
  /** Hops that are connected now. */
  private readonly live = new Map<string, Hop>();
  private readonly agents = new Map<string, TunnelAgent>();
  private credential: Promise<FleetCredential> | null = null;
  private closed = false;
  /** SSH connections opened since start, per chain key (tests and benches read it). */
  readonly opened = new Map<string, number>();

  constructor(options: SshTunnelsOptions) {
    this.options = { ...DEFAULTS, log: silentLogger, ...options };
  }

  /**
   * A keep-alive HTTP agent whose connections are channels through `via` (outermost bastion
   * first), one per chain, kept for the next call. Requests name the appliance's address and API
   * port as the bastion sees them.
   */
  httpAgent(via: readonly SshEndpoint[], options: AgentOptions = { keepAlive: true, maxSockets: 2, scheduling: 'lifo', timeout: 60_000 }): Agent {
    if (via.length === 0) throw new FleetError('E_VALIDATION', 'A tunnel needs at least one jump host.');
    const key = chainKey(via);
    let agent = this.agents.get(key);
    if (!agent) this.agents.set(key, (agent = new TunnelAgent(this, [...via], options)));
    return agent;
  }

  /** A channel from the last bastion of `via` to host:port, over the chain's shared connection. */
  async forwardOut(via: readonly SshEndpoint[], host: string, port: number): Promise<ClientChannel> {
    if (this.closed) throw new FleetError('E_UNAVAILABLE', 'The SSH tunnels are closed.');
    const hop = await this.hop(via);
    return this.channel(hop, host, port, `${host}:${port}`);
  }

  /** Open bastion connections by chain key, with how many channels each carries. */
  snapshot(): Array<{ key: string; channels: number }> {
    return [...this.live.values()].map((h) => ({ key: h.key, channels: h.channels }));
  }

  close(): void {
    this.closed = true;
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
    for (const hop of this.live.values()) hop.client.end();
    this.live.clear();
    this.hops.clear();
  }

  private hop(via: readonly SshEndpoint[]): Promise<Hop> {
    const key = chainKey(via);
    const existing = this.hops.get(key);
    if (existing) return existing;
    const opening = this.open(via, key);
    this.hops.set(key, opening);
    const forgetNow = () => {
      if (this.hops.get(key) === opening) this.hops.delete(key);
    };
    opening.then((hop) => (hop.closed ? forgetNow() : hop.client.once('close', forgetNow)), () => {
      // Remembered briefly, so every appliance behind a dead bastion does not dial it again.
      setTimeout(forgetNow, this.options.failureHoldMs).unref();
    });
    return opening;
  }

  private async open(via: readonly SshEndpoint[], key: string): Promise<Hop> {
    const endpoint = via[via.length - 1]!;
    let parent: Hop | null = null;
    let sock: ClientChannel | undefined;
    if (via.length > 1) {
      parent = await this.hop(via.slice(0, -1));
      sock = await this.channel(parent, endpoint.host, endpoint.port, endpoint.label);
    }
    let client: SshClient;
    try {
      client = await this.handshake(endpoint, sock, parent);
    } catch (err) {
      sock?.destroy();
      throw err;
    }
    const hop: Hop = { key, label: endpoint.label, client, channels: 0, idleTimer: null, closed: false };
    this.opened.set(key, (this.opened.get(key) ?? 0) + 1);
    client.on('close', () => {
      hop.closed = true;
      if (hop.idleTimer) clearTimeout(hop.idleTimer);
      if (this.live.get(key) === hop) this.live.delete(key);
      sock?.destroy();
    });
    if (this.closed) {
      client.end();
      throw new FleetError('E_UNAVAILABLE', 'The SSH tunnels closed while a bastion connection opened.');
    }
    this.live.set(key, hop);
    this.armIdle(hop);
    return hop;
  }

  private channel(hop: Hop, host: string, port: number, what: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      if (hop.closed) {
        reject(new FleetError('E_UNREACHABLE', `The connection to the bastion ${hop.label} is gone.`));
        return;
      }
      this.touch(hop, +1);
      const failed = (message: string) => {
        this.touch(hop, -1);
        reject(new FleetError('E_UNREACHABLE', message));
      };
      try {
        hop.client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
          if (err) return failed(`The bastion ${hop.label} could not reach ${what}: ${err.message}.`);
          stream.once('close', () => this.touch(hop, -1));
          resolve(stream);
        });
      } catch (err) {
        failed(`The connection to the bastion ${hop.label} is gone: ${(err as Error).message}.`);
      }
    });
  }

  private touch(hop: Hop, delta: number): void {
    hop.channels = Math.max(0, hop.channels + delta);
    if (hop.channels > 0) {
      if (hop.idleTimer) clearTimeout(hop.idleTimer);
      hop.idleTimer = null;
    } else this.armIdle(hop);
  }

  private armIdle(hop: Hop): void {
    if (hop.closed || hop.channels > 0) return;
    if (hop.idleTimer) clearTimeout(hop.idleTimer);
    hop.idleTimer = setTimeout(() => hop.client.end(), this.options.idleMs);
    hop.idleTimer.unref();
  }

  private async authConfig(): Promise<Partial<ConnectConfig>> {
    const auth = this.options.auth();
    if (auth.kind === 'agent') return { agent: auth.socket };
    this.credential ??= auth.load().catch((err: unknown) => {
      this.credential = null;
      throw err;
    });
    const credential = await this.credential;
    return credential.passphrase ? { privateKey: credential.privateKey, passphrase: credential.passphrase.toString() } : { privateKey: credential.privateKey };
  }

  private async handshake(endpoint: SshEndpoint, sock: Duplex | undefined, parent: Hop | null): Promise<SshClient> {
    const auth = await this.authConfig();
    const client = new ssh2.Client();
    let refusal: FleetError | null = null;
    let tcpConnected = sock !== undefined;
    const where = parent ? ` (through ${parent.label})` : '';
    const config: ConnectConfig = {
      host: endpoint.host,
      port: endpoint.port,
      username: endpoint.username,
      readyTimeout: this.options.connectTimeoutMs,
      keepaliveInterval: this.options.keepaliveMs,
      keepaliveCountMax: 3,
      ...auth,
      hostVerifier: (blob: Buffer, verify: (ok: boolean) => void) => {
        this.options.hostKeys.verify(endpoint, hostKeyFromBlob(blob)).then(
          () => verify(true),
          (err: unknown) => {
            refusal = err instanceof FleetError ? err : new FleetError('E_HOSTKEY_UNKNOWN', `The host key of ${endpoint.label} could not be checked.`);
            verify(false);
          },
        );
      },
    };
    // Nagle off and one writev per turn (ssh-socket.ts): small HTTP exchanges on many channels
    // must not wait for delayed ACKs behind each other.
    config.sock = sock ?? openSshSocket(endpoint.host, endpoint.port);
    client.on('error', (err) => this.options.log.warn('ssh tunnel error', { bastion: endpoint.label, error: err.message }));
    return new Promise<SshClient>((resolve, reject) => {
      client.once('connect', () => (tcpConnected = true));
      client.once('ready', () => resolve(client));
      client.once('error', (err: Error & { level?: string; code?: string }) => {
        client.end();
        if (refusal) return reject(refusal);
        if (err.level === 'client-authentication') {
          return reject(new FleetError('E_AUTH', `The bastion ${endpoint.label} refused the fleet's SSH credentials for user ${endpoint.username}${where}.`));
        }
        if (err.level === 'client-timeout') {
          return reject(
            tcpConnected
              ? new FleetError('E_TIMEOUT', `The bastion ${endpoint.label} accepted the connection but did not complete the SSH handshake in time${where}.`)
              : new FleetError('E_UNREACHABLE', `The bastion ${endpoint.label} (${endpoint.host}:${endpoint.port}) did not answer${where}.`),
          );
        }
        const code = err.code && UNREACHABLE_CODES.has(err.code) ? `: ${err.code}` : `: ${err.message}`;
        reject(new FleetError('E_UNREACHABLE', `The bastion ${endpoint.label} (${endpoint.host}:${endpoint.port}) is unreachable${code}${where}.`));
      });
      client.once('close', () => reject(refusal ?? new FleetError('E_UNREACHABLE', `The bastion ${endpoint.label} closed the connection during the handshake${where}.`)));
      client.connect(config);
    });
  }
}

/** A keep-alive http.Agent whose sockets are channels through one bastion chain. */
class TunnelAgent extends Agent {
  constructor(
    private readonly tunnels: SshTunnels,
    private readonly via: readonly SshEndpoint[],
    options: AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const host = options.host ?? options.hostname ?? 'localhost';
    const port = Number(options.port ?? 80);
    this.tunnels.forwardOut(this.via, host, port).then(
      (channel) => callback?.(null, asSocket(channel)),
      (err: unknown) => callback?.(err instanceof Error ? err : new Error(String(err)), undefined as unknown as Duplex),
    );
    return undefined;
  }
}

/**
 * What http's client and Agent call on a socket, on a channel: keep-alive and no-delay mean
 * nothing inside SSH (the bastion connection has its own keepalive); `setTimeout` is an idle timer
 * that emits 'timeout', so the agent closes a channel it held free for its `timeout`.
 */
function asSocket(channel: ClientChannel): Duplex {
  let timer: NodeJS.Timeout | null = null;
  const socket = channel as ClientChannel & Record<string, unknown>;
  socket['setTimeout'] = (ms: number, onTimeout?: () => void) => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (onTimeout) channel.once('timeout', onTimeout);
    if (ms > 0) {
      timer = setTimeout(() => channel.emit('timeout'), ms);
      timer.unref();
    }
    return channel;
  };
  socket['setKeepAlive'] = () => channel;
  socket['setNoDelay'] = () => channel;
  socket['ref'] = () => channel;
  socket['unref'] = () => channel;
  socket['destroySoon'] = () => channel.destroy();
  channel.once('close', () => {
    if (timer) clearTimeout(timer);
  });
  return channel;
}
