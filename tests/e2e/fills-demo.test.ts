/**
 * The demo's Fills screen out of the box: a real `fleetdeck serve` and a lab started with `fleetdeck
 * lab start` beside it, as `npm run demo` does, nothing imported. Opening Fills hands the lab's
 * demand over (a small catalog and the sites' last days, shown while it imports), and "Plan
 * tomorrow" then makes a plan, checked against the stored one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumAvailable, chromiumSkipReason } from './support/browser';
import { openLabSession, type LabSession } from './support/session';

if (!chromiumAvailable) console.log(`SKIPPED: fills demo end-to-end tests - ${chromiumSkipReason}`);

interface StoredPlan {
  id: number;
  sites: { site: string; offload: number; titles: number; historyDays: number }[];
}

describe.skipIf(!chromiumAvailable)("the demo's Fills screen (Playwright + Chromium, real serve and lab)", () => {
  let session: LabSession;
  let page: Page;
  const cli = (args: string[]) => session.cli(args);

  beforeAll(async () => {
    session = await openLabSession({ appliances: 9, sites: 3, timeoutMs: 30_000 });
    page = session.page;
  }, 120_000);

  afterAll(() => session?.close());

  it("imports the lab's demand on first view, says so, and plans tomorrow", async () => {
    const site = [...new Set(session.fleet.map((a) => a.site))].sort()[0]!;
    // Whether the "importing" notice ever showed (it may last less than a locator's poll).
    await page.evaluate(() => {
      const w = globalThis as unknown as { sawImporting: boolean; document: { body: unknown; querySelector(s: string): unknown } };
      w.sawImporting = false;
      const MO = (globalThis as unknown as { MutationObserver: new (cb: () => void) => { observe(n: unknown, o: object): void } }).MutationObserver;
      new MO(() => {
        if (w.document.querySelector('[data-testid="fills-lab-demand-importing"]')) w.sawImporting = true;
      }).observe(w.document.body, { childList: true, subtree: true });
    });
    await page.getByTestId('nav-fills').click();
    await page.getByTestId('fills-site').selectOption(site);
    // Generous: writing and importing take seconds, many more on a loaded machine.
    const imported = page.getByTestId('fills-lab-demand-imported');
    await imported.waitFor({ timeout: 120_000 });
    expect(await imported.textContent()).toMatch(/5,000 titles and [\d,]+ demand rows of 3 sites, \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d/);
    expect(await page.getByTestId('fills-lab-demand-importing').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { sawImporting: boolean }).sawImporting)).toBe(true);

    await page.getByTestId('fills-plan-tomorrow').click();
    const summary = page.getByTestId('fills-plan-summary');
    await summary.waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('fills-plan-error').count()).toBe(0);
    const planId = Number(await summary.getAttribute('data-plan'));
    const stored = JSON.parse(cli(['fills', 'show-plan', String(planId), '--json'])) as StoredPlan;
    const placed = stored.sites.find((s) => s.site === site)!;
    expect(placed.historyDays).toBe(3);
    expect(placed.titles).toBeGreaterThan(0);
    expect(await page.getByTestId('fills-plan-offload').textContent()).toBe(`${Math.round(placed.offload * 1000) / 10} %`);
  }, 240_000);

  it('shows the transit the lab appliances measured beside the forecast savings', async () => {
    // serve polls health by default; the lab's appliances report origin Gbps, so each sweep adds to what is measured.
    await page.evaluate(() => ((globalThis as unknown as { location: { hash: string } }).location.hash = '#/fills'));
    const measured = page.locator('[data-testid="savings-measured"][data-offload]').first();
    await measured.waitFor({ timeout: 180_000 });
    const offload = Number(await measured.getAttribute('data-offload'));
    expect(offload).toBeGreaterThanOrEqual(0);
    expect(offload).toBeLessThanOrEqual(1);
    expect(await page.getByTestId('savings-measured-total').textContent()).toMatch(/^Measured on the appliances over [\d.]+ h of the last 24: /);
    const report = JSON.parse(cli(['fills', 'savings', '--json'])) as { totals: { measured: { hours: number; avoidedBytes: number } | null } };
    expect(report.totals.measured).not.toBeNull();
    expect(report.totals.measured!.hours).toBeGreaterThan(0);
    expect(cli(['fills', 'savings'])).toMatch(/measured over [\d.]+ h of the last 24: .* served from cache, .* over transit \(offload [\d.]+ ?%\)/);
  }, 240_000);
});
