/**
 * SSH to appliances: a pool of ssh2 connections, one per route (bastion chain + target), shared by
 * every operation on that route. Bounded concurrency, keepalive, idle close, per-operation
 * timeouts, cancellation, and reconnect with backoff for failures that happen before a command
 * is sent. A bastion connection is opened once and carries every appliance behind it
 * (direct-tcpip channels, as OpenSSH's ProxyJump does).
 *
 * Host keys are checked by the injected policy inside ssh2's hostVerifier, which runs during key
 * exchange: a refused key ends the connection before any credential is offered.
 */
import { refuseOffLoopback } from './loopback-guard';
import ssh2 from 'ssh2';
import type { Client as SshClient, ClientChannel, ConnectConfig, ParsedKey, PublicKeyAuthMethod, SFTPWrapper } from 'ssh2';
import type { Duplex } from 'node:stream';
import { FleetError } from '../kit/errors';
import type { Rng } from '../kit/time';
import { systemRng } from '../kit/time';
import type { Logger } from '../store/log';
import { silentLogger } from '../store/log';
import type { FleetCredential } from './fleet-key';
import { hostKeyFromBlob, type HostKey } from '../keys/host-key';
import { remoteCommand } from './remote-command';
import { withKeyObjects } from '../keys/ssh-key-objects';
import { abortReason, Slots } from './slots';

export interface SshEndpoint {
  /** Who this is in messages and trust decisions: an appliance serial, or `bastion:<name>`. */
  label: string;
  host: string;
  port: number;
  username: string;
}

export interface SshRoute {
  target: SshEndpoint;
  /** Bastions, outermost first: ProxyJump `a,b` is [a, b]. */
  via: readonly SshEndpoint[];
}

/** Decides whether a presented host key is trusted. Throws a FleetError to refuse it. */
export interface HostKeyPolicy {
  verify(endpoint: SshEndpoint, key: HostKey): Promise<void>;
}

export type SshAuth =
  | { kind: 'fleet-key'; load: () => Promise<FleetCredential> }
  /** socket: ssh2's `agent` option, a UNIX socket or Windows pipe path, or `pageant` (see ssh-agent.ts). */
  | { kind: 'agent'; socket: string };

export interface SshPoolOptions {
  auth: SshAuth;
  hostKeys: HostKeyPolicy;
  /** Operations (connect + command) in flight at once, across all routes. */
  maxConcurrent?: number;
  connectTimeoutMs?: number;
  keepaliveMs?: number;
  /** A connection nobody has used for this long is closed. */
  idleMs?: number;
  /** Extra connection attempts after a transient failure (refused, reset). */
  retries?: number;
  backoffMs?: number;
  rng?: Rng;
  log?: Logger;
}

export interface ExecOptions {
  /** Whole operation: waiting for a slot, connecting and the command. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Stdout and stderr together; past it the output is cut (truncated: true) or, with failOnOverflow, E_TOO_LARGE. */
  maxOutputBytes?: number;
  failOnOverflow?: boolean;
}

export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
}

interface Link {
  key: string;
  label: string;
  /** The host key this connection's server proved it holds (checked for `label` in the handshake). */
  hostKey: HostKey;
  client: SshClient;
  parent: Link | null;
  users: number;
  /** Not handed to new operations (timed out on it, or it closed). */
  retired: boolean;
  closed: boolean;
  idleTimer: NodeJS.Timeout | null;
  /** Commands running on it, told when it closes (one 'close' listener per link, not one per command). */
  onClose: Set<() => void>;
}

const DEFAULTS = {
  maxConcurrent: 64,
  connectTimeoutMs: 15_000,
  keepaliveMs: 15_000,
  idleMs: 60_000,
  retries: 2,
  backoffMs: 200,
};

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

function endpointKey(e: SshEndpoint): string {
  return `${e.username}@${e.host}:${e.port}`;
}

/** The pool's key for the connection to the last hop of `chain` (outermost first); snapshot() lists it. */
export function chainKey(chain: readonly SshEndpoint[]): string {
  return chain.map(endpointKey).join(' > ');
}

function routeChain(route: SshRoute): SshEndpoint[] {
  return [...route.via, route.target];
}

/** A failure before the command was sent: safe to try again on a new connection. */
class BeforeSend extends Error {
  constructor(override readonly cause: FleetError) {
    super(cause.message);
  }
}

export class SshPool {
  private readonly options: Required<Omit<SshPoolOptions, 'rng' | 'log'>> & { rng: Rng; log: Logger };
  private readonly links = new Map<string, Link>();
  /** Connections being opened, with how many operations wait for each. */
  private readonly pending = new Map<string, { link: Promise<Link>; waiters: number; abandon: AbortController }>();
  private readonly slots: Slots;
  private signingKey: Promise<ParsedKey> | null = null;
  private closed = false;
  private readonly callers = new CallerSignals();
  /** Connections opened since the pool was made, per route key (tests and benches read it). */
  readonly opened = new Map<string, number>();

  constructor(options: SshPoolOptions) {
    this.options = { ...DEFAULTS, rng: systemRng, log: silentLogger, ...options };
    this.slots = new Slots(this.options.maxConcurrent);
  }

  /** Run argv (quoted for the remote shell) on the route's target. */
  exec(route: SshRoute, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return this.execCommand(route, remoteCommand(argv), options);
  }

  /** Run a command line as given. Use exec(argv) unless the caller wrote the shell syntax itself. */
  async execCommand(route: SshRoute, command: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (this.closed) throw new FleetError('E_UNAVAILABLE', 'The SSH pool is closed.');
    const { signal, cleanup } = operationSignal(this.callers, route.target.label, options);
    try {
      const release = await this.slots.acquire(signal);
      try {
        return await this.withReconnect(route, signal, (link) => runCommand(link, command, route.target.label, options, signal));
      } finally {
        release();
      }
    } finally {
      cleanup();
    }
  }

  /** Open (or reuse) the connection to a route: host keys checked and logged in, nothing run. */
  async connect(route: SshRoute, options: Pick<ExecOptions, 'timeoutMs' | 'signal'> = {}): Promise<void> {
    const { signal, cleanup } = operationSignal(this.callers, route.target.label, options);
    try {
      const link = await this.acquireLink(routeChain(route), signal);
      this.releaseLink(link);
    } finally {
      cleanup();
    }
  }

  /**
   * A direct-tcpip channel from the last hop of `via` (outermost first) to host:port, as OpenSSH's
   * ProxyJump does, over the pool's own connection to that hop: the same host-key-checked link
   * that jobs to the appliances behind it ride. The channel holds one use of the link until it
   * closes (the link's idle timer starts after its last channel); a link that drops closes it.
   * `host:port` is named as the last hop sees it. A refused channel leaves the link as it was.
   */
  async forwardOut(via: readonly SshEndpoint[], host: string, port: number, options: Pick<ExecOptions, 'timeoutMs' | 'signal'> = {}): Promise<ClientChannel> {
    if (this.closed) throw new FleetError('E_UNAVAILABLE', 'The SSH pool is closed.');
    if (via.length === 0) throw new FleetError('E_VALIDATION', 'A forwarded channel needs at least one jump host.');
    const what = `${host}:${port}`;
    // Opening the forwarded channel is not bounded by timeoutMs/signal (reaching the bastion is).
    const { channel, release } = await this.channelOnLink(via, what, options, {
      open: (link) => forward(link, host, port, what),
      shut: (stream) => stream.destroy(),
      dropped: (link) => `The connection to the bastion ${link.label} dropped as the channel to ${what} opened.`,
    });
    channel.once('close', release);
    return channel;
  }

  /**
   * An SFTP session on the route's pooled connection (through its bastions, like exec): the same
   * host-key-checked link. The session holds one use of the link until `end()` (or the link drops,
   * which fails the session's pending requests). `timeoutMs` and `signal` bound opening it only.
   */
  async sftp(route: SshRoute, options: Pick<ExecOptions, 'timeoutMs' | 'signal'> = {}): Promise<SftpSession> {
    const label = route.target.label;
    let ended = false;
    let markClosed!: () => void;
    const whenClosed = new Promise<void>((resolve) => (markClosed = resolve));
    const { channel: sftp, release, link } = await this.channelOnLink(routeChain(route), label, options, {
      open: (l, signal) => raceAbort(openSftp(l, label), signal),
      shut: (s) => {
        ended = true;
        markClosed();
        s.end();
      },
      dropped: () => `The connection to ${label} dropped as SFTP opened.`,
    });
    const end = () => {
      if (ended) return;
      ended = true;
      markClosed();
      sftp.end();
      release();
    };
    return { sftp, end, closed: () => ended || link.closed, whenClosed };
  }

  /**
   * An interactive shell on a pty (an operator's terminal) over the route's pooled connection,
   * through its bastions, with the same host-key checks as exec. The channel holds one use of the
   * link until it closes; a link that drops closes it. `timeoutMs` and `signal` bound opening it only.
   * Not counted against the pool's concurrency: a terminal stays open for as long as its operator wants.
   */
  async shell(route: SshRoute, pty: { cols: number; rows: number; term?: string }, options: Pick<ExecOptions, 'timeoutMs' | 'signal'> = {}): Promise<ClientChannel> {
    const label = route.target.label;
    const { channel, release } = await this.channelOnLink(routeChain(route), label, options, {
      open: (link, signal) => raceAbort(openShell(link, label, pty), signal),
      shut: (stream) => stream.destroy(),
      dropped: () => `The connection to ${label} dropped as the terminal opened.`,
    });
    channel.once('close', release);
    return channel;
  }

  /**
   * Opens any channel (forwarded, SFTP, shell) on the chain's pooled link and holds one use of the
   * link while the channel lives. A channel that fails to open gives the use back; one that opened
   * as the link dropped is shut and refused (E_UNREACHABLE, `dropped`); a link that drops later
   * shuts the channel and gives the use back. The caller ties `release` (idempotent) to the
   * channel's own end. `timeoutMs` and `signal` bound reaching the link and whatever `open` races
   * against the signal it is given.
   */
  private async channelOnLink<C>(
    chain: readonly SshEndpoint[],
    label: string,
    options: Pick<ExecOptions, 'timeoutMs' | 'signal'>,
    how: { open(link: Link, signal: AbortSignal): Promise<C>; shut(channel: C): void; dropped(link: Link): string },
  ): Promise<{ channel: C; release: () => void; link: Link }> {
    if (this.closed) throw new FleetError('E_UNAVAILABLE', 'The SSH pool is closed.');
    const { signal, cleanup } = operationSignal(this.callers, label, options);
    let link: Link;
    let channel: C;
    try {
      link = await this.acquireLink(chain, signal);
      try {
        channel = await how.open(link, signal);
      } catch (err) {
        this.releaseLink(link);
        throw err;
      }
    } finally {
      cleanup();
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      link.onClose.delete(onLinkClose);
      this.releaseLink(link);
    };
    const onLinkClose = () => {
      how.shut(channel);
      release();
    };
    if (link.closed) {
      release();
      how.shut(channel);
      throw new FleetError('E_UNREACHABLE', how.dropped(link));
    }
    link.onClose.add(onLinkClose);
    return { channel, release, link };
  }

  /** Open connections by route key, with how many operations use each. */
  snapshot(): Array<{ key: string; users: number }> {
    return [...this.links.values()].filter((l) => !l.closed).map((l) => ({ key: l.key, users: l.users }));
  }

  close(): void {
    this.closed = true;
    for (const link of this.links.values()) this.destroy(link);
    this.links.clear();
  }

  private async withReconnect<T>(route: SshRoute, signal: AbortSignal, run: (link: Link) => Promise<T>): Promise<T> {
    const chain = routeChain(route);
    let attempt = 0;
    for (;;) {
      let link: Link | null = null;
      try {
        link = await this.acquireLink(chain, signal);
        return await run(link);
      } catch (err) {
        const failure = err instanceof BeforeSend ? err.cause : err;
        if (link && failure instanceof FleetError && (failure.code === 'E_TIMEOUT' || failure.code === 'E_UNREACHABLE')) {
          link.retired = true;
        }
        const transient = failure instanceof FleetError && failure.code === 'E_UNREACHABLE' && !signal.aborted;
        const retryable = transient && (err instanceof BeforeSend || link === null);
        if (!retryable || attempt >= this.options.retries) throw failure;
        attempt++;
        const delay = this.options.backoffMs * 2 ** (attempt - 1) * (0.5 + this.options.rng.next());
        this.options.log.info('ssh reconnect', { target: route.target.label, attempt, delayMs: Math.round(delay) });
        await sleep(delay, signal);
      } finally {
        if (link) this.releaseLink(link);
      }
    }
  }

  /** The link for the whole chain, connecting hops that are not open yet; holds one use of it. */
  private async acquireLink(chain: readonly SshEndpoint[], signal: AbortSignal): Promise<Link> {
    const key = chainKey(chain);
    const existing = this.links.get(key);
    if (existing && !existing.closed && !existing.retired) {
      this.use(existing);
      return this.checkedFor(existing, chain[chain.length - 1]!);
    }
    let pending = this.pending.get(key);
    if (!pending) {
      const abandon = new AbortController();
      const entry = { link: this.openLink(chain, key, abandon.signal), waiters: 0, abandon };
      entry.link
        .finally(() => {
          if (this.pending.get(key) === entry) this.pending.delete(key);
        })
        .catch(() => undefined);
      this.pending.set(key, entry);
      pending = entry;
    }
    pending.waiters++;
    let link: Link;
    try {
      link = await raceAbort(pending.link, signal);
    } catch (err) {
      // Nobody waits for this connection any more (all timed out or cancelled): stop opening it,
      // so the next operation starts afresh instead of queueing behind a stalled handshake.
      if (--pending.waiters === 0 && signal.aborted) {
        pending.abandon.abort(abortReason(signal));
        if (this.pending.get(key) === pending) this.pending.delete(key);
      }
      throw err;
    }
    pending.waiters--;
    if (link.closed) throw new FleetError('E_UNREACHABLE', `The connection to ${link.label} closed as it opened.`);
    this.use(link);
    return this.checkedFor(link, chain[chain.length - 1]!);
  }

  /**
   * Host keys are trusted per appliance, not per address: two inventory entries that reach the
   * same address and port share a connection only if the key it verified is the one recorded for
   * each of them. A refusal releases the use taken on the link and throws the policy's error.
   */
  private async checkedFor(link: Link, endpoint: SshEndpoint): Promise<Link> {
    if (endpoint.label === link.label) return link;
    try {
      await this.options.hostKeys.verify(endpoint, link.hostKey);
    } catch (err) {
      this.releaseLink(link);
      throw err instanceof FleetError ? err : new FleetError('E_HOSTKEY_UNKNOWN', `The host key of ${endpoint.label} could not be checked.`);
    }
    return link;
  }

  private async openLink(chain: readonly SshEndpoint[], key: string, abandon: AbortSignal): Promise<Link> {
    const endpoint = chain[chain.length - 1]!;
    let parent: Link | null = null;
    let sock: Duplex | undefined;
    if (chain.length > 1) {
      // The bastion's own link has no deadline from this operation: others share it.
      parent = await this.acquireLink(chain.slice(0, -1), new AbortController().signal);
      try {
        sock = await forward(parent, endpoint.host, endpoint.port, `${endpoint.label} (${endpoint.host}:${endpoint.port})`);
      } catch (err) {
        this.releaseLink(parent);
        throw err;
      }
    }
    try {
      const { client, hostKey } = await this.handshake(endpoint, sock, parent, abandon);
      const link: Link = { key, label: endpoint.label, hostKey, client, parent, users: 0, retired: false, closed: false, idleTimer: null, onClose: new Set() };
      this.opened.set(key, (this.opened.get(key) ?? 0) + 1);
      client.on('close', () => {
        this.forget(link);
        for (const dropped of [...link.onClose]) dropped();
      });
      if (this.closed) this.destroy(link);
      else {
        this.links.set(key, link);
        // Waiters that gave up before it opened leave it unused: let it close when idle.
        this.armIdle(link);
      }
      return link;
    } catch (err) {
      sock?.destroy();
      if (parent) this.releaseLink(parent);
      throw err;
    }
  }

  private async handshake(
    endpoint: SshEndpoint,
    sock: Duplex | undefined,
    parent: Link | null,
    abandon: AbortSignal,
  ): Promise<{ client: SshClient; hostKey: HostKey }> {
    // A direct connection from this machine (a hop behind a bastion is the bastion's to reach).
    if (sock === undefined) refuseOffLoopback(endpoint.host, `SSH to ${endpoint.host}:${endpoint.port}`);
    const auth = await this.authConfig(endpoint.username);
    const client = new ssh2.Client();
    let refusal: FleetError | null = null;
    let verified: HostKey | null = null;
    let tcpConnected = sock !== undefined;
    const config: ConnectConfig = {
      host: endpoint.host,
      port: endpoint.port,
      username: endpoint.username,
      readyTimeout: this.options.connectTimeoutMs,
      keepaliveInterval: this.options.keepaliveMs,
      keepaliveCountMax: 3,
      ...auth,
      hostVerifier: (blob: Buffer, verify: (ok: boolean) => void) => {
        const presented = hostKeyFromBlob(blob);
        this.options.hostKeys.verify(endpoint, presented).then(
          () => {
            verified = presented;
            verify(true);
          },
          (err: unknown) => {
            refusal =
              err instanceof FleetError ? err : new FleetError('E_HOSTKEY_UNKNOWN', `The host key of ${endpoint.label} could not be checked.`);
            verify(false);
          },
        );
      },
    };
    if (sock) config.sock = sock;
    // Errors after the handshake end the connection ('close' follows); they are only logged here.
    client.on('error', (err) => this.options.log.warn('ssh connection error', { target: endpoint.label, error: err.message }));
    return new Promise<{ client: SshClient; hostKey: HostKey }>((resolve, reject) => {
      client.once('connect', () => {
        tcpConnected = true;
        // ssh2 leaves Nagle on: a packet written while an earlier one is unacknowledged then waits
        // for the appliance's delayed ACK (tens of ms). SSH packets here are small and latency-bound.
        client.setNoDelay(true);
      });
      client.once('ready', () => {
        if (verified) resolve({ client, hostKey: verified });
        else {
          client.end();
          reject(new FleetError('E_HOSTKEY_UNKNOWN', `${endpoint.label} completed the handshake without a verified host key.`));
        }
      });
      client.once('error', (err: Error & { level?: string; code?: string }) => {
        client.end();
        reject(refusal ?? classifyConnectError(err, endpoint, tcpConnected, parent));
      });
      client.once('close', () => reject(refusal ?? new FleetError('E_UNREACHABLE', `${endpoint.label} closed the connection during the handshake.`)));
      const onAbandon = () => {
        reject(abortReason(abandon));
        client.destroy();
      };
      if (abandon.aborted) return onAbandon();
      abandon.addEventListener('abort', onAbandon, { once: true });
      client.once('ready', () => abandon.removeEventListener('abort', onAbandon));
      client.connect(config);
    });
  }

  private async authConfig(username: string): Promise<Partial<ConnectConfig>> {
    const auth = this.options.auth;
    if (auth.kind === 'agent') return { agent: auth.socket };
    // Parsed (and decrypted) once per pool, signing through a KeyObject: a login costs one
    // signature, not a PEM decode and a signature. Offered straight away: the appliances take
    // public keys only, so the round trip of trying "none" first buys nothing.
    this.signingKey ??= auth
      .load()
      .then(signingKeyOf)
      .catch((err: unknown) => {
        this.signingKey = null;
        throw err;
      });
    const publickey: PublicKeyAuthMethod = { type: 'publickey', username, key: await this.signingKey };
    return { authHandler: [publickey] };
  }

  private use(link: Link): void {
    link.users++;
    if (link.idleTimer) {
      clearTimeout(link.idleTimer);
      link.idleTimer = null;
    }
  }

  private releaseLink(link: Link): void {
    link.users = Math.max(0, link.users - 1);
    if (link.users > 0 || link.closed) return;
    if (link.retired || this.closed) {
      this.destroy(link);
      return;
    }
    this.armIdle(link);
  }

  private armIdle(link: Link): void {
    if (link.idleTimer) clearTimeout(link.idleTimer);
    link.idleTimer = setTimeout(() => this.destroy(link), this.options.idleMs);
    link.idleTimer.unref();
  }

  private destroy(link: Link): void {
    if (link.idleTimer) clearTimeout(link.idleTimer);
    link.idleTimer = null;
    link.client.end();
    this.forget(link);
  }

  private forget(link: Link): void {
    if (link.closed) return;
    link.closed = true;
    if (this.links.get(link.key) === link) this.links.delete(link.key);
    if (link.parent) this.releaseLink(link.parent);
  }
}

/** The fleet credential as an ssh2 key, decrypted once; a key that cannot be read is E_AUTH, not 1000 failures. */
function signingKeyOf(credential: FleetCredential): ParsedKey {
  const parsed = ssh2.utils.parseKey(credential.privateKey, credential.passphrase);
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | Error | undefined) : parsed;
  if (!key || key instanceof Error || !key.isPrivateKey()) {
    const reason = key instanceof Error ? key.message : 'no private key found';
    throw new FleetError('E_AUTH', `The fleet's SSH key cannot be used to log in: ${reason}.`);
  }
  return withKeyObjects(key);
}

function classifyConnectError(
  err: Error & { level?: string; code?: string },
  endpoint: SshEndpoint,
  tcpConnected: boolean,
  parent: Link | null,
): FleetError {
  const where = parent ? ` (through ${parent.label})` : '';
  if (err.level === 'client-authentication') {
    return new FleetError('E_AUTH', `${endpoint.label} refused the fleet's SSH credentials for user ${endpoint.username}${where}.`);
  }
  if (err.level === 'client-timeout') {
    return tcpConnected
      ? new FleetError('E_TIMEOUT', `${endpoint.label} accepted the connection but did not complete the SSH handshake in time${where}.`)
      : new FleetError('E_UNREACHABLE', `${endpoint.label} (${endpoint.host}:${endpoint.port}) did not answer${where}.`);
  }
  if (err.code && UNREACHABLE_CODES.has(err.code)) {
    return new FleetError('E_UNREACHABLE', `${endpoint.label} (${endpoint.host}:${endpoint.port}) is unreachable: ${err.code}${where}.`);
  }
  return new FleetError('E_UNREACHABLE', `The SSH connection to ${endpoint.label} failed: ${err.message}${where}.`);
}

/** A direct-tcpip channel from `parent`'s host to host:port; `what` names the destination in messages. */
function forward(parent: Link, host: string, port: number, what: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      parent.client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
        if (err) {
          reject(new FleetError('E_UNREACHABLE', `The bastion ${parent.label} could not reach ${what}: ${err.message}.`));
        } else resolve(stream);
      });
    } catch (err) {
      reject(new FleetError('E_UNREACHABLE', `The connection to the bastion ${parent.label} is gone: ${(err as Error).message}.`));
    }
  });
}

export interface SftpSession {
  sftp: SFTPWrapper;
  /** Close the SFTP channel and give the connection back to the pool. */
  end(): void;
  /** True once ended or the connection dropped. */
  closed(): boolean;
  /**
   * Resolves once ended or the connection dropped. ssh2 never answers a request made on an SFTP
   * channel that already closed: race requests against this.
   */
  whenClosed: Promise<void>;
}

function openShell(link: Link, label: string, pty: { cols: number; rows: number; term?: string }): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      link.client.shell({ term: pty.term ?? 'xterm-256color', cols: pty.cols, rows: pty.rows }, (err, stream) => {
        if (err) reject(new FleetError('E_UNREACHABLE', `${label} refused a terminal: ${err.message}.`));
        else resolve(stream);
      });
    } catch (err) {
      reject(new FleetError('E_UNREACHABLE', `The connection to ${label} is gone: ${(err as Error).message}.`));
    }
  });
}

function openSftp(link: Link, label: string): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    try {
      link.client.sftp((err, sftp) => {
        if (err) reject(new FleetError('E_UNREACHABLE', `${label} refused an SFTP session: ${err.message}.`));
        else resolve(sftp);
      });
    } catch (err) {
      reject(new FleetError('E_UNREACHABLE', `The connection to ${label} is gone: ${(err as Error).message}.`));
    }
  });
}

function runCommand(link: Link, command: string, label: string, options: ExecOptions, signal: AbortSignal): Promise<ExecResult> {
  const limit = options.maxOutputBytes ?? 1024 * 1024;
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortReason(signal));
      return;
    }
    let channel: ClientChannel | null = null;
    let settled = false;
    const onAbort = () => {
      finish(abortReason(signal));
      channel?.close();
    };
    const onLinkClose = () => finish(new FleetError('E_UNREACHABLE', `The connection to ${label} dropped while the command ran; it may or may not have completed.`));
    const finish = (outcome: FleetError | BeforeSend | ExecResult) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      link.onClose.delete(onLinkClose);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    link.onClose.add(onLinkClose);
    try {
      link.client.exec(command, (err, stream) => {
        if (err) {
          finish(new BeforeSend(new FleetError('E_UNREACHABLE', `${label} refused to start the command: ${err.message}.`)));
          return;
        }
        channel = stream;
        if (settled) {
          stream.close();
          return;
        }
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let size = 0;
        let truncated = false;
        let exitCode: number | null = null;
        let exitSignal: string | null = null;
        const take = (into: Buffer[]) => (chunk: Buffer) => {
          if (truncated) return;
          const room = limit - size;
          if (chunk.length > room) {
            if (room > 0) into.push(chunk.subarray(0, room));
            size = limit;
            truncated = true;
            if (options.failOnOverflow) {
              finish(new FleetError('E_TOO_LARGE', `${label} sent more than ${limit} bytes of output; the reply was refused.`));
              stream.close();
            }
            return;
          }
          size += chunk.length;
          into.push(chunk);
        };
        stream.on('data', take(out));
        stream.stderr.on('data', take(errOut));
        stream.on('exit', (code: number | null, sig?: string) => {
          exitCode = typeof code === 'number' ? code : null;
          exitSignal = sig ?? null;
        });
        stream.on('close', () => {
          if (exitCode === null && exitSignal === null && !settled) {
            finish(new FleetError('E_UNREACHABLE', `${label} closed the command's channel without an exit status; it may or may not have completed.`));
            return;
          }
          finish({
            exitCode,
            signal: exitSignal,
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: Buffer.concat(errOut).toString('utf8'),
            truncated,
          });
        });
      });
    } catch (err) {
      finish(new BeforeSend(new FleetError('E_UNREACHABLE', `The connection to ${label} is gone: ${(err as Error).message}.`)));
    }
  });
}

/**
 * A caller's signal, followed by any number of operations through one listener. A job hands the
 * same signal to every appliance's operation; one listener per operation meant as many listeners
 * on it as operations in flight, and Node warns (MaxListenersExceededWarning) past 10.
 */
class CallerSignals {
  private readonly followers = new WeakMap<AbortSignal, { ops: Set<AbortController>; onAbort: () => void }>();

  /** Abort `op` when `signal` aborts (at once if it has); returns the function that stops following. */
  follow(signal: AbortSignal, op: AbortController): () => void {
    if (signal.aborted) {
      op.abort(abortReason(signal));
      return () => undefined;
    }
    let entry = this.followers.get(signal);
    if (!entry) {
      const ops = new Set<AbortController>();
      const onAbort = () => {
        this.followers.delete(signal);
        for (const o of ops) o.abort(abortReason(signal));
      };
      entry = { ops, onAbort };
      this.followers.set(signal, entry);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    const { ops, onAbort } = entry;
    ops.add(op);
    return () => {
      if (!ops.delete(op) || ops.size > 0 || this.followers.get(signal) !== entry) return;
      this.followers.delete(signal);
      signal.removeEventListener('abort', onAbort);
    };
  }
}

function operationSignal(
  callers: CallerSignals,
  label: string,
  options: Pick<ExecOptions, 'timeoutMs' | 'signal'>,
): { signal: AbortSignal; cleanup: () => void } {
  const controller = new AbortController();
  const unfollow = options.signal ? callers.follow(options.signal, controller) : null;
  const timer =
    options.timeoutMs === undefined
      ? null
      : setTimeout(
          () => controller.abort(new FleetError('E_TIMEOUT', `${label} did not finish within ${Math.round(options.timeoutMs! / 100) / 10} s.`)),
          options.timeoutMs,
        );
  return {
    signal: controller.signal,
    cleanup: () => {
      if (timer) clearTimeout(timer);
      unfollow?.();
    },
  };
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
