/**
 * A fresh data dir polls: the long-lived engines (desktop, `fleetdeck serve`) start the monitor at
 * once with the default settings, so the first screen shows measured health instead of a fleet of
 * Unknown. One-shot CLI engines never poll on their own. Turning it off is stored and kept.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../engine';
import { ManualClock } from '../kit/time';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import { ManualTicker } from './ticker';

describe('health monitor defaults', () => {
  const roots: string[] = [];
  const engines: Engine[] = [];
  afterEach(() => {
    for (const e of engines.splice(0)) e.close();
    for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
  });

  async function open(dataDir: string, host: 'browser' | 'cli', ticker: ManualTicker): Promise<Engine> {
    const engine = createEngine({
      dataDir,
      host,
      vault: await openNodeVault(dataDir, { env: {} }),
      log: silentLogger,
      clock: new ManualClock(Date.UTC(2026, 2, 1, 12)),
      health: { ticker },
    });
    engines.push(engine);
    return engine;
  }

  it('polls every 30 s in a window\'s engine (fleetdeck serve, desktop) on a fresh data dir, and stays off once turned off', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fleetdeck-monitor-'));
    roots.push(dataDir);
    const ticker = new ManualTicker();
    const engine = await open(dataDir, 'browser', ticker);
    const client = engine.client({ actor: 'test:engineer' });
    expect(await client.api.health.monitor({})).toMatchObject({ enabled: true, intervalSec: 30 });
    expect(engine.health.status()).toMatchObject({ polling: true, intervalSec: 30 });
    expect(ticker.intervals()).toEqual([30_000]);

    await engine.health.whenIdle();
    await client.api.health.setMonitor({ enabled: false });
    expect(engine.health.status().polling).toBe(false);
    engine.close();
    engines.splice(engines.indexOf(engine), 1);

    const again = new ManualTicker();
    const reopened = await open(dataDir, 'browser', again);
    expect(reopened.health.status().polling).toBe(false);
    expect(again.intervals()).toEqual([]);
  });

  it('a one-shot CLI engine stores the default but does not poll', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fleetdeck-monitor-'));
    roots.push(dataDir);
    const ticker = new ManualTicker();
    const engine = await open(dataDir, 'cli', ticker);
    expect((await engine.client({ actor: 'test:cli' }).api.health.monitor({})).enabled).toBe(true);
    expect(engine.health.status().polling).toBe(false);
    expect(ticker.intervals()).toEqual([]);
  });
});
