import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FleetError } from '../kit/errors';
import { ApplianceReplyError } from '../appliance/replies';
import { callAppliance, normalisePin, type HttpEndpoint } from './appliance-http';

const HEALTH = {
  serial: 'OCA1',
  status: 'Warning',
  checkedAt: '2026-01-01T00:00:00.000Z',
  components: [
    { name: 'disk', status: 'OK', message: 'fine' },
    { name: 'bgp', status: 'Warning', message: 'flapping' },
  ],
};

type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;
const routes: Record<string, Behaviour> = {
  ok: (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(HEALTH)),
  malformed: (_req, res) => res.writeHead(200).end('{"serial": "OCA1", "status": '),
  wrongShape: (_req, res) => res.writeHead(200).end(JSON.stringify({ ...HEALTH, status: 'OK' })),
  oversizedDeclared: (_req, res) => res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) }).end(),
  oversizedChunked: (_req, res) => {
    res.writeHead(200);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < 4 * 1024 * 1024) {
        sent += chunk.length;
        if (!res.write(chunk)) return res.once('drain', pump);
      }
      res.end();
    };
    pump();
  },
  stall: () => {},
  drop: (req, res) => {
    res.writeHead(200, { 'content-length': '1000' });
    res.write('{"serial":');
    setTimeout(() => req.socket.destroy(), 20);
  },
  applianceError: (_req, res) => res.writeHead(503).end(JSON.stringify({ error: { code: 'E_UNAVAILABLE', message: 'booting' } })),
};

let mode = 'ok';
const handler = (req: IncomingMessage, res: ServerResponse) => routes[mode]!(req, res);

describe('appliance HTTP client against real servers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleetdeck-http-'));
  let plain: Server;
  let tls: Server;
  let certPin = '';
  const endpoint = (server: Server, pin: string | null = null): HttpEndpoint => ({
    label: 'OCA1',
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    tls: pin ? { pin } : null,
  });

  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=oca1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    certPin = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', join(dir, 'cert.pem')], { encoding: 'utf8' })
      .trim()
      .split('=')[1]!;
    plain = createHttpServer(handler);
    tls = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, handler);
    await Promise.all([plain, tls].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))));
  });
  afterAll(async () => {
    for (const s of [plain, tls]) s.closeAllConnections?.();
    await Promise.all([plain, tls].map((s) => new Promise((r) => s.close(r))));
    rmSync(dir, { recursive: true, force: true });
  });

  const codeOf = async (p: Promise<unknown>) => {
    try {
      await p;
      return 'resolved';
    } catch (err) {
      return err instanceof FleetError ? err.code : err instanceof ApplianceReplyError ? `appliance:${err.code}` : String(err);
    }
  };

  it('returns a reply validated against the contract', async () => {
    mode = 'ok';
    const health = await callAppliance(endpoint(plain), 'GET /v1/health');
    expect(health.status).toBe('Warning');
    expect(health.components).toHaveLength(2);
  });

  it('turns each kind of bad reply into one clear error', async () => {
    const cases: Array<[string, string]> = [
      ['malformed', 'E_BAD_REPLY'],
      ['wrongShape', 'E_BAD_REPLY'],
      ['oversizedDeclared', 'E_TOO_LARGE'],
      ['oversizedChunked', 'E_TOO_LARGE'],
      ['drop', 'E_UNREACHABLE'],
      ['applianceError', 'appliance:E_UNAVAILABLE'],
    ];
    for (const [m, code] of cases) {
      mode = m;
      expect(await codeOf(callAppliance(endpoint(plain), 'GET /v1/health', { timeoutMs: 10_000 })), m).toBe(code);
    }
  });

  it('times out a stalled appliance and cancels on request', async () => {
    mode = 'stall';
    const started = Date.now();
    expect(await codeOf(callAppliance(endpoint(plain), 'GET /v1/health', { timeoutMs: 200 }))).toBe('E_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(10_000); // cut by its deadline, not left to stall (a loose bound: CI machines are slow)
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect(await codeOf(callAppliance(endpoint(plain), 'GET /v1/health', { signal: controller.signal }))).toBe('E_CANCELLED');
  });

  it('reports a closed port as unreachable', async () => {
    const gone = createHttpServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', () => r()));
    const ep = endpoint(gone);
    await new Promise((r) => gone.close(r));
    expect(await codeOf(callAppliance(ep, 'GET /v1/health'))).toBe('E_UNREACHABLE');
  });

  it('talks TLS only to the pinned certificate, sending nothing to another', async () => {
    mode = 'ok';
    expect((await callAppliance(endpoint(tls, certPin), 'GET /v1/health')).serial).toBe('OCA1');
    const base64Pin = 'SHA256:' + Buffer.from(certPin.replace(/:/g, ''), 'hex').toString('base64').replace(/=+$/, '');
    expect(normalisePin(base64Pin)).toBe(certPin);
    expect((await callAppliance(endpoint(tls, base64Pin), 'GET /v1/health')).serial).toBe('OCA1');
    let requests = 0;
    tls.on('request', () => requests++);
    const wrongPin = certPin.replace(/^../, certPin.startsWith('00') ? '11' : '00');
    const err = await callAppliance(endpoint(tls, wrongPin), 'GET /v1/health').catch((e: unknown) => e);
    expect((err as FleetError).code).toBe('E_HOSTKEY_MISMATCH');
    expect((err as FleetError).details).toEqual({ expected: wrongPin, presented: certPin });
    expect(requests).toBe(0);
  });
});
