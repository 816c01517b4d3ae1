/**
 * The savings report per partner end to end: the engine behind the browser host (built renderer,
 * Debian's Chromium via Playwright). The lab's demand for four sites of three partners (one with a
 * site in Chicago and one in Los Angeles) is imported as files and planned; the Fills screen then
 * draws, per partner, the Gbps of transit avoided at its peak hour, the bytes a day avoided and
 * still over transit, and the 24 hours of Gbps avoided. Every bar and line is checked against the
 * engine's own figures (fills.savings), and a new plan redraws the report without a reload.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { dayString, labDemandModel } from '../../main/lab/model/demand';
import { planFleet } from '../../main/lab/plan';
import { hostedSkipReason, startHostedEngine, type HostedEngine } from './support/hosted-engine';
import { importLabDemand } from './support/fills-lab';
import { formatBytes } from '../../renderer/src/ui/format';

const skip = hostedSkipReason();
if (skip) console.log(`SKIPPED: fills savings end-to-end tests - ${skip}`);

/** The bar length of the largest value (renderer/src/features/fills/format.ts SAVINGS_CHART.width). */
const BAR = 360;
const PLANNED = ['gru1', 'fra1', 'ord1', 'lax1'];

describe.skipIf(skip !== null)('the savings report per partner (Playwright + Chromium)', () => {
  let hosted: HostedEngine;
  let page: Page;
  const fleet = planFleet(60, 12, 1);

  beforeAll(async () => {
    hosted = await startHostedEngine('browser', 'fleetdeck-savings-e2e-');
    const api = hosted.engine.client({ actor: 'e2e' }).api;
    await hosted.engine.inventory.importDocument(
      {
        partners: fleet.partners,
        sites: fleet.sites,
        appliances: fleet.appliances.map((a) => ({ serial: a.serial, hostname: a.hostname, site: a.site, model: a.kind, ipv4: '127.0.0.1', storageTb: a.storageTb, nicGbps: a.nicGbps, status: 'online' })),
      },
      'e2e',
    );
    // Few titles, so a site holds a real share but not all of the catalog.
    const model = labDemandModel({ seed: 1, ...fleet }, 3000);
    await importLabDemand(api, hosted.dataDir, model, PLANNED, [20_600, 20_601, 20_602, 20_603]);
    for (const site of ['gru1', 'fra1', 'ord1']) await api.fills.plan({ site, day: dayString(20_604) });
    page = await hosted.browser.newPage();
    await page.goto(hosted.host.url);
    await page.getByTestId('nav-fills').waitFor();
  }, 120_000);

  afterAll(async () => {
    await hosted?.close();
  });

  async function checkAgainstEngine() {
    const report = await hosted.engine.client({ actor: 'e2e' }).api.fills.savings({});
    const maxPeak = Math.max(...report.partners.map((p) => p.peakGbpsAvoided));
    const maxDemand = Math.max(...report.partners.map((p) => p.demandBytes));
    const attr = async (sel: string, name: string) => Number(await page.locator(sel).getAttribute(name));
    await expect.poll(() => page.getByTestId('savings-partner-row').count(), { timeout: 15_000 }).toBe(report.partners.length);
    for (const p of report.partners) {
      const q = `[data-partner="${p.partner}"]`;
      // Gbps at the partner's peak: the bar's length against the largest partner's.
      expect(await attr(`[data-testid="savings-peak-bar"]${q}`, 'width')).toBeCloseTo((p.peakGbpsAvoided / maxPeak) * BAR, 3);
      expect(await attr(`[data-testid="savings-peak-bar"]${q}`, 'data-gbps')).toBeCloseTo(p.peakGbpsAvoided, 9);
      // A day's bytes: avoided then still over transit, end to end, against the largest demand.
      const avoided = await attr(`[data-testid="savings-avoided-bar"]${q}`, 'width');
      const transit = await attr(`[data-testid="savings-transit-bar"]${q}`, 'width');
      expect(avoided).toBeCloseTo((p.avoidedBytes / maxDemand) * BAR, 3);
      expect(transit).toBeCloseTo((p.transitBytes / maxDemand) * BAR, 3);
      expect(await attr(`[data-testid="savings-transit-bar"]${q}`, 'x')).toBeCloseTo(120 + avoided, 3);
      // The day's line is highest (smallest y) at the partner's peak UTC hour.
      const points = (await page.locator(`[data-testid="savings-hourly-line"]${q}`).getAttribute('points'))!.split(' ').map((xy) => Number(xy.split(',')[1]));
      expect(points).toHaveLength(24);
      expect(points.indexOf(Math.min(...points))).toBe(p.peakUtcHour);
      // The table says the same figures in words.
      const row = page.locator(`[data-testid="savings-partner-row"]${q}`);
      expect(await row.getByTestId('savings-peak').textContent()).toBe(`${p.peakGbpsAvoided.toFixed(p.peakGbpsAvoided >= 100 ? 0 : 1)} Gbps`);
      expect(await row.getByTestId('savings-avoided').textContent()).toBe(formatBytes(p.avoidedBytes, 'decimal'));
    }
    return report;
  }

  it('draws each partner’s transit avoided (Gbps at its peak, bytes a day, the day’s hours) as the engine reports it', async () => {
    await page.getByTestId('nav-fills').click();
    await page.getByTestId('savings').waitFor();
    const report = await checkAgainstEngine();
    expect(report.partners.map((p) => p.partner).sort()).toEqual(['Nordwind Netz', 'Prairie Lightwave', 'Vereda Fibra']);
    expect(report.sitesWithoutPlan).toHaveLength(9);
    expect(await page.getByTestId('savings').textContent()).toContain('Not counted (no plan yet): ');
    expect(await page.getByTestId('savings-site-row').count()).toBe(3);
  }, 60_000);

  it('redraws when a new plan lands: Los Angeles joins its partner, whose peak is the peak of the sum', async () => {
    const api = hosted.engine.client({ actor: 'e2e' }).api;
    const before = (await api.fills.savings({ partner: 'Prairie Lightwave' })).partners[0]!;
    await api.fills.plan({ site: 'lax1', day: dayString(20_604) });
    await page.locator('[data-testid="savings-site-row"][data-site="lax1"]').waitFor({ timeout: 15_000 });
    const report = await checkAgainstEngine();
    const prairie = report.partners.find((p) => p.partner === 'Prairie Lightwave')!;
    expect(prairie.sites.map((s) => s.site).sort()).toEqual(['lax1', 'ord1']);
    expect(prairie.avoidedBytes).toBeGreaterThan(before.avoidedBytes);
    // Chicago and Los Angeles peak two hours apart: the partner's peak is below the sum of theirs.
    const sum = prairie.sites.reduce((s, x) => s + x.peakGbpsAvoided, 0);
    expect(prairie.peakGbpsAvoided).toBeLessThan(sum);
    expect(prairie.peakGbpsAvoided).toBeGreaterThan(Math.max(...prairie.sites.map((s) => s.peakGbpsAvoided)));
  }, 60_000);
});
