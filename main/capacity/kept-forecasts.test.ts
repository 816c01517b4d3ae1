/**
 * Forecasts are cheap after the first look and the answers do not change: each site's forecast is
 * kept in SQLite by the series it was fitted to (a new engine on the same data dir, as each CLI
 * command opens, fits nothing), a SARIMA fit is remembered by its input (a sweep that raises today's
 * peak refits once per site, not twice), and every answer equals a forecast made from scratch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, type Engine } from '../engine';
import { ManualClock } from '../kit/time';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import { GRU1_SITE } from '../../tests/support/inventory-fixtures';
import { tempDir } from '../../tests/support/temp-dir';
import { FORECAST_DAYS } from './contract';
import { addDays, adviseCapacity, forecastPeaks, modelFits, rememberingFitter, sarima } from './forecast';
import { filledDays, servingCapacity } from './service';
import { selectAppliances } from '../jobs/targets';

const CODES = ['AAA1', 'BBB1', 'CCC1'];

describe('capacity forecasts kept by their input', { timeout: 120_000 }, () => {
  const root = tempDir('fleetdeck-capacity-kept-');
  const dataDir = join(root, 'data');
  const engines: Engine[] = [];
  const open = async () => {
    const e = createEngine({ dataDir, host: 'test', vault: await openNodeVault(dataDir), log: silentLogger, clock: new ManualClock(Date.parse('2026-12-04T12:00:00Z')), checkOutputs: true });
    engines.push(e);
    return e;
  };
  /** The forecast and advice made from scratch (no remembered fit, nothing kept) for what SQLite holds now. */
  const fromScratch = (engine: Engine, code: string) => {
    const history = engine.capacity.site(code).history;
    const f = forecastPeaks(filledDays(history).map((p) => p.peakGbps), FORECAST_DAYS, sarima);
    const { capacityGbps, perApplianceGbps, kind } = servingCapacity(selectAppliances(engine.inventory, { site: [code] }));
    const first = addDays(history.at(-1)!.day, 1);
    return { method: f.method, scores: f.scores, values: f.values, advice: adviseCapacity(code, f.values, first, capacityGbps, perApplianceGbps, kind) };
  };
  const answerOf = async (engine: Engine, code: string) => {
    const f = await engine.client().api.capacity.site({ site: code });
    return { method: f.method, scores: f.scores, values: f.forecast.map((p) => p.peakGbps), advice: f.advice };
  };

  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    const e = await open();
    const api = e.client({ actor: 'test:planner' }).api;
    for (const code of CODES) {
      await api.inventory.upsertSite({ ...GRU1_SITE, code });
      for (let i = 0; i < 2; i++) {
        await api.inventory.createAppliance({ serial: `${code}-${i}`, hostname: `${code.toLowerCase()}-${i}.isp.net`, site: code, model: 'storage', ipv4: '192.0.2.1', storageTb: 300, nicGbps: 100, status: 'online', tags: ['lab'] });
      }
    }
    expect(e.capacity.seedLabHistory('lab')).toEqual(CODES);
  });
  afterAll(() => {
    engines.forEach((e) => e.close());
    rmSync(root, { recursive: true, force: true });
  });

  it('a remembering fitter answers as sarima does, fitting each input once', () => {
    const series = Array.from({ length: 90 }, (_, i) => 50 + 10 * Math.sin((i * 2 * Math.PI) / 7) + i * 0.2);
    let calls = 0;
    const fit = rememberingFitter(8, (h, n) => {
      calls++;
      return sarima(h, n);
    });
    expect(fit(series, 14)).toEqual(sarima(series, 14));
    expect(fit(series, 14)).toEqual(sarima(series, 14));
    expect(calls).toBe(1);
    expect(fit(series.slice(1), 14)).toEqual(sarima(series.slice(1), 14));
    expect(calls).toBe(2);
  });

  it('answers as a forecast from scratch; a new engine on the same data dir fits nothing and answers the same', async () => {
    const first = engines[0]!;
    const before = modelFits();
    const sites = await first.client().api.capacity.sites({});
    // Each site's model is scored on held-out weeks, then fitted to all of it when it beat the baseline.
    expect(modelFits() - before).toBe(CODES.length + sites.filter((s) => s.method === 'sarima').length);
    const answers = await Promise.all(CODES.map((c) => answerOf(first, c)));
    for (const [i, code] of CODES.entries()) expect(answers[i]).toEqual(fromScratch(first, code));

    const second = await open();
    const fits = modelFits();
    expect(await second.client().api.capacity.sites({})).toEqual(sites);
    for (const [i, code] of CODES.entries()) expect(await answerOf(second, code)).toEqual(answers[i]);
    expect(modelFits()).toBe(fits);
  });

  it('a new peak today is forecast afresh (one fit per site: the scoring fit is remembered), as from scratch', async () => {
    // The first engine fitted these series itself (the second read what it kept): it remembers the fits.
    const engine = engines[0]!;
    const old = await Promise.all(CODES.map((c) => answerOf(engine, c)));
    engine.db.prepare(`UPDATE site_daily_peaks SET peak_gbps = peak_gbps * 1.2 WHERE day = '2026-12-03'`).run();
    const fits = modelFits();
    const now = await Promise.all(CODES.map((c) => answerOf(engine, c)));
    const refits = modelFits() - fits;
    expect(refits).toBeGreaterThan(0);
    expect(refits).toBeLessThanOrEqual(CODES.length);
    for (const [i, code] of CODES.entries()) {
      expect(now[i]).toEqual(fromScratch(engine, code));
      expect(now[i]!.values).not.toEqual(old[i]!.values);
    }
  });
});
