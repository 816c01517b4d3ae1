import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GRU1_SITE } from '../../tests/support/inventory-fixtures';
import { tempEngine, type TempEngine } from '../../tests/support/temp-engine';
import type { ApiClient } from '../api/client';
import { CapacityRepo } from './repo';
import { filledDays, LAB_HISTORY_DAYS, localDay, servingCapacity } from './service';

describe('capacity: lab history, forecasts and advice through the API', () => {
  let t: TempEngine;
  let client: ApiClient;
  beforeAll(async () => {
    t = tempEngine();
    t.clock.set(Date.parse('2026-12-04T12:00:00Z'));
    client = t.engine.client({ actor: 'test:planner' });
    for (const [code, tz] of [
      ['AAA1', 'America/Sao_Paulo'],
      ['BBB1', 'Europe/Lisbon'],
    ] as const) {
      await client.api.inventory.upsertSite({ ...GRU1_SITE, code, timezone: tz });
      for (let i = 0; i < 3; i++) {
        await client.api.inventory.createAppliance({ serial: `${code}-${i}`, hostname: `${code.toLowerCase()}-${i}.isp.net`, site: code, model: 'storage', ipv4: '192.0.2.1', storageTb: 300, nicGbps: 100, status: 'online', tags: ['lab'] });
      }
    }
    await client.api.inventory.upsertSite({ ...GRU1_SITE, code: 'CCC1' });
  });
  afterAll(() => t.dispose());

  it('counts serving capacity from installed appliances by model', () => {
    const a = (model: 'storage' | 'flash', status: 'online' | 'rma', nicGbps: number) => ({ model, status, nicGbps }) as Parameters<typeof servingCapacity>[0][number];
    expect(servingCapacity([a('storage', 'online', 100), a('storage', 'online', 100), a('flash', 'online', 400), a('storage', 'rma', 100)])).toEqual({ capacityGbps: 440, perApplianceGbps: 70, kind: 'storage' });
    expect(localDay(Date.parse('2026-12-04T01:00:00Z'), 'America/Sao_Paulo')).toBe('2026-12-03');
    // Groups of alike appliances count as that many appliances.
    expect(servingCapacity([{ ...a('storage', 'online', 100), count: 2 }, a('flash', 'online', 400), { ...a('storage', 'rma', 100), count: 5 }])).toEqual({ capacityGbps: 440, perApplianceGbps: 70, kind: 'storage' });
    expect(servingCapacity([a('storage', 'online', 100), { ...a('flash', 'online', 400), count: 2 }])).toEqual({ capacityGbps: 670, perApplianceGbps: 300, kind: 'flash' });
  });

  it("takes every site's capacity from the inventory's groups of alike appliances, not from a list of every appliance", () => {
    const inventory = t.engine.inventory;
    const listed = vi.spyOn(inventory, 'listAppliances');
    try {
      const sites = t.engine.capacity.sites();
      expect(sites.find((c) => c.site === 'AAA1')?.capacityGbps).toBe(210);
      expect(sites.find((c) => c.site === 'CCC1')?.capacityGbps).toBe(0);
      expect(listed).not.toHaveBeenCalled();
    } finally {
      listed.mockRestore();
    }
  });

  it('generates months of history for lab sites once, and warns about the site that grows towards capacity', async () => {
    expect(t.engine.capacity.seedLabHistory('lab')).toEqual(['AAA1', 'BBB1']);
    expect(t.engine.capacity.seedLabHistory('lab')).toEqual([]); // not twice
    const sites = await client.api.capacity.sites({});
    expect(sites.map((s) => s.site)).toEqual(['AAA1', 'BBB1', 'CCC1']); // the urgent first, no history last
    const [hot, calm, empty] = sites;
    expect(hot).toMatchObject({ capacityGbps: 210, days: LAB_HISTORY_DAYS, method: expect.stringMatching(/sarima|seasonal-naive/) });
    expect(hot!.advice!.crossesOn! > '2026-12-04').toBe(true);
    expect(hot!.advice!.sentence).toMatch(/^AAA1 peaks at (9\d|1\d\d) % of capacity by about 20\d\d-\d\d-\d\d: add (one storage appliance|\d+ storage appliances)\.$/);
    expect(calm!.advice).toMatchObject({ crossesOn: null, addAppliances: 0 });
    expect(empty).toMatchObject({ site: 'CCC1', days: 0, advice: null, lastPeak: null });
  });

  it('serves one site with its history, a scored forecast and days that follow on', async () => {
    const f = await client.api.capacity.site({ site: 'AAA1', days: 28 });
    expect(f.history).toHaveLength(LAB_HISTORY_DAYS);
    expect(f.history.at(-1)!.day).toBe('2026-12-03');
    expect(f.forecast.map((p) => p.day).slice(0, 2)).toEqual(['2026-12-04', '2026-12-05']);
    expect(f.forecast).toHaveLength(28);
    expect(f.scores.seasonalNaive).toBeGreaterThan(0);
    expect(f.scores.sarima).toBeGreaterThan(0);
    // The history grows: the forecast continues above where the history started.
    expect(Math.max(...f.forecast.map((p) => p.peakGbps))).toBeGreaterThan(Math.max(...f.history.slice(0, 28).map((p) => p.peakGbps)));
    await expect(client.api.capacity.site({ site: 'NOPE' })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it("gives the last complete day's peak as the last peak and fits the forecast to complete days, never to today's peak so far", async () => {
    const before = await client.api.capacity.site({ site: 'BBB1' });
    const yesterday = before.history.at(-1)!;
    expect(yesterday.day).toBe('2026-12-03');
    // A sweep this morning (12:00 UTC is 12:00 in Lisbon) kept today's serving so far: far below a day's peak.
    new CapacityRepo(t.engine.deps.db).recordPeaks([{ site: 'BBB1', day: '2026-12-04', peakGbps: 1.5, capacityGbps: yesterday.capacityGbps, source: 'polled' }]);
    const f = await client.api.capacity.site({ site: 'BBB1' });
    expect(f.history.at(-1)).toMatchObject({ day: '2026-12-04', peakGbps: 1.5 });
    expect(f.lastPeak).toEqual(yesterday);
    // The forecast is fitted to complete days only: today's partial peak changes nothing in it, and
    // it starts with today (the first day whose peak is not known yet).
    expect(f.forecast[0]!.day).toBe('2026-12-04');
    expect(f.forecast).toEqual(before.forecast);
    expect(f.scores).toEqual(before.scores);
    expect(f.advice).toEqual(before.advice);
    expect(f.method).toBe(before.method);
    expect((await client.api.capacity.sites({})).find((s) => s.site === 'BBB1')!.lastPeak).toEqual(yesterday);
  });

  it('fills a missing day with the same weekday before it, so weeks stay aligned', () => {
    const p = (day: string, peakGbps: number) => ({ day, peakGbps, capacityGbps: 100 });
    const days = Array.from({ length: 7 }, (_, i) => p(`2026-01-0${i + 1}`, i + 1));
    const filled = filledDays([...days, p('2026-01-09', 9)]);
    expect(filled.map((d) => d.day).slice(-2)).toEqual(['2026-01-08', '2026-01-09']);
    expect(filled[7]!.peakGbps).toBe(1); // 2026-01-08 takes 2026-01-01's value, one week before it
  });
});
