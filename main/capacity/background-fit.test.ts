/**
 * Capacity forecasts fitted in the background (idle work after the history is written), so the first
 * look on a new fleet reads them instead of fitting every site: the look then fits nothing, and every
 * answer is the one a look without the background work gives. A window's engine starts this by
 * itself (main/api/composition.ts); a CLI engine does not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, type Engine } from '../engine';
import type { HostKind } from '../kit/context';
import { ManualClock } from '../kit/time';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import { GRU1_SITE } from '../../tests/support/inventory-fixtures';
import { tempDir } from '../../tests/support/temp-dir';
import { modelFits } from './forecast';

const CODES = ['AAA1', 'BBB1', 'CCC1'];
const NOW = Date.parse('2026-12-04T12:00:00Z');

describe('capacity forecasts fitted in the background', { timeout: 180_000 }, () => {
  const root = tempDir('fleetdeck-capacity-background-');
  const engines: Engine[] = [];
  const open = async (name: string, host: HostKind = 'test') => {
    const dataDir = join(root, name);
    const e = createEngine({ dataDir, host, vault: await openNodeVault(dataDir), log: silentLogger, clock: new ManualClock(NOW), checkOutputs: true });
    engines.push(e);
    return e;
  };

  beforeAll(async () => {
    mkdirSync(join(root, 'seeded'), { recursive: true });
    const e = await open('seeded');
    const api = e.client({ actor: 'test:capacity' }).api;
    for (const code of CODES) {
      await api.inventory.upsertSite({ ...GRU1_SITE, code });
      for (let i = 0; i < 2; i++) {
        await api.inventory.createAppliance({ serial: `${code}-${i}`, hostname: `${code.toLowerCase()}-${i}.isp.net`, site: code, model: 'storage', ipv4: '192.0.2.1', storageTb: 300, nicGbps: 100, status: 'online', tags: ['lab'] });
      }
    }
    expect(e.capacity.seedLabHistory('lab')).toEqual(CODES);
    e.close();
    // The same fleet and history, nothing fitted, three times over.
    for (const copy of ['looked', 'background', 'window']) cpSync(join(root, 'seeded'), join(root, copy), { recursive: true });
  });
  afterAll(() => {
    engines.forEach((e) => e.db.open && e.close());
    rmSync(root, { recursive: true, force: true });
  });

  it('leaves the first look nothing to fit, and answers as a look that fits', async () => {
    const looked = await open('looked');
    let fits = modelFits();
    const expected = await looked.client().api.capacity.sites({});
    expect(modelFits() - fits).toBeGreaterThanOrEqual(CODES.length);

    const background = await open('background');
    expect(await background.capacity.fitInBackground()).toBe(CODES.length);
    background.close();
    const next = await open('background');
    fits = modelFits();
    expect(await next.client().api.capacity.sites({})).toEqual(expected);
    expect(modelFits()).toBe(fits);
    for (const code of CODES) expect(await next.client().api.capacity.site({ site: code })).toEqual(await looked.client().api.capacity.site({ site: code }));
  });

  it("a window's engine fits by itself after it starts", async () => {
    const window = await open('window', 'browser');
    // Wait for the work, not for a time: the forecasts it keeps in SQLite (nothing has looked at capacity here).
    const kept = () => (window.db.prepare('SELECT count(*) AS n FROM capacity_forecasts').get() as { n: number }).n;
    const deadline = Date.now() + 120_000;
    while (kept() < CODES.length) {
      if (Date.now() > deadline) throw new Error(`the window engine kept ${kept()} of ${CODES.length} forecasts in 120 s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await window.settled();
    window.close();
    const fits = modelFits();
    const next = await open('window');
    await next.client().api.capacity.sites({});
    expect(modelFits()).toBe(fits);
  });
});
