/**
 * Demand by region: a region row (a partner, or a partner's sites in one country) is apportioned to
 * the region's sites by their serving capacity, exactly (whole bytes, the remainder to the largest
 * site); on import it replaces those sites' days like site rows do, and a site given twice (by a
 * site row and a region row) is refused with both lines, as is a region that names no site.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, type ApiClient } from '../api/client';
import { planFleet } from '../lab/plan';
import { tempEngine, type TempEngine } from '../../tests/support/temp-engine';
import { apportion, resolveRegion, type RegionSite } from './region';
import { dayNumberOf } from './service';

describe('regions (unit)', () => {
  const sites: RegionSite[] = [
    { code: 'gru1', partner: 'Vereda', country: 'BR', capacityGbps: 300 },
    { code: 'gru2', partner: 'Vereda', country: 'BR', capacityGbps: 100 },
    { code: 'lis1', partner: 'Vereda', country: 'PT', capacityGbps: 100 },
    { code: 'fra1', partner: 'Nordwind', country: 'DE', capacityGbps: 0 },
    { code: 'fra2', partner: 'Nordwind', country: 'DE', capacityGbps: 0 },
  ];

  it('names a partner’s sites, or those in one country, without case', () => {
    expect(resolveRegion('vereda', sites)!.sites).toEqual([
      { code: 'gru1', share: 0.6 },
      { code: 'gru2', share: 0.2 },
      { code: 'lis1', share: 0.2 },
    ]);
    expect(resolveRegion('Vereda/br', sites)!.sites).toEqual([
      { code: 'gru1', share: 0.75 },
      { code: 'gru2', share: 0.25 },
    ]);
    expect(resolveRegion('Vereda/DE', sites)).toBeNull();
    expect(resolveRegion('Nobody', sites)).toBeNull();
  });

  it('shares by capacity, equally when no site has any, and whole units adding up to the row', () => {
    const r = resolveRegion('Vereda', sites)!;
    expect(apportion(r, 1001)).toEqual([601, 200, 200]);
    expect(apportion(r, 1001).reduce((a, b) => a + b, 0)).toBe(1001);
    expect(apportion(resolveRegion('Nordwind', sites)!, 7)).toEqual([4, 3]);
  });
});

describe('demand import by region (engine, SQLite)', () => {
  let t: TempEngine;
  let api: ApiClient['api'];
  const fleet = planFleet(60, 12, 1);
  /** Prairie Lightwave: ord1 (Chicago) and lax1 (Los Angeles), both in the US. */
  const capacity = (site: string) => fleet.appliances.filter((a) => a.site === site).reduce((s, a) => s + a.nicGbps, 0);
  const file = (name: string, text: string) => {
    const path = join(t.dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    t = tempEngine();
    api = t.engine.client({ actor: 'test' }).api;
    await t.engine.inventory.importDocument(
      {
        partners: fleet.partners,
        sites: fleet.sites,
        appliances: fleet.appliances.map((a) => ({ serial: a.serial, hostname: a.hostname, site: a.site, model: a.kind, ipv4: '127.0.0.1', storageTb: a.storageTb, nicGbps: a.nicGbps, status: 'online' })),
      },
      'test',
    );
    await api.fills.importCatalog({ path: file('catalog.csv', 'content_id,title,bytes,kind,release_date\nc1,One,1000000000,video,2026-01-01\nc2,Two,2000000000,video,2026-01-01\n') });
  });
  afterAll(() => t?.dispose());

  const stored = (site: string, day: string) => [...t.engine.fills.repo.demandOf(site, dayNumberOf(day))].map((r) => [r.title_id, r.bytes]);

  it('apportions a region’s rows to its sites by serving capacity, and adds up to the row', async () => {
    const ord = capacity('ord1');
    const lax = capacity('lax1');
    expect(ord + lax).toBeGreaterThan(0);
    const report = await api.fills.importDemand({
      path: file('region.csv', 'region,day,content_id,bytes,plays\nPrairie Lightwave,2026-11-01,c1,1000000007,3\nprairie lightwave/us,2026-11-02,c2,,5\n,2026-11-01,c1,5,1\n'),
    }).catch((e: unknown) => e);
    // The third row gives neither a site nor a region.
    expect(report).toBeInstanceOf(ApiError);
    expect((report as ApiError).details).toMatchObject({ errors: [{ line: 4, field: 'site' }] });

    const ok = await api.fills.importDemand({ path: file('region2.csv', 'region,site,day,content_id,bytes,plays\nPrairie Lightwave,,2026-11-01,c1,1000000007,3\nprairie lightwave/us,,2026-11-02,c2,,5\n,gru1,2026-11-01,c1,5,1\n') });
    expect(ok.regions).toEqual(['Prairie Lightwave', 'prairie lightwave/us']);
    expect(ok.sites).toEqual(['gru1', 'lax1', 'ord1']);
    expect(ok.siteDays).toBe(5);
    const [ordDay1, laxDay1] = [stored('ord1', '2026-11-01'), stored('lax1', '2026-11-01')];
    expect(ordDay1[0]![1]! + laxDay1[0]![1]!).toBe(1000000007);
    expect(ordDay1[0]![1]! / 1000000007).toBeCloseTo(ord / (ord + lax), 6);
    // Plays only: bytes = plays x size (5 x 2 GB), then apportioned.
    expect(stored('ord1', '2026-11-02')[0]![1]! + stored('lax1', '2026-11-02')[0]![1]!).toBe(10_000_000_000);
    expect(stored('gru1', '2026-11-01')).toEqual([[expect.any(Number), 5]]);
  });

  it('refuses a site given twice (its row and its region’s), an unknown region, a row with both; imports nothing', async () => {
    const before = stored('ord1', '2026-11-01');
    const err = await api.fills
      .importDemand({
        path: file(
          'bad-region.csv',
          'region,site,day,content_id,bytes\nPrairie Lightwave,,2026-11-01,c1,100\n,ord1,2026-11-01,c1,50\nPrairie Lightwave/BR,,2026-11-01,c1,10\nPrairie Lightwave,ord1,2026-11-01,c2,10\n',
        ),
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const errors = ((err as ApiError).details as { errors: { line: number; field?: string; reason: string }[] }).errors;
    expect(errors.map((e) => [e.line, e.field])).toEqual([
      [3, 'content_id'],
      [4, 'region'],
      [5, 'site'],
    ]);
    expect(errors[0]!.reason).toMatch(/listed already at line 2 \(a region row counts for each of its sites\)/);
    expect(errors[1]!.reason).toMatch(/no region "Prairie Lightwave\/BR"/);
    expect(stored('ord1', '2026-11-01')).toEqual(before);
    const header = await api.fills.importDemand({ path: file('no-site.csv', 'day,content_id,bytes\n2026-11-01,c1,1\n') }).catch((e: unknown) => e);
    expect(((header as ApiError).details as { errors: { reason: string }[] }).errors.map((e) => e.reason)).toContain('a demand file needs a site or a region column');
  });
});
