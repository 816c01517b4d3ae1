/**
 * HTTP to appliances behind jump hosts. Each request rides a direct-tcpip channel (ssh2's
 * `forwardOut`, as OpenSSH's ProxyJump does) that the SSH pool opens over ITS connection to the
 * last bastion of the chain (SshPool.forwardOut): a job and a health sweep through the same
 * bastion share one SSH connection, with the pool's host-key checks, credentials and idle close.
 * `httpAgent(via)` is a keep-alive http.Agent whose sockets are those channels: a poller gets the
 * same reuse through a bastion as it gets directly (one channel per appliance, reused sweep after
 * sweep). A channel the agent holds free for its `timeout` is closed by the agent; the bastion
 * connection closes when the pool's idle time passes with no channel or command on it.
 *
 * A bastion that could not be connected is remembered for `failureHoldMs`, so the appliances
 * behind a dead bastion fail fast instead of each dialling it (a channel the bastion refused is
 * that appliance's failure only).
 */
import { Agent, type AgentOptions, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { FleetError } from '../kit/errors';
import { chainKey, type SshEndpoint, type SshPool } from './ssh-pool';

export interface SshTunnelsOptions {
  /** The pool whose bastion connections carry the channels, asked at each channel (it may be replaced). */
  pool: () => SshPool;
  /** A failed connection attempt is remembered this long: the appliances behind a dead bastion fail fast. */
  failureHoldMs?: number;
}

export class SshTunnels {
  private readonly pool: () => SshPool;
  private readonly failureHoldMs: number;
  private readonly agents = new Map<string, TunnelAgent>();
  /** Chains whose bastion could not be connected a moment ago, with why. */
  private readonly failed = new Map<string, { error: unknown; until: number }>();
  private closed = false;

  constructor(options: SshTunnelsOptions) {
    this.pool = options.pool;
    this.failureHoldMs = options.failureHoldMs ?? 2_000;
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

  /** A channel from the last bastion of `via` to host:port, over the pool's connection to it. */
  async forwardOut(via: readonly SshEndpoint[], host: string, port: number): Promise<ClientChannel> {
    if (this.closed) throw new FleetError('E_UNAVAILABLE', 'The SSH tunnels are closed.');
    const key = chainKey(via);
    const held = this.failed.get(key);
    if (held && held.until > Date.now()) throw held.error;
    this.failed.delete(key);
    const pool = this.pool();
    try {
      return await pool.forwardOut(via, host, port);
    } catch (err) {
      // No connection to the bastion: remembered briefly. A channel it refused is this call's alone.
      if (!pool.snapshot().some((l) => l.key === key)) this.failed.set(key, { error: err, until: Date.now() + this.failureHoldMs });
      throw err;
    }
  }

  /** Open bastion connections of the chains this carries, with how many channels (and inner hops) each carries. */
  snapshot(): Array<{ key: string; channels: number }> {
    return this.pool()
      .snapshot()
      .filter((l) => this.agents.has(l.key))
      .map((l) => ({ key: l.key, channels: l.users }));
  }

  /** Drops the agents (and the channels they hold); the bastion connections are the pool's. */
  close(): void {
    this.closed = true;
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
    this.failed.clear();
  }
}

/** A keep-alive http.Agent whose sockets are channels through one bastion chain. */
class TunnelAgent extends Agent {
  /** Its sockets are channels from a bastion, not connections from this machine (see loopback-guard.ts). */
  readonly throughBastion = true;
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
    // As net.Socket: setTimeout(0, cb) removes cb (http's client does so after each response),
    // so a channel reused sweep after sweep does not pile up 'timeout' listeners.
    if (onTimeout) {
      if (ms > 0) channel.once('timeout', onTimeout);
      else channel.removeListener('timeout', onTimeout);
    }
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
