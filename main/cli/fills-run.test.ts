/**
 * `fleetdeck fills prepare / run / status` against a lab fleet (in this process, accelerated):
 * an out-of-cycle fill for a hot release, refused without the count typed back, then run and
 * verified, and read back by `fills status`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../engine';
import { LabFleet } from '../lab/fleet';
import { startLabRuntime, type LabRuntime } from '../lab/runtime';
import { LabClock } from '../lab/model/clock';
import { catalogBytes, catalogId } from '../lab/model/catalog';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import { main } from './index';
import type { Io } from './io';
import { enrollLabFleet } from '../../tests/support/lab-inventory';

function capture(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (t) => lines.push(...t.split('\n')), err: (t) => errors.push(...t.split('\n')) };
}

describe('fleetdeck fills against a lab fleet', () => {
  const root = mkdtempSync(join(tmpdir(), 'fleetdeck-cli-fills-'));
  const dataDir = join(root, 'data');
  const placementFile = join(root, 'placement.json');
  let fleet: LabFleet;
  let serial = '';

  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    const engine = createEngine({ dataDir, host: 'test', vault: await openNodeVault(dataDir), log: silentLogger });
    try {
      fleet = await LabFleet.start({ dir: join(root, 'lab'), appliances: 3, sites: 1, seed: 2, speed: 400, authorizedKeys: '', clock: new LabClock(400) });
      enrollLabFleet(engine.inventory, fleet);
    } finally {
      engine.close();
    }
    const a = fleet.manifestAppliances().find((x) => x.model === 'storage')!;
    serial = a.serial;
    // Two titles from the catalog's tail, beyond what the appliance holds: a hot release.
    const first = fleet.appliance(serial)!.state.cache.baselineCount + 5000;
    writeFileSync(
      placementFile,
      JSON.stringify({
        site: a.site,
        day: '2026-12-04',
        appliances: [
          {
            serial,
            capacityBytes: a.storageTb * 1e12,
            items: [0, 1].map((i) => ({ contentId: catalogId(first + i), bytes: catalogBytes(first + i), value: 1000 - i })),
          },
        ],
      }),
    );
  });
  afterAll(async () => {
    await fleet?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('prepares an out-of-cycle plan, refuses to run it without the count, runs and verifies it with --confirm', async () => {
    const prep = capture();
    expect(await main(['fills', 'prepare', '--placement', placementFile, '--out-of-cycle', '--max-gbps', '1', '--max-gb', '20', '--json', '--data-dir', dataDir], prep)).toBe(0);
    const run = JSON.parse(prep.lines[0]!) as { id: number; plan: { appliances: { fill: unknown[] }[]; outOfCycle: unknown } };
    expect(run.plan.appliances[0]!.fill).toHaveLength(2);
    expect(run.plan.outOfCycle).toEqual({ maxGbps: 1, maxBytes: 20e9 });

    const refused = capture();
    expect(await main(['fills', 'start', String(run.id), '--data-dir', dataDir], refused)).toBe(1);
    expect(refused.errors.join('\n')).toMatch(/--confirm 1/);

    const ran = capture();
    const status = await main(['fills', 'start', String(run.id), '--confirm', '1', '--poll-ms', '30', '--json', '--data-dir', dataDir], ran);
    expect(ran.errors.filter(Boolean)).toEqual([]);
    expect(status).toBe(0);
    const last = JSON.parse(ran.lines.filter(Boolean).at(-1)!) as { event: string; run: { state: string; progress: { phase: string }[] } };
    expect(last.event).toBe('run');
    expect(last.run.state).toBe('done');
    expect(last.run.progress.map((p) => p.phase)).toEqual(['verified']);

    const list = capture();
    expect(await main(['fills', 'status', '--json', '--data-dir', dataDir], list)).toBe(0);
    const runs = JSON.parse(list.lines[0]!) as { id: number; state: string; verified: number; bytesDone: number; bytesTotal: number }[];
    expect(runs[0]).toMatchObject({ id: run.id, state: 'done', verified: 1 });
    expect(runs[0]!.bytesDone).toBe(runs[0]!.bytesTotal);
  }, 60_000);
});

describe('fleetdeck fills run PLAN_ID: a stored plan from the lab demand, filled out of cycle', () => {
  const root = mkdtempSync(join(tmpdir(), 'fleetdeck-cli-fillsplan-'));
  const dataDir = join(root, 'data');
  let lab: LabRuntime;

  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    lab = await startLabRuntime(join(dataDir, 'lab'), { appliances: 3, sites: 1, speed: 400, seed: 2, authorizedKeys: [] }, { clock: new LabClock(400) });
    const engine = createEngine({ dataDir, host: 'test', vault: await openNodeVault(dataDir), log: silentLogger });
    try {
      enrollLabFleet(engine.inventory, lab.fleet);
    } finally {
      engine.close();
    }
  }, 60_000);
  afterAll(async () => {
    await lab?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('plans from imported demand, then fills each appliance of the site and verifies it', async () => {
    const out = join(root, 'export');
    const run = async (args: string[]) => {
      const io = capture();
      const status = await main([...args, '--data-dir', dataDir], io);
      expect(status, `${args.join(' ')}: ${io.errors.join('\n')}`).toBe(0);
      return io;
    };
    await run(['lab', 'demand', 'export', '--days', '3', '--out', out]);
    const files = readdirSync(out);
    await run(['catalog', 'import', join(out, files.find((f) => f.startsWith('catalog'))!)]);
    for (const f of files.filter((f) => f.startsWith('demand'))) await run(['demand', 'import', join(out, f)]);
    const site = lab.fleet.plan.sites[0]!.code;
    // Before any plan, a run from "the site's latest plan" says what to do first.
    const engine = createEngine({ dataDir, host: 'test', vault: await openNodeVault(dataDir), log: silentLogger });
    try {
      await expect(engine.client({ actor: 'test' }).api.fills.prepareFromPlan({ site })).rejects.toMatchObject({ code: 'E_NOT_FOUND', message: expect.stringMatching(/fills plan --site/) });
    } finally {
      engine.close();
    }
    const plan = JSON.parse((await run(['fills', 'plan', '--site', site, '--json'])).lines[0]!) as { id: number };
    const ran = await run(['fills', 'run', String(plan.id), '--out-of-cycle', '--max-gbps', '1', '--max-gb', '8', '--confirm', '3', '--poll-ms', '30', '--json']);
    const last = JSON.parse(ran.lines.filter(Boolean).at(-1)!) as { run: { state: string; placementId: string; progress: { phase: string; bytesTotal: number }[] } };
    expect(last.run.placementId).toBe(String(plan.id));
    expect(last.run.state).toBe('done');
    expect(last.run.progress.map((p) => p.phase)).toEqual(['verified', 'verified', 'verified']);
  }, 120_000);
});
