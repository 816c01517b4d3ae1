/**
 * The engine in its own Electron utility process (out/main/engine.js): SSH crypto and SQLite never
 * run in the window's main process. The shell starts it, gives each window a MessagePort to it,
 * answers its keychain requests, and restarts it when it dies (a few times, then gives up).
 */
import { MessageChannelMain, utilityProcess, type MessagePortMain, type UtilityProcess } from 'electron';
import { isEngineMessage, type ShellMessage, type ShownSnapshot } from '../main/host/shell-protocol';
import { answerKeychain, keychainStatus } from './keychain';

export interface EngineProcessOptions {
  modulePath: string;
  dataDir: string;
  actor: string;
  /** The engine died; it is being restarted. */
  onStopped(message: string): void;
  /** The engine is up (again). `restarted` is false the first time. */
  onReady(restarted: boolean): void;
  /** The engine cannot run; the shell should say so and quit. */
  onFailed(message: string): void;
  /** The windows now show this snapshot, or the live fleet (null): reload them. */
  onShowing(snapshot: ShownSnapshot | null): void;
  /** A snapshot the menu chose could not be opened (the sentence says why). */
  onSnapshotRefused(message: string): void;
}

const RESTART_WINDOW_MS = 60_000;
const MAX_RESTARTS = 4;

export class EngineProcess {
  private child: UtilityProcess | null = null;
  private stopping = false;
  private starts = 0;
  private crashes: number[] = [];
  private waitingPorts: { windowId: number; port: MessagePortMain }[] = [];

  constructor(private readonly options: EngineProcessOptions) {}

  start(): void {
    const child = utilityProcess.fork(this.options.modulePath, [], { serviceName: 'Fleetdeck engine', stdio: 'inherit' });
    this.child = child;
    const restarted = this.starts++ > 0;
    child.on('message', (message: unknown) => this.onMessage(child, message, restarted));
    child.on('exit', (code) => this.onExit(child, code));
    this.post({
      type: 'start',
      dataDir: this.options.dataDir,
      actor: this.options.actor,
      keychain: keychainStatus(),
    });
    for (const { windowId, port } of this.waitingPorts.splice(0)) this.post({ type: 'window', windowId }, [port]);
  }

  /** A fresh session for a window: one end to the engine, the other handed to `deliver`. */
  attachWindow(windowId: number, deliver: (port: MessagePortMain) => void): void {
    const { port1, port2 } = new MessageChannelMain();
    if (this.child) this.post({ type: 'window', windowId }, [port1]);
    else this.waitingPorts.push({ windowId, port: port1 });
    deliver(port2);
  }

  /** "Open Snapshot…" chose this file: the engine shows it read-only in every window. */
  openSnapshot(file: string): void {
    this.post({ type: 'open-snapshot', file });
  }

  /** "Back to the Live Fleet". */
  openLive(): void {
    this.post({ type: 'open-live' });
  }

  /** Asks the engine to close its database and exit; kills it after 3 s. Resolves once it is gone. */
  stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve();
      }, 3000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.post({ type: 'stop' });
    });
  }

  private post(message: ShellMessage, ports: MessagePortMain[] = []): void {
    this.child?.postMessage(message, ports);
  }

  private onMessage(child: UtilityProcess, message: unknown, restarted: boolean): void {
    if (child !== this.child || !isEngineMessage(message)) return;
    switch (message.type) {
      case 'ready':
        this.options.onReady(restarted);
        break;
      case 'keychain-request':
        this.post(answerKeychain(message));
        break;
      case 'showing':
        this.options.onShowing(message.snapshot);
        break;
      case 'snapshot-refused':
        this.options.onSnapshotRefused(message.message);
        break;
      case 'fatal':
        this.stopping = true;
        child.kill();
        this.options.onFailed(message.message);
        break;
    }
  }

  private onExit(child: UtilityProcess, code: number): void {
    if (child !== this.child) return;
    this.child = null;
    if (this.stopping) return;
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < RESTART_WINDOW_MS), now];
    if (this.crashes.length > MAX_RESTARTS) {
      this.options.onFailed(`The Fleetdeck engine stopped ${this.crashes.length} times within a minute (last exit code ${code}); see engine.log in ${this.options.dataDir}.`);
      return;
    }
    this.options.onStopped(`The Fleetdeck engine stopped unexpectedly (exit code ${code}); restarting it.`);
    setTimeout(() => {
      if (!this.stopping) this.start();
    }, 1000);
  }
}
