/**
 * Polling appliances that only a jump host can reach: a real lab fleet answers HTTP on 127.0.0.1,
 * the inventory gives half of it addresses in 192.0.2.0/24 (TEST-NET-1: nothing answers there
 * from this machine), and a real ssh2 bastion that "sits in their network" forwards
 * 192.0.2.x:port to the lab. Routed through the bastion they are polled over channels of one
 * SSH connection, reused sweep after sweep; without the route they cannot be reached.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine } from '../engine';
import type { ApiClient } from '../api/client';
import { ManualClock } from '../kit/time';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import { LabFleet } from '../lab/fleet';
import { startTestSshServer, type TestSshServer } from '../net/test-ssh-server';
import { ManualTicker } from './ticker';
import type { ApplianceHealth } from './contract';
import { labApplianceInput } from '../../tests/support/lab-inventory';

const HIDDEN_PREFIX = '192.0.2.';

describe('health polling through a jump host (real ssh2 bastion, real lab HTTP)', () => {
  const root = mkdtempSync(join(tmpdir(), 'fleetdeck-health-bastion-'));
  const dataDir = join(root, 'data');
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 12));
  let engine: Engine;
  let client: ApiClient;
  let fleet: LabFleet;
  let bastion: TestSshServer;
  let stranger: TestSshServer;
  /** The site behind the bastion. */
  let hiddenSite: string;
  let hidden: string[];
  let direct: string[];

  const health = async () => new Map((await client.api.health.fleet({})).items.map((h) => [h.serial, h]));

  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    engine = createEngine({ dataDir, host: 'test', vault: await openNodeVault(dataDir, { env: {} }), log: silentLogger, clock, checkOutputs: true, health: { ticker: new ManualTicker(), runsMonitor: false } });
    client = engine.client({ actor: 'test:engineer' });
    const key = await client.api.net.generateFleetKey({ comment: 'fleet-test' });
    fleet = await LabFleet.start({ dir: join(root, 'lab'), appliances: 6, sites: 2, seed: 5, speed: 1, authorizedKeys: '', clock: new ManualClock(clock.now()) });
    hiddenSite = fleet.plan.sites[0]!.code;
    // The bastion's view of its network: 192.0.2.x is the lab on 127.0.0.1.
    bastion = await startTestSshServer({
      authorizedKeys: [key.publicKey],
      forwardTo: (host, port) => (host.startsWith(HIDDEN_PREFIX) ? { host: '127.0.0.1', port } : { host, port }),
    });
    stranger = await startTestSshServer({ authorizedKeys: [key.publicKey] });
    for (const site of fleet.plan.sites) engine.inventory.upsertSite(site, 'test');
    hidden = [];
    direct = [];
    fleet.manifestAppliances().forEach((a, i) => {
      const behind = a.site === hiddenSite;
      (behind ? hidden : direct).push(a.serial);
      engine.inventory.createAppliance(
        { ...labApplianceInput(a), ipv4: behind ? `${HIDDEN_PREFIX}${10 + i}` : '127.0.0.1' },
        'test',
      );
    });
    expect(hidden.length).toBeGreaterThanOrEqual(2);
    expect(direct.length).toBeGreaterThanOrEqual(2);
    await client.api.net.upsertJumpHost({ name: 'isp-bastion', host: '127.0.0.1', port: bastion.port, username: 'fleet', hostKeyFingerprint: bastion.hostKeyFingerprint });
    // Nothing here stalls (off-loopback addresses are refused at once): a deadline only a loaded machine could come near.
    await client.api.health.setMonitor({ timeoutMs: 10_000, concurrency: 8 });
  }, 60_000);

  afterAll(async () => {
    engine?.close();
    await fleet?.stop();
    await Promise.all([bastion?.close(), stranger?.close()]);
    rmSync(root, { recursive: true, force: true });
  });

  it('cannot reach the hidden site without a route', async () => {
    const report = await client.api.health.pollNow({ serials: hidden });
    expect(report).toMatchObject({ polled: hidden.length, reached: 0, failed: hidden.length });
    const h = await health();
    for (const s of hidden) expect(h.get(s)?.lastError?.code).toMatch(/^E_(TIMEOUT|UNREACHABLE)$/);
    expect(bastion.stats.connections).toBe(0);
  });

  it('polls the site behind the bastion over one SSH connection, and reaches the others directly', async () => {
    await client.api.net.setRoute({ scope: 'site', key: hiddenSite, jumpHost: 'isp-bastion' });
    const report = await client.api.health.pollNow({});
    expect(report).toMatchObject({ polled: 6, reached: 6, failed: 0 });
    const h = await health();
    for (const s of [...hidden, ...direct]) {
      expect(h.get(s)).toMatchObject({ reachable: true, lastError: null, status: 'OK', lastKnownStatus: 'OK' });
      expect(h.get(s)?.metrics?.servingGbps).toBeGreaterThanOrEqual(0);
    }
    // Every hidden appliance went through the bastion (by the address only it can reach), the
    // others did not, and all of them shared one connection.
    expect(bastion.stats.connections).toBe(1);
    const ports = (serials: string[]) => serials.map((s) => fleet.manifestAppliances().find((a) => a.serial === s)!.apiPort);
    for (const port of ports(hidden)) expect(bastion.stats.forwards.some((f) => f.startsWith(HIDDEN_PREFIX) && f.endsWith(`:${port}`))).toBe(true);
    for (const port of ports(direct)) expect(bastion.stats.forwards.some((f) => f.endsWith(`:${port}`))).toBe(false);
    // One channel per appliance: health and metrics rode the same kept-alive channel.
    expect(bastion.stats.forwards).toHaveLength(hidden.length);
  });

  it('reuses the bastion connection and its channels sweep after sweep', async () => {
    const forwards = bastion.stats.forwards.length;
    for (let sweep = 0; sweep < 3; sweep++) {
      clock.advance(30_000);
      expect(await client.api.health.pollNow({})).toMatchObject({ polled: 6, reached: 6 });
    }
    expect(bastion.stats.connections).toBe(1);
    expect(bastion.stats.forwards).toHaveLength(forwards);
    expect(engine.net.tunnels().snapshot()).toEqual([{ key: expect.stringContaining(`:${bastion.port}`) as string, channels: hidden.length }]);
    const h = await health();
    for (const s of hidden) expect(h.get(s)?.measuredAt).toBe(new Date(clock.now()).toISOString());
  });

  it('runs a job through the same SSH connection to the bastion that the health sweeps ride', async () => {
    fleet.setAuthorizedKeys((await client.api.net.fleetKey({}))!.publicKey);
    for (const a of fleet.manifestAppliances().filter((m) => hidden.includes(m.serial))) {
      await client.api.net.trustHostKey({ serial: a.serial, fingerprint: a.hostKeyFingerprint });
    }
    const job = await client.api.jobs.exec({ selection: { query: { site: [hiddenSite] } }, argv: ['ocactl', 'status'], concurrency: 4, acceptNew: false });
    const done = await engine.jobs.wait(job.id);
    expect(done.progress).toMatchObject({ total: hidden.length, ok: hidden.length, failed: 0 });
    clock.advance(30_000);
    expect(await client.api.health.pollNow({})).toMatchObject({ polled: 6, reached: 6 });
    // The job's SSH logins and the sweep's HTTP channels: one connection to the bastion between them.
    expect(bastion.stats.connections).toBe(1);
    const sshPorts = new Set(fleet.manifestAppliances().filter((m) => hidden.includes(m.serial)).map((m) => m.sshPort));
    expect(bastion.stats.forwards.filter((f) => f.startsWith(HIDDEN_PREFIX) && sshPorts.has(Number(f.split(':')[1])))).toHaveLength(hidden.length);
  });

  it('reconnects once when the bastion drops the connection', async () => {
    await bastion.close();
    bastion = await startTestSshServer({
      authorizedKeys: [(await client.api.net.fleetKey({}))!.publicKey],
      hostKey: bastion.hostKeyPem,
      forwardTo: (host, port) => (host.startsWith(HIDDEN_PREFIX) ? { host: '127.0.0.1', port } : { host, port }),
    });
    await client.api.net.upsertJumpHost({ name: 'isp-bastion', host: '127.0.0.1', port: bastion.port, username: 'fleet', hostKeyFingerprint: bastion.hostKeyFingerprint });
    clock.advance(30_000);
    // The old connection is gone; the first sweep may find it dead, the next one is whole again.
    await client.api.health.pollNow({ serials: hidden });
    clock.advance(30_000);
    expect(await client.api.health.pollNow({ serials: hidden })).toMatchObject({ reached: hidden.length });
    expect(bastion.stats.connections).toBe(1);
  });

  it('refuses a bastion whose host key is not trusted, before offering any credential', async () => {
    const [one] = hidden;
    await client.api.net.upsertJumpHost({ name: 'unvetted', host: '127.0.0.1', port: stranger.port, username: 'fleet' });
    await client.api.net.setRoute({ scope: 'appliance', key: one!, jumpHost: 'unvetted' });
    clock.advance(30_000);
    const report = await client.api.health.pollNow({ serials: hidden });
    expect(report).toMatchObject({ polled: hidden.length, reached: hidden.length - 1, failed: 1 });
    const h: ApplianceHealth = (await health()).get(one!)!;
    expect(h.reachable).toBe(false);
    expect(h.lastError?.code).toBe('E_HOSTKEY_UNKNOWN');
    expect(h.lastError?.message).toContain(stranger.hostKeyFingerprint);
    // The last known state stays, greyed by the UI with this status.
    expect(h.lastKnownStatus).toBe('OK');
    expect(stranger.stats.authAttempts).toBe(0);
    expect(stranger.stats.forwards).toEqual([]);
  });
});
