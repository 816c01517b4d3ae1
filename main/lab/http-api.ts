/**
 * The appliance's HTTP API (v1) over a model: health, metrics, cache pages and fills. Shared by the
 * lab (one port per appliance, one handler for all) and the reference agent's daemon. Reply faults
 * (malformed, oversized, slow, drop) are applied here; stall and unreachable belong to the socket.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  APPLIANCE_API_VERSION,
  FillRequest,
  HTTP_STATUS_OF,
  MAX_CACHE_PAGE,
  type ApplianceErrorCode,
} from '../appliance/contract';
import type { LabAppliance } from './model/appliance';
import { ApplianceError } from './model/errors';
import { bendReply, delay, DEFAULT_SLOW_DELAY_MS } from './reply-faults';

export const MAX_REQUEST_BYTES = 8 * 1024 * 1024;
export const API_VERSION_HEADER = 'fleetdeck-appliance-api';

export interface HttpApiOptions {
  slowDelayMs?: number;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_REQUEST_BYTES) throw new ApplianceError('E_TOO_LARGE', `A request body is at most ${MAX_REQUEST_BYTES} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) throw new ApplianceError('E_TOO_LARGE', `A request body is at most ${MAX_REQUEST_BYTES} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function queryInt(url: URL, name: string, fallback: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > max) throw new ApplianceError('E_USAGE', `${name} must be a whole number up to ${max}.`);
  return Number(raw);
}

async function route(appliance: LabAppliance, req: IncomingMessage, url: URL): Promise<{ status: number; body: unknown }> {
  const method = req.method ?? 'GET';
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const only = (allowed: string) => {
    if (method !== allowed) throw new ApplianceError('E_USAGE', `${path} answers ${allowed} only, not ${method}.`);
  };
  if (path === '/v1/health') {
    only('GET');
    return { status: 200, body: appliance.health() };
  }
  if (path === '/v1/metrics') {
    only('GET');
    return { status: 200, body: appliance.metrics() };
  }
  if (path === '/v1/cache') {
    only('GET');
    const offset = queryInt(url, 'offset', 0, Number.MAX_SAFE_INTEGER);
    const limit = Math.max(1, queryInt(url, 'limit', 100, MAX_CACHE_PAGE));
    return { status: 200, body: appliance.cacheList(offset, limit) };
  }
  if (path === '/v1/fill') {
    only('POST');
    const raw = await readBody(req);
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ApplianceError('E_USAGE', 'The fill request body is not JSON.');
    }
    const parsed = FillRequest.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ApplianceError('E_USAGE', `The fill manifest is invalid: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'unknown problem'}.`);
    }
    return { status: 202, body: appliance.startFill(parsed.data) };
  }
  const fill = /^\/v1\/fill\/([A-Za-z0-9._-]{1,64})$/.exec(path);
  if (fill) {
    only('GET');
    return { status: 200, body: appliance.fillJob(fill[1]!) };
  }
  if (/^\/v\d+(\/|$)/.test(path) && !path.startsWith('/v1')) {
    throw new ApplianceError('E_NOT_FOUND', `This appliance speaks API v${APPLIANCE_API_VERSION}; ${path} is not part of it.`);
  }
  throw new ApplianceError('E_NOT_FOUND', `There is no ${path} in appliance API v${APPLIANCE_API_VERSION}.`);
}

function errorReply(err: unknown): { status: number; body: unknown } {
  const code: ApplianceErrorCode = err instanceof ApplianceError ? err.code : 'E_INTERNAL';
  const message = err instanceof ApplianceError ? err.message : 'The appliance failed to answer; see its logs.';
  return { status: HTTP_STATUS_OF[code], body: { error: { code, message } } };
}

/** Answer one request for one appliance. */
export async function handleApplianceRequest(
  appliance: LabAppliance,
  req: IncomingMessage,
  res: ServerResponse,
  options: HttpApiOptions = {},
): Promise<void> {
  let reply: { status: number; body: unknown };
  try {
    const url = new URL(req.url ?? '/', 'http://appliance');
    reply = await route(appliance, req, url);
  } catch (err) {
    reply = errorReply(err);
    // Drain what is left of a refused body so keep-alive stays usable.
    req.resume();
  }
  const faults = appliance.faults;
  const text = Buffer.from(bendReply(JSON.stringify(reply.body), faults));
  if (faults.includes('slow')) await delay(options.slowDelayMs ?? DEFAULT_SLOW_DELAY_MS);
  if (res.destroyed) return;
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': text.length,
    [API_VERSION_HEADER]: String(APPLIANCE_API_VERSION),
    'cache-control': 'no-store',
  });
  if (faults.includes('drop')) {
    res.write(text.subarray(0, Math.floor(text.length / 2)), () => res.socket?.destroy());
    return;
  }
  res.end(text);
}
