/**
 * The lab hands its demand over (lab.handOverDemand, what the demo's Fills screen does on first
 * view): a small catalog and the last days of each site's demand written as files and imported
 * through the fills domain, so "plan tomorrow" works at once. A real lab daemon, a real engine.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, type ApiClient } from '../api/client';
import { createEngine, type Engine } from '../engine';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import { readManifest } from './manifest';
import { DEMO_DEMAND_DIR, pidAlive } from './service';
import { dayString, labDemandModel } from './model/demand';

let dir: string;
let engine: Engine;
let client: ApiClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleetdeck-lab-hand-over-'));
  engine = createEngine({ dataDir: dir, host: 'test', vault: await openNodeVault(dir), log: silentLogger, checkOutputs: true });
  client = engine.client({ actor: 'test:hand-over' });
});

afterAll(async () => {
  const manifest = readManifest(join(dir, 'lab'));
  if (manifest && pidAlive(manifest.pid)) process.kill(manifest.pid, 'SIGKILL');
  engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the lab's demand handed over", () => {
  it('is refused without a running lab', async () => {
    const err = await client.api.lab.handOverDemand({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('E_UNAVAILABLE');
  });

  it("imports the lab's top titles and its sites' last days once (a second call asking the same joins the first, one asking otherwise is refused), then plans work", async () => {
    await client.api.lab.start({ appliances: 6, sites: 2, speed: 1 });
    // A folder that cannot be made is said as such (the path), not as an internal error.
    const blocked = join(dir, 'lab', DEMO_DEMAND_DIR);
    writeFileSync(blocked, 'not a folder');
    const refused = await client.api.lab.handOverDemand({ titles: 400, days: 2 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ code: 'E_UNAVAILABLE', message: expect.stringContaining(blocked) as unknown });
    rmSync(blocked);
    const sites = (await client.api.inventory.listSites({})).map((s) => s.code).sort();
    expect(await client.api.fills.inputs({ site: sites[0]! })).toEqual({ catalogTitles: 0, demand: false, site: { code: sites[0]!, firstDay: null, lastDay: null, days: 0 } });

    // Called on the service, so each call is known to come while the first runs (no race with its end).
    const first = engine.lab.handOverDemand({ titles: 400, days: 2 }, 'test:hand-over');
    const same = engine.lab.handOverDemand({ titles: 400, days: 2 }, 'test:other-window');
    // Asking for other titles or days while it runs is refused: the reply would describe the first call's.
    const otherTitles = await engine.lab.handOverDemand({ titles: 500, days: 2 }, 'test:cli').catch((e: unknown) => e);
    expect(otherTitles).toMatchObject({
      code: 'E_CONFLICT',
      message: 'The lab is handing over 400 titles and 2 day(s) of demand already, so 500 titles and 2 day(s) were not handed over. Wait for it to finish and ask again.',
    });
    await expect(engine.lab.handOverDemand({ titles: 400, days: 3 }, 'test:cli')).rejects.toMatchObject({ code: 'E_CONFLICT' });
    const [a, b] = await Promise.all([first, same]);
    expect(b).toEqual(a);
    const yesterday = Math.floor(Date.now() / 86_400_000) - 1;
    // What the model says those days hold: every title with a play, per site and day.
    const model = labDemandModel(readManifest(join(dir, 'lab'))!, 400);
    let rows = 0;
    for (const site of sites) for (const d of [yesterday - 1, yesterday]) rows += model.siteDay(site, dayString(d)).plays.filter((p) => p > 0).length;
    expect(a).toMatchObject({ titles: 400, sites: 2, demandRows: rows, firstDay: dayString(yesterday - 1), lastDay: dayString(yesterday) });
    expect(existsSync(join(dir, 'lab', DEMO_DEMAND_DIR, 'demand.csv'))).toBe(true);
    // Imported once, by whoever asked.
    expect(engine.deps.audit.list({ action: ['fills.catalog-import'], limit: 10 })).toHaveLength(1);
    // Imported as the lab (set-up rows the audit log hides by default), not as whoever opened the screen.
    expect(engine.deps.audit.list({ action: ['fills.demand-import'], limit: 10 })).toMatchObject([{ actor: 'lab:simulator' }]);

    expect(await client.api.fills.inputs({ site: sites[1]! })).toEqual({
      catalogTitles: 400,
      demand: true,
      site: { code: sites[1]!, firstDay: dayString(yesterday - 1), lastDay: dayString(yesterday), days: 2 },
    });
    const plan = await client.api.fills.plan({ site: sites[0]! });
    expect(plan.sites).toHaveLength(1);
    expect(plan.sites[0]).toMatchObject({ site: sites[0]!, historyDays: 2 });
    expect(plan.sites[0]!.titles).toBeGreaterThan(0);
    await client.api.lab.stop({});
  }, 120_000);
});
