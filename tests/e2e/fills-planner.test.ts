/**
 * Planning and running fills from the window, as an operator would: "Plan tomorrow" on a site
 * (which says what is missing when there is no catalog yet), then a fill run made from the plan
 * (out of cycle, capped), then started with the appliance count typed back and followed until
 * every appliance is verified. Engine behind the browser host, a lab site on loopback, Chromium.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { LabFleet } from '../../main/lab/fleet';
import { labDemandModel } from '../../main/lab/model/demand';
import { hostedSkipReason, type HostedEngine } from './support/hosted-engine';
import { importLabDemand, startFillsLab, type FillsLab } from './support/fills-lab';

const skip = hostedSkipReason();
if (skip) console.log(`SKIPPED: fills planner end-to-end tests - ${skip}`);

describe.skipIf(skip !== null)('planning and running fills from the window (Playwright + Chromium)', () => {
  let lab: FillsLab;
  let hosted: HostedEngine;
  let fleet: LabFleet;
  let page: Page;
  let site = '';
  let serials: string[] = [];

  beforeAll(async () => {
    lab = await startFillsLab('fleetdeck-fills-planner-e2e-', 3);
    ({ hosted, fleet, page, site, serials } = lab);
  }, 60_000);

  afterAll(async () => {
    await lab?.close();
  });

  it('says what is missing when there is nothing to plan from yet', async () => {
    await page.getByTestId('nav-fills').click();
    await page.getByTestId('fills-site').selectOption(site);
    await page.getByTestId('fills-plan-none').waitFor({ timeout: 60_000 });
    await page.getByTestId('fills-plan-tomorrow').click();
    const error = page.getByTestId('fills-plan-error');
    await error.waitFor({ timeout: 60_000 });
    expect(await error.textContent()).toMatch(/catalog is empty.*\(E_NOT_FOUND\).*fleetdeck lab demand export/s);
    expect(await page.getByTestId('fills-make-run').count()).toBe(0);
  }, 60_000);

  it('plans tomorrow, makes an out-of-cycle run from the plan, starts it with the count typed back and follows it to verified', async () => {
    // What a streaming service hands over: the catalog and three days of the site's demand.
    const model = labDemandModel({ seed: 3, ...fleet.plan });
    const last = Math.floor(Date.now() / 86_400_000) - 1;
    const api = hosted.engine.client({ actor: 'e2e' }).api;
    await importLabDemand(api, hosted.dataDir, model, [site], [last - 2, last - 1, last]);

    await page.getByTestId('fills-plan-tomorrow').click();
    const summary = page.getByTestId('fills-plan-summary');
    // Generous: planning and reading the appliances take seconds, many more on a loaded machine.
    await summary.waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('fills-plan-error').count()).toBe(0);
    const planId = Number(await summary.getAttribute('data-plan'));
    const stored = (await api.fills.getPlan({ id: planId })).sites.find((s) => s.site === site)!;
    expect(await page.getByTestId('fills-plan-offload').textContent()).toBe(`${Math.round(stored.offload * 1000) / 10} %`);

    await page.getByTestId('fills-make-run').click();
    await page.getByTestId('fills-when-now').check();
    await page.getByTestId('fills-max-gbps').fill('1');
    await page.getByTestId('fills-max-gb').fill('8');
    await page.getByTestId('fills-make-run-confirm').click();
    const detail = page.locator('[data-testid="fills-run"][data-state="planned"]');
    await detail.waitFor({ timeout: 120_000 });
    const runId = Number(await detail.getAttribute('data-run'));
    const run = await api.fills.getRun({ id: runId });
    expect(run.placementId).toBe(String(planId));
    expect(run.plan.outOfCycle).toEqual({ maxGbps: 1, maxBytes: 8e9 });
    expect(run.plan.appliances.map((a) => a.serial).sort()).toEqual([...serials].sort());

    // Out of cycle: Start stays disabled until the count is typed back.
    await page.getByTestId('fills-start').click();
    const start = page.getByTestId('fills-start-confirm');
    expect(await start.isDisabled()).toBe(true);
    await page.getByTestId('typed-count-input').fill(String(serials.length + 1));
    expect(await start.isDisabled()).toBe(true);
    await page.getByTestId('typed-count-input').fill(String(serials.length));
    await start.click();
    await page.locator(`[data-testid="fills-run"][data-run="${runId}"][data-state="done"]`).waitFor({ timeout: 120_000 });
    const phases = await page.getByTestId('fills-progress-row').evaluateAll((r) => r.map((x) => x.getAttribute('data-phase')));
    expect(phases).toEqual(serials.map(() => 'verified'));
    const audit = await api.inventory.audit({ limit: 50 });
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['fills.prepare', 'fills.run']));
  }, 420_000);
});
