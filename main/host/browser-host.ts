/**
 * The browser host: the built renderer as static files and the engine's RPC over a WebSocket at
 * /rpc, on 127.0.0.1 only. Every request needs the per-run token (URL or HttpOnly cookie), a Host
 * header naming this machine and, when it carries one, our own Origin. Each WebSocket is one
 * window's session with the engine.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { FleetError } from '../kit/errors';
import type { Engine } from '../engine';
import { AccessPolicy, newAccessToken } from './access';
import { contentTypeFor, isContentHashed, rendererCsp, resolveRendererFile } from './renderer-files';
import { webSocketChannel } from './ws-channel';

export interface BrowserHostOptions {
  engine: Engine;
  /** 0 or absent: any free port. */
  port?: number;
  /** 127.0.0.1 (default), localhost or ::1; anything else is refused. */
  host?: string;
  rendererDir: string;
  /** Fixed token (tests); by default 32 random bytes, base64url. */
  token?: string;
  /** Windows (WebSocket sessions) open at once; more are refused with 503 (default MAX_SESSIONS). */
  maxSessions?: number;
  /** How often each socket is pinged; one that has not answered the previous ping is closed (default HEARTBEAT_MS). */
  heartbeatMs?: number;
}

export interface BrowserHost {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** Imports of up to 64 MiB travel as JSON-RPC text; leave room for the envelope. */
export const MAX_MESSAGE_BYTES = 80 * 1024 * 1024;

/** Browser windows served at once: enough for any person, few enough that a loop opening sockets cannot exhaust the engine. */
export const MAX_SESSIONS = 32;

/** A socket that has not answered a ping within one interval is gone (a sleeping laptop, a dropped tunnel): its session ends. */
export const HEARTBEAT_MS = 30_000;

/** <repo>/out/renderer, where `npx electron-vite build` puts the renderer. */
export function defaultRendererDir(): string {
  return fileURLToPath(new URL('../../out/renderer/', import.meta.url));
}

const LOOPBACK: Record<string, string> = { '127.0.0.1': '127.0.0.1', localhost: '127.0.0.1', '::1': '::1', '[::1]': '::1' };

function loopbackAddress(requested: string | undefined): string {
  const address = LOOPBACK[(requested ?? '127.0.0.1').toLowerCase()];
  if (!address) {
    throw new FleetError(
      'E_VALIDATION',
      `Fleetdeck serves only on this machine (127.0.0.1), not on "${requested}": anyone who can reach that address could drive the fleet. Use an SSH tunnel to reach it from elsewhere.`,
    );
  }
  return address;
}

function actorName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? process.env['USERNAME'] ?? 'unknown';
  }
}

const BASE_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

function splitTarget(target: string): { path: string; token: string | null } {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  return { path, token: new URLSearchParams(query).get('token') };
}

function sendText(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...BASE_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(text + '\n'),
    ...extra,
  });
  res.end(text + '\n');
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  const body = text + '\n';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const address = loopbackAddress(options.host);
  const rendererDir = options.rendererDir;
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new FleetError(
      'E_UNAVAILABLE',
      `The renderer is not built (no index.html in ${rendererDir}): run \`npx electron-vite build\` first.`,
    );
  }
  const token = options.token ?? newAccessToken();
  const { engine } = options;
  const actor = `browser:${actorName()}`;
  let policy: AccessPolicy | null = null;
  const sessions = new Set<WebSocket>();
  const maxSessions = options.maxSessions ?? MAX_SESSIONS;
  /** Upgrades accepted but not yet connected count too, so a burst cannot pass the cap. */
  let opening = 0;
  const alive = new WeakSet<WebSocket>();

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    sessions.add(ws);
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    ws.on('close', () => sessions.delete(ws));
    ws.on('error', () => ws.terminate());
    engine.connect(webSocketChannel(ws), { actor, host: 'browser' });
  });
  const heartbeat = setInterval(() => {
    for (const ws of sessions) {
      if (!alive.has(ws)) {
        ws.terminate(); // 'close' follows: the session ends and its slot frees
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, options.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();

  const serveStatic = (req: IncomingMessage, res: ServerResponse, access: AccessPolicy, path: string, fromQuery: boolean) => {
    const found = resolveRendererFile(rendererDir, path);
    if (found.kind === 'refused') return sendText(res, 400, 'That path is not allowed.');
    if (found.kind === 'not-found') return sendText(res, 404, 'Not found.');
    let size: number;
    try {
      size = statSync(found.path).size;
    } catch {
      return sendText(res, 404, 'Not found.');
    }
    const headers: Record<string, string | number> = {
      ...BASE_HEADERS,
      'Content-Type': contentTypeFor(found.path),
      'Content-Length': size,
    };
    if (found.kind === 'index') {
      headers['Content-Security-Policy'] = rendererCsp(access.webSocketOrigins);
      headers['Cache-Control'] = 'no-store';
    } else {
      // Hashed build outputs are kept a year (a new build has new names); anything else is checked each time.
      headers['Cache-Control'] = isContentHashed(path) ? 'private, max-age=31536000, immutable' : 'no-cache';
    }
    if (fromQuery) headers['Set-Cookie'] = access.setCookieHeader();
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(found.path);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };

  const server = createServer((req, res) => {
    const access = policy;
    if (!access) return sendText(res, 503, 'Starting.');
    const { path, token: queryToken } = splitTarget(req.url ?? '/');
    const verdict = access.check(req, queryToken);
    if (!verdict.ok) return sendText(res, verdict.status, verdict.reason);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Only GET and HEAD are served here.', { Allow: 'GET, HEAD' });
    if (path === '/rpc') return sendText(res, 426, 'The engine speaks WebSocket here.', { Upgrade: 'websocket' });
    serveStatic(req, res, access, path, verdict.fromQuery);
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const access = policy;
    if (!access) return refuseUpgrade(socket, 503, 'Starting.');
    const { path, token: queryToken } = splitTarget(req.url ?? '/');
    if (path !== '/rpc') return refuseUpgrade(socket, 404, 'Not found.');
    const verdict = access.check(req, queryToken);
    if (!verdict.ok) return refuseUpgrade(socket, verdict.status, verdict.reason);
    if (sessions.size + opening >= maxSessions) {
      return refuseUpgrade(socket, 503, `This Fleetdeck engine already serves ${maxSessions} windows; close one and reload.`);
    }
    opening++;
    let counted = true;
    const uncount = () => {
      if (counted) opening--;
      counted = false;
    };
    socket.once('close', uncount); // a handshake ws refuses never reaches the callback
    wss.handleUpgrade(req, socket, head, (ws) => {
      uncount();
      socket.off('close', uncount);
      wss.emit('connection', ws, req);
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new FleetError('E_CONFLICT', `Port ${options.port} on ${address} is already in use: choose another with --port.`)
          : err,
      ),
    );
    server.listen(options.port ?? 0, address, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  policy = new AccessPolicy(token, port);
  const hostPart = address === '::1' ? '[::1]' : address;

  return {
    url: `http://${hostPart}:${port}/?token=${token}`,
    port,
    token,
    async close() {
      clearInterval(heartbeat);
      for (const ws of sessions) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
