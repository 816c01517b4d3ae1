/**
 * The fills screen end to end: the engine behind the browser host (built renderer, Debian's
 * Chromium via Playwright) and a lab site on loopback. A placement is prepared into a fill plan
 * and shown (planned vs current offload vs the target, bytes to move, the window timeline chart);
 * an out-of-cycle run is started and followed live to every appliance verified.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { LabFleet } from '../../main/lab/fleet';
import { catalogBytes, catalogId } from '../../main/lab/model/catalog';
import { labDemandModel } from '../../main/lab/model/demand';
import type { SitePlacement } from '../../main/fills/placement-contract';
import { formatBytes } from '../../renderer/src/ui/format';
import { hostedSkipReason, type HostedEngine } from './support/hosted-engine';
import { importLabDemand, startFillsLab, type FillsLab } from './support/fills-lab';

const skip = hostedSkipReason();
if (skip) console.log(`SKIPPED: fills screen end-to-end tests - ${skip}`);

describe.skipIf(skip !== null)('the fills screen (Playwright + Chromium)', () => {
  let lab: FillsLab;
  let hosted: HostedEngine;
  let fleet: LabFleet;
  let page: Page;
  let site = '';
  let serials: string[] = [];

  /** Tail titles nobody in the site holds (two per appliance), most valuable first. */
  function placement(): SitePlacement {
    const appliances = serials.map((s) => fleet.appliance(s)!);
    const from = Math.max(...appliances.map((a) => a.state.cache.baselineCount)) + 100;
    return {
      site,
      day: '2026-12-04',
      appliances: appliances.map((a, i) => ({
        serial: a.serial,
        capacityBytes: a.state.storageBytes,
        items: [0, 1].map((k) => {
          const index = from + i * 2 + k;
          return { contentId: catalogId(index), bytes: catalogBytes(index), value: 1000 - i * 2 - k };
        }),
      })),
    };
  }

  beforeAll(async () => {
    lab = await startFillsLab('fleetdeck-fills-e2e-', 2);
    ({ hosted, fleet, page, site, serials } = lab);
  }, 60_000);

  afterAll(async () => {
    await lab?.close();
  });

  it('shows a prepared plan: offload planned vs current vs the target, bytes to move, the window timeline', async () => {
    const api = hosted.engine.client({ actor: 'e2e' }).api;
    const run = await api.fills.prepare({ placement: placement(), placementId: 'e2e-1' });
    await page.getByTestId('nav-fills').click();
    await page.getByTestId('fills-site').selectOption(site);
    const detail = page.getByTestId('fills-run');
    await detail.waitFor();
    expect(await detail.getAttribute('data-run')).toBe(String(run.id));
    expect(await detail.getAttribute('data-state')).toBe('planned');
    // Nothing of the target is held yet; after the fill all of it is (nothing dropped).
    expect(Number(await page.getByTestId('offload-current').getAttribute('data-value'))).toBe(0);
    const planned = Number(await page.getByTestId('offload-planned').getAttribute('data-value'));
    expect(planned).toBe(Number(await page.getByTestId('offload-bound').getAttribute('data-value')));
    expect(planned).toBe(run.plan.totals.valueTarget);
    expect(await page.getByTestId('fills-bytes-fill').textContent()).toBe(formatBytes(run.plan.totals.fillBytes, 'decimal'));
    expect(await page.getByTestId('fills-dropped').textContent()).toMatch(/^0 items/);
    // The timeline: one series per appliance on a uPlot canvas.
    const timeline = page.getByTestId('fills-timeline');
    await timeline.waitFor();
    expect(await timeline.getAttribute('data-series')).toBe(String(serials.length));
    expect(await timeline.locator('canvas').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('fills-progress-row').count()).toBe(serials.length);
    expect(await page.getByTestId('fills-progress-row').first().getAttribute('data-phase')).toBe('planned');
  }, 60_000);

  it('for a run made from a stored plan, shows the placement’s offload against its bound and the forecast quality', async () => {
    // The lab's demand, handed over as files and imported, then planned: what `fills run PLAN_ID` does.
    const model = labDemandModel({ seed: 2, ...fleet.plan });
    const last = Math.floor(Date.now() / 86_400_000) - 1;
    const api = hosted.engine.client({ actor: 'e2e' }).api;
    await importLabDemand(api, hosted.dataDir, model, [site], [last - 2, last - 1, last]);
    const plan = await api.fills.plan({ site });
    const summary = plan.sites.find((x) => x.site === site)!;
    const placement = await api.fills.placement({ site, planId: plan.id });
    const run = await api.fills.prepare({ placement, placementId: String(plan.id) });
    await page.evaluate((h) => ((globalThis as unknown as { location: { hash: string } }).location.hash = h), `#/fills/${site}?run=${run.id}`);
    await page.getByTestId('fills-plan-quality').waitFor({ timeout: 90_000 });
    const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;
    expect(await page.getByTestId('plan-offload').textContent()).toBe(pct(summary.offload));
    expect(await page.getByTestId('plan-bound').textContent()).toBe(pct(summary.bound));
    expect(summary.offload).toBeLessThanOrEqual(summary.bound + 1e-9);
    expect(await page.getByTestId('forecast-quality').textContent()).toContain(pct(summary.quality!.hitRatio));
  }, 120_000);

  it('follows an out-of-cycle run live until every appliance is verified', async () => {
    const api = hosted.engine.client({ actor: 'e2e' }).api;
    const run = await api.fills.prepare({ placement: placement(), outOfCycle: { maxGbps: 1, maxBytes: 50e9 } });
    await page.evaluate((h) => ((globalThis as unknown as { location: { hash: string } }).location.hash = h), `#/fills/${site}?run=${run.id}`);
    await page.locator(`[data-testid="fills-run"][data-run="${run.id}"]`).waitFor({ timeout: 90_000 });
    await api.fills.run({ id: run.id, confirm: serials.length, pollMs: 50 });
    // Live: the rows move on to verified without a reload.
    await page.locator(`[data-testid="fills-run"][data-run="${run.id}"][data-state="done"]`).waitFor({ timeout: 60_000 });
    const phases = await page.getByTestId('fills-progress-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-phase')));
    expect(phases).toEqual(serials.map(() => 'verified'));
    const row = page.locator(`[data-testid="fills-run-row"][data-run="${run.id}"] [data-testid="fills-run-state"]`);
    expect(await row.textContent()).toBe('done (out of cycle)');
  }, 90_000);
});
