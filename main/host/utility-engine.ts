/**
 * The engine's side of the desktop app: started by the shell over the parent port, it serves one
 * MessagePort per window and asks the shell to seal/open vault secrets with the OS keychain.
 * Written against minimal port shapes (Electron's MessagePortMain and parentPort fit them), so a
 * test can drive it with Node's own MessagePorts.
 */
import type { Channel } from '../api/channel';
import { createEngine, type Engine } from '../engine';
import { openNodeVault } from '../vault/node-vault';
import { createShellVault, type SecretSealer } from '../vault/shell-vault';
import type { Vault } from '../vault/vault';
import { ShellMessage, type EngineMessage, type KeychainOp } from './shell-protocol';
import { FleetError } from '../kit/errors';
import type { SnapshotLeaver, SnapshotOpener } from '../snapshots/service';
import { openSnapshotEngine, type SnapshotEngine } from './snapshot-engine';

/** The part of Electron's MessagePortMain we use. */
export interface WindowPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
}

/** The part of `process.parentPort` in an Electron utility process we use. */
export interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown; ports: WindowPort[] }) => void): unknown;
  postMessage(message: EngineMessage): void;
}

export interface UtilityEngineOptions {
  /** Called after a `stop` message closed the engine (the entry exits the process). */
  onStop?: () => void;
  /** How long a keychain request may wait for the shell (a macOS prompt can take a while). */
  keychainTimeoutMs?: number;
  /** How long a snapshot's engine that windows left stays open before it is closed (their sessions end first). */
  disposeAfterMs?: number;
}

export function windowPortChannel(port: WindowPort): Channel {
  const closeHandlers: (() => void)[] = [];
  let closed = false;
  const markClosed = () => {
    if (closed) return;
    closed = true;
    closeHandlers.forEach((h) => h());
  };
  port.on('close', markClosed);
  return {
    send(text) {
      if (!closed) port.postMessage(text);
    },
    onMessage(handler) {
      port.on('message', (event) => {
        if (typeof event.data === 'string') handler(event.data);
      });
      port.start();
    },
    onClose(handler) {
      closeHandlers.push(handler);
    },
    close() {
      port.close();
      markClosed();
    },
  };
}

/** Seals secrets by asking the shell; each request waits for its numbered reply. */
function keychainSealer(parent: ParentPort, backend: string, timeoutMs: number) {
  let nextId = 1;
  const pending = new Map<number, { resolve: (b: Buffer) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  const ask = (op: KeychainOp, data: Buffer): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('the desktop shell did not answer in time'));
      }, timeoutMs);
      timer.unref();
      pending.set(id, { resolve, reject, timer });
      parent.postMessage({ type: 'keychain-request', id, op, data: data.toString('base64') });
    });
  const sealer: SecretSealer = {
    backend,
    seal: (plain) => ask('seal', plain),
    open: (sealed) => ask('open', sealed),
  };
  const settle = (reply: Extract<ShellMessage, { type: 'keychain-reply' }>) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    clearTimeout(waiting.timer);
    if (reply.ok && reply.data !== undefined) waiting.resolve(Buffer.from(reply.data, 'base64'));
    else waiting.reject(new Error(reply.message ?? 'no reason given'));
  };
  return { sealer, settle };
}

export interface UtilityEngine {
  /** The running engine, once `start` has succeeded (tests look inside). */
  current(): Engine | null;
  /** The engine new windows are connected to: the snapshot's while one is shown, else the live one. */
  shown(): Engine | null;
}

export function runUtilityEngine(parent: ParentPort, options: UtilityEngineOptions = {}): UtilityEngine {
  let engine: Engine | null = null;
  let actor = 'desktop:unknown';
  let starting = false;
  const waitingWindows: WindowPort[] = [];
  let keychain: ReturnType<typeof keychainSealer> | null = null;
  /**
   * "Open snapshot…": a snapshot shown read-only in every window, in an engine of its own beside
   * the live one (which keeps running: polling, jobs). The shell reloads its windows when told what
   * they show, and they connect to the engine shown then.
   */
  let snapshot: SnapshotEngine | null = null;
  const shownEngine = () => snapshot?.engine ?? engine;

  const attach = (port: WindowPort) => {
    const target = shownEngine();
    if (!target) {
      waitingWindows.push(port);
      return;
    }
    target.connect(windowPortChannel(port), { actor, host: 'desktop' });
  };

  /** Tell the shell after the current call has answered (its reply goes out before the windows reload). */
  const announce = () =>
    setImmediate(() => {
      const s = snapshot?.info;
      parent.postMessage({ type: 'showing', snapshot: s ? { file: s.file, takenBy: s.takenBy, takenAt: s.takenAt, hostName: s.hostName } : null });
    });
  const retire = (old: SnapshotEngine | null) => {
    if (old) setTimeout(() => old.dispose(), options.disposeAfterMs ?? 1000);
  };

  const leaveSnapshot: SnapshotLeaver = () => {
    const old = snapshot;
    snapshot = null;
    announce();
    retire(old);
    return Promise.resolve({ url: '', sameWindow: true });
  };

  /** Opens the file in a read-only engine and shows it (a file that is not a snapshot throws, nothing changes). */
  const showSnapshot = (file: string): SnapshotEngine => {
    if (!engine) throw new FleetError('E_UNAVAILABLE', 'The engine is still starting; open the snapshot again in a moment.');
    const next = openSnapshotEngine(file, 'desktop', engine.deps.log, leaveSnapshot);
    const old = snapshot;
    snapshot = next;
    announce();
    retire(old);
    return next;
  };
  const openSnapshot: SnapshotOpener = (file) => {
    const { info } = showSnapshot(file);
    return Promise.resolve({ url: '', sameWindow: true, info });
  };

  const start = async (message: Extract<ShellMessage, { type: 'start' }>) => {
    if (starting) return;
    starting = true;
    actor = message.actor;
    try {
      let vault: Vault;
      if (message.keychain.available) {
        keychain = keychainSealer(parent, message.keychain.backend, options.keychainTimeoutMs ?? 120_000);
        vault = createShellVault(message.dataDir, keychain.sealer);
      } else {
        vault = await openNodeVault(message.dataDir);
      }
      engine = createEngine({ dataDir: message.dataDir, host: 'desktop', vault, openSnapshot });
      parent.postMessage({ type: 'ready', vault: vault.kind });
      waitingWindows.splice(0).forEach(attach);
    } catch (err) {
      parent.postMessage({ type: 'fatal', message: err instanceof Error ? err.message : String(err) });
    }
  };

  parent.on('message', (event) => {
    const parsed = ShellMessage.safeParse(event.data);
    if (!parsed.success) return;
    const message = parsed.data;
    switch (message.type) {
      case 'start':
        void start(message);
        break;
      case 'window': {
        const port = event.ports[0];
        if (port) attach(port);
        break;
      }
      case 'keychain-reply':
        keychain?.settle(message);
        break;
      case 'open-snapshot':
        try {
          showSnapshot(message.file);
        } catch (err) {
          parent.postMessage({ type: 'snapshot-refused', message: err instanceof Error ? err.message : String(err) });
        }
        break;
      case 'open-live':
        if (snapshot) void leaveSnapshot();
        break;
      case 'stop':
        snapshot?.dispose();
        snapshot = null;
        engine?.close();
        engine = null;
        options.onStop?.();
        break;
    }
  });
  return { current: () => engine, shown: shownEngine };
}
