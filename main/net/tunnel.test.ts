/**
 * HTTP through SSH tunnels against real ssh2 bastions and a real HTTP server on 127.0.0.1: a two-hop
 * chain, kept-alive channels reused by the agent, idle channels and idle bastion connections
 * closed, a refused bastion host key before any credential, and a bastion that is not there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, get, type Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FleetError } from '../kit/errors';
import type { HostKey } from '../keys/host-key';
import { SshPool, type HostKeyPolicy, type SshEndpoint } from './ssh-pool';
import { startTestSshServer, type TestSshServer } from './test-ssh-server';
import { SshTunnels } from './tunnel';
import { sshPair } from '../keys/openssh-keygen';

const fleetKey = sshPair('fleet-test');

function pinned(expected: () => Record<string, string>): HostKeyPolicy {
  return {
    async verify(endpoint: SshEndpoint, key: HostKey) {
      const want = expected()[endpoint.label];
      if (want === undefined) throw new FleetError('E_HOSTKEY_UNKNOWN', `First contact with ${endpoint.label}: ${key.fingerprint}.`);
      if (want !== key.fingerprint) throw new FleetError('E_HOSTKEY_MISMATCH', `host key of ${endpoint.label} changed`);
    },
  };
}

function fetchText(agent: Agent, port: number, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(probe: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!probe()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('SshTunnels: HTTP over direct-tcpip channels', () => {
  let outer: TestSshServer;
  let inner: TestSshServer;
  let stranger: TestSshServer;
  let http: Server;
  let httpPort: number;
  let requests = 0;
  const tunnels: SshTunnels[] = [];
  const pools: SshPool[] = [];

  const endpoint = (label: string, server: TestSshServer): SshEndpoint => ({ label, host: '127.0.0.1', port: server.port, username: 'fleet' });
  /** Tunnels over their own pool (the engine gives them its shared one). */
  const make = (idleMs = 60_000) => {
    const pool = new SshPool({
      auth: { kind: 'fleet-key', load: async () => ({ privateKey: Buffer.from(fleetKey.private) }) },
      hostKeys: pinned(() => ({ 'bastion:outer': outer.hostKeyFingerprint, 'bastion:inner': inner.hostKeyFingerprint })),
      connectTimeoutMs: 15_000,
      idleMs,
    });
    const t = new SshTunnels({ pool: () => pool });
    pools.push(pool);
    tunnels.push(t);
    return t;
  };

  beforeAll(async () => {
    [outer, inner, stranger] = await Promise.all([
      startTestSshServer({ authorizedKeys: [fleetKey.public] }),
      startTestSshServer({ authorizedKeys: [fleetKey.public] }),
      startTestSshServer({ authorizedKeys: [fleetKey.public] }),
    ]);
    http = createServer((req, res) => {
      requests++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ path: req.url, n: requests }));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    httpPort = (http.address() as AddressInfo).port;
  });

  afterAll(async () => {
    for (const t of tunnels) t.close();
    for (const p of pools) p.close();
    http?.closeAllConnections();
    await new Promise((r) => http?.close(r));
    await Promise.all([outer, inner, stranger].map((s) => s?.close()));
  });

  it('carries HTTP through a two-hop chain and reuses one channel for sequential requests', async () => {
    const t = make();
    const agent = t.httpAgent([endpoint('bastion:outer', outer), endpoint('bastion:inner', inner)]);
    const before = { outer: outer.stats.connections, inner: inner.stats.connections };
    for (let i = 0; i < 3; i++) expect(JSON.parse(await fetchText(agent, httpPort, `/v1/health?i=${i}`))).toMatchObject({ path: `/v1/health?i=${i}` });
    expect(outer.stats.connections - before.outer).toBe(1);
    expect(inner.stats.connections - before.inner).toBe(1);
    // The outer bastion carried the inner one's connection; the inner one the HTTP channel, once.
    expect(outer.stats.forwards.at(-1)).toBe(`127.0.0.1:${inner.port}`);
    expect(inner.stats.forwards.filter((f) => f === `127.0.0.1:${httpPort}`)).toHaveLength(1);
    // The same agent for the same chain: the channel stays warm for the next caller.
    expect(t.httpAgent([endpoint('bastion:outer', outer), endpoint('bastion:inner', inner)])).toBe(agent);
  });

  it('closes a channel the agent held free too long, then the bastion connection nobody uses', async () => {
    const t = make(150);
    const agent = t.httpAgent([endpoint('bastion:outer', outer)], { keepAlive: true, maxSockets: 2, timeout: 100 });
    const opened = outer.stats.connections;
    await fetchText(agent, httpPort);
    expect(t.snapshot()).toEqual([{ key: expect.stringContaining(`:${outer.port}`) as string, channels: 1 }]);
    await until(() => t.snapshot().length === 0, 'the idle bastion connection to close');
    // The next request opens a new connection and works.
    expect(JSON.parse(await fetchText(agent, httpPort, '/again'))).toMatchObject({ path: '/again' });
    expect(outer.stats.connections - opened).toBe(2);
    expect([...pools.at(-1)!.opened.values()]).toEqual([2]);
  });

  it('refuses a bastion with an unknown host key before offering a credential', async () => {
    const t = make();
    const agent = t.httpAgent([endpoint('bastion:stranger', stranger)]);
    const err = await fetchText(agent, httpPort).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FleetError);
    expect((err as FleetError).code).toBe('E_HOSTKEY_UNKNOWN');
    expect(stranger.stats.authAttempts).toBe(0);
    expect(stranger.stats.forwards).toEqual([]);
  });

  it('says a bastion that is not there is unreachable, and what it could not reach', async () => {
    const t = make();
    const closed = { label: 'bastion:gone', host: '127.0.0.1', port: 9, username: 'fleet' };
    const err = await fetchText(t.httpAgent([closed]), httpPort).then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as FleetError).code).toBe('E_UNREACHABLE');
    expect((err as FleetError).message).toMatch(/bastion:gone .*ECONNREFUSED/);
    // Through a live bastion to a port nothing listens on: that one request fails, the bastion stays.
    const agent = t.httpAgent([endpoint('bastion:outer', outer)]);
    const refused = await fetchText(agent, 9).then(
      () => null,
      (e: unknown) => e,
    );
    expect((refused as FleetError).code).toBe('E_UNREACHABLE');
    expect((refused as FleetError).message).toMatch(/could not reach 127\.0\.0\.1:9/);
    expect(JSON.parse(await fetchText(agent, httpPort, '/still'))).toMatchObject({ path: '/still' });
  });
});
