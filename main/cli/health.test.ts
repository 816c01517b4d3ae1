/**
 * `fleetdeck health` as a person runs it: the real CLI process (bin/fleetdeck.mjs) on a data dir
 * whose inventory points at a real lab fleet (HTTP on 127.0.0.1, served from this test process),
 * through plain pipes and, for `health watch`, on a pseudo-terminal.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../api/client';
import { LabFleet } from '../lab/fleet';
import { healthMethods } from '../health/contract';
import { plainText, ptyUnavailable, spawnInPty } from '../../tests/cli/support/pty';
import { CLI, CLI_ENV, REPO, runFleetdeck, withDataDirApi } from '../../tests/support/cli';
import { labApplianceInput } from '../../tests/support/lab-inventory';
import { tempDir } from '../../tests/support/temp-dir';

const noPty = ptyUnavailable();
if (noPty) console.log(`SKIPPED fleetdeck health watch on a terminal (the pipe tests still run): ${noPty}`);
const onTerminal = noPty ? it.skip : it;

let root: string;
let dataDir: string;
let fleet: LabFleet;

/** The CLI on this suite's data dir through plain pipes (tests/support/cli.ts). */
const cli = (args: string[], timeoutMs?: number) => runFleetdeck(dataDir, args, timeoutMs);
const withApi = <T>(fn: (api: ApiClient['api']) => Promise<T>) => withDataDirApi(dataDir, fn);

beforeAll(async () => {
  root = tempDir('fleetdeck-cli-health-');
  dataDir = join(root, 'data');
  fleet = await LabFleet.start({ dir: join(root, 'lab'), appliances: 6, sites: 2, seed: 3, speed: 1, authorizedKeys: '' });
  await withApi(async (api) => {
    for (const site of fleet.plan.sites) await api.inventory.upsertSite(site);
    for (const a of fleet.manifestAppliances()) await api.inventory.createAppliance(labApplianceInput(a));
    await api.health.setMonitor({ timeoutMs: 10_000 }); // no appliance here stalls: a deadline a loaded machine always meets
    fleet.setFault('LAB00001', 'disk-failure', true);
    await api.health.pollNow({});
    // The second appliance then goes dark: its last known state stays, with an age.
    fleet.setFault('LAB00002', 'unreachable', true);
    await api.health.pollNow({ serials: ['LAB00002'] });
  });
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('fleetdeck health', () => {
  it('--json prints the whole view, as the contract describes it', async () => {
    const run = await cli(['health', '--json']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const view = healthMethods.fleet.output.parse(JSON.parse(run.stdout));
    const h = new Map(view.items.map((i) => [i.serial, i]));
    expect(view.items).toHaveLength(6);
    expect(h.get('LAB00001')).toMatchObject({ status: 'Error', reachable: true, lifecycle: 'online' });
    expect(h.get('LAB00002')).toMatchObject({ status: 'Warning', reachable: false, lastError: { code: 'E_UNREACHABLE' } });
    expect(h.get('LAB00002')!.measuredAt).not.toBeNull();
    expect(view.totals.counts).toMatchObject({ Error: 1, Warning: 1, unreachable: 1 });
    expect(view.bySite.map((s) => s.site).sort()).toEqual(fleet.plan.sites.map((s) => s.code).sort());
  });

  it('shows roll-ups and every appliance with lifecycle, health, reachability and age', async () => {
    const run = await cli(['health', '--where', 'site=' + fleet.plan.appliances[0]!.site]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^Fleet: Error - 3 appliances: 1 OK, 1 Warning, 1 Error, 0 Unknown \(1 unreachable\), serving [\d.]+ Gbps/);
    expect(run.stdout).toMatch(/LAB00001 +\S+ +online +Error +reachable +\d+ s +disk Error/);
    expect(run.stdout).toMatch(/LAB00002 +\S+ +online +Warning +unreachable \(E_UNREACHABLE\) +\d+ s +reachability Warning/);
    const bad = await cli(['health', '--status', 'Broken']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/one of OK, Unknown, Warning, Error/);
  });

  it('actionable lists what is wrong, where, and the fix', async () => {
    const run = await cli(['health', 'actionable']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const lines = run.stdout.split('\n');
    const at = lines.findIndex((l) => /^Error +LAB00001 /.test(l));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(lines[at + 1]).toMatch(/Cache disk .* failed/);
    expect(lines[at + 2]).toMatch(/fix: Open an RMA for the failed disk and drain the appliance/);
    expect(run.stdout).toMatch(/Warning +LAB00002 .*\n +Online but unreachable: E_UNREACHABLE \(last seen \d+ s ago\)\.\n +fix: Check power and the management network/);
    const json = await cli(['health', 'actionable', '--json', '--site', fleet.plan.appliances[0]!.site]);
    const items = healthMethods.actionable.output.parse(JSON.parse(json.stdout));
    expect(items.map((i) => i.id)).toEqual(expect.arrayContaining(['LAB00001/disk-failure', 'LAB00002/unreachable']));
  });

  it('poll polls from the CLI process and reports who failed', async () => {
    const run = await cli(['health', 'poll']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^polled 6: 5 reached, 1 failed in [\d.]+ s\n {2}LAB00002: E_UNREACHABLE /);
    const json = await cli(['health', 'poll', '--serial', 'LAB00003', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ polled: 1, reached: 1, failed: 0 });
    const missing = await cli(['health', 'poll', '--serial', 'NOPE']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no appliance with serial NOPE .*\(E_NOT_FOUND\)/);
  });

  it('thresholds and monitor settings are shown, changed and validated', async () => {
    const wrong = await cli(['health', 'thresholds', '--model', 'flash', '--disk-warn', '90', '--disk-error', '80']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/disk Error level must be at or above the Warning level/);
    const set = await cli(['health', 'thresholds', '--model', 'storage', '--errors-warn', '2', '--json']);
    expect(JSON.parse(set.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ model: 'storage', errorsWarnPerSec: 2 })]));
    const monitor = await cli(['health', 'monitor', '--enable', '--interval', '15', '--where', 'status=online']);
    expect(monitor).toMatchObject({ code: 0, stderr: '' });
    expect(monitor.stdout).toMatch(/Monitor enabled: every 15 s/);
    const shown = JSON.parse((await cli(['health', 'monitor', '--json'])).stdout) as { enabled: boolean; intervalSec: number; selection: unknown };
    expect(shown).toMatchObject({ enabled: true, intervalSec: 15, selection: { status: ['online'] } });
    await cli(['health', 'monitor', '--disable', '--all']);
  });

  it('watch without a terminal prints one line per sweep and stops after --sweeps', async () => {
    const run = await cli(['health', 'watch', '--interval', '2', '--sweeps', '2']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/polled 6: 5 reached, 1 failed .*\| Error: \d+ OK, \d+ Warning, [12] Error, 0 Unknown, 1 unreachable/);
  });

  onTerminal('watch on a terminal redraws the view each sweep and Ctrl-C ends it', async () => {
    const term = spawnInPty([process.execPath, CLI, '--data-dir', dataDir, 'health', 'watch', '--interval', '2'], { cwd: REPO, env: CLI_ENV, rows: 40, cols: 160 });
    try {
      await term.waitFor(/Actionable: \d+/);
      // A second sweep clears the screen and draws again.
      await term.waitFor(() => (term.output.match(/\u001b\[2J/g) ?? []).length >= 2, 20_000);
      const text = plainText(term.output);
      expect(text).toMatch(/fleetdeck health watch - every 2 s/);
      expect(text).toMatch(/LAB00001 .* Error .*disk Error/);
      term.interrupt();
      expect((await term.exit()).code).toBe(0);
    } finally {
      term.kill();
    }
  }, 40_000);
});
