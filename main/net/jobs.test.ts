/**
 * Fan-out jobs through the real engine against a real lab fleet (ssh2 servers on 127.0.0.1 with
 * their own host keys), faults included, plus a bastion that carries a whole site.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine } from '../engine';
import type { ApiClient } from '../api/client';
import { ApiError } from '../api/client';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import type { Vault } from '../vault/vault';
import { LabFleet } from '../lab/fleet';
import type { FaultId } from '../lab/contract';
import type { EventName } from '../api/contract';
import { startTestSshServer, type TestSshServer } from './test-ssh-server';
import { enrollLabFleet } from '../../tests/support/lab-inventory';

const SIZE = 10;

describe('fan-out jobs against a lab fleet', () => {
  const root = mkdtempSync(join(tmpdir(), 'fleetdeck-jobs-'));
  const dataDir = join(root, 'data');
  let vault: Vault;
  let engine: Engine;
  let client: ApiClient;
  let fleet: LabFleet;
  let bastion: TestSshServer;
  let serials: string[] = [];
  const fingerprints = new Map<string, string>();
  const events: Array<{ name: EventName; payload: unknown }> = [];

  const openEngine = () => {
    engine = createEngine({ dataDir, host: 'test', vault, log: silentLogger, checkOutputs: true });
    engine.events.subscribe((name, payload) => events.push({ name, payload }));
    client = engine.client({ actor: 'test:engineer' });
  };

  beforeAll(async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dataDir, { recursive: true });
    vault = await openNodeVault(dataDir);
    openEngine();
    const key = await client.api.net.generateFleetKey({ comment: 'fleetdeck-test' });
    fleet = await LabFleet.start({ dir: join(root, 'lab'), appliances: SIZE, sites: 2, seed: 7, speed: 1, authorizedKeys: key.publicKey, slowDelayMs: 400 });
    serials = enrollLabFleet(engine.inventory, fleet, { tags: ['lab'] });
    for (const a of fleet.manifestAppliances()) fingerprints.set(a.serial, a.hostKeyFingerprint);
    bastion = await startTestSshServer({ authorizedKeys: [key.publicKey] });
  });

  afterAll(async () => {
    engine?.close();
    await fleet?.stop();
    await bastion?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const setFaults = (map: Record<string, FaultId>, on = true) => {
    for (const [serial, fault] of Object.entries(map)) fleet.setFault(serial, fault, on);
  };

  it('refuses first contact without accept-new and shows the fingerprint', async () => {
    const job = await client.api.jobs.exec({ selection: { serials: [serials[0]!] }, argv: ['ocactl', 'status'] });
    const done = await engine.jobs.wait(job.id);
    expect(done.state).toBe('done');
    const { items } = await client.api.jobs.results({ id: job.id });
    expect(items[0]).toMatchObject({ state: 'failed', errorCode: 'E_HOSTKEY_UNKNOWN' });
    expect(items[0]!.errorMessage).toContain(fingerprints.get(serials[0]!)!);
    // Windows and the CLI read the key from the result's typed details (journaled), not from the sentence.
    expect(items[0]!.errorDetails).toEqual({ presented: fingerprints.get(serials[0]!)!, keyType: 'ssh-ed25519' });
    expect((await client.api.jobs.get({ id: job.id })).summary.failed[0]!.errorDetails).toEqual(items[0]!.errorDetails);
    expect((await client.api.inventory.getAppliance({ serial: serials[0]! })).appliance.hostKeyFingerprint).toBeNull();
  });

  it('runs ocactl status on the whole fleet with accept-new, journaling results and progress', async () => {
    events.length = 0;
    const job = await client.api.jobs.exec({ selection: { all: true }, argv: ['ocactl', 'status'], concurrency: 4, acceptNew: true });
    expect(job.state).toBe('running');
    expect(job.kind).toBe('ocactl');
    const done = await engine.jobs.wait(job.id);
    expect(done.state).toBe('done');
    expect(done.progress).toMatchObject({ total: SIZE, ok: SIZE, failed: 0, done: SIZE, remaining: 0, running: 0 });
    const { items } = await client.api.jobs.results({ id: job.id });
    for (const r of items) {
      expect(r.ok, `${r.serial}: ${r.errorMessage}`).toBe(true);
      expect(JSON.parse(r.output!)).toMatchObject({ ok: true, command: 'status', result: { serial: r.serial } });
    }
    // First contact recorded each fingerprint through the inventory (audited).
    for (const s of serials) {
      const { appliance, audit } = await client.api.inventory.getAppliance({ serial: s });
      expect(appliance.hostKeyFingerprint).toBe(fingerprints.get(s));
      expect(audit.some((e) => e.action === 'appliance.update' && e.actor === 'test:engineer')).toBe(true);
    }
    expect(events.filter((e) => e.name === 'jobs.result')).toHaveLength(SIZE);
    const finished = events.find((e) => e.name === 'jobs.finished')?.payload;
    expect(finished).toMatchObject({ id: job.id, state: 'done', ok: SIZE });
  });

  it('a second sweep reuses the engine pool’s warm connections', async () => {
    for (let i = 0; i < 2; i++) {
      const job = await client.api.jobs.exec({ selection: { all: true }, argv: ['ocactl', 'status'], concurrency: 5 });
      expect((await engine.jobs.wait(job.id)).progress.ok).toBe(SIZE);
    }
    const opened = [...engine.net.sharedPool().opened.values()];
    expect(opened).toHaveLength(SIZE);
    expect(opened.every((n) => n === 1)).toBe(true);
  });

  it('gives each lab fault its defined outcome and the sweep goes on', { timeout: 60_000 }, async () => {
    const faults: Record<string, FaultId> = {
      [serials[0]!]: 'stall',
      [serials[1]!]: 'unreachable',
      [serials[2]!]: 'malformed',
      [serials[3]!]: 'host-key-rotation',
      [serials[4]!]: 'drop',
      [serials[5]!]: 'oversized',
    };
    setFaults(faults);
    events.length = 0;
    // A host key is checked when a connection opens: drop the warm ones so the rotation is met.
    engine.net.sharedPool().close();
    try {
      // The deadline is long enough for every healthy appliance on a loaded machine; the stalled one waits it out.
      const job = await client.api.jobs.exec({ selection: { query: { tag: ['lab'] } }, argv: ['ocactl', 'status'], concurrency: 10, timeoutMs: 8000 });
      // While it runs, the stalled one is named as the one the job still waits on (the others answer at once).
      const stillRunning = async () => (await client.api.jobs.results({ id: job.id, state: ['running'] })).items.map((r) => r.serial);
      await expect.poll(stillRunning, { timeout: 7500, interval: 50 }).toEqual([serials[0]]);
      expect((await client.api.jobs.results({ id: job.id, state: ['running', 'pending'] })).total).toBe(1);
      const done = await engine.jobs.wait(job.id);
      expect(done.progress).toMatchObject({ total: SIZE, ok: SIZE - 6, failed: 6 });
      const byserial = new Map((await client.api.jobs.results({ id: job.id })).items.map((r) => [r.serial, r]));
      expect(byserial.get(serials[0]!)?.errorCode).toBe('E_TIMEOUT');
      expect(byserial.get(serials[1]!)?.errorCode).toBe('E_UNREACHABLE');
      expect(byserial.get(serials[2]!)?.errorCode).toBe('E_BAD_REPLY');
      expect(byserial.get(serials[3]!)?.errorCode).toBe('E_HOSTKEY_MISMATCH');
      expect(byserial.get(serials[4]!)).toMatchObject({ state: 'failed', errorCode: expect.stringMatching(/E_UNREACHABLE|E_BAD_REPLY/) });
      expect(byserial.get(serials[5]!)?.errorCode).toBe('E_TOO_LARGE');
      // The mismatch is an alert with both fingerprints, and the recorded key is unchanged.
      const alerts = await client.api.net.hostKeyAlerts({});
      expect(alerts[0]).toMatchObject({ target: `appliance:${serials[3]}`, expected: fingerprints.get(serials[3]!) });
      expect(alerts[0]!.presented).not.toBe(fingerprints.get(serials[3]!));
      expect(events.some((e) => e.name === 'net.hostKeyMismatch')).toBe(true);
      expect((await client.api.inventory.getAppliance({ serial: serials[3]! })).appliance.hostKeyFingerprint).toBe(fingerprints.get(serials[3]!));
      // Summary: passed and failed lists; retry runs only the failed ones.
      const { summary } = await client.api.jobs.get({ id: job.id });
      expect(summary.passed).toHaveLength(SIZE - 6);
      expect(summary.failed.map((f) => f.serial).sort()).toEqual(Object.keys(faults).sort());
      setFaults(faults, false);
      const retry = await client.api.jobs.retry({ id: job.id });
      expect(retry.retryOf).toBe(job.id);
      expect(retry.progress.total).toBe(6);
      const retried = await engine.jobs.wait(retry.id);
      expect(retried.progress).toMatchObject({ ok: 6, failed: 0 });
    } finally {
      setFaults(faults, false);
    }
  });

  it('groups identical outputs and records non-zero exits', async () => {
    const job = await client.api.jobs.exec({ selection: { all: true }, argv: ['uptime'] });
    await engine.jobs.wait(job.id);
    const { summary } = await client.api.jobs.get({ id: job.id });
    expect(summary.groups).toHaveLength(1);
    expect(summary.groups[0]).toMatchObject({ count: SIZE, state: 'failed', exitCode: 127, errorCode: 'E_EXIT' });
  });

  it('cancels mid-way and keeps every result already received', async () => {
    const slow = Object.fromEntries(serials.map((s) => [s, 'slow' as FaultId]));
    setFaults(slow);
    try {
      const job = await client.api.jobs.exec({ selection: { all: true }, argv: ['ocactl', 'status'], concurrency: 2 });
      const deadline = Date.now() + 20_000;
      while ((await client.api.jobs.get({ id: job.id })).job.progress.ok < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await client.api.jobs.cancel({ id: job.id });
      const done = await engine.jobs.wait(job.id);
      expect(done.state).toBe('cancelled');
      const { items } = await client.api.jobs.results({ id: job.id });
      const ok = items.filter((r) => r.state === 'ok');
      expect(ok.length).toBeGreaterThanOrEqual(2);
      expect(ok.length).toBeLessThan(SIZE);
      for (const r of ok) expect(JSON.parse(r.output!).ok).toBe(true);
      expect(items.filter((r) => r.state === 'cancelled').length).toBe(SIZE - ok.length);
    } finally {
      setFaults(slow, false);
    }
  });

  it('marks a job interrupted when the engine dies mid-way, and retry finishes it', async () => {
    const slow = Object.fromEntries(serials.map((s) => [s, 'slow' as FaultId]));
    setFaults(slow);
    let id = 0;
    try {
      const job = await client.api.jobs.exec({ selection: { all: true }, argv: ['ocactl', 'status'], concurrency: 2 });
      id = job.id;
      const deadline = Date.now() + 20_000;
      while ((await client.api.jobs.get({ id })).job.progress.ok < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      engine.close();
    } finally {
      setFaults(slow, false);
    }
    openEngine();
    const { job, summary } = await client.api.jobs.get({ id });
    expect(job.state).toBe('interrupted');
    expect(summary.passed.length).toBeGreaterThanOrEqual(2);
    expect(summary.passed.length + summary.notRun.length + summary.failed.length).toBe(SIZE);
    const retry = await client.api.jobs.retry({ id });
    expect(retry.progress.total).toBe(SIZE - summary.passed.length);
    expect((await engine.jobs.wait(retry.id)).progress.ok).toBe(SIZE - summary.passed.length);
  });

  it('leaves a job another live process runs alone, and marks it interrupted once that process is gone', async () => {
    const { spawn } = await import('node:child_process');
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const id = engine.jobs.repo.create('exec', 'desktop:bob', { argv: ['uptime'], concurrency: 1, timeoutMs: null, acceptNew: false }, [serials[0]!], new Date().toISOString(), null);
      engine.db.prepare('UPDATE jobs SET owner_pid = ? WHERE id = ?').run(other.pid, id);
      engine.close();
      openEngine();
      expect((await client.api.jobs.get({ id })).job.state).toBe('running');
      await expect(client.api.jobs.cancel({ id })).rejects.toMatchObject({ code: 'E_CONFLICT', message: expect.stringMatching(/another Fleetdeck process/) });
      other.kill('SIGKILL');
      await new Promise((r) => other.once('exit', r));
      engine.close();
      openEngine();
      const { job, summary } = await client.api.jobs.get({ id });
      expect(job.state).toBe('interrupted');
      expect(summary.notRun).toEqual([{ serial: serials[0], state: 'interrupted' }]);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('reaches a site through one bastion connection (trusting the bastion on first contact)', async () => {
    const site = fleet.plan.sites[0]!.code;
    await client.api.net.upsertJumpHost({ name: 'gw1', host: '127.0.0.1', port: bastion.port, username: 'jump' });
    await client.api.net.setRoute({ scope: 'site', key: site, jumpHost: 'gw1' });
    try {
      const behind = (await client.api.inventory.listAppliances({ site: [site] })).items.map((a) => a.serial);
      expect(behind.length).toBeGreaterThan(1);
      const refused = await client.api.jobs.exec({ selection: { query: { site: [site] } }, argv: ['ocactl', 'status'] });
      await engine.jobs.wait(refused.id);
      expect((await client.api.jobs.results({ id: refused.id })).items.every((r) => r.errorCode === 'E_HOSTKEY_UNKNOWN')).toBe(true);
      expect(bastion.stats.authAttempts).toBe(0);
      const job = await client.api.jobs.exec({ selection: { query: { site: [site] } }, argv: ['ocactl', 'status'], acceptNew: true, concurrency: 8 });
      const done = await engine.jobs.wait(job.id);
      expect(done.progress.ok).toBe(behind.length);
      expect(bastion.stats.connections).toBe(2); // one refused at first contact, one for the whole site
      expect(new Set(bastion.stats.forwards).size).toBe(behind.length);
      const { jumpHosts } = await client.api.net.listJumpHosts({});
      expect(jumpHosts[0]?.hostKeyFingerprint).toBe(bastion.hostKeyFingerprint);
    } finally {
      await client.api.net.setRoute({ scope: 'site', key: site, jumpHost: null });
    }
  });

  it('refuses bad requests with clear errors', async () => {
    await expect(client.api.jobs.exec({ selection: { query: { site: ['NOPE'] } }, argv: ['ocactl', 'status'] })).rejects.toMatchObject({
      code: 'E_VALIDATION',
      message: expect.stringMatching(/matches no appliance/),
    });
    await expect(client.api.jobs.exec({ selection: { serials: ['GHOST-1'] }, argv: ['true'] })).rejects.toBeInstanceOf(ApiError);
    await expect(client.api.jobs.exec({ selection: { all: true }, argv: [] })).rejects.toMatchObject({ code: 'E_VALIDATION' });
    await expect(client.api.jobs.get({ id: 9999 })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('runs a changing action on more than one site only with the count typed back', async () => {
    const before = (await client.api.jobs.list({ limit: 500 })).length;
    const all = { all: true } as const;
    await expect(client.api.jobs.exec({ selection: all, argv: ['ocactl', 'drain'], acceptNew: true })).rejects.toMatchObject({
      code: 'E_CONFIRM',
      message: expect.stringMatching(/^ocactl drain would change 10 appliances in 2 sites of \d+ partners?\. Confirm by typing the count \(10\), or stage it/),
      details: { count: 10, sites: 2 },
    });
    await expect(client.api.jobs.exec({ selection: all, argv: ['ocactl', 'config', 'set', 'fill.window=02:00-06:00'], confirmCount: 9 })).rejects.toMatchObject({
      code: 'E_CONFIRM',
      message: expect.stringMatching(/^ocactl config set: the count typed \(9\) is not what the selection reaches now \(10 appliances/),
    });
    // Nothing ran: no job was recorded.
    expect(await client.api.jobs.list({ limit: 500 })).toHaveLength(before);

    // Reading needs no confirmation; neither does a change on one site of at most 10 appliances.
    const site = (await client.api.inventory.getAppliance({ serial: serials[0]! })).appliance.site;
    const read = await client.api.jobs.exec({ selection: all, argv: ['ocactl', 'status'], acceptNew: true });
    const small = await client.api.jobs.exec({ selection: { query: { site: [site] } }, argv: ['ocactl', 'undrain'], acceptNew: true });
    const confirmed = await client.api.jobs.exec({ selection: all, argv: ['ocactl', 'undrain'], acceptNew: true, confirmCount: 10 });
    expect(confirmed.progress.total).toBe(10);
    for (const job of [read, small, confirmed]) expect((await engine.jobs.wait(job.id)).state).toBe('done');
  });
});
