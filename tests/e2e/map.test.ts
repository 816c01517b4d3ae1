/**
 * The fleet map in Chromium against a real lab behind `fleetdeck serve`: one circle per site, in the
 * colour of the site's measured roll-up as the engine reports it (a disk failure turns its site
 * Error), the partner filter, the numbers on hover, and a click that opens the site.
 * FLEETDECK_SCREENSHOTS=<dir> also writes the screenshot docs/images/map.png is made from.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumAvailable, chromiumSkipReason } from './support/browser';
import type { ServedApp } from './support/serve';
import { openAppSession, type AppSession } from './support/session';

const SHOTS = process.env['FLEETDECK_SCREENSHOTS'];
if (!chromiumAvailable) console.log(`SKIPPED map e2e: ${chromiumSkipReason}`);

interface SiteRollup {
  site: string;
  partner: string;
  status: string;
}

describe.skipIf(!chromiumAvailable)('the fleet map (Playwright + Chromium, real lab)', () => {
  let session: AppSession;
  let app: ServedApp;
  let page: Page;
  let rollups: SiteRollup[] = [];
  let broken = '';

  const cli = (args: string[]) => {
    const r = app.cli(args);
    if (r.status !== 0) throw new Error(`fleetdeck ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const go = (hash: string) => page.evaluate((h) => ((globalThis as unknown as { location: { hash: string } }).location.hash = h), hash);
  const circles = () => page.getByTestId('map-site');

  beforeAll(async () => {
    session = await openAppSession({
      timeoutMs: 20_000,
      stopLab: true,
      prepare: (served) => {
        app = served;
        cli(['lab', 'start', '--appliances', '18', '--sites', '6']);
        const items = (JSON.parse(cli(['inventory', 'list', '--json', '--limit', '100'])) as { items: Array<{ serial: string; site: string }> }).items;
        broken = items[0]!.site;
        cli(['lab', 'fault', items[0]!.serial, 'disk-failure']);
        cli(['health', 'poll']);
        rollups = (JSON.parse(cli(['health', '--json'])) as { bySite: SiteRollup[] }).bySite;
      },
    });
    page = session.page;
  }, 90_000);

  afterAll(() => session?.close());

  it('draws every site in the colour of its roll-up, with the countries behind them', async () => {
    expect(rollups).toHaveLength(6);
    expect(rollups.find((r) => r.site === broken)?.status).toBe('Error');
    await go('#/map');
    await expect.poll(() => circles().count()).toBe(6);
    expect(await page.locator('.map-land path').count()).toBeGreaterThan(170);
    for (const r of rollups) {
      await expect.poll(() => page.locator(`[data-testid="map-site"][data-site="${r.site}"]`).getAttribute('data-status')).toBe(r.status);
      expect(await page.locator(`[data-site="${r.site}"] circle`).getAttribute('class')).toBe(`site-dot h-${r.status}`);
    }
    // The colour is the roll-up's: an Error site is drawn in the Error colour, not the OK one.
    const fill = (site: string) => page.locator(`[data-site="${site}"] circle`).evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { fill: string } }).getComputedStyle(el).fill);
    const ok = rollups.find((r) => r.status === 'OK');
    if (ok) expect(await fill(broken)).not.toBe(await fill(ok.site));
    await expect.poll(() => page.getByTestId('map-legend').textContent()).toContain('Error: 1');
    if (SHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'map.png') });
    }
  });

  it('shows the numbers on hover and opens the site on click', async () => {
    await go('#/map');
    const dot = page.locator(`[data-testid="map-site"][data-site="${broken}"]`);
    await dot.hover();
    await expect.poll(() => page.getByTestId('map-tip').textContent()).toMatch(new RegExp(`^${broken} · .*Health\\s*Error.*Appliances\\s*\\d+.*Capacity.*Serving`));
    await dot.click();
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash)).toBe(`#/sites/${broken}`);
  });

  it('filters by partner, in the URL, and back to all', async () => {
    await go('#/map');
    await expect.poll(() => circles().count()).toBe(6);
    const partner = rollups.find((r) => r.site === broken)!.partner;
    await page.getByTestId('map-partner').selectOption(partner);
    const expected = rollups.filter((r) => r.partner === partner).map((r) => r.site).sort();
    await expect.poll(async () => (await circles().evaluateAll((els) => els.map((e) => e.getAttribute('data-site')))).sort()).toEqual(expected);
    expect(await page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash)).toBe(`#/map?partner=${encodeURIComponent(partner).replace(/%20/g, '+')}`);
    await page.getByTestId('map-partner').selectOption('');
    await expect.poll(() => circles().count()).toBe(6);
  });

  it('sizes circles by serving when asked', async () => {
    await go('#/map');
    await page.getByText('by serving').click();
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash)).toBe('#/map?size=serving');
    await expect.poll(() => circles().count()).toBe(6);
  });
});
