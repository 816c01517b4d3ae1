/**
 * Snapshots in the browser (Playwright + Debian's Chromium): `fleetdeck serve --snapshot FILE`
 * shows the banner (whose snapshot of when), read views work (the appliance table, an appliance's
 * health with its age standing still at the snapshot's moment), a write is refused with the
 * engine's sentence on screen; and from a live fleet, "Open snapshot…" opens a window on a file (a
 * write refused there too, and "Back to the live fleet" takes that tab to the live host) and
 * "Compare" shows what changed between two files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, chromiumSkipReason, launchChromium } from './support/browser';
import { REPO, runCli, serveApp, type ServedApp } from './support/serve';
import { withDataDirEngine } from '../support/cli';
import type { HealthRecord } from '../../main/health/assess';

const SITES = join(REPO, 'resources/samples/sites.csv');
const APPLIANCES = join(REPO, 'resources/samples/appliances.csv');
const SERIAL = 'OCA24S00101';

if (!chromiumAvailable) console.log(`SKIPPED: snapshot end-to-end tests - ${chromiumSkipReason}`);

describe.skipIf(!chromiumAvailable)('snapshots in the browser host (Playwright + Chromium)', () => {
  let root: string;
  let dataDir: string;
  let whole: string;
  let gru: string;
  let browser: Browser;
  const apps: ServedApp[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'fleetdeck-e2e-snapshot-'));
    dataDir = join(root, 'data');
    whole = join(root, 'whole.fdsnap');
    gru = join(root, 'gru01.fdsnap');
    expect(runCli(dataDir, ['inventory', 'import', SITES, '--kind', 'sites']).status).toBe(0);
    expect(runCli(dataDir, ['inventory', 'import', APPLIANCES, '--kind', 'appliances']).status).toBe(0);
    // Measured five minutes before the snapshot is taken.
    await withDataDirEngine(dataDir, (e) => {
      const at = new Date(Date.now() - 300_000).toISOString();
      const serials = e.inventory.listAppliances({ sort: 'serial', dir: 'asc', offset: 0, limit: 100 }).items.map((a) => a.serial);
      const records: HealthRecord[] = serials.map((serial) => ({ serial, measuredAt: at, lastPollAt: at, lastError: null, failures: 0, components: [{ name: 'disk', status: 'OK', message: 'fine' }], metrics: null, since: {} }));
      e.health.repo.saveRecords(records);
    });
    expect(runCli(dataDir, ['snapshot', 'export', '--out', whole]).status).toBe(0);
    expect(runCli(dataDir, ['snapshot', 'export', '--out', gru, '--where', 'site=GRU01']).status).toBe(0);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    for (const app of apps) await app.stop();
    rmSync(root, { recursive: true, force: true });
  });

  async function open(app: ServedApp): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(15_000);
    await page.goto(app.url);
    return page;
  }

  it('serve --snapshot: banner, read views, ages at the snapshot time, a write refused with the sentence, no live fleet to go back to', async () => {
    const app = await serveApp({ dataDir: mkdtempSync(join(root, 'serve-')), args: ['--snapshot', whole] });
    apps.push(app);
    const page = await open(app);
    const banner = page.getByTestId('snapshot-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/Snapshot by cli:\S+ of .*taken .*read-only/);

    await page.getByTestId('nav-appliances').click();
    await expect.poll(() => page.getByTestId('appliance-row').count()).toBe(12);
    await page.getByTestId('filter-text').fill(SERIAL);
    await expect.poll(() => page.getByTestId('appliance-row').count()).toBe(1);
    await page.getByTestId('appliance-row').first().click();
    await page.getByTestId('appliance-detail').waitFor();
    // The age is the one at the snapshot's moment (about five minutes), and it does not tick.
    const age = page.getByTestId('health-age');
    await age.waitFor();
    const first = Number(await age.getAttribute('data-age'));
    expect(first).toBeGreaterThanOrEqual(300);
    expect(first).toBeLessThan(400);
    await page.waitForTimeout(2_500);
    expect(Number(await age.getAttribute('data-age'))).toBe(first);

    await page.getByTestId('edit-appliance').click();
    await page.getByTestId('input-notes').fill('changed on a snapshot');
    await page.getByTestId('save-appliance').click();
    await page.getByText(/Nothing can be changed here: this is a read-only snapshot \(taken by cli:/).first().waitFor();
    // This host serves the snapshot alone: "Back to the live fleet" says where the live fleet is.
    await page.getByTestId('snapshot-back').click();
    await page.getByTestId('snapshot-back-error').getByText(/serves only the snapshot/).waitFor();
  }, 90_000);

  it('from a live fleet: "Open snapshot…" opens a read-only window on the file, and Compare shows what changed', async () => {
    const app = await serveApp({ dataDir });
    apps.push(app);
    const page = await open(app);
    await page.getByTestId('nav-snapshots').click();
    expect(await page.getByTestId('snapshot-banner').count()).toBe(0);
    await page.getByTestId('snapshot-open-path').fill(gru);
    const popup = page.context().waitForEvent('page');
    await page.getByTestId('snapshot-open').click();
    const other = await popup;
    other.setDefaultTimeout(15_000);
    await other.getByTestId('snapshot-banner').waitFor();
    expect(await other.getByTestId('snapshot-banner').textContent()).toMatch(/only site=GRU01/);
    // A write in the snapshot's window is refused with the engine's sentence.
    await other.getByTestId('nav-appliances').click();
    await expect.poll(() => other.getByTestId('appliance-row').count()).toBeGreaterThan(0);
    await other.getByTestId('appliance-row').first().click();
    await other.getByTestId('edit-appliance').click();
    await other.getByTestId('input-notes').fill('changed on a snapshot');
    await other.getByTestId('save-appliance').click();
    await other.getByText(/Nothing can be changed here: this is a read-only snapshot \(taken by cli:/).first().waitFor();
    // Back to the live fleet: the same tab goes to the live host (its own port and token), no banner.
    await other.getByTestId('snapshot-back').click();
    await expect.poll(() => new URL(other.url()).port, { timeout: 15_000 }).toBe(new URL(app.url).port);
    await other.getByTestId('nav-snapshots').click();
    await other.getByTestId('snapshot-open-form').waitFor(); // shown on a live fleet only
    expect(await other.getByTestId('snapshot-banner').count()).toBe(0);
    await other.close();

    await page.getByTestId('snapshot-compare-a').fill(whole);
    await page.getByTestId('snapshot-compare-b').fill(gru);
    await page.getByTestId('snapshot-compare').click();
    await page.getByTestId('snapshot-diff').waitFor();
    expect(await page.getByTestId('snapshot-diff-summary').textContent()).toMatch(/^0 added, \d+ removed, 0 changed/);
    const removed = await page.locator('[data-testid="snapshot-diff-row"][data-kind="removed"]').count();
    expect(removed).toBeGreaterThan(0);

    // A file that is not a snapshot: the engine's sentence, no window.
    await page.getByTestId('snapshot-open-path').fill(join(root, 'nothing-here.fdsnap'));
    await page.getByTestId('snapshot-open').click();
    await page.getByTestId('snapshots-error').getByText(/There is no file/).waitFor();
  }, 90_000);
});
