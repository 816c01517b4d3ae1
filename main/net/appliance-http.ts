/**
 * The HTTP side of the appliance API: one request with a deadline, a size limit read from the
 * stream (not trusted from headers), optional TLS pinned to the certificate's SHA-256
 * fingerprint, and the reply validated against the contract (main/appliance/replies.ts).
 * Every failure is a FleetError for that one appliance; callers sweeping a fleet carry on.
 */
import { refuseOffLoopback } from './loopback-guard';
import { request as httpRequest, type Agent, type IncomingMessage } from 'node:http';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { FleetError } from '../kit/errors';
import { MAX_REPLY_BYTES, type HttpReply, type HttpRoute } from '../appliance/contract';
import { parseHttpReply } from '../appliance/replies';
import { abortReason } from './slots';

export interface HttpEndpoint {
  /** The appliance serial, for messages. */
  label: string;
  host: string;
  port: number;
  /** TLS with the certificate pinned (`SHA256:<base64>` or colon hex as openssl prints it); null for plain HTTP. */
  tls: { pin: string } | null;
}

export interface HttpCallOptions {
  /** `{id}`-style path parameters, URL-encoded here. */
  params?: Record<string, string>;
  query?: Record<string, string | number>;
  body?: unknown;
  timeoutMs?: number;
  signal?: AbortSignal;
  maxBytes?: number;
  /** A keep-alive agent for plain HTTP (pollers reuse sockets); by default a fresh connection per call. */
  agent?: Agent;
}

export interface RawReply {
  status: number;
  body: Buffer;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/** Normalise a pin to colon hex upper case, as Node reports fingerprint256. */
export function normalisePin(pin: string): string {
  const trimmed = pin.trim();
  if (/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(trimmed)) {
    const hex = Buffer.from(trimmed.slice(7), 'base64').toString('hex').toUpperCase();
    return hex.match(/../g)!.join(':');
  }
  const hex = trimmed.replace(/^sha256\/?/i, '').replace(/:/g, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new FleetError('E_VALIDATION', 'A certificate pin is SHA256:<base64> or 32 colon-separated hex bytes.');
  }
  return hex.toUpperCase().match(/../g)!.join(':');
}

/** Call one route of the appliance API and return its validated reply. */
export async function callAppliance<R extends HttpRoute>(endpoint: HttpEndpoint, route: R, options: HttpCallOptions = {}): Promise<HttpReply<R>> {
  const [method, template] = route.split(' ') as [string, string];
  let path = template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = options.params?.[name];
    if (value === undefined) throw new FleetError('E_VALIDATION', `The ${route} call needs its ${name}.`);
    return encodeURIComponent(value);
  });
  if (options.query) {
    const q = new URLSearchParams(Object.entries(options.query).map(([k, v]): [string, string] => [k, String(v)]));
    path += `?${q.toString()}`;
  }
  const reply = await httpCall(endpoint, method, path, options);
  return parseHttpReply(route, reply.status, reply.body);
}

/** One HTTP exchange with deadline, cancellation, size limit and optional pinned TLS. */
export async function httpCall(endpoint: HttpEndpoint, method: string, path: string, options: HttpCallOptions = {}): Promise<RawReply> {
  const limit = options.maxBytes ?? MAX_REPLY_BYTES;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const label = endpoint.label;
  // Connections from this machine only: through a bastion's tunnel the bastion reaches the address.
  if (!(options.agent as { throughBastion?: boolean } | undefined)?.throughBastion) refuseOffLoopback(endpoint.host, `HTTP to ${label}`);
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  return new Promise<RawReply>((resolve, reject) => {
    let settled = false;
    let cleanup = () => {};
    const finish = (outcome: FleetError | RawReply) => {
      if (settled) return;
      settled = true;
      cleanup();
      if (outcome instanceof FleetError) reject(outcome);
      else resolve(outcome);
    };
    const fail = (err: Error & { code?: string }, phase: 'connect' | 'reply') => {
      if (err instanceof FleetError) return finish(err);
      if (err.code && UNREACHABLE.has(err.code)) {
        return finish(
          phase === 'connect'
            ? new FleetError('E_UNREACHABLE', `${label} (${endpoint.host}:${endpoint.port}) is unreachable over HTTP: ${err.code}.`)
            : new FleetError('E_UNREACHABLE', `The connection to ${label} dropped during the HTTP reply (${err.code}).`),
        );
      }
      finish(new FleetError('E_UNREACHABLE', `The HTTP call to ${label} failed: ${err.message}.`));
    };

    let tlsSocket: TLSSocket | null = null;
    let pinChecked = endpoint.tls === null;
    if (endpoint.tls) {
      const pin = normalisePin(endpoint.tls.pin);
      tlsSocket = tlsConnect({ host: endpoint.host, port: endpoint.port, rejectUnauthorized: false, servername: isIp(endpoint.host) ? undefined : endpoint.host });
      tlsSocket.once('secureConnect', () => {
        const presented = tlsSocket!.getPeerCertificate().fingerprint256;
        if (presented !== pin) {
          tlsSocket!.destroy();
          finish(new FleetError('E_HOSTKEY_MISMATCH', `${label} presented a TLS certificate that does not match its pin.`, { expected: pin, presented }));
          return;
        }
        pinChecked = true;
      });
    }

    const req = httpRequest({
      host: endpoint.host,
      port: endpoint.port,
      method,
      path,
      headers: {
        accept: 'application/json',
        ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
      },
      // A fresh connection per call: the pinned TLS socket, or a private agent for plain HTTP
      // unless the caller brings a keep-alive agent.
      ...(tlsSocket ? { createConnection: () => tlsSocket! } : { agent: options.agent ?? false }),
    });
    // With TLS the request is written only after the pin matched: hold it back until then.
    const timer = setTimeout(() => {
      finish(new FleetError('E_TIMEOUT', `${label} did not answer ${method} ${path} within ${timeoutMs / 1000} s.`));
      req.destroy();
    }, timeoutMs);
    const onAbort = () => {
      finish(abortReason(options.signal!));
      req.destroy();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    cleanup = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    if (options.signal?.aborted) return onAbort();

    req.on('error', (err) => fail(err, 'connect'));
    req.on('response', (res: IncomingMessage) => {
      if (!pinChecked) {
        req.destroy();
        return finish(new FleetError('E_HOSTKEY_MISMATCH', `${label} answered before its TLS certificate was checked.`));
      }
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > limit) {
        req.destroy();
        return finish(new FleetError('E_TOO_LARGE', `${label} announced a ${declared}-byte reply; at most ${limit} bytes are read.`, { bytes: declared, limit }));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          req.destroy();
          finish(new FleetError('E_TOO_LARGE', `${label} sent more than ${limit} bytes; the reply was refused.`, { limit }));
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (err) => fail(err, 'reply'));
      res.on('aborted', () => finish(new FleetError('E_UNREACHABLE', `The connection to ${label} dropped during the HTTP reply.`)));
      res.on('end', () => {
        if (!res.complete) return finish(new FleetError('E_UNREACHABLE', `The connection to ${label} dropped during the HTTP reply.`));
        finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
      });
    });
    if (tlsSocket && !pinChecked) {
      tlsSocket.once('secureConnect', () => {
        if (pinChecked) req.end(payload);
      });
      tlsSocket.once('error', (err) => fail(err, 'connect'));
    } else {
      req.end(payload);
    }
  });
}

function isIp(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':');
}
