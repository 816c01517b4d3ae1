/**
 * Diagnostics in the browser host, as a field engineer uses them: a real `fleetdeck serve`, a
 * lab whose appliance has a failed cache disk, Debian's Chromium driven by Playwright. The health
 * item links to the diagnostics that explain it; running them shows the failed check with which
 * disk, in which bay, and what to do; the history and the comparison with the last good run; a
 * bundle downloads as a tar.gz; the site's drift report names an appliance whose hostname differs.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumAvailable, chromiumSkipReason } from './support/browser';
import { openLabSession, type LabAppliance, type LabSession } from './support/session';

if (!chromiumAvailable) console.log(`SKIPPED: diagnostics end-to-end tests - ${chromiumSkipReason}`);

describe.skipIf(!chromiumAvailable)('diagnostics in the browser host (Playwright + Chromium)', () => {
  let session: LabSession;
  let page: Page;
  let failing: LabAppliance;
  let good: LabAppliance;
  let renamed: LabAppliance;

  const cli = (args: string[]) => session.cli(args);
  const go = async (hash: string) => {
    await page.evaluate((h) => ((globalThis as unknown as { location: { hash: string } }).location.hash = h), hash);
  };
  const check = (name: string) => page.locator(`[data-testid="diag-run"] [data-testid="diag-check"][data-check="${name}"]`).first();

  beforeAll(async () => {
    session = await openLabSession({
      appliances: 6,
      sites: 1,
      timeoutMs: 30_000,
      prepare: ({ cli, fleetExec, fleet }) => {
        // First contact: record the host keys (diagnostics never trusts a new key by itself).
        fleetExec(['exec', '--all', '--accept-new', '--', 'ocactl', 'status']);
        [failing, good, renamed] = fleet as [LabAppliance, LabAppliance, LabAppliance];
        cli(['lab', 'fault', failing.serial, 'disk-failure']);
        fleetExec(['exec', '--serial', renamed.serial, '--', 'ocactl', 'config', 'set', 'hostname=renamed.example.test']);
      },
    });
    page = session.page;
    await page.getByTestId('nav-jobs').waitFor();
  }, 120_000);

  afterAll(() => session?.close());

  it('from the health item to the failed check: which disk, which bay, what to do', async () => {
    await go('#/health');
    await page.getByTestId('poll-now').click();
    await go('#/health/actionable');
    const item = page.locator(`[data-testid="actionable-item"][data-serial="${failing.serial}"][data-severity="Error"]`).first();
    await item.waitFor();
    const link = item.getByTestId('actionable-diagnose');
    expect(await link.textContent()).toBe('Diagnose (disk, cache, throughput)');
    await link.click();

    await page.locator(`[data-testid="appliance-detail"][data-serial="${failing.serial}"]`).waitFor();
    const panel = page.getByTestId('diagnostics-panel');
    await panel.waitFor();
    expect(await page.getByTestId('diag-choose-disk').isChecked()).toBe(true);
    expect(await page.getByTestId('diag-choose-bgp').isChecked()).toBe(false);
    expect(await page.getByTestId('diag-run-button').textContent()).toBe('Run disk, cache, throughput');
    await page.getByTestId('diag-run-button').click();

    await expect.poll(() => check('disk').getAttribute('data-status'), { timeout: 60_000 }).toBe('Error');
    expect(await check('disk').getByTestId('diag-check-summary').textContent()).toMatch(/Cache disk sdc failed/);
    expect(await check('disk').getByTestId('diag-check-action').textContent()).toMatch(/Open an RMA for disk sdc in bay 3/);
    await check('disk').locator('summary').click();
    const details = await check('disk').getByTestId('diag-check-details').textContent();
    expect(details).toContain('failedBay3');
    expect(details).toContain('failedDevicesdc');
    await expect.poll(() => check('throughput').getAttribute('data-status')).toBe('Warning');
    expect(await check('cache').getAttribute('data-status')).toBe('Warning');
    expect(await page.getByTestId('diag-run-status').first().getAttribute('data-status')).toBe('Error');
    // Checks the item does not concern were not run.
    expect(await check('bgp').count()).toBe(0);
  }, 120_000);

  it('compares with the last good run and downloads a bundle', async () => {
    await go(`#/appliances/${good.serial}`);
    await page.getByTestId('diagnostics-panel').waitFor();
    await page.getByTestId('diag-choose-throughput').uncheck();
    await page.getByTestId('diag-run-button').click();
    await expect.poll(() => check('disk').getAttribute('data-status'), { timeout: 60_000 }).toBe('OK');
    await expect.poll(() => page.getByTestId('diag-run-button').isEnabled()).toBe(true);
    cli(['lab', 'fault', good.serial, 'disk-failure']);
    await page.getByTestId('diag-run-button').click();
    await expect.poll(() => check('disk').getAttribute('data-status'), { timeout: 60_000 }).toBe('Error');

    await page.getByTestId('diag-tab-history').click();
    await expect.poll(() => page.getByTestId('diag-history-row').count()).toBe(2);
    await page.getByTestId('diag-tab-compare').click();
    const disk = page.locator('[data-testid="diag-change"][data-check="disk"]');
    await expect.poll(() => disk.getAttribute('data-changed')).toBe('true');
    expect(await disk.textContent()).toMatch(/^diskOK · [\d.]+ % usedError · [\d.]+ % usedchanged: Cache disk sdc failed/);
    expect(await page.locator('[data-testid="diag-change"][data-check="bgp"]').getAttribute('data-changed')).toBe('false');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('diag-bundle').click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^fleetdeck-diag-${good.serial}-.*\\.tar\\.gz$`));
    const file = await download.path();
    const listed = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' });
    expect(listed).toMatch(new RegExp(`/${good.serial}/diagnostics\\.json$`, 'm'));
    expect(listed).toMatch(/\/manifest\.json$/m);
    cli(['lab', 'fault', good.serial, 'disk-failure', '--off']);
  }, 180_000);

  it("the site's drift report names the appliance whose hostname differs from the inventory", async () => {
    await go(`#/sites/${renamed.site}`);
    await page.getByTestId('diagnostics-panel').waitFor();
    await page.getByTestId('diag-tab-drift').click();
    await page.getByTestId('drift-check').click();
    const report = page.getByTestId('drift-report');
    await report.waitFor();
    const appliances = await page.getByTestId('drift-appliance').evaluateAll((els) => els.map((e) => e.getAttribute('data-serial')));
    expect(appliances).toEqual([renamed.serial]);
    const diff = page.locator(`[data-testid="drift-appliance"][data-serial="${renamed.serial}"] [data-testid="drift-difference"][data-field="hostname"]`);
    expect(await diff.textContent()).toContain(`the inventory expects "${renamed.hostname}", the appliance reports "renamed.example.test"`);
  }, 60_000);
});
