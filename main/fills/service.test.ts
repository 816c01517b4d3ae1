/**
 * The fills domain on a real engine and SQLite file: catalog and demand imports (all or nothing,
 * line-numbered problems), and plans from the lab's demand model (forecast, placement, stored
 * plan, the placement contract, forecast quality, hysteresis against the previous plan).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../api/client';
import { catalogBytes, catalogId } from '../lab/model/catalog';
import { dayNumber, dayString, DemandModel } from '../lab/model/demand';
import { planFleet } from '../lab/plan';
import { tempEngine, type TempEngine } from '../../tests/support/temp-engine';
import { refusalOf } from '../../tests/support/refusal';
import { SitePlacement } from './placement-contract';
import Database from 'better-sqlite3';
import type { HealthRecord } from '../health/assess';
import { HealthRepo } from '../health/repo';
import { DB_FILE } from '../store/db';

/** Titles a thousand times the lab's encodes (terabytes), so a 3-appliance site holds part of 1,500. */
const SCALE = 1000;
const TITLES = 1500;

let t: TempEngine;
let api: ApiClient['api'];
const file = (name: string, text: string) => {
  const path = join(t.dir, name);
  writeFileSync(path, text);
  return path;
};

const fleet = planFleet(6, 2, 1);
const model = new DemandModel({
  seed: 5,
  titles: TITLES,
  sites: fleet.sites.map((s) => ({ code: s.code, partner: s.partner, timezone: s.timezone, playsPerDay: 40_000 })),
  releaseStart: '2026-09-01',
  releaseSpanDays: 120,
  releaseShare: 0.05,
});

function catalogCsv(): string {
  const lines = ['content_id,title,bytes,kind,release_date'];
  for (const e of model.catalog()) lines.push(`${e.contentId},"${e.title}",${e.bytes * SCALE},${e.kind},${e.releaseDate}`);
  return lines.join('\n') + '\n';
}

function demandJsonl(days: string[]): string {
  const lines: string[] = [];
  for (const day of days) {
    for (const site of model.siteCodes()) {
      const d = model.siteDay(site, day);
      for (let i = 0; i < TITLES; i++) if (d.plays[i]! > 0) lines.push(JSON.stringify({ site, day, content_id: catalogId(i), bytes: d.bytes[i]! * SCALE, plays: d.plays[i] }));
    }
  }
  return lines.join('\n') + '\n';
}

beforeAll(async () => {
  t = tempEngine();
  api = t.engine.client({ actor: 'test' }).api;
  await t.engine.inventory.importDocument(
    {
      partners: fleet.partners,
      sites: fleet.sites,
      appliances: fleet.appliances.map((a) => ({
        serial: a.serial,
        hostname: a.hostname,
        site: a.site,
        model: a.kind,
        ipv4: '127.0.0.1',
        storageTb: a.storageTb,
        nicGbps: a.nicGbps,
        status: 'online',
      })),
    },
    'test',
  );
});

afterAll(() => t?.dispose());

describe('catalog import', () => {
  it('refuses a file with bad rows, lists each with its line, and imports nothing', async () => {
    const path = file(
      'bad-catalog.csv',
      [
        'content_id,title,bytes,kind,release_date',
        'c0000000,Good,100,video,2026-01-01',
        'c0000001,No size,,video,2026-01-01',
        'c0000002,Bad kind,100,hologram,2026-01-01',
        'c0000003,Bad day,100,video,2026-02-30',
        'c0000000,Twice,100,video,2026-01-01',
        'c0000004,"Evil\u0007bell",100,video,2026-01-01',
      ].join('\n'),
    );
    const err = await refusalOf(api.fills.importCatalog({ path }));
    expect(err.code).toBe('E_IMPORT');
    const errors = (err.details as { errors: { line: number; field?: string; reason: string }[] }).errors;
    expect(errors.map((e) => [e.line, e.field])).toEqual([
      [3, 'bytes'],
      [4, 'kind'],
      [5, 'release_date'],
      [6, 'content_id'],
      [7, 'title'],
    ]);
    expect(errors[3]!.reason).toMatch(/first at line 2/);
    expect(t.engine.fills.repo.catalogCount()).toBe(0);
  });

  it('refuses a header it does not know and JSON lines nested or not objects', async () => {
    const err = await refusalOf(api.fills.importCatalog({ path: file('hdr.csv', 'id,name\nx,y\n') }));
    expect((err.details as { errors: { reason: string }[] }).errors[0]!.reason).toMatch(/unknown column "id"/);
    const deep = '{"content_id":"c1","title":' + '['.repeat(40) + ']'.repeat(40) + '}';
    const jerr = await refusalOf(api.fills.importCatalog({ path: file('deep.jsonl', `${deep}\n[1,2]\nnot json\n`) }));
    const reasons = (jerr.details as { errors: { line: number; reason: string }[] }).errors.map((e) => [e.line, e.reason]);
    expect(reasons).toEqual([
      [1, expect.stringMatching(/nests more than/)],
      [2, expect.stringMatching(/not JSON|one JSON object/)],
      [3, expect.stringMatching(/not JSON/)],
    ]);
  });

  it.skipIf(process.platform === 'win32')('refuses a device or a folder as not a plain file, and a missing file as missing', async () => {
    for (const path of ['/dev/zero', t.dir]) {
      const err = await refusalOf(api.fills.importCatalog({ path }));
      expect(err.code).toBe('E_VALIDATION');
      expect(err.message).toMatch(/is not a plain file/);
    }
    expect((await refusalOf(api.fills.importCatalog({ path: join(t.dir, 'absent.csv') }))).code).toBe('E_NOT_FOUND');
  });

  it('imports the catalog a streaming service hands over; the same file again changes nothing', async () => {
    const path = file('catalog.csv', catalogCsv());
    const first = await api.fills.importCatalog({ path });
    expect(first).toMatchObject({ rows: TITLES, created: TITLES, updated: 0, titles: TITLES });
    const again = await api.fills.importCatalog({ path });
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: TITLES });
  });
});

describe('demand import', () => {
  it('refuses unknown sites and titles and repeated rows, with their lines, and stores nothing', async () => {
    const site = fleet.sites[0]!.code;
    const path = file(
      'bad-demand.csv',
      [
        'site,day,content_id,bytes,plays',
        `${site},2026-11-01,c0000001,1000,1`,
        `nowhere9,2026-11-01,c0000001,1000,1`,
        `${site},2026-11-01,c9999999,1000,1`,
        `${site},2026-11-01,c0000001,5,1`,
        `${site},2026-11-01,c0000002,,`,
      ].join('\n'),
    );
    const err = await refusalOf(api.fills.importDemand({ path }));
    const errors = (err.details as { errors: { line: number; reason: string }[] }).errors;
    expect(errors.map((e) => e.line)).toEqual([3, 4, 5, 6]);
    expect(errors[2]!.reason).toMatch(/line 2/);
    expect(errors[3]!.reason).toMatch(/give bytes or plays/);
    expect(t.engine.fills.repo.sitesWithDemand()).toEqual([]);
  });
});

describe('plans', () => {
  const first = dayNumber('2026-11-01');
  const days = Array.from({ length: 10 }, (_, d) => dayString(first + d));
  const site = fleet.sites[0]!.code;

  it('imports demand logs (JSON lines) and plans each site for its next day', async () => {
    const report = await api.fills.importDemand({ path: file('demand.jsonl', demandJsonl(days)) });
    expect(report.sites.sort()).toEqual(fleet.sites.map((s) => s.code).sort());
    expect(report).toMatchObject({ firstDay: days[0], lastDay: days[9], siteDays: 20 });

    const plan = await api.fills.plan({ day: dayString(first + 10) });
    expect(plan.sites).toHaveLength(2);
    for (const s of plan.sites) {
      expect(s.day).toBe(dayString(first + 10));
      expect(s.historyDays).toBe(10);
      expect(s.appliances).toBe(3);
      expect(s.offload).toBeGreaterThan(0.3);
      expect(s.offload).toBeLessThanOrEqual(s.bound + 1e-9);
      expect(s.bound).toBeLessThan(1);
      expect(s.placedBytes).toBeLessThanOrEqual(s.capacityBytes);
      expect(s.quality).not.toBeNull();
      expect(s.quality!.day).toBe(days[9]);
      expect(s.quality!.hitRatio).toBeGreaterThan(0.3);
      expect(s.quality!.hitRatio).toBeLessThanOrEqual(s.quality!.oracleHitRatio + 1e-9);
      expect(s.previousPlanId).toBeNull();
    }
    expect((await api.fills.getPlan({ id: plan.id })).sites).toEqual(plan.sites);

    // What execution reads: each appliance's target contents, most valuable first, within capacity.
    const placement = SitePlacement.parse(await api.fills.placement({ site }));
    expect(placement.day).toBe(dayString(first + 10));
    const applianceSerials = fleet.appliances.filter((a) => a.site === site).map((a) => a.serial).sort();
    expect(placement.appliances.map((a) => a.serial).sort()).toEqual(applianceSerials);
    for (const a of placement.appliances) {
      expect(a.items.length).toBeGreaterThan(0);
      const used = a.items.reduce((s, i) => s + i.bytes, 0);
      expect(used).toBeLessThanOrEqual(a.capacityBytes);
      for (let j = 1; j < a.items.length; j++) expect(a.items[j - 1]!.value).toBeGreaterThanOrEqual(a.items[j]!.value);
      const index = Number(a.items[0]!.contentId.slice(1));
      expect(a.items[0]!.bytes).toBe(catalogBytes(index) * SCALE);
    }
  });

  it('plans again against the previous plan: churn is a small part of what the site holds', async () => {
    const before = await api.fills.listPlans({ limit: 1 });
    const again = await api.fills.plan({ site, day: dayString(first + 10) });
    const s = again.sites[0]!;
    expect(s.previousPlanId).toBe(before[0]!.id);
    expect(s.churnBytes).toBeLessThan(0.05 * s.placedBytes);
  });

  it('reports transit avoided per partner from each site’s latest plan', async () => {
    const latest = new Map<string, { planId: number; forecastBytes: number; offload: number }>();
    for (const p of (await api.fills.listPlans({ limit: 20 })).reverse()) for (const s of p.sites) latest.set(s.site, { planId: p.id, forecastBytes: s.forecastBytes, offload: s.offload });
    const report = await api.fills.savings({});
    expect(report.partners.map((p) => p.partner).sort()).toEqual([...new Set(fleet.sites.map((s) => s.partner))].sort());
    for (const p of report.partners) {
      for (const s of p.sites) {
        const plan = latest.get(s.site)!;
        expect(s.planId).toBe(plan.planId);
        expect(s.avoidedBytes).toBeCloseTo(plan.forecastBytes * plan.offload, -3);
        expect(s.partner).toBe(fleet.sites.find((x) => x.code === s.site)!.partner);
      }
      expect(p.avoidedBytes).toBeGreaterThan(0);
      expect(p.peakGbpsAvoided).toBeGreaterThan(0);
    }
    const one = report.partners[0]!.partner;
    const only = await api.fills.savings({ partner: one.toUpperCase() });
    expect(only.partners.map((p) => p.partner)).toEqual([one]);
    expect((await refusalOf(api.fills.savings({ partner: 'nobody' }))).code).toBe('E_NOT_FOUND');
  });

  it('reports the transit the appliances measured beside the forecast: the health history of the last 24 h (hand-computed)', async () => {
    const [siteA, siteB] = fleet.sites.map((x) => x.code);
    const [a0, a1, a2] = fleet.appliances.filter((a) => a.site === siteA).map((a) => a.serial);
    const [b0] = fleet.appliances.filter((a) => a.site === siteB).map((a) => a.serial);
    const T0 = Date.parse('2026-12-04T10:00:00Z');
    /** Health records as a poll writes them: [serving, origin] per appliance; origin null when it does not report it. */
    const sweep = (atMs: number, values: Record<string, [serving: number, origin: number | null]>) => {
      const at = new Date(atMs).toISOString();
      const other = new Database(join(t.dir, DB_FILE));
      new HealthRepo(other).saveRecords(
        Object.entries(values).map(([serial, [servingGbps, originGbps]]): HealthRecord => ({
          serial, measuredAt: at, lastPollAt: at, lastError: null, failures: 0, since: {},
          components: [{ name: 'disk', status: 'OK', message: 'fine' }],
          metrics: { at, servingGbps, connections: 1, cacheHitRatio: 0.9, diskUsedBytes: 1, diskTotalBytes: 2, fillProgress: null, fillRateGbps: 0, errorsPerSecond: 0, originGbps },
        })),
      );
      other.close();
      t.clock.set(atMs);
      t.engine.history.recordSweep();
    };
    // Nothing measured yet: the forecast alone.
    t.clock.set(T0);
    expect((await api.fills.savings({})).totals.measured).toBeNull();
    // Quarter 10:00: two sweeps; the third appliance of A does not report origin (not counted).
    sweep(T0, { [a0!]: [8, 2], [a1!]: [4, 1], [a2!]: [6, null], [b0!]: [3, 3] });
    sweep(T0 + 60_000, { [a0!]: [12, 4], [a1!]: [4, 1], [a2!]: [6, null], [b0!]: [3, 3] });
    // Quarter 10:15: one sweep.
    sweep(T0 + 15 * 60_000, { [a0!]: [2, 6], [a1!]: [0, 0], [a2!]: [6, null], [b0!]: [5, 1] });
    const report = await api.fills.savings({});
    const site = (code: string) => report.partners.flatMap((p) => p.sites).find((x) => x.site === code)!;
    // A: quarter means serving 14 (12 and 16), origin 4 (3 and 5); then 2 and 6. A quarter at 1 Gbps is 112.5 GB.
    expect(site(siteA!).measured).toEqual({ avoidedBytes: 16 * 112.5e9, transitBytes: 10 * 112.5e9, offload: 16 / 26, peakGbpsAvoided: 14, hours: 0.5 });
    // B: 3 and 3, then 5 and 1.
    expect(site(siteB!).measured).toEqual({ avoidedBytes: 8 * 112.5e9, transitBytes: 4 * 112.5e9, offload: 8 / 12, peakGbpsAvoided: 5, hours: 0.5 });
    // Each site is its own partner's here; the fleet's peak is the busiest quarter of the sum: 14 + 3.
    expect(report.partners.find((p) => p.sites[0]!.site === siteA)!.measured).toEqual(site(siteA!).measured);
    expect(report.totals.measured).toEqual({ avoidedBytes: 24 * 112.5e9, transitBytes: 14 * 112.5e9, offload: 24 / 38, peakGbpsAvoided: 17, hours: 0.5 });
    // The forecast figures are untouched beside it.
    expect(site(siteA!).avoidedBytes).toBeCloseTo(site(siteA!).demandBytes * site(siteA!).offload, -3);
    // A day later those quarters have left the window.
    t.clock.set(T0 + 15 * 60_000 + 86_400_000);
    expect((await api.fills.savings({})).totals.measured).toBeNull();
  });

  it('says what is missing: an unknown site, a site without history', async () => {
    expect((await refusalOf(api.fills.plan({ site: 'nowhere9' }))).code).toBe('E_NOT_FOUND');
    const err = await refusalOf(api.fills.plan({ site, day: days[0] }));
    expect(err.message).toMatch(/no demand history before/);
  });
});
