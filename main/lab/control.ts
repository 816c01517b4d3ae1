/**
 * The lab's control API: a small HTTP server on 127.0.0.1 that only answers requests carrying the
 * token from <lab>/control.token. The engine (and so the CLI and the app) uses it to read the lab's
 * status, toggle faults and stop the lab. Both ends live here.
 */
import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { z } from 'zod';
import { FleetError } from '../kit/errors';
import { FaultId, LabApplianceFaults } from './contract';
import type { LabFleet } from './fleet';
import { AddSiteRequest, addFactorySite } from './factory-site';
import { readManifest, TOKEN_FILE } from './manifest';

export const ControlStatus = z.object({
  pid: z.number().int(),
  startedAt: z.string(),
  speed: z.number(),
  labTime: z.string(),
  appliances: z.number().int(),
  sites: z.number().int(),
  faults: z.array(LabApplianceFaults),
});
export type ControlStatus = z.infer<typeof ControlStatus>;

const FaultRequest = z.object({ serial: z.string().min(1).max(64), fault: FaultId, on: z.boolean() });

export interface ControlServerOptions {
  fleet: LabFleet;
  token: string;
  startedAt: string;
  speed: number;
  /** Called after the reply to POST /stop has gone out. */
  onStop: () => void;
}

function send(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function startControlServer(options: ControlServerOptions): Promise<{ server: Server; port: number }> {
  const expected = Buffer.from(`Bearer ${options.token}`);
  const server = createServer((req, res) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return send(res, 401, { error: { code: 'E_UNAUTHORIZED', message: 'The lab control API needs the token from control.token.' } });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 64 * 1024) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      const { fleet } = options;
      const route = `${req.method} ${req.url}`;
      if (route === 'GET /status') {
        const status: ControlStatus = {
          pid: process.pid,
          startedAt: options.startedAt,
          speed: options.speed,
          labTime: new Date(fleet.clock.now()).toISOString(),
          appliances: fleet.size,
          sites: fleet.plan.sites.length,
          faults: fleet.faults(),
        };
        return send(res, 200, status);
      }
      if (route === 'POST /fault') {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return send(res, 400, { error: { code: 'E_VALIDATION', message: 'The body is not JSON.' } });
        }
        const parsed = FaultRequest.safeParse(body);
        if (!parsed.success) return send(res, 400, { error: { code: 'E_VALIDATION', message: parsed.error.issues[0]?.message ?? 'invalid' } });
        const faults = fleet.setFault(parsed.data.serial, parsed.data.fault, parsed.data.on);
        if (faults === null) {
          return send(res, 404, { error: { code: 'E_NOT_FOUND', message: `There is no lab appliance ${parsed.data.serial}.` } });
        }
        return send(res, 200, { serial: parsed.data.serial, faults });
      }
      if (route === 'POST /add-site') {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return send(res, 400, { error: { code: 'E_VALIDATION', message: 'The body is not JSON.' } });
        }
        const parsed = AddSiteRequest.safeParse(body);
        if (!parsed.success) return send(res, 400, { error: { code: 'E_VALIDATION', message: parsed.error.issues[0]?.message ?? 'invalid' } });
        addFactorySite(fleet, parsed.data).then(
          (survey) => send(res, 200, survey),
          (err: unknown) => send(res, 400, { error: { code: 'E_VALIDATION', message: err instanceof Error ? err.message : String(err) } }),
        );
        return;
      }
      if (route === 'POST /stop') {
        send(res, 200, { stopping: true });
        res.on('finish', () => setImmediate(options.onStop));
        return;
      }
      send(res, 404, { error: { code: 'E_NOT_FOUND', message: `The lab control API has no ${route}.` } });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

/** Call the control API of the lab in `labDir`. E_UNAVAILABLE when no lab answers there. */
export async function callControl(labDir: string, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 10_000): Promise<unknown> {
  const manifest = readManifest(labDir);
  if (!manifest) throw new FleetError('E_UNAVAILABLE', 'No lab is running (start one with `fleetdeck lab start`).');
  let token: string;
  try {
    token = readFileSync(join(labDir, TOKEN_FILE), 'utf8').trim();
  } catch {
    throw new FleetError('E_UNAVAILABLE', 'The lab control token is missing; stop the lab process and start the lab again.');
  }
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: manifest.controlPort,
        method,
        path,
        timeout: timeoutMs,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            return reject(new FleetError('E_BAD_REPLY', 'The lab control API answered with something that is not JSON.'));
          }
          if ((res.statusCode ?? 500) >= 400) {
            const err = (json as { error?: { code?: string; message?: string } }).error;
            const code = err?.code === 'E_NOT_FOUND' ? 'E_NOT_FOUND' : err?.code === 'E_VALIDATION' ? 'E_VALIDATION' : 'E_UNAVAILABLE';
            return reject(new FleetError(code, err?.message ?? `The lab control API answered HTTP ${res.statusCode}.`));
          }
          resolve(json);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => reject(new FleetError('E_UNAVAILABLE', 'The lab process does not answer; it may have stopped.')));
    req.end(payload);
  });
}
