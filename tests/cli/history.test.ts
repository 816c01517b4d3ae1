/**
 * `fleetdeck health history` and `fleetdeck availability` as a person runs them: the real CLI against
 * a lab started with `fleetdeck lab start` (which brings thirty days of generated history: the second
 * site lost an appliance for eight hours four days ago).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest, type LabManifest } from '../../main/lab/manifest';
import { pidAlive } from '../../main/lab/service';
import type { AvailabilityReport, Series } from '../../main/history/contract';
import { runFleetdeck } from '../support/cli';
import { tempDir } from '../support/temp-dir';

let root: string;
let dataDir: string;
let lab: LabManifest;

const cli = (args: string[], timeoutMs?: number) => runFleetdeck(dataDir, args, timeoutMs);

beforeAll(async () => {
  root = tempDir('fleetdeck-cli-history-');
  dataDir = join(root, 'data');
  const started = await cli(['lab', 'start', '--appliances', '6', '--sites', '2'], 90_000);
  expect(started.code, started.stderr).toBe(0);
  lab = readManifest(join(dataDir, 'lab'))!;
}, 120_000);

afterAll(async () => {
  await cli(['lab', 'stop']).catch(() => null);
  if (lab && pidAlive(lab.pid)) process.kill(lab.pid, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('fleetdeck availability', () => {
  it('every site and partner against 99.9 %, the site with the outage below it, maintenance apart', async () => {
    const r = await cli(['availability', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as AvailabilityReport;
    expect(report).toMatchObject({ range: '30d', target: 0.999 });
    expect(report.sites).toHaveLength(2);
    const [worst, best] = report.sites;
    expect(worst).toMatchObject({ meetsTarget: false });
    expect(worst!.availability!).toBeLessThan(0.999);
    expect(worst!.downGbpsH).toBeGreaterThan(worst!.allowedDownGbpsH);
    expect(best).toMatchObject({ meetsTarget: true, downGbpsH: 0 });
    for (const s of report.sites) expect(s.maintenanceGbpsH).toBeGreaterThan(0);

    const text = await cli(['availability']);
    expect(text.code, text.stderr).toBe(0);
    const line = (site: string) => text.stdout.split('\n').find((l) => l.trimStart().startsWith(`${site} `))!;
    expect(line(worst!.site)).toMatch(/ 99\.\d{3} % +BELOW 99\.9 % /);
    expect(line(best!.site)).toMatch(/ 100\.000 % +meets 99\.9 % /);

    const one = JSON.parse((await cli(['availability', '--partner', best!.partner, '--range', '7d', '--json'])).stdout) as AvailabilityReport;
    expect(one.sites.map((s) => s.site)).toEqual([best!.site]);
    expect(one.range).toBe('7d');
    const bad = await cli(['availability', '--range', '90d']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/24h, 7d, 30d/);
  });
});

describe('fleetdeck health history', () => {
  it('a series per fleet, site and appliance, bounded, as JSON and as a line of blocks', async () => {
    const fleet = JSON.parse((await cli(['health', 'history', '--fleet', '--range', '7d', '--json'])).stdout) as Series & { metric: string };
    expect(fleet).toMatchObject({ metric: 'serving', range: '7d', stepSec: 1800 });
    expect(fleet.points.length).toBeGreaterThanOrEqual(335);
    expect(fleet.points.length).toBeLessThanOrEqual(336);

    const site = lab.appliances[0]!.site;
    const hit = await cli(['health', 'history', '--site', site, '--metric', 'hit', '--range', '24h']);
    expect(hit.code, hit.stderr).toBe(0);
    const lines = hit.stdout.trimEnd().split('\n');
    // The lab wrote points up to when it started and nothing polls since: on a slow machine the newest steps are empty.
    const head = new RegExp(`^site ${site}: cache hit ratio \\(%\\) over 24h, 5-minute points \\((\\d+) of 288\\)$`).exec(lines[0]!);
    expect(head, lines[0]).not.toBeNull();
    expect(Number(head![1])).toBeGreaterThanOrEqual(250);
    expect(lines[2]).toMatch(/^[▁▂▃▄▅▆▇█ ]{50,60}$/);
    expect(lines[3]).toMatch(/^lowest [89]\d\.\d, mean [89]\d\.\d, highest [89]\d\.\d, last [89]\d\.\d %$/);

    const serial = lab.appliances[0]!.serial;
    const one = JSON.parse((await cli(['health', 'history', '--serial', serial, '--metric', 'errors', '--range', '1h', '--json'])).stdout) as Series;
    expect(one.scope).toEqual({ kind: 'appliance', serial });
    // The lab wrote minute points up to when it started (no monitor polls in a CLI); a slow machine queries minutes later.
    expect(one.points.length).toBeGreaterThan(30);
    expect(one.points.length).toBeLessThanOrEqual(60);

    const both = await cli(['health', 'history', '--fleet', '--site', site]);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/choose one of --serial S, --site C, --partner P or --fleet/);
    const unknown = await cli(['health', 'history', '--site', 'nowhere1']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/There is no site with code nowhere1.*E_NOT_FOUND/);
  });
});
