/**
 * The fills commands as a user runs them (`node bin/fleetdeck.mjs ...` against a temp data dir):
 * the lab's demand exported as a streaming service's files, imported through `catalog import` and
 * `demand import`, planned with `fills plan`; a bad file refused with its lines.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Plan, SavingsReport } from '../fills/contract';
import { planFleet } from '../lab/plan';
import { runFleetdeck } from '../../tests/support/cli';
import { tempDir } from '../../tests/support/temp-dir';

let root = '';
let data = '';

beforeAll(() => {
  root = tempDir();
  data = join(root, 'data');
  // The inventory of the default lab fleet, as `lab demand export` assumes without a lab.
  const f = planFleet(60, 12, 1);
  const doc = {
    partners: f.partners,
    sites: f.sites,
    appliances: f.appliances.map((a) => ({ serial: a.serial, hostname: a.hostname, site: a.site, model: a.kind, ipv4: '127.0.0.1', storageTb: a.storageTb, nicGbps: a.nicGbps, status: 'online' })),
  };
  writeFileSync(join(root, 'inventory.json'), JSON.stringify(doc));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('fleetdeck catalog, demand and fills', () => {
  it('exports the lab demand, imports it and plans tomorrow', async () => {
    expect((await runFleetdeck(data, ['inventory', 'import', join(root, 'inventory.json')])).code).toBe(0);
    const out = join(root, 'export');
    const exp = await runFleetdeck(data, ['lab', 'demand', 'export', '--days', '4', '--titles', '400', '--until', '2026-12-03', '--out', out]);
    expect(exp.stderr).toBe('');
    expect(exp.stdout).toMatch(/400 titles/);
    expect(exp.stdout).toMatch(/12 sites, 2026-11-30 to 2026-12-03/);

    const cat = await runFleetdeck(data, ['catalog', 'import', join(out, 'catalog.csv')]);
    expect(cat.stdout).toMatch(/400 created/);
    const dem = await runFleetdeck(data, ['demand', 'import', join(out, 'demand.csv')]);
    expect(dem.stdout).toMatch(/48 site-days \(12 sites, 2026-11-30 to 2026-12-03\)/);

    const plan = await runFleetdeck(data, ['fills', 'plan', '--site', 'gru1', '--day', '2026-12-04', '--json']);
    expect(plan.code).toBe(0);
    const parsed = Plan.parse(JSON.parse(plan.stdout));
    expect(parsed.sites.map((s) => [s.site, s.day, s.historyDays])).toEqual([['gru1', '2026-12-04', 4]]);
    expect(parsed.sites[0]!.quality).not.toBeNull();
    const text = await runFleetdeck(data, ['fills', 'show-plan', String(parsed.id)]);
    expect(text.stdout).toMatch(/gru1 for 2026-12-04: \d+ titles/);
    expect(text.stdout).toMatch(/offload .* bound/);

    // The savings report: gru1's partner, from that plan; the JSON carries the same figures as the text.
    const partner = planFleet(60, 12, 1).sites.find((s) => s.code === 'gru1')!.partner;
    const sav = await runFleetdeck(data, ['fills', 'savings', '--json']);
    expect(sav.code, sav.stderr).toBe(0);
    const report = SavingsReport.parse(JSON.parse(sav.stdout));
    expect(report.partners.map((p) => p.partner)).toEqual([partner]);
    const gru1 = report.partners[0]!.sites[0]!;
    expect(gru1).toMatchObject({ site: 'gru1', planId: parsed.id });
    expect(gru1.avoidedBytes).toBeCloseTo(parsed.sites[0]!.forecastBytes * parsed.sites[0]!.offload, -3);
    expect(report.sitesWithoutPlan).toHaveLength(11);
    const said = await runFleetdeck(data, ['fills', 'savings', '--partner', partner]);
    expect(said.stdout).toContain(`${partner}: `);
    expect(said.stdout).toMatch(/a day kept off transit .* Gbps at its peak hour/);
    expect(said.stdout).toMatch(/ {2}gru1 \(plan \d+, 2026-12-04\)/);
    // Nothing polled here: the measured line says so, and the JSON carries null.
    expect(said.stdout).toContain('  measured: no appliance reported transit in the last 24 h');
    expect(report.totals.measured).toBeNull();
    const none = await runFleetdeck(data, ['fills', 'savings', '--partner', 'nobody']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no partner named nobody/);
  }, 120_000);

  it('refuses a bad demand file, lists the bad rows with their lines, exit status 1', async () => {
    const bad = join(root, 'bad.csv');
    writeFileSync(bad, 'site,day,content_id,bytes\ngru1,2026-12-01,c0000001,100\nxxx9,2026-12-01,c0000001,100\ngru1,2026-13-01,c0000001,100\n');
    const run = await runFleetdeck(data, ['demand', 'import', bad]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/2 rows have problems; nothing was imported/);
    expect(run.stderr).toMatch(/line 3, site: there is no site "xxx9"/);
    expect(run.stderr).toMatch(/line 4, day: /);
  }, 60_000);
});
