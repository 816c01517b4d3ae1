import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createApiClient } from '../api/client';
import { FleetError } from '../kit/errors';
import { createEngine, type Engine } from '../engine';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import { MAX_MESSAGE_BYTES, startBrowserHost, type BrowserHost } from './browser-host';
import { webSocketChannel } from './ws-channel';

const PAGE_MARKER = '<title>Fleetdeck test page</title>';
const OUTSIDE_SECRET = 'THIS-FILE-IS-OUTSIDE-THE-RENDERER';

let root: string;
let engine: Engine;
let host: BrowserHost;
let rendererDir: string;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request (node:http does not normalise `..` in the path, unlike fetch). */
function raw(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: host.port, path, method, headers: { Host: `127.0.0.1:${host.port}`, ...headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const withToken = (path: string, token = host.token) => `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;

/** Opens a WebSocket; resolves with it, or with the HTTP status the upgrade was refused with. */
function openSocket(path: string, options: { headers?: Record<string, string>; origin?: string } = {}): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}${path}`, { headers: options.headers, origin: options.origin });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}

function nextMessage(ws: WebSocket): Promise<unknown> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)))));
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fleetdeck-host-'));
  const dataDir = join(root, 'data');
  mkdirSync(dataDir);
  rendererDir = join(root, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), `<!doctype html><html><head>${PAGE_MARKER}</head><body></body></html>`);
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log("fleetdeck");');
  writeFileSync(join(rendererDir, 'assets', 'index-Ab_d12-4.js'), 'console.log("hashed");');
  writeFileSync(join(root, 'secret.txt'), OUTSIDE_SECRET);
  const vault = await openNodeVault(dataDir, { env: {} });
  engine = createEngine({ dataDir, host: 'browser', vault, log: silentLogger, checkOutputs: true });
  host = await startBrowserHost({ engine, rendererDir });
});

afterAll(async () => {
  await host?.close();
  engine?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('browser host: the page', () => {
  it('prints a loopback URL with a 32-byte base64url token', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`);
    expect(host.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('serves the page for the right token, with CSP and a session cookie', async () => {
    const reply = await raw(withToken('/'));
    expect(reply.status).toBe(200);
    expect(reply.body).toContain(PAGE_MARKER);
    const csp = String(reply.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain(`ws://127.0.0.1:${host.port}`);
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.headers['referrer-policy']).toBe('no-referrer');
    const cookie = String(reply.headers['set-cookie']);
    expect(cookie).toContain(`fleetdeck_${host.port}=${host.token}`);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
  });

  it('serves assets to the cookie the page received', async () => {
    const reply = await raw('/assets/app.js', { Cookie: `other=1; fleetdeck_${host.port}=${host.token}` });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/javascript/);
    expect(reply.body).toContain('fleetdeck');
  });

  it('lets a window keep hashed build outputs (immutable), and checks anything else and the page each time', async () => {
    const cookie = { Cookie: `fleetdeck_${host.port}=${host.token}` };
    const hashed = await raw('/assets/index-Ab_d12-4.js', cookie);
    expect(hashed.status).toBe(200);
    expect(hashed.headers['cache-control']).toBe('private, max-age=31536000, immutable');
    expect((await raw('/assets/app.js', cookie)).headers['cache-control']).toBe('no-cache');
    expect((await raw(withToken('/'))).headers['cache-control']).toBe('no-store');
    expect((await raw(withToken('/sites/3'))).headers['cache-control']).toBe('no-store');
  });

  it('answers 401 and nothing else without the right token', async () => {
    for (const path of ['/', '/index.html', '/assets/app.js', '/sites/3', withToken('/', 'wrong'), withToken('/', host.token + 'x')]) {
      const reply = await raw(path);
      expect(reply.status, path).toBe(401);
      expect(reply.body).not.toContain(PAGE_MARKER);
      expect(reply.body).not.toContain('fleetdeck"');
      expect(reply.body.length).toBeLessThan(200);
      expect(reply.headers['set-cookie']).toBeUndefined();
    }
    expect((await raw('/', { Cookie: `fleetdeck_${host.port}=nope` })).status).toBe(401);
  });

  it('refuses a foreign Origin with 403, accepts its own', async () => {
    expect((await raw(withToken('/'), { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await raw(withToken('/'), { Origin: `http://127.0.0.1:${host.port + 1}` })).status).toBe(403);
    expect((await raw(withToken('/'), { Origin: 'null' })).status).toBe(403);
    expect((await raw(withToken('/'), { Origin: `http://127.0.0.1:${host.port}` })).status).toBe(200);
  });

  it('refuses a cross-site subresource request even with the cookie', async () => {
    const cookie = `fleetdeck_${host.port}=${host.token}`;
    const crossSite = { Cookie: cookie, 'Sec-Fetch-Site': 'same-site', 'Sec-Fetch-Mode': 'no-cors' };
    expect((await raw('/assets/app.js', crossSite)).status).toBe(403);
    expect((await raw('/assets/app.js', { ...crossSite, 'Sec-Fetch-Site': 'same-origin' })).status).toBe(200);
  });

  it('refuses a rebound Host header with 403 (DNS rebinding)', async () => {
    for (const h of [`evil.example:${host.port}`, 'evil.example', `127.0.0.1:${host.port + 1}`, `127.0.0.1`]) {
      const reply = await raw(withToken('/'), { Host: h });
      expect(reply.status, h).toBe(403);
      expect(reply.body).not.toContain(PAGE_MARKER);
    }
    expect((await raw(withToken('/'), { Host: `localhost:${host.port}` })).status).toBe(200);
  });

  it('never serves a file outside the renderer folder', async () => {
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E%2Fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/%00', '/%zz']) {
      const reply = await raw(withToken(path));
      expect(reply.status, path).toBe(400);
      expect(reply.body).not.toContain(OUTSIDE_SECRET);
    }
  });

  it('falls back to the page for app routes, 404 for missing assets, 405 for writes', async () => {
    const route = await raw(withToken('/sites/12/appliances'));
    expect(route.status).toBe(200);
    expect(route.body).toContain(PAGE_MARKER);
    expect((await raw(withToken('/assets/missing.js'))).status).toBe(404);
    expect((await raw(withToken('/assets'), {})).body).toContain(PAGE_MARKER); // a folder is no listing
    expect((await raw(withToken('/'), {}, 'POST')).status).toBe(405);
  });
});

describe('browser host: the RPC socket', () => {
  it('answers system.ping through the typed client, and pushes events', async () => {
    const ws = await openSocket(withToken('/rpc'), { origin: `http://127.0.0.1:${host.port}` });
    expect(ws).toBeInstanceOf(WebSocket);
    const client = createApiClient(webSocketChannel(ws as WebSocket));
    const pong = await client.api.system.ping({ nonce: 'hello' });
    expect(pong.nonce).toBe('hello');
    const info = await client.api.system.info({});
    expect(info.host).toBe('browser');
    expect(info.vault.kind).toBe('plain-file');

    const got = new Promise((resolve) => client.on('system.shutdown', resolve));
    engine.events.emit('system.shutdown', { reason: 'test event' });
    expect(await got).toEqual({ reason: 'test event' });
    client.close();
  });

  it('accepts the cookie instead of the query token', async () => {
    const ws = await openSocket('/rpc', { headers: { Cookie: `fleetdeck_${host.port}=${host.token}` } });
    expect(ws).toBeInstanceOf(WebSocket);
    (ws as WebSocket).close();
  });

  it('answers malformed JSON with a JSON-RPC error and stays usable', async () => {
    const ws = (await openSocket(withToken('/rpc'))) as WebSocket;
    ws.send('{"jsonrpc": "2.0", "method": ');
    const error = (await nextMessage(ws)) as { error?: { code: number } };
    expect(error.error?.code).toBe(-32700);
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'system.nope', params: {} }));
    expect(((await nextMessage(ws)) as { error?: { code: number } }).error?.code).toBe(-32601);
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'system.ping', params: { nonce: 42 } }));
    expect(((await nextMessage(ws)) as { error?: { data?: { code?: string } } }).error?.data?.code).toBe('E_VALIDATION');
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'system.ping', params: { nonce: 'still here' } }));
    expect(await nextMessage(ws)).toMatchObject({ id: 9, result: { nonce: 'still here' } });
    ws.close();
  });

  it('closes a socket that sends more than 80 MiB in one message (1009), and keeps serving others', async () => {
    const ws = (await openSocket(withToken('/rpc'))) as WebSocket;
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('x'.repeat(MAX_MESSAGE_BYTES + 1));
    expect(await closed).toBe(1009);
    const other = (await openSocket(withToken('/rpc'))) as WebSocket;
    other.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system.ping', params: { nonce: 'ok' } }));
    expect(await nextMessage(other)).toMatchObject({ id: 1, result: { nonce: 'ok' } });
    other.close();
  });

  it('refuses the upgrade without the token (401), from a foreign Origin (403), or a rebound Host (403)', async () => {
    expect(await openSocket('/rpc')).toBe(401);
    expect(await openSocket(withToken('/rpc', 'wrong'))).toBe(401);
    expect(await openSocket(withToken('/rpc'), { origin: 'http://evil.example' })).toBe(403);
    expect(await openSocket(withToken('/rpc'), { origin: `http://localhost:${host.port + 1}` })).toBe(403);
    expect(await openSocket(withToken('/rpc'), { headers: { Host: `evil.example:${host.port}` } })).toBe(403);
    expect(await openSocket(withToken('/elsewhere'))).toBe(404);
  });
});

describe('browser host: where it listens', () => {
  it('refuses to bind anywhere but loopback', async () => {
    for (const address of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) {
      const err = await startBrowserHost({ engine, rendererDir, host: address }).catch((e: unknown) => e);
      expect(err, address).toBeInstanceOf(FleetError);
      expect((err as FleetError).code).toBe('E_VALIDATION');
      expect((err as FleetError).message).toContain('127.0.0.1');
    }
  });

  it('says the renderer is not built when index.html is missing', async () => {
    const err = (await startBrowserHost({ engine, rendererDir: join(root, 'nothing-here') }).catch((e: unknown) => e)) as FleetError;
    expect(err.code).toBe('E_UNAVAILABLE');
    expect(err.message).toContain('electron-vite build');
  });

  it('stops listening when closed', async () => {
    const second = await startBrowserHost({ engine, rendererDir, host: 'localhost' });
    const url = `http://127.0.0.1:${second.port}/?token=${second.token}`;
    expect((await fetch(url)).status).toBe(200);
    await second.close();
    // Refused outright: nothing listens on the port any more.
    await expect(fetch(url)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
  });
});
