import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEventListeners } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { FleetError } from '../kit/errors';
import { SshPool, type HostKeyPolicy, type SshEndpoint, type SshRoute } from './ssh-pool';
import { startTestSshServer, type TestSshServer } from './test-ssh-server';
import type { HostKey } from '../keys/host-key';
import { sshPair } from '../keys/openssh-keygen';
import { until } from '../../tests/support/wait';

const fleetKey = sshPair('fleet-test');

/** Trust exactly the fingerprints given, by endpoint label. */
function pinned(expected: Record<string, string>): HostKeyPolicy & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    async verify(endpoint: SshEndpoint, key: HostKey) {
      seen.push(endpoint.label);
      const want = expected[endpoint.label];
      if (want !== key.fingerprint) {
        throw new FleetError('E_HOSTKEY_MISMATCH', `host key of ${endpoint.label} changed`, { expected: want ?? '(none)', presented: key.fingerprint });
      }
    },
  };
}

function endpoint(label: string, server: { port: number }): SshEndpoint {
  return { label, host: '127.0.0.1', port: server.port, username: 'fleet' };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return err instanceof FleetError ? err.code : `not a FleetError: ${String(err)}`;
  }
}

describe('SshPool against real ssh2 servers', () => {
  let target: TestSshServer;
  let second: TestSshServer;
  let bastion: TestSshServer;
  let innerBastion: TestSshServer;
  const pools: SshPool[] = [];

  const poolFor = (policy: HostKeyPolicy, extra: Partial<ConstructorParameters<typeof SshPool>[0]> = {}) => {
    const pool = new SshPool({
      auth: { kind: 'fleet-key', load: async () => ({ privateKey: Buffer.from(fleetKey.private) }) },
      hostKeys: policy,
      retries: 1,
      backoffMs: 10,
      ...extra,
    });
    pools.push(pool);
    return pool;
  };

  beforeAll(async () => {
    [target, second, bastion, innerBastion] = await Promise.all([
      startTestSshServer({ authorizedKeys: [fleetKey.public] }),
      startTestSshServer({ authorizedKeys: [fleetKey.public] }),
      startTestSshServer({ authorizedKeys: [fleetKey.public] }),
      startTestSshServer({ authorizedKeys: [fleetKey.public] }),
    ]);
  });
  afterAll(async () => {
    for (const p of pools) p.close();
    await Promise.all([target, second, bastion, innerBastion].map((s) => s?.close()));
  });

  const trustAll = () =>
    pinned({
      A1: target.hostKeyFingerprint,
      A2: second.hostKeyFingerprint,
      'bastion:outer': bastion.hostKeyFingerprint,
      'bastion:inner': innerBastion.hostKeyFingerprint,
    });

  it('runs argv through the remote shell with hostile words arriving intact', async () => {
    const pool = poolFor(trustAll());
    const hostile = ['a;rm -rf /', '$(reboot)', '`id`', "it's", '"dq"', 'line1\nline2', ' spaced ', '', '*', '--flag=$HOME', '\\', '!x', '#c'];
    const result = await pool.exec({ target: endpoint('A1', target), via: [] }, ['printf', '%s\\0', ...hostile]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split('\0').slice(0, -1)).toEqual(hostile);
  });

  it('reuses one connection for many operations on the same appliance', async () => {
    const pool = poolFor(trustAll());
    const before = target.stats.connections;
    const route: SshRoute = { target: endpoint('A1', target), via: [] };
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => pool.exec(route, ['echo', String(n)])));
    expect(results.map((r) => r.stdout.trim())).toEqual(['1', '2', '3', '4', '5']);
    expect(target.stats.connections - before).toBe(1);
  });

  it('reports exit codes and stderr, and cuts output at the limit', async () => {
    const pool = poolFor(trustAll());
    const route: SshRoute = { target: endpoint('A1', target), via: [] };
    const failed = await pool.execCommand(route, 'echo oops >&2; exit 3');
    expect(failed).toMatchObject({ exitCode: 3, stderr: 'oops\n', truncated: false });
    const big = await pool.execCommand(route, 'head -c 5000 /dev/zero', { maxOutputBytes: 1000 });
    expect(big.truncated).toBe(true);
    expect(big.stdout.length).toBe(1000);
    expect(await codeOf(pool.execCommand(route, 'head -c 5000 /dev/zero', { maxOutputBytes: 1000, failOnOverflow: true }))).toBe('E_TOO_LARGE');
  });

  it('refuses a changed host key before offering any credential', async () => {
    const impostor = await startTestSshServer({ authorizedKeys: [fleetKey.public] });
    try {
      const pool = poolFor(pinned({ A1: target.hostKeyFingerprint }));
      const err = await pool.exec({ target: endpoint('A1', impostor), via: [] }, ['true']).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FleetError);
      expect((err as FleetError).code).toBe('E_HOSTKEY_MISMATCH');
      expect((err as FleetError).details).toEqual({ expected: target.hostKeyFingerprint, presented: impostor.hostKeyFingerprint });
      expect(impostor.stats.connections).toBe(1);
      expect(impostor.stats.authAttempts).toBe(0);
      expect(impostor.stats.execs).toEqual([]);
    } finally {
      await impostor.close();
    }
  });

  it('checks each appliance\'s recorded key before it shares a connection to the same address', async () => {
    // A1 and A9 are two inventory entries that reach the same address and port; A9's recorded
    // key is not the one that server holds.
    const wrong = second.hostKeyFingerprint;
    for (const together of [false, true]) {
      const policy = pinned({ A1: target.hostKeyFingerprint, A9: wrong });
      const pool = poolFor(policy);
      const a1: SshRoute = { target: endpoint('A1', target), via: [] };
      const a9: SshRoute = { target: endpoint('A9', target), via: [] };
      const execsBefore = target.stats.execs.length;
      const [first, other] = together
        ? await Promise.all([codeOf(pool.exec(a1, ['echo', 'a1'])), codeOf(pool.exec(a9, ['echo', 'a9']))])
        : [await codeOf(pool.exec(a1, ['echo', 'a1'])), await codeOf(pool.exec(a9, ['echo', 'a9']))];
      expect(first, `together: ${together}`).toBe('resolved');
      expect(other, `together: ${together}`).toBe('E_HOSTKEY_MISMATCH');
      expect(policy.seen).toContain('A9');
      expect(target.stats.execs.slice(execsBefore).map(String).some((c) => c.includes('a9'))).toBe(false);
      // The connection stays good for the appliance it was verified for.
      expect((await pool.exec(a1, ['echo', 'again'])).stdout.trim()).toBe('again');
      expect(pool.snapshot()).toEqual([{ key: expect.stringContaining(`127.0.0.1:${target.port}`), users: 0 }]);
    }
    // A second entry whose recorded key is the same one shares the connection.
    const pool = poolFor(pinned({ A1: target.hostKeyFingerprint, A9: target.hostKeyFingerprint }));
    const before = target.stats.connections;
    await pool.exec({ target: endpoint('A1', target), via: [] }, ['true']);
    expect((await pool.exec({ target: endpoint('A9', target), via: [] }, ['echo', 'ok'])).stdout.trim()).toBe('ok');
    expect(target.stats.connections - before).toBe(1);
  });

  it('carries every appliance behind a bastion on one bastion connection', async () => {
    const policy = trustAll();
    const pool = poolFor(policy);
    const before = bastion.stats.connections;
    const via = [endpoint('bastion:outer', bastion)];
    const runs = await Promise.all([
      pool.exec({ target: endpoint('A1', target), via }, ['echo', 'one']),
      pool.exec({ target: endpoint('A2', second), via }, ['echo', 'two']),
      pool.exec({ target: endpoint('A1', target), via }, ['echo', 'three']),
    ]);
    expect(runs.map((r) => r.stdout.trim())).toEqual(['one', 'two', 'three']);
    expect(bastion.stats.connections - before).toBe(1);
    expect(bastion.stats.forwards).toContain(`127.0.0.1:${target.port}`);
    expect(bastion.stats.forwards).toContain(`127.0.0.1:${second.port}`);
    // The bastion's own host key is checked too.
    expect(policy.seen).toContain('bastion:outer');
  });

  it('follows a ProxyJump chain of two bastions', async () => {
    const pool = poolFor(trustAll());
    const beforeInner = innerBastion.stats.connections;
    const result = await pool.exec(
      { target: endpoint('A2', second), via: [endpoint('bastion:outer', bastion), endpoint('bastion:inner', innerBastion)] },
      ['echo', 'deep'],
    );
    expect(result.stdout).toBe('deep\n');
    expect(innerBastion.stats.connections - beforeInner).toBe(1);
    expect(innerBastion.stats.forwards).toContain(`127.0.0.1:${second.port}`);
  });

  it('refuses a changed bastion host key, and nothing behind it is contacted', async () => {
    const pool = poolFor(pinned({ 'bastion:outer': target.hostKeyFingerprint, A2: second.hostKeyFingerprint }));
    const before = second.stats.connections;
    const code = await codeOf(pool.exec({ target: endpoint('A2', second), via: [endpoint('bastion:outer', bastion)] }, ['true']));
    expect(code).toBe('E_HOSTKEY_MISMATCH');
    expect(second.stats.connections).toBe(before);
  });

  it('times out a command that never finishes, and cancels on request', async () => {
    const stall = await startTestSshServer({ authorizedKeys: [fleetKey.public], mode: 'stall-exec' });
    try {
      const pool = poolFor(pinned({ S: stall.hostKeyFingerprint }));
      const route = { target: endpoint('S', stall), via: [] };
      const started = Date.now();
      expect(await codeOf(pool.exec(route, ['status'], { timeoutMs: 300 }))).toBe('E_TIMEOUT');
      expect(Date.now() - started).toBeLessThan(10_000); // cut by its deadline, not left to stall (loose: CI machines are slow)
      const controller = new AbortController();
      const pending = pool.exec(route, ['status'], { signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      expect(await codeOf(pending)).toBe('E_CANCELLED');
    } finally {
      await stall.close();
    }
  });

  it('follows one caller signal with one listener, however many operations share it', async () => {
    const stall = await startTestSshServer({ authorizedKeys: [fleetKey.public], mode: 'stall-exec' });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const pool = poolFor(pinned({ S: stall.hostKeyFingerprint, 'bastion:outer': bastion.hostKeyFingerprint }));
      const job = new AbortController();
      // 40 operations in flight on one signal: 20 on one appliance's connection, 20 behind a bastion.
      const direct = { target: endpoint('S', stall), via: [] };
      const behind = { target: endpoint('S', stall), via: [endpoint('bastion:outer', bastion)] };
      const runs = [...Array.from({ length: 20 }, () => direct), ...Array.from({ length: 20 }, () => behind)].map((route) =>
        codeOf(pool.exec(route, ['status'], { signal: job.signal, timeoutMs: 60_000 })),
      );
      await until(() => stall.stats.execs.length >= 40, '40 commands under way', { timeoutMs: 20_000 });
      expect(stall.stats.execs).toHaveLength(40);
      expect(getEventListeners(job.signal, 'abort')).toHaveLength(1);
      job.abort();
      expect(await Promise.all(runs)).toEqual(Array.from({ length: 40 }, () => 'E_CANCELLED'));
      expect(getEventListeners(job.signal, 'abort')).toHaveLength(0);
      await new Promise((r) => setImmediate(r));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await stall.close();
    }
  });

  it('times out a server that accepts TCP but never completes the handshake', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      const pool = poolFor(pinned({}), { connectTimeoutMs: 300 });
      const port = (silent.address() as AddressInfo).port;
      const err = await pool.exec({ target: { label: 'S', host: '127.0.0.1', port, username: 'fleet' }, via: [] }, ['true']).catch((e: unknown) => e);
      expect((err as FleetError).code).toBe('E_TIMEOUT');
      expect((err as FleetError).message).toMatch(/did not complete the SSH handshake/);
    } finally {
      silent.close();
    }
  });

  it('abandons a stalled handshake nobody waits for, so the next operation starts afresh', async () => {
    let connections = 0;
    let closed = 0;
    const silent = createServer((socket) => {
      connections++;
      socket.resume();
      socket.on('close', () => closed++);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      const pool = poolFor(pinned({}), { connectTimeoutMs: 60_000 });
      const route = { target: { label: 'S', host: '127.0.0.1', port: (silent.address() as AddressInfo).port, username: 'fleet' }, via: [] };
      expect(await codeOf(pool.exec(route, ['true'], { timeoutMs: 200 }))).toBe('E_TIMEOUT');
      await until(() => closed >= 1, 'the abandoned socket to close');
      expect(closed).toBe(1);
      expect(await codeOf(pool.exec(route, ['true'], { timeoutMs: 200 }))).toBe('E_TIMEOUT');
      expect(connections).toBe(2);
    } finally {
      silent.close();
    }
  });

  it('reports an unreachable appliance after retrying with backoff', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const pool = poolFor(pinned({}), { retries: 2, backoffMs: 20 });
    const err = await pool.exec({ target: { label: 'GONE', host: '127.0.0.1', port, username: 'fleet' }, via: [] }, ['true']).catch((e: unknown) => e);
    expect((err as FleetError).code).toBe('E_UNREACHABLE');
    expect((err as FleetError).message).toMatch(/ECONNREFUSED/);
  });

  it('records a dropped connection as a failure that may have run', async () => {
    const drop = await startTestSshServer({ authorizedKeys: [fleetKey.public], mode: 'drop-exec' });
    try {
      const pool = poolFor(pinned({ D: drop.hostKeyFingerprint }));
      const err = await pool.exec({ target: endpoint('D', drop), via: [] }, ['status']).catch((e: unknown) => e);
      expect((err as FleetError).code).toBe('E_UNREACHABLE');
      expect((err as FleetError).message).toMatch(/may or may not/);
      // The command was not sent twice: a command that may have run is never retried.
      expect(drop.stats.execs).toEqual(['status']);
    } finally {
      await drop.close();
    }
  });

  it('refuses the wrong key with E_AUTH', async () => {
    const other = sshPair();
    const pool = new SshPool({
      auth: { kind: 'fleet-key', load: async () => ({ privateKey: Buffer.from(other.private) }) },
      hostKeys: pinned({ A1: target.hostKeyFingerprint }),
    });
    pools.push(pool);
    expect(await codeOf(pool.exec({ target: endpoint('A1', target), via: [] }, ['true']))).toBe('E_AUTH');
  });

  it('bounds concurrency, closes idle connections and reconnects after a drop', async () => {
    const pool = poolFor(trustAll(), { maxConcurrent: 2, idleMs: 150 });
    const route: SshRoute = { target: endpoint('A1', target), via: [] };
    const started = Date.now();
    await Promise.all([1, 2, 3, 4].map(() => pool.exec(route, ['sleep', '0.3'])));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(580);
    expect(pool.snapshot()).toHaveLength(1);
    await until(() => pool.snapshot().length === 0, 'the idle connection to close');
    // A connection the appliance closed is replaced on the next operation.
    const again = await pool.exec(route, ['echo', 'back']);
    expect(again.stdout).toBe('back\n');
    expect(pool.opened.get(`fleet@127.0.0.1:${target.port}`)).toBe(2);
  });
});
