/**
 * `fleetdeck diag` and `fleetdeck config drift` as a person runs them: the real CLI process against
 * a lab started with `fleetdeck lab start`, with lab faults. Through plain pipes (text, --json, exit
 * statuses) and on a pseudo-terminal (the progress bar).
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest, type LabManifest } from '../../main/lab/manifest';
import { pidAlive } from '../../main/lab/service';
import { CLI, CLI_ENV, REPO, runFleetdeck, withDataDirApi } from '../support/cli';
import { tempDir } from '../support/temp-dir';
import { plainText, ptyUnavailable, spawnInPty } from './support/pty';

const noPty = ptyUnavailable();
if (noPty) console.log(`SKIPPED fleetdeck diag on a terminal (the pipe tests still run): ${noPty}`);
const onTerminal = noPty ? it.skip : it;

let root: string;
let dataDir: string;
let lab: LabManifest;
let failing: string;
let healthy: string;
let site: string;

const cli = (args: string[], timeoutMs?: number) => runFleetdeck(dataDir, args, timeoutMs);

beforeAll(async () => {
  root = tempDir('fleetdeck-cli-diag-');
  dataDir = join(root, 'data');
  const started = await cli(['lab', 'start', '--appliances', '6', '--sites', '2'], 90_000);
  expect(started.code, started.stderr).toBe(0);
  lab = readManifest(join(dataDir, 'lab'))!;
  // First contact: record the host keys (diagnostics never trusts a new key by itself).
  const contact = await cli(['exec', '--all', '--accept-new', '--', 'ocactl', 'status'], 60_000);
  expect(contact.code, contact.stderr).toBe(0);
  const serials = lab.appliances.map((a) => a.serial).sort();
  failing = serials[0]!;
  site = lab.appliances.find((a) => a.serial === failing)!.site;
  healthy = lab.appliances.filter((a) => a.site === site && a.serial !== failing).map((a) => a.serial)[0]!;
  await withDataDirApi(dataDir, (api) => api.lab.setFault({ serial: failing, fault: 'disk-failure', on: true }));
}, 150_000);

afterAll(async () => {
  await cli(['lab', 'stop']).catch(() => null);
  if (lab && pidAlive(lab.pid)) process.kill(lab.pid, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('fleetdeck diag', () => {
  it('diag run on a faulty appliance: the failed check with its detail and what to do, exit 1', async () => {
    const r = await cli(['diag', 'run', '--serial', failing, '--checks', 'disk,bgp'], 60_000);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^${failing} \\(${site}\\)  Error  run \\d+, job \\d+`, 'm'));
    expect(r.stdout).toMatch(/^ {2}FAIL disk .*Cache disk sdc failed/m);
    expect(r.stdout).toMatch(/-> Open an RMA for disk sdc in bay 3/);
    expect(r.stdout).toMatch(/^ {2}ok {3}bgp /m);
    expect(r.stdout).not.toMatch(/cache|throughput/);
    expect(r.stdout).toMatch(/1 of 1 appliances diagnosed: 0 OK, 0 Warning, 1 Error, 0 Unknown\.$/m);
    expect(r.stdout).not.toContain('\u001b');
  }, 90_000);

  it('diag run --where site=… --json: one document with every run; a healthy site-mate passes', async () => {
    const r = await cli(['diag', 'run', '--where', `site=${site.toUpperCase()}`, '--checks', 'disk,throughput', '--json'], 90_000);
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout) as { job: { id: number; state: string }; runs: Array<{ serial: string; status: string; results: Array<{ check: string; status: string; value: number | null; unit: string | null }> }> };
    const inSite = lab.appliances.filter((a) => a.site === site).length;
    expect(doc.job.state).toBe('done');
    expect(doc.runs).toHaveLength(inSite);
    const ok = doc.runs.find((x) => x.serial === healthy)!;
    expect(ok.status).toBe('OK');
    expect(ok.results.find((x) => x.check === 'throughput')).toMatchObject({ status: 'OK', unit: 'Gbps' });
    expect(doc.runs.find((x) => x.serial === failing)!.results.find((x) => x.check === 'throughput')!.status).toBe('Warning');
  }, 120_000);

  it('diag compare names what changed since the last good run', async () => {
    const good = await cli(['diag', 'run', '--serial', healthy, '--checks', 'disk'], 60_000);
    expect(good.code, good.stderr).toBe(0);
    await withDataDirApi(dataDir, (api) => api.lab.setFault({ serial: healthy, fault: 'disk-failure', on: true }));
    try {
      expect((await cli(['diag', 'run', '--serial', healthy, '--checks', 'disk'], 60_000)).code).toBe(1);
      const r = await cli(['diag', 'compare', '--serial', healthy]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/against the last good run \d+/);
      expect(r.stdout).toMatch(/CHANGED disk {9}OK [\d.]+ % used -> Error [\d.]+ % used.*: Cache disk sdc failed/);
    } finally {
      await withDataDirApi(dataDir, (api) => api.lab.setFault({ serial: healthy, fault: 'disk-failure', on: false }));
    }
  }, 120_000);

  it('diag bundle writes a tar.gz that tar lists, one folder per appliance', async () => {
    const out = join(root, 'site.tar.gz');
    const r = await cli(['diag', 'bundle', '--site', site, '--out', out], 60_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(new RegExp(`^Wrote ${out.replace(/[.]/g, '\\.')} \\(\\d+ bytes\\): \\d+ appliances, \\d+ files, \\d+ secrets redacted\\.$`));
    const listed = execFileSync('tar', ['-tzf', out], { encoding: 'utf8' });
    for (const a of lab.appliances.filter((x) => x.site === site)) expect(listed).toMatch(new RegExp(`/${a.serial}/config\\.json$`, 'm'));
    const refused = await cli(['diag', 'bundle', '--serial', failing, '--site', site, '--out', out]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('give exactly one of --serial SERIAL or --site CODE');
  }, 90_000);

  it('config drift lists the appliance whose hostname differs from the inventory; --json; exit 1', async () => {
    const set = await cli(['exec', '--serial', healthy, '--', 'ocactl', 'config', 'set', 'hostname=renamed.example.test']);
    expect(set.code, set.stderr).toBe(0);
    const r = await cli(['config', 'drift', '--where', `site=${site}`], 60_000);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^${healthy} \\(${site}, [^)]+\\): 1 difference$`, 'm'));
    expect(r.stdout).toMatch(/\[inventory\] hostname: the inventory expects "[^"]+", the appliance reports "renamed\.example\.test"/);
    const j = await cli(['config', 'drift', '--where', `site=${site}`, '--json'], 60_000);
    const report = JSON.parse(j.stdout) as { checked: number; drifted: Array<{ serial: string; differences: Array<{ field: string }> }> };
    expect(report.checked).toBe(lab.appliances.filter((a) => a.site === site).length);
    expect(report.drifted.map((d) => d.serial)).toEqual([healthy]);
    const back = lab.appliances.find((a) => a.serial === healthy)!.hostname;
    expect((await cli(['exec', '--serial', healthy, '--', 'ocactl', 'config', 'set', `hostname=${back}`])).code).toBe(0);
    const clean = await cli(['config', 'drift', '--where', `site=${site}`], 60_000);
    expect(clean.code, clean.stdout).toBe(0);
  }, 120_000);

  onTerminal('diag run on a terminal draws the progress bar and ends with the summary', async () => {
    const term = spawnInPty([process.execPath, CLI, '--data-dir', dataDir, 'diag', 'run', '--where', `site=${site}`, '--checks', 'bgp,nic', '--concurrency', '1'], { cwd: REPO, env: CLI_ENV });
    const { code } = await term.exit(90_000);
    expect(code, term.text).toBe(0); // the faulty appliance's disk is not among the checks
    const frames = [...term.output.matchAll(/\u001b\[1G (\S+) (\d+)\/(\d+) \| ok (\d+) failed (\d+)/g)].map((m) => Number(m[2]));
    expect(frames.length).toBeGreaterThanOrEqual(2);
    expect(frames[0]).toBe(0);
    expect(plainText(term.output)).toMatch(/appliances diagnosed: /);
  }, 120_000);
});
