/**
 * The engine's side of the desktop protocol, driven the way the shell drives it, with Node's own
 * MessagePorts standing in for Electron's MessagePortMain and a real AES key standing in for the OS
 * keychain. The engine, SQLite and the vault files are real.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Channel } from '../api/channel';
import { createApiClient } from '../api/client';
import { FleetError } from '../kit/errors';
import type { EngineMessage } from './shell-protocol';
import { runUtilityEngine, type ParentPort, type UtilityEngine, type WindowPort } from './utility-engine';
import { until } from '../../tests/support/wait';

const REPO = join(import.meta.dirname, '../..');

/** Node's MessagePort, shaped like Electron's MessagePortMain (events carry `{ data }`). */
class MainLikePort implements WindowPort {
  constructor(private readonly port: MessagePort) {}
  on(event: 'message', listener: (event: { data: unknown }) => void): this;
  on(event: 'close', listener: () => void): this;
  on(event: 'message' | 'close', listener: ((event: { data: unknown }) => void) | (() => void)): this {
    if (event === 'message') this.port.on('message', (data: unknown) => (listener as (e: { data: unknown }) => void)({ data }));
    else this.port.on('close', listener as () => void);
    return this;
  }
  postMessage(message: unknown): void {
    this.port.postMessage(message);
  }
  start(): void {
    this.port.start();
  }
  close(): void {
    this.port.close();
  }
}

/** The renderer's end of a window port. */
function pageChannel(port: MessagePort): Channel {
  const closeHandlers: (() => void)[] = [];
  port.on('close', () => closeHandlers.forEach((h) => h()));
  return {
    send: (text) => port.postMessage(text),
    onMessage: (handler) => port.on('message', (data: unknown) => typeof data === 'string' && handler(data)),
    onClose: (handler) => closeHandlers.push(handler),
    close: () => port.close(),
  };
}

/** Plays the shell: delivers messages like parentPort does and answers keychain requests. */
class FakeShell implements ParentPort {
  readonly sent: EngineMessage[] = [];
  refuseKeychain = false;
  private readonly listeners: ((event: { data: unknown; ports: WindowPort[] }) => void)[] = [];
  private readonly key = randomBytes(32);
  private waiters: ((m: EngineMessage) => void)[] = [];

  on(_event: 'message', listener: (event: { data: unknown; ports: WindowPort[] }) => void): this {
    this.listeners.push(listener);
    return this;
  }

  postMessage(message: EngineMessage): void {
    this.sent.push(message);
    this.waiters.splice(0).forEach((w) => w(message));
    if (message.type === 'keychain-request') setImmediate(() => this.deliver(this.answer(message)));
  }

  deliver(data: unknown, ports: WindowPort[] = []): void {
    this.listeners.forEach((l) => l({ data, ports }));
  }

  openWindow(windowId = 1): Channel {
    const { port1, port2 } = new MessageChannel();
    this.deliver({ type: 'window', windowId }, [new MainLikePort(port1)]);
    return pageChannel(port2);
  }

  async next(type: EngineMessage['type']): Promise<EngineMessage> {
    const seen = this.sent.find((m) => m.type === type);
    if (seen) return seen;
    return new Promise((resolve) => {
      const wait = (m: EngineMessage) => (m.type === type ? resolve(m) : this.waiters.push(wait));
      this.waiters.push(wait);
    });
  }

  private answer(request: Extract<EngineMessage, { type: 'keychain-request' }>): unknown {
    if (this.refuseKeychain) return { type: 'keychain-reply', id: request.id, ok: false, message: 'The keychain is locked.' };
    const input = Buffer.from(request.data, 'base64');
    let output: Buffer;
    if (request.op === 'seal') {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', this.key, iv);
      const body = Buffer.concat([c.update(input), c.final()]);
      output = Buffer.concat([iv, c.getAuthTag(), body]);
    } else {
      const d = createDecipheriv('aes-256-gcm', this.key, input.subarray(0, 12));
      d.setAuthTag(input.subarray(12, 28));
      output = Buffer.concat([d.update(input.subarray(28)), d.final()]);
    }
    return { type: 'keychain-reply', id: request.id, ok: true, data: output.toString('base64') };
  }
}

let dataDir: string;
let shell: FakeShell;
let running: UtilityEngine;
let stopped: boolean;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'fleetdeck-utility-'));
  shell = new FakeShell();
  stopped = false;
  running = runUtilityEngine(shell, { onStop: () => (stopped = true), keychainTimeoutMs: 5000, disposeAfterMs: 10 });
});

afterEach(() => {
  running.current()?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const start = (available = true) =>
  shell.deliver({ type: 'start', dataDir, actor: 'desktop:tester', keychain: { available, backend: 'Test Keychain' } });

describe('engine in the utility process', () => {
  it('starts, serves a window over its MessagePort, and stops on request', async () => {
    start();
    expect(await shell.next('ready')).toEqual({ type: 'ready', vault: 'os-keychain' });
    const client = createApiClient(shell.openWindow());
    expect((await client.api.system.ping({ nonce: 'n1' })).nonce).toBe('n1');
    const info = await client.api.system.info({});
    expect(info.host).toBe('desktop');
    expect(info.dataDir).toBe(dataDir);
    expect(info.vault).toMatchObject({ kind: 'os-keychain', locked: false });
    expect(info.vault.description).toContain('Test Keychain');
    client.close();

    shell.deliver({ type: 'stop' });
    expect(stopped).toBe(true);
    expect(running.current()).toBeNull();
  });

  it('serves windows that arrived before the start message', async () => {
    const early = createApiClient(shell.openWindow(7));
    const pong = early.api.system.ping({ nonce: 'early' });
    start();
    expect((await pong).nonce).toBe('early');
    early.close();
  });

  it('keeps secrets sealed by the shell: only ciphertext on disk', async () => {
    start();
    await shell.next('ready');
    const vault = running.current()!.deps.vault;
    await vault.set('fleet-ssh-key', Buffer.from('PRIVATE KEY MATERIAL'));
    expect((await vault.get('fleet-ssh-key'))!.toString()).toBe('PRIVATE KEY MATERIAL');
    const files = readdirSync(join(dataDir, 'vault'));
    expect(files).toEqual(['fleet-ssh-key.keychain']);
    expect(readFileSync(join(dataDir, 'vault', files[0]!)).includes(Buffer.from('PRIVATE KEY'))).toBe(false);
    expect(shell.sent.filter((m) => m.type === 'keychain-request')).toHaveLength(2);

    shell.refuseKeychain = true;
    const err = (await vault.get('fleet-ssh-key').catch((e: unknown) => e)) as FleetError;
    expect(err.code).toBe('E_VAULT_LOCKED');
    expect(err.message).toContain('The keychain is locked.');
  });

  it('falls back to the file vault when the OS has no keychain', async () => {
    start(false);
    expect(await shell.next('ready')).toEqual({ type: 'ready', vault: 'plain-file' });
  });

  it('ignores messages that are not part of the protocol', async () => {
    for (const junk of [null, 'start', 42, { type: 'start' }, { type: 'start', dataDir: 5 }, { type: 'reboot' }, { type: 'keychain-reply', id: 'x' }]) {
      shell.deliver(junk);
    }
    expect(shell.sent).toEqual([]);
    start();
    expect((await shell.next('ready')).type).toBe('ready');
  });

  it('reports a data directory it cannot use as fatal, with the reason', async () => {
    const notADir = join(dataDir, 'file');
    writeFileSync(notADir, 'x');
    shell.deliver({ type: 'start', dataDir: notADir, actor: 'desktop:tester', keychain: { available: true, backend: 'Test' } });
    const fatal = await shell.next('fatal');
    expect(fatal.type === 'fatal' && fatal.message.length > 0).toBe(true);
    expect(running.current()).toBeNull();
  });
});

describe('"Open snapshot…" in the desktop app: the utility process switches what windows show', () => {
  const showings = () => shell.sent.filter((m): m is Extract<EngineMessage, { type: 'showing' }> => m.type === 'showing');
  const nthShowing = async (n: number) => {
    await until(() => showings().length >= n, `showing message ${n}`, { timeoutMs: 10_000 });
    return showings()[n - 1]!.snapshot;
  };
  /** A live fleet with the sample inventory and a snapshot of it in a file. */
  const liveWithSnapshot = async () => {
    start(false);
    await shell.next('ready');
    const api = running.current()!.client({ actor: 'desktop:tester' }).api;
    await api.inventory.importData({ format: 'csv', kind: 'sites', content: readFileSync(join(REPO, 'resources/samples/sites.csv'), 'utf8') });
    await api.inventory.importData({ format: 'csv', kind: 'appliances', content: readFileSync(join(REPO, 'resources/samples/appliances.csv'), 'utf8') });
    const file = join(dataDir, 'fleet.fdsnap');
    await api.snapshots.export({ out: file });
    return file;
  };
  const serialOf = async (client: ReturnType<typeof createApiClient>) => (await client.api.inventory.listAppliances({ limit: 1 })).items[0]!.serial;

  it('the menu opens a snapshot read-only in every window, and "Back to the Live Fleet" returns', async () => {
    const file = await liveWithSnapshot();
    shell.deliver({ type: 'open-snapshot', file });
    expect(await nthShowing(1)).toMatchObject({ file, takenBy: 'desktop:tester' });
    expect(running.shown()).not.toBe(running.current());
    // The shell reloads its windows: a window connects afresh and sees the snapshot.
    const onSnapshot = createApiClient(shell.openWindow(2));
    expect(await onSnapshot.api.snapshots.current({})).toMatchObject({ file, takenBy: 'desktop:tester' });
    const serial = await serialOf(onSnapshot);
    await expect(onSnapshot.api.inventory.setStatus({ serial, status: 'drained', reason: 'on a snapshot' })).rejects.toMatchObject({ code: 'E_READ_ONLY' });
    // The live engine kept running beside it.
    expect(running.current()!.dispatcher).toBeDefined();

    expect(await onSnapshot.api.snapshots.back({})).toEqual({ url: '', sameWindow: true });
    expect(await nthShowing(2)).toBeNull();
    onSnapshot.close();
    const onLive = createApiClient(shell.openWindow(3));
    expect(await onLive.api.snapshots.current({})).toBeNull();
    expect(running.shown()).toBe(running.current());
    await expect(onLive.api.snapshots.back({})).rejects.toMatchObject({ code: 'E_UNAVAILABLE' });
    const changed = await onLive.api.inventory.setStatus({ serial, status: 'drained', reason: 'live again' });
    expect(changed.status).toBe('drained');
    onLive.close();
  });

  it('the page\'s own "Open snapshot…" switches this window too, and the menu can go back', async () => {
    const file = await liveWithSnapshot();
    const page = createApiClient(shell.openWindow(4));
    const opened = await page.api.snapshots.open({ file });
    expect(opened).toMatchObject({ url: '', sameWindow: true, info: { file } });
    expect(await nthShowing(1)).toMatchObject({ file });
    page.close();
    shell.deliver({ type: 'open-live' });
    expect(await nthShowing(2)).toBeNull();
    expect(running.shown()).toBe(running.current());
  });

  it('a file that is not a snapshot is refused with the sentence, and the windows stay on the live fleet', async () => {
    await liveWithSnapshot();
    const notThere = join(dataDir, 'nothing.fdsnap');
    shell.deliver({ type: 'open-snapshot', file: notThere });
    const refused = await shell.next('snapshot-refused');
    expect(refused).toMatchObject({ message: expect.stringContaining(`There is no file ${notThere}`) });
    writeFileSync(join(dataDir, 'junk.fdsnap'), 'not sqlite at all');
    shell.deliver({ type: 'open-snapshot', file: join(dataDir, 'junk.fdsnap') });
    await until(() => shell.sent.filter((m) => m.type === 'snapshot-refused').length === 2, 'the second refusal', { timeoutMs: 10_000 });
    expect(showings()).toEqual([]);
    expect(running.shown()).toBe(running.current());
  });

  it('stops with a snapshot shown: both engines close', async () => {
    const file = await liveWithSnapshot();
    shell.deliver({ type: 'open-snapshot', file });
    await nthShowing(1);
    const snapshotEngine = running.shown()!;
    shell.deliver({ type: 'stop' });
    expect(stopped).toBe(true);
    expect(running.current()).toBeNull();
    expect(running.shown()).toBeNull();
    expect(() => snapshotEngine.db.prepare('SELECT 1').get()).toThrow();
  });
});
