/**
 * The browser host's session limits: windows served at once are capped (503 with a sentence past
 * the cap, a slot frees when a window closes), and a socket that stops answering pings (a sleeping
 * laptop, a dropped tunnel) is closed by the heartbeat while live ones stay.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createEngine, type Engine } from '../engine';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import { startBrowserHost, type BrowserHost } from './browser-host';

let root: string;
let engine: Engine;
let host: BrowserHost;

function openSocket(options: { autoPong?: boolean } = {}): Promise<WebSocket | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/rpc?token=${encodeURIComponent(host.token)}`, { autoPong: options.autoPong ?? true });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
        ws.on('error', () => undefined);
        ws.terminate();
      });
    });
    ws.once('error', (err) => reject(err));
  });
}

const isSocket = (x: WebSocket | { status: number }): x is WebSocket => x instanceof WebSocket;
const closed = (ws: WebSocket) => new Promise<void>((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', () => resolve())));

async function ping(ws: WebSocket, nonce: string): Promise<unknown> {
  const reply = new Promise((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)))));
  ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system.ping', params: { nonce } }));
  return reply;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fleetdeck-host-limits-'));
  const dataDir = join(root, 'data');
  mkdirSync(dataDir);
  const rendererDir = join(root, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
  engine = createEngine({ dataDir, host: 'browser', vault: await openNodeVault(dataDir, { env: {} }), log: silentLogger });
  // A live socket must answer each ping within one beat: a beat a loaded machine cannot stall through.
  host = await startBrowserHost({ engine, rendererDir, maxSessions: 3, heartbeatMs: 1000 });
});

afterAll(async () => {
  await host?.close();
  engine?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('browser host limits', () => {
  it('serves at most maxSessions windows at once and frees a slot when one closes', async () => {
    const open = await Promise.all([openSocket(), openSocket(), openSocket()]);
    expect(open.every(isSocket)).toBe(true);
    const sockets = open as WebSocket[];
    const refused = await openSocket();
    expect(refused).toEqual({ status: 503, body: 'This Fleetdeck engine already serves 3 windows; close one and reload.\n' });
    // The windows already open keep working.
    expect(await ping(sockets[0]!, 'a')).toMatchObject({ result: { nonce: 'a' } });
    sockets[2]!.close();
    await closed(sockets[2]!);
    const again = await openSocket();
    expect(isSocket(again)).toBe(true);
    for (const ws of [sockets[0]!, sockets[1]!, again as WebSocket]) {
      ws.close();
      await closed(ws);
    }
  });

  it('closes a socket that stops answering pings, and keeps the ones that answer', async () => {
    const silent = (await openSocket({ autoPong: false })) as WebSocket;
    const live = (await openSocket()) as WebSocket;
    const outcome = await Promise.race([closed(silent).then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open after 20 s'), 20_000))]);
    expect(outcome).toBe('closed');
    expect(live.readyState).toBe(WebSocket.OPEN);
    expect(await ping(live, 'b')).toMatchObject({ result: { nonce: 'b' } });
    live.close();
    await closed(live);
  });
});
