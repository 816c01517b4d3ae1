/**
 * Diagnostics end to end on a real engine and a real lab fleet over SSH: suites as jobs with lab
 * faults showing up in the right check with their detail, history and "what changed since the
 * last good run", a bundle opened with the real `tar` (a planted secret is redacted), and drift.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../engine';
import { LabFleet } from '../lab/fleet';
import { DIAG_CHECK_MS, THROUGHPUT_TEST_BYTES } from '../lab/diag-probes';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import { enrollLabFleet } from '../../tests/support/lab-inventory';
import type { DiagRun } from './contract';

describe('diagnostics on the lab', () => {
  const root = mkdtempSync(join(tmpdir(), 'fleetdeck-diag-'));
  const dataDir = join(root, 'data');
  let engine: Engine;
  let fleet: LabFleet;
  let serials: string[] = [];
  let disk: string, bgp: string, nic: string, healthy: string;

  const runOf = (runs: DiagRun[], serial: string) => runs.find((r) => r.serial === serial)!;
  const resultOf = (run: DiagRun, check: string) => run.results.find((r) => r.check === check)!;

  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    engine = createEngine({ dataDir, host: 'test', vault: await openNodeVault(dataDir, { env: {} }), log: silentLogger, checkOutputs: true });
    const key = await engine.client().api.net.generateFleetKey({});
    fleet = await LabFleet.start({ dir: join(root, 'lab'), appliances: 6, sites: 2, seed: 21, speed: 1, authorizedKeys: key.publicKey });
    serials = enrollLabFleet(engine.inventory, fleet, { recordHostKeys: true });
    [disk, bgp, nic, healthy] = serials as [string, string, string, string];
    fleet.setFault(disk, 'disk-failure', true);
    fleet.setFault(bgp, 'bgp-down', true);
    fleet.setFault(nic, 'nic-errors', true);
  }, 60_000);

  afterAll(async () => {
    engine?.close();
    await fleet?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('runs a suite as a job: each fault shows in its check with the detail an engineer needs', async () => {
    const api = engine.client().api;
    const started = await api.diagnostics.run({ selection: { serials: [disk, bgp, nic, healthy] } });
    expect(started.appliances).toBe(4);
    const job = await engine.jobs.wait(started.jobId);
    expect(job.state).toBe('done');
    const runs = await api.diagnostics.history({ jobId: started.jobId });
    expect(runs).toHaveLength(4);

    const d = runOf(runs, disk);
    expect(d.status).toBe('Error');
    expect(resultOf(d, 'disk')).toMatchObject({ status: 'Error', details: { failedDevice: 'sdc', failedBay: 3, failedDisks: 1 } });
    expect(resultOf(d, 'disk').action).toMatch(/RMA for disk sdc in bay 3/);
    expect(resultOf(d, 'cache').status).toBe('Warning');
    expect(resultOf(d, 'bgp').status).toBe('OK');

    const b = runOf(runs, bgp);
    expect(resultOf(b, 'bgp')).toMatchObject({ status: 'Error', details: { state: 'Idle', lastError: 'Hold timer expired' } });
    expect(resultOf(b, 'bgp').action).toMatch(/is Idle \(last error: Hold timer expired\)/);
    expect(resultOf(b, 'reachability').status).toBe('Error');
    expect(resultOf(b, 'disk').status).toBe('OK');

    const n = runOf(runs, nic);
    expect(resultOf(n, 'nic')).toMatchObject({ status: 'Error', details: { faultyInterface: 'eth0' } });
    expect(resultOf(n, 'nic').value).toBeGreaterThan(10_000);
    expect(resultOf(n, 'nic').action).toMatch(/eth0/);

    const h = runOf(runs, healthy);
    expect(h.status).toBe('OK');
    expect(h.results.map((r) => r.check)).toEqual(['disk', 'nic', 'bgp', 'cache', 'throughput', 'reachability']);
    // Checks take real time, and the throughput test really moved bytes over the loopback.
    for (const r of h.results) expect(r.durationMs).toBeGreaterThanOrEqual(DIAG_CHECK_MS[r.check]);
    const t = resultOf(h, 'throughput');
    expect(t).toMatchObject({ unit: 'Gbps', details: { testBytes: THROUGHPUT_TEST_BYTES } });
    expect(t.value).toBeGreaterThan(0);
    expect(t.action).toBeNull();

    // The job says which appliances failed and why; the healthy one passed.
    const summary = (await api.jobs.get({ id: started.jobId })).summary;
    expect(summary.passed).toEqual([healthy]);
    expect(summary.failed.map((f) => [f.serial, f.errorCode])).toEqual(expect.arrayContaining([[disk, 'E_DIAG_FAILED'], [bgp, 'E_DIAG_FAILED'], [nic, 'E_DIAG_FAILED']]));
  }, 120_000);

  it('an unreachable appliance ends at its first check, recorded Unknown with the code', async () => {
    const gone = serials[4]!;
    fleet.setFault(gone, 'unreachable', true);
    try {
      const api = engine.client().api;
      const started = await api.diagnostics.run({ selection: { serials: [gone] }, checks: ['bgp', 'disk'], timeoutMs: 3000 });
      await engine.jobs.wait(started.jobId);
      const [run] = await api.diagnostics.history({ jobId: started.jobId });
      expect(run!.results).toHaveLength(1);
      expect(run!.results[0]).toMatchObject({ check: 'bgp', status: 'Unknown', errorCode: expect.stringMatching(/^E_(UNREACHABLE|TIMEOUT)$/) });
      expect(run!.status).toBe('Unknown');
    } finally {
      fleet.setFault(gone, 'unreachable', false);
    }
  }, 60_000);

  it('compares a run with the last good one: what changed', async () => {
    const api = engine.client().api;
    const target = serials[5]!;
    const first = await api.diagnostics.run({ selection: { serials: [target] }, checks: ['disk', 'bgp'] });
    await engine.jobs.wait(first.jobId);
    fleet.setFault(target, 'disk-failure', true);
    try {
      const second = await api.diagnostics.run({ selection: { serials: [target] }, checks: ['disk', 'bgp'] });
      await engine.jobs.wait(second.jobId);
      const cmp = await api.diagnostics.compare({ serial: target });
      expect(cmp.lastGood?.jobId).toBe(first.jobId);
      expect(cmp.run?.jobId).toBe(second.jobId);
      const diskChange = cmp.changes.find((c) => c.check === 'disk')!;
      expect(diskChange).toMatchObject({ statusChanged: true, before: { status: 'OK' }, after: { status: 'Error' } });
      expect(cmp.changes.find((c) => c.check === 'bgp')).toMatchObject({ statusChanged: false });
    } finally {
      fleet.setFault(target, 'disk-failure', false);
    }
  }, 60_000);

  it('writes a site bundle that tar opens, with every part and the planted secrets redacted', async () => {
    const site = engine.inventory.appliance(disk).site;
    const siteSerials = serials.filter((s) => engine.inventory.appliance(s).site === site);
    engine.inventory.updateAppliance(disk, { notes: 'BMC login admin, password: hunter2-notes' }, 'test');
    fleet.appliance(disk)!.state.logs.push([Date.now(), 'warn', 'auth', 'snmp community=s3cr3t-community rejected; api token=tok-9f8e7d6c5b4a']);
    const out = join(root, 'bundle.tar.gz');
    const report = await engine.client().api.diagnostics.bundle({ site, out });
    expect(report.appliances).toBe(siteSerials.length);
    expect(report.redactions).toBeGreaterThanOrEqual(3);

    const into = join(root, 'opened');
    mkdirSync(into);
    execFileSync('tar', ['-xzf', out, '-C', into]);
    const [top] = readdirSync(into);
    expect(top).toMatch(new RegExp(`^fleetdeck-diag-${site}-`));
    const listed = execFileSync('tar', ['-tzf', out], { encoding: 'utf8' }).trim().split('\n');
    for (const s of siteSerials) {
      for (const part of ['inventory', 'status', 'config', 'bgp', 'logs', 'diagnostics', 'health']) expect(listed).toContain(`${top}/${s}/${part}.json`);
    }
    const all = listed.map((f) => readFileSync(join(into, f), 'utf8')).join('\n');
    expect(all).not.toContain('hunter2');
    expect(all).not.toContain('s3cr3t-community');
    expect(all).not.toContain('tok-9f8e7d6c5b4a');
    expect(all).toContain('[REDACTED]');
    const diskStatus = JSON.parse(readFileSync(join(into, top!, disk, 'status.json'), 'utf8')) as { serial: string; health: string };
    expect(diskStatus).toMatchObject({ serial: disk, health: 'Error' });
    const diskRuns = JSON.parse(readFileSync(join(into, top!, disk, 'diagnostics.json'), 'utf8')) as DiagRun[];
    expect(diskRuns[0]!.results.find((r) => r.check === 'disk')!.details.failedDevice).toBe('sdc');
  }, 60_000);

  it('a window may not name the file a bundle is written to; it gets the archive inline', async () => {
    const window = engine.client({ actor: 'browser:test', host: 'browser' }).api;
    await expect(window.diagnostics.bundle({ serial: healthy, out: join(root, 'chosen.tar.gz') })).rejects.toMatchObject({ code: 'E_FORBIDDEN' });
    const report = await window.diagnostics.bundle({ serial: healthy, inline: true });
    expect(Buffer.from(report.base64!, 'base64').length).toBe(report.bytes);
    expect(report.path.startsWith(join(dataDir, 'bundles'))).toBe(true);
  }, 60_000);

  it('lists configuration drift against the inventory and among site peers', async () => {
    const site = engine.inventory.appliance(healthy).site;
    const peers = serials.filter((s) => engine.inventory.appliance(s).site === site);
    expect(peers.length).toBeGreaterThanOrEqual(3);
    const [renamed, jumbo] = peers.filter((s) => s !== bgp) as [string, string];
    fleet.appliance(renamed)!.configSet(['hostname=wrong.example.test']);
    fleet.appliance(jumbo)!.configSet(['interface.eth0.mtu=1500']);
    const report = await engine.client().api.diagnostics.drift({ selection: { query: { site: [site] } } });
    expect(report.checked).toBe(peers.length);
    expect(report.sources).toEqual(['inventory', 'survey', 'peers']);
    const byserial = new Map(report.drifted.map((d) => [d.serial, d.differences]));
    expect(byserial.get(renamed)).toContainEqual(expect.objectContaining({ field: 'hostname', source: 'inventory', actual: 'wrong.example.test' }));
    expect(byserial.get(jumbo)).toContainEqual(expect.objectContaining({ field: 'interface.eth0.mtu', source: 'peers', expected: '9000', actual: '1500' }));
    // The others agree with the inventory and their peers on everything.
    for (const s of peers.filter((p) => p !== renamed && p !== jumbo)) expect(byserial.get(s)).toBeUndefined();
  }, 60_000);
});
