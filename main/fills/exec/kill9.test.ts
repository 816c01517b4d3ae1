/**
 * Fills survive kill -9. A child process runs an engine that prepares a site's fill run from a
 * placement, runs it as a `fills` job and follows it, on a lab site living in this process (one
 * accelerated clock shared by rebuilding it in the child); the test kills the child with SIGKILL at
 * random points (while preparing, posting, following, verifying, reconciling after the last kill)
 * and starts it again until a life sees the run end. Then, from the APPLIANCES' own state: every
 * planned item landed exactly once (never queued twice: the appliance would have moved its bytes
 * twice), none was skipped, nothing planned for eviction is held; the run is done with every
 * appliance verified; the SQLite file passes integrity_check.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../engine';
import { LabFleet } from '../../lab/fleet';
import { LabClock } from '../../lab/model/clock';
import { catalogBytes, catalogId } from '../../lab/model/catalog';
import { silentLogger } from '../../store/log';
import { openNodeVault } from '../../vault/node-vault';
import { enrollLabFleet } from '../../../tests/support/lab-inventory';
import { integrityCheck, KILL9_SEED as SEED, killLoop } from '../../../tests/support/kill9';
import { tempDir } from '../../../tests/support/temp-dir';
import type { SitePlacement } from '../placement-contract';
import { FillRunsRepo } from './repo';
import Database from 'better-sqlite3';
import { DB_FILE } from '../../store/db';

const LAB_SEED = 2; // 3 storage + 1 flash in gru1 (02:00-14:00 São Paulo fill window)
/** 02:05 in São Paulo: the window is open. */
const LAB_START = Date.UTC(2026, 11, 4, 5, 5, 0);
/** Lab seconds per real second: a 3 GB item takes 20 lab seconds at 1.2 Gbps, 2 real seconds. */
const SPEED = 10;
const ITEMS_PER_STORAGE = 4;

describe('fills under kill -9', () => {
  const root = tempDir('fleetdeck-fills-kill9-');
  const dataDir = join(root, 'data');
  const placementFile = join(root, 'placement.json');
  let fleet: LabFleet;
  let clock: LabClock;
  let serials: string[] = [];
  let placement: SitePlacement;

  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    clock = new LabClock(SPEED, undefined, LAB_START);
    fleet = await LabFleet.start({ dir: join(root, 'lab'), appliances: 4, sites: 1, seed: LAB_SEED, speed: SPEED, authorizedKeys: '', clock });
    const engine = createEngine({ dataDir, host: 'test', vault: await openNodeVault(dataDir, { env: {} }), log: silentLogger });
    try {
      serials = enrollLabFleet(engine.inventory, fleet);
    } finally {
      engine.close(); // the children own the data dir from here
    }
    await fleet.servingReady();
    // Titles no appliance of the site holds (from the origin), and for the flash appliance one a
    // storage peer holds (from the peer).
    const appliances = serials.map((s) => fleet.appliance(s)!);
    const from = Math.max(...appliances.map((a) => a.state.cache.baselineCount)) + 50;
    const flash = appliances.find((a) => a.state.kind === 'flash')!;
    const peerTitle = flash.state.cache.baselineCount + 7;
    let next = from;
    placement = {
      site: fleet.plan.sites[0]!.code,
      day: '2026-12-04',
      appliances: appliances.map((a) => {
        const ids = a === flash ? [peerTitle, next++] : Array.from({ length: ITEMS_PER_STORAGE }, () => next++);
        return { serial: a.serial, capacityBytes: a.state.storageBytes, items: ids.map((index, k) => ({ contentId: catalogId(index), bytes: catalogBytes(index), value: 1000 - k })) };
      }),
    };
    writeFileSync(placementFile, JSON.stringify(placement));
  }, 120_000);

  afterAll(async () => {
    await fleet?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it(`fills every planned item exactly once, none skipped, across random SIGKILLs (seed ${SEED})`, { timeout: 600_000 }, async () => {
    const { kills, final, lives } = await killLoop({
      program: 'tests/support/fills-kill9-engine.ts',
      args: [dataDir, placementFile, JSON.stringify({ speed: clock.speed, labStart: clock.labStart, realStart: clock.realStart })],
      seed: SEED,
      killWithinMs: 5000,
      maxLives: 100,
      maxKills: 10,
      lifeTimeoutMs: 120_000,
    });
    expect(final, 'the fill run never completed').not.toBeNull();
    expect(final!.code, `${final!.stdout}\n${final!.stderr}`).toBe(0);
    expect(final!.stdout).toMatch(/"state":"done","job":"done"/);
    console.log(`fills kill9: a fill run of ${serials.length} appliances completed after ${kills} SIGKILLs in ${lives} lives (seed ${SEED})`);
    // At least the first life's early kill: how many more depends on how fast this machine does the work.
    expect(kills).toBeGreaterThanOrEqual(1);

    const db = new Database(join(dataDir, DB_FILE), { readonly: true });
    let run;
    try {
      const repo = new FillRunsRepo(db);
      const runs = repo.list(undefined, 10);
      expect(runs, 'one fill run, prepared once').toHaveLength(1);
      run = repo.get(runs[0]!.id)!;
      expect(run.state).toBe('done');
      expect(repo.progress(run.id).map((p) => p.phase)).toEqual(run.plan.appliances.map(() => 'verified'));
      const jobs = db.prepare("SELECT id, state FROM jobs WHERE kind = 'fills'").all() as { id: number; state: string }[];
      expect(jobs, 'one fills job').toEqual([{ id: run.jobId, state: 'done' }]);
    } finally {
      db.close();
    }
    expect(integrityCheck(dataDir)).toBe('ok');

    // From the appliances: each planned item landed once, from the planned source; bytes queued = bytes planned.
    const prefix = `fillrun-${run.id}-`;
    for (const plan of run.plan.appliances) {
      const a = fleet.appliance(plan.serial)!;
      expect(plan.fill.length, `${plan.serial} has something to fill`).toBeGreaterThan(0);
      for (const item of plan.fill) {
        const landed = a.state.cache.added.filter(([id]) => id === item.contentId);
        expect(landed, `${item.contentId} on ${plan.serial}`).toHaveLength(1);
        expect(landed[0]![3]).toBe(item.source);
        expect(a.cachedBytes(item.contentId)).toBe(item.bytes);
      }
      for (const id of plan.evict) expect(a.cachedBytes(id), `${id} evicted on ${plan.serial}`).toBeNull();
      const fills = a.state.fills.filter((f) => f.manifestId?.startsWith(prefix));
      expect(fills.length).toBeGreaterThan(0);
      expect(fills.every((f) => f.state === 'done')).toBe(true);
      expect(fills.reduce((s, f) => s + f.bytesTotal, 0), `bytes queued on ${plan.serial}`).toBe(plan.fillBytes);
    }
    expect(run.plan.totals.fromPeersBytes).toBeGreaterThan(0);
    expect(placement.appliances.reduce((s, a) => s + a.items.length, 0)).toBe(run.plan.appliances.reduce((s, a) => s + a.fill.length, 0));
  });
});
