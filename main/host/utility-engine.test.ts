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
  running = runUtilityEngine(shell, { onStop: () => (stopped = true), keychainTimeoutMs: 5000 });
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
