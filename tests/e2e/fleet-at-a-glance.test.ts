/**
 * The fleet at a glance in Chromium against a real lab behind `fleetdeck serve`. The map: one circle
 * per site, in the colour of the site's measured roll-up as the engine reports it (a disk failure
 * turns its site Error), the partner filter, the numbers on hover, a click that opens the site.
 * Capacity: the lab's months of history, the site that grows towards capacity listed first with its
 * advice, and its chart drawn with axes and every series. History: a site's and an appliance's charts
 * (serving, cache hit ratio, errors) with time axes and a series each, the range picker changing the
 * range drawn; Trends: the fleet's and a partner's charts and availability per partner and site
 * against 99.9 % as `fleetdeck availability` reports it (the lab's second site is below).
 * FLEETDECK_SCREENSHOTS=<dir> also writes the screenshots docs/images/ are made from.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumAvailable, chromiumSkipReason } from './support/browser';
import { openLabSession, type LabSession } from './support/session';

const SHOTS = process.env['FLEETDECK_SCREENSHOTS'];
if (!chromiumAvailable) console.log(`SKIPPED map e2e: ${chromiumSkipReason}`);

interface SiteRollup {
  site: string;
  partner: string;
  status: string;
}

describe.skipIf(!chromiumAvailable)('the fleet map and capacity (Playwright + Chromium, real lab)', () => {
  let session: LabSession;
  let page: Page;
  let rollups: SiteRollup[] = [];
  let broken = '';

  const cli = (args: string[]) => session.cli(args);
  const go = (hash: string) => page.evaluate((h) => ((globalThis as unknown as { location: { hash: string } }).location.hash = h), hash);
  const circles = () => page.getByTestId('map-site');

  beforeAll(async () => {
    session = await openLabSession({
      appliances: 18,
      sites: 6,
      timeoutMs: 20_000,
      prepare: ({ cli, fleet }) => {
        broken = fleet[0]!.site;
        cli(['lab', 'fault', fleet[0]!.serial, 'disk-failure']);
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

  it('lists the site growing towards capacity first, with its advice, and charts its peaks and forecast', async () => {
    const cliView = JSON.parse(cli(['capacity', '--json'])) as { sites: Array<{ site: string; advice: { crossesOn: string | null; sentence: string } | null }> };
    const hot = cliView.sites[0]!;
    expect(hot.advice?.crossesOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await go('#/capacity');
    // The first look forecasts every site (three model fits each): give it time on a loaded machine.
    await expect.poll(() => page.getByTestId('capacity-row').count(), { timeout: 30_000 }).toBe(6);
    const first = page.getByTestId('capacity-row').first();
    expect(await first.getAttribute('data-site')).toBe(hot.site);
    expect(await first.textContent()).toContain(hot.advice!.sentence);
    await first.getByRole('link').click();
    await expect.poll(() => page.getByTestId('capacity-advice').textContent(), { timeout: 20_000 }).toBe(hot.advice!.sentence);
    const chart = page.getByTestId('capacity-chart');
    // 180 generated days, and today's peak once health has polled the site.
    const days = (JSON.parse(cli(['capacity', '--site', hot.site, '--json'])) as { days: number }).days;
    expect(days).toBeGreaterThanOrEqual(180);
    expect(await chart.getAttribute('data-points')).toBe(String(days + 56));
    expect(await chart.locator('canvas').count()).toBe(1);
    expect(await chart.locator('.u-axis').count()).toBe(2);
    const legend = (await chart.locator('.u-legend .u-series th').allTextContents()).map((t) => t.trim());
    expect(legend).toEqual(expect.arrayContaining(['daily peak', 'forecast', 'capacity', '90 %']));
    // Nothing hovered: each series' last value, never uPlot's "--" (which it showed until the mouse found the chart).
    await page.mouse.move(0, 0);
    await expect.poll(async () => (await chart.locator('.u-legend .u-series td.u-value').allTextContents()).map((t) => t.trim()), { timeout: 10_000 }).toEqual([
      'last day',
      expect.stringMatching(/^\d+\.\d Gbps$/),
      expect.stringMatching(/^\d+\.\d Gbps$/),
      expect.stringMatching(/^\d+ Gbps$/),
      expect.stringMatching(/^\d+ Gbps$/),
    ]);
    expect(await page.getByTestId('capacity-scores').textContent()).toMatch(/same weekday last week \d+ %, SARIMA \d+ %\. 18\d days of history/);
    if (SHOTS) await page.screenshot({ path: join(SHOTS, 'capacity.png') });
  });

  const secondSite = () => rollups.map((r) => r.site).sort()[1]!;

  /** The three charts of a history panel: each a canvas with two axes and its series in the legend, over [from, to]. */
  async function expectCharts(span: number, minPoints: number) {
    const charts = page.getByTestId('history-panel').getByTestId('history-chart');
    await expect.poll(() => charts.count(), { timeout: 20_000 }).toBe(3);
    await expect.poll(async () => {
      const [from, to] = await Promise.all([charts.first().getAttribute('data-from'), charts.first().getAttribute('data-to')]);
      return Number(to) - Number(from);
    }, { timeout: 20_000 }).toBe(span);
    const labels = { serving: 'serving', hit: 'cache hit ratio', errors: 'errors per second' } as const;
    for (const [metric, label] of Object.entries(labels)) {
      const chart = page.locator(`[data-testid="history-chart"][data-metric="${metric}"]`);
      expect(await chart.locator('canvas').count()).toBe(1);
      expect(await chart.locator('.u-axis').count()).toBe(2);
      expect((await chart.locator('.u-legend .u-series th').allTextContents()).map((t) => t.trim())).toContain(label);
      // Nothing hovered: the latest value, not "--".
      await page.mouse.move(0, 0);
      await expect.poll(async () => (await chart.locator('.u-legend .u-series td.u-value').allTextContents()).map((t) => t.trim()), { timeout: 10_000 }).toEqual([
        'latest',
        expect.stringMatching(/^\d+\.\d+ (Gbps|%|\/s)$/),
      ]);
      expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(minPoints);
    }
  }

  it("charts a site's and an appliance's serving, hit ratio and errors; the range picker changes the range", async () => {
    const site = secondSite();
    await go(`#/sites/${site}`);
    // 24 hours in 5-minute points from the lab's generated history.
    await expectCharts(86_400, 280);
    const panel = page.getByTestId('history-panel');
    await panel.getByTestId('history-range').locator('[data-value="7d"]').click();
    await expect.poll(() => panel.getAttribute('data-range')).toBe('7d');
    await expectCharts(7 * 86_400, 330);
    await panel.getByTestId('history-range').locator('[data-value="1h"]').click();
    await expectCharts(3_600, 50);
    await panel.getByTestId('history-range').locator('[data-value="30d"]').click();
    await expectCharts(30 * 86_400, 350);
    await expect.poll(() => page.getByTestId('site-availability').getAttribute('data-meets'), { timeout: 20_000 }).toMatch(/true|false/);
    if (SHOTS) await page.getByTestId('history-panel').screenshot({ path: join(SHOTS, 'site-history.png') });

    const serial = (JSON.parse(cli(['inventory', 'list', '--site', site, '--json'])) as { items: Array<{ serial: string }> }).items[0]!.serial;
    await go(`#/appliances/${serial}`);
    await expectCharts(86_400, 280);
  });

  it('shows availability per partner and site against 99.9 %, and the fleet or one partner charted', async () => {
    const report = JSON.parse(cli(['availability', '--json'])) as { sites: Array<{ site: string; partner: string; availability: number; meetsTarget: boolean }> };
    const below = report.sites.filter((s) => !s.meetsTarget);
    // The lab's second site (by code) lost an appliance for eight hours four days ago.
    expect(below.map((s) => s.site)).toContain(secondSite());
    await go('#/trends');
    await expectCharts(86_400, 280);
    const rows = page.locator('[data-testid="availability-row"][data-kind="site"]');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(6);
    for (const s of report.sites.slice(0, 6)) {
      const row = page.locator(`[data-testid="availability-row"][data-site="${s.site}"]`);
      // Live polls add to the hours between the CLI's read and the window's: the verdict holds.
      expect(await row.getAttribute('data-meets')).toBe(String(s.meetsTarget));
      expect(await row.textContent()).toContain(s.meetsTarget ? 'meets 99.9 %' : 'below 99.9 %');
    }
    expect(await page.locator('[data-testid="availability-row"][data-kind="fleet"]').textContent()).toMatch(/^Whole fleet6\d{2,3}\.\d{3} %/);
    if (SHOTS) {
      await page.screenshot({ path: join(SHOTS, 'trends.png') });
      await page.locator('section[aria-labelledby="availability-title"]').screenshot({ path: join(SHOTS, 'availability.png') });
    }

    const partner = below[0]!.partner;
    await page.getByTestId('trends-partner').selectOption(partner);
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash)).toBe(`#/trends?partner=${encodeURIComponent(partner).replace(/%20/g, '+')}`);
    await expect.poll(() => page.getByTestId('history-panel').getAttribute('aria-label')).toBe(`${partner}: serving, cache hit ratio, errors`);
    await expectCharts(86_400, 280);
    await expect.poll(() => rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-site')).sort())).toEqual(report.sites.filter((s) => s.partner === partner).map((s) => s.site).sort());
  });
});
