/** One appliance poll over real HTTP on 127.0.0.1: socket reuse, wrong serial, partial replies. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, Agent, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pollAppliance, eachLimited, type PollOptions } from './poller';

const NOW = '2026-03-01T12:00:00.000Z';
const health = (serial: string) => ({ serial, status: 'OK', checkedAt: NOW, components: [{ name: 'disk', status: 'OK', message: '50% used.' }] });
const metrics = (serial: string) => ({
  serial,
  at: NOW,
  servingGbps: 40,
  connections: 8000,
  cacheHitRatio: 0.95,
  disk: { usedBytes: 50, totalBytes: 100 },
  fill: { active: false, jobId: null, progress: null, rateGbps: 0, queued: 0 },
  errorsPerSecond: 0.1,
});

describe('pollAppliance', () => {
  let server: Server;
  let port = 0;
  let connections = 0;
  let answerAs = 'OCA1';
  let metricsBroken = false;
  /** Cut the next request that arrives on a reused connection, as a server closing an idle socket does. */
  let cutReused = false;
  const served = new WeakMap<Socket, number>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const n = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, n);
      if (cutReused && n > 1) {
        cutReused = false;
        return void req.socket.destroy();
      }
      const body =
        req.url === '/v1/health' ? health(answerAs) : req.url === '/v1/metrics' && !metricsBroken ? metrics(answerAs) : { error: { code: 'E_INTERNAL', message: 'metrics daemon down' } };
      res.writeHead('error' in body ? 500 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    server.on('connection', () => connections++);
    // Node closes an idle kept-alive socket after 5 s by default; a loaded machine must not make that a second connection.
    server.keepAliveTimeout = 120_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const options = (agent: Agent): PollOptions => ({ timeoutMs: 15_000, agent, signal: new AbortController().signal, now: () => NOW });

  it('reuses one kept-alive socket for health and metrics, poll after poll', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    connections = 0;
    for (let i = 0; i < 3; i++) {
      const out = await pollAppliance({ serial: 'OCA1', host: '127.0.0.1', port }, options(agent));
      expect(out).toMatchObject({ kind: 'reached', metricsError: null, metrics: { servingGbps: 40 } });
    }
    expect(connections).toBe(1);
    agent.destroy();
  });

  it('retries once on a fresh socket when the kept-alive one was closed by the appliance', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    connections = 0;
    await pollAppliance({ serial: 'OCA1', host: '127.0.0.1', port }, options(agent));
    // The appliance closes the kept-alive connection just as the next request goes out.
    cutReused = true;
    const out = await pollAppliance({ serial: 'OCA1', host: '127.0.0.1', port }, options(agent));
    expect(out).toMatchObject({ kind: 'reached', metricsError: null });
    expect(cutReused).toBe(false);
    expect(connections).toBe(2);
    agent.destroy();
  });

  it('refuses an answer from another serial (the inventory address is wrong)', async () => {
    answerAs = 'OCA9';
    try {
      const out = await pollAppliance({ serial: 'OCA1', host: '127.0.0.1', port }, options(new Agent()));
      expect(out).toMatchObject({ kind: 'failed', error: { code: 'E_BAD_REPLY', message: expect.stringMatching(/answered \/v1\/health as OCA9, not OCA1/) } });
    } finally {
      answerAs = 'OCA1';
    }
  });

  it('keeps a health reply when only the metrics call fails', async () => {
    metricsBroken = true;
    try {
      const out = await pollAppliance({ serial: 'OCA1', host: '127.0.0.1', port }, options(new Agent()));
      expect(out).toMatchObject({ kind: 'reached', metrics: null, metricsError: { code: 'E_INTERNAL', message: 'metrics daemon down' } });
    } finally {
      metricsBroken = false;
    }
  });

  it('reports a closed port as unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const free = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const out = await pollAppliance({ serial: 'OCA1', host: '127.0.0.1', port: free }, options(new Agent()));
    expect(out).toMatchObject({ kind: 'failed', error: { code: 'E_UNREACHABLE' } });
  });
});

describe('eachLimited', () => {
  it('keeps at most N in flight and returns results in input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await eachLimited([5, 1, 4, 2, 3, 0], 2, async (ms) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, ms * 3));
      inFlight--;
      return ms * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });
});
