/**
 * Live health end to end: a real `fleetdeck serve`, a real lab of 24 simulated appliances (ssh2 and
 * HTTP servers on loopback) and Debian's Chromium driven by Playwright. Poll now measures the fleet;
 * a failed disk shows as Error with an RMA action item; an unreachable appliance keeps its last known
 * state, greyed, with a ticking age; a drained healthy appliance and an online unreachable one do not
 * look alike; a threshold change turns statuses Warning; with the monitor on, the page follows the
 * fleet without a reload.
 *
 * FLEETDECK_SCREENSHOTS=<dir> also writes light and dark screenshots of each screen there.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { chromiumAvailable, chromiumSkipReason, launchChromium } from './support/browser';
import { runCli, serveApp, type ServedApp } from './support/serve';

if (!chromiumAvailable) console.log(`SKIPPED: live health end-to-end tests - ${chromiumSkipReason}`);

const SHOTS = process.env['FLEETDECK_SCREENSHOTS'];

interface Listed {
  items: { serial: string; site: string; partner: string; model: 'storage' | 'flash'; status: string }[];
}

describe.skipIf(!chromiumAvailable)('live health in the browser host (Playwright + Chromium, real lab)', () => {
  let app: ServedApp;
  let browser: Browser;
  let page: Page;
  let fleet: Listed['items'];
  /** Disk failure. */
  let failing: Listed['items'][number];
  /** Made unreachable after it was measured once. */
  let dark: Listed['items'][number];
  /** Healthy, then drained by an operator. */
  let drained: Listed['items'][number];
  /** What the page logged as errors (a CSP refusal shows up here). */
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    // Polling is on by default; this suite starts with it off to see the not-polled state and the
    // note that says polling is off, then measures by hand (Poll now) and turns it on later.
    const dataDir = mkdtempSync(join(tmpdir(), 'fleetdeck-e2e-'));
    const off = runCli(dataDir, ['health', 'monitor', '--disable']);
    if (off.status !== 0) throw new Error(`health monitor --disable failed: ${off.stderr || off.stdout}`);
    app = await serveApp({ dataDir });
    const lab = app.cli(['lab', 'start', '--appliances', '24', '--sites', '4']);
    if (lab.status !== 0) throw new Error(`lab start failed: ${lab.stderr || lab.stdout}`);
    fleet = (JSON.parse(app.cli(['inventory', 'list', '--json', '--limit', '100']).stdout) as Listed).items;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(15_000);
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(app.url);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    app?.cli(['lab', 'stop']);
    await app?.stop();
    if (app) rmSync(app.dataDir, { recursive: true, force: true });
  });

  const attr = (locator: Locator, name: string) => locator.getAttribute(name);
  const row = (serial: string) => page.locator(`[data-testid="appliance-row"][data-serial="${serial}"]`);
  const healthRow = (serial: string) => page.locator(`[data-testid="health-row"][data-serial="${serial}"]`);

  async function go(hash: string) {
    // Same document: the hash changes, the window (and its live subscriptions) stays.
    await page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`);
  }

  async function pollNow() {
    await go('#/health');
    await page.getByTestId('poll-now').click();
    // Disabled while the sweep runs; enabled again once its report is in.
    await expect.poll(() => page.getByTestId('poll-now').isEnabled()).toBe(true);
  }

  /** How the page header's health badge looks: its colours and border as drawn, and what it says. */
  async function badgeLook() {
    const badge = page.getByTestId('header-health');
    const style = (await page.evaluate(
      `(() => { const s = getComputedStyle(document.querySelector('[data-testid="header-health"]')); return { background: s.backgroundColor, border: s.borderTopStyle }; })()`,
    )) as { background: string; border: string };
    return { ...style, status: await attr(badge, 'data-status'), reachable: await attr(badge, 'data-reachable') };
  }

  async function screenshots(name: string) {
    if (!SHOTS) return;
    mkdirSync(SHOTS, { recursive: true });
    for (const theme of ['light', 'dark'] as const) {
      await page.evaluate(`document.documentElement.dataset.theme = '${theme}'`);
      await page.waitForTimeout(150);
      await page.screenshot({ path: join(SHOTS, `${name}-${theme}.png`), fullPage: true });
    }
    await page.evaluate('delete document.documentElement.dataset.theme');
  }

  it('shows appliances not polled yet as muted, not as a problem', async () => {
    expect(fleet).toHaveLength(24);
    await go('#/appliances');
    const first = row(fleet[0]!.serial);
    await first.waitFor();
    const age = first.getByTestId('health-age');
    await expect.poll(() => age.textContent()).toBe('not polled yet');
    const look = (await page.evaluate(
      `(() => { const a = document.querySelector('[data-testid="appliance-row"] [data-testid="health-age"]'); const muted = getComputedStyle(document.body).getPropertyValue('--text-muted'); const probe = document.createElement('span'); probe.style.color = 'var(--danger)'; document.body.append(probe); const danger = getComputedStyle(probe).color; probe.remove(); return { color: getComputedStyle(a).color, danger, cls: a.className, muted }; })()`,
    )) as { color: string; danger: string; cls: string };
    expect(look.cls).toContain('not-polled');
    expect(look.color).not.toBe(look.danger);
    expect(await attr(first.getByTestId('health-badge'), 'data-status')).toBe('Unknown');
    await screenshots('appliances-not-polled');
  });

  it('measures all 24 appliances with Poll now and rolls them up', async () => {
    await page.getByTestId('nav-health').click();
    await page.getByTestId('monitor-panel').waitFor();
    await page.getByTestId('poll-now').click();
    await expect.poll(() => attr(page.getByTestId('sweep-report'), 'data-polled')).toBe('24');
    await expect.poll(() => attr(page.getByTestId('health-totals'), 'data-measured')).toBe('24');
    const counts = await Promise.all(
      ['OK', 'Warning', 'Error', 'Unknown'].map(async (s) => Number(await attr(page.getByTestId(`health-count-${s}`), 'data-count'))),
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(24);
    expect(await attr(page.getByTestId('health-count-unreachable'), 'data-count')).toBe('0');
    // Roll-ups: every site and partner of the lab, each with its worst status.
    expect(await page.getByTestId('rollup-site').count()).toBe(4);
    expect(await page.getByTestId('rollup-partner').count()).toBe(4);
    expect(await page.getByTestId('health-row').count()).toBe(24);

    // Pick the cast from what was measured: three healthy appliances at different places in the list.
    const healthy = await page.locator('[data-testid="health-row"][data-status="OK"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-serial')!));
    expect(healthy.length).toBeGreaterThanOrEqual(3);
    const bySerial = new Map(fleet.map((a) => [a.serial, a]));
    [failing, dark, drained] = [healthy[0]!, healthy[1]!, healthy.at(-1)!].map((s) => bySerial.get(s)!) as [
      Listed['items'][number],
      Listed['items'][number],
      Listed['items'][number],
    ];
  });

  it('shows a failed disk as Error with an RMA action item, and an unreachable appliance with its last known state and age', async () => {
    expect(app.cli(['lab', 'fault', failing.serial, 'disk-failure']).status).toBe(0);
    expect(app.cli(['lab', 'fault', dark.serial, 'unreachable']).status).toBe(0);
    await pollNow();
    await expect.poll(() => attr(page.getByTestId('health-count-unreachable'), 'data-count')).toBe('1');

    // The table: Health beside Lifecycle.
    await page.getByTestId('nav-appliances').click();
    await row(failing.serial).waitFor();
    await expect.poll(() => attr(row(failing.serial).getByTestId('health-badge'), 'data-status')).toBe('Error');
    const darkBadge = row(dark.serial).getByTestId('health-badge');
    await expect.poll(() => attr(darkBadge, 'data-reachable')).toBe('false');
    // The current state first, coloured as the roll-ups count it; then what was last known, and when.
    expect(await darkBadge.textContent()).toBe('Unreachable');
    expect(await attr(darkBadge, 'data-state')).toBe('unreachable');
    expect(await attr(darkBadge, 'data-status')).not.toBe('OK');
    expect(await row(dark.serial).getByTestId('health-age').textContent()).toMatch(/^last known OK \d+ (s|min) ago$/);
    expect(await row(dark.serial).textContent()).toContain('online');

    // The failing appliance's detail: the disk component, the metrics and the charts.
    await row(failing.serial).click();
    const card = page.getByTestId('appliance-health');
    await expect.poll(() => attr(card, 'data-status')).toBe('Error');
    const disk = card.locator('[data-testid="health-component"][data-name="disk"]');
    expect(await attr(disk, 'data-status')).toBe('Error');
    expect(await attr(disk, 'data-source')).toBe('appliance');
    expect(await disk.textContent()).toMatch(/fail/i);
    expect(await card.getByTestId('health-chart').count()).toBe(4);
    await card.locator('[data-testid="health-chart"][data-metric="serving"] canvas').first().waitFor();
    expect(await card.getByTestId('metric-disk').textContent()).toMatch(/TB \(\d+(\.\d)?%\)/);
    await screenshots('health-detail-error');

    // The actionable items: where, what, and the fix (an RMA for the failed disk).
    await go('#/health/actionable');
    const item = page.locator(`[data-testid="actionable-item"][data-serial="${failing.serial}"][data-severity="Error"]`).first();
    await item.waitFor();
    expect(await item.getByTestId('actionable-fix').textContent()).toMatch(/RMA/);
    expect(await item.textContent()).toContain(failing.site);
    expect(await item.textContent()).toContain(failing.partner);
    const darkItem = page.locator(`[data-testid="actionable-item"][data-serial="${dark.serial}"]`).first();
    expect(await darkItem.getByTestId('actionable-problem').textContent()).toMatch(/unreachable/i);
    await screenshots('health-actionable');

    // The unreachable appliance's detail: last known state, the failed poll, and an age that ticks.
    await go(`#/appliances/${dark.serial}`);
    const darkCard = page.getByTestId('appliance-health');
    await expect.poll(() => attr(darkCard, 'data-reachable')).toBe('false');
    expect(await page.getByTestId('health-last-error').textContent()).toContain('E_UNREACHABLE');
    expect(await darkCard.getByTestId('health-badge').textContent()).toBe('Unreachable');
    expect(await darkCard.getByTestId('health-age').textContent()).toMatch(/^last known OK \d+ (s|min) ago$/);
    expect(await darkCard.getByTestId('metric-serving').textContent()).toMatch(/Gbps/); // last known metrics stay
    const age0 = Number(await attr(darkCard.getByTestId('health-age'), 'data-age'));
    await expect.poll(async () => Number(await attr(darkCard.getByTestId('health-age'), 'data-age')), { timeout: 15_000 }).toBeGreaterThanOrEqual(age0 + 2);
    await screenshots('health-detail-unreachable');
  });

  it('tells a drained healthy appliance from an online unreachable one', async () => {
    await go(`#/appliances/${drained.serial}`);
    await page.getByTestId('change-status').click();
    await page.getByTestId('status-select').selectOption('drained');
    await page.getByTestId('status-reason').fill('BGP neighbor renumbering, CHG-5120');
    // The inventory only: this appliance keeps serving (the offer to drain the device is declined).
    await page.getByTestId('status-device-action').uncheck();
    await page.getByTestId('status-save').click();
    await page.getByTestId('field-status').getByText('drained').waitFor();

    const drainedCard = page.getByTestId('appliance-health');
    await expect.poll(() => attr(drainedCard, 'data-status')).toBe('OK');
    expect(await attr(drainedCard, 'data-reachable')).toBe('true');
    expect(await drainedCard.getByTestId('health-lifecycle').textContent()).toContain('drained');
    const drainedLook = await badgeLook();

    await go(`#/appliances/${dark.serial}`);
    await expect.poll(() => attr(page.getByTestId('appliance-detail'), 'data-serial')).toBe(dark.serial);
    const darkCard = page.getByTestId('appliance-health');
    await expect.poll(() => attr(darkCard, 'data-reachable')).toBe('false');
    expect(await darkCard.getByTestId('health-lifecycle').textContent()).toContain('online');
    const darkLook = await badgeLook();

    // One is measured OK now (filled); the other says Unreachable first (dashed, in the colour it is counted as).
    expect(drainedLook).toMatchObject({ status: 'OK', reachable: 'true', border: 'solid' });
    expect(darkLook).toMatchObject({ reachable: 'false', border: 'dashed' });
    expect(['Warning', 'Error']).toContain(darkLook.status);
    expect(drainedLook.background).not.toBe(darkLook.background);

    // Side by side in the health list too: lifecycle drained + OK, lifecycle online + unreachable.
    await go('#/health');
    await healthRow(drained.serial).waitFor();
    await expect.poll(() => healthRow(drained.serial).getByTestId('health-row-lifecycle').textContent()).toBe('drained');
    expect(await attr(healthRow(drained.serial).getByTestId('health-badge'), 'data-reachable')).toBe('true');
    expect(await healthRow(dark.serial).getByTestId('health-row-lifecycle').textContent()).toBe('online');
    expect(await healthRow(dark.serial).getByTestId('health-badge').textContent()).toBe('Unreachable');
    expect(await healthRow(dark.serial).getByTestId('health-age').textContent()).toMatch(/^last known OK/);
    // What it serves now is unknown: no last-known Gbps beside an Unreachable.
    expect(await healthRow(dark.serial).getByTestId('health-row-serving').textContent()).toBe('—');
    expect(await healthRow(drained.serial).getByTestId('health-row-serving').textContent()).toMatch(/Gbps/);
    await screenshots('health-screen');
    await go('#/overview');
    await page.getByTestId('measured-health').getByTestId('health-totals').waitFor();
    expect(await page.getByTestId('status-totals').textContent()).toMatch(/Lifecycle \(set by operators\)/);
    expect(await page.getByTestId('status-totals').textContent()).toMatch(/1 drained/);
    expect(await page.getByTestId('measured-health').textContent()).toMatch(/Measured health/);
    const site = page.locator(`[data-testid="overview-site"][data-code="${failing.site}"]`);
    expect(await attr(site.getByTestId('rollup-health'), 'data-status')).toBe('Error');
    expect(await page.getByTestId('actionable-card').getByTestId('actionable-item').count()).toBeGreaterThan(0);
    await screenshots('health-overview');
  });

  it('checks thresholds with the contract, then a 1% disk Warning level turns appliances Warning', async () => {
    await go('#/health');
    const model = drained.model;
    const form = page.getByTestId(`threshold-form-${model}`);
    await form.waitFor();
    const warnBefore = Number(await attr(page.getByTestId('health-count-Warning'), 'data-count'));

    // Refused before sending: the Error level below the Warning level.
    await page.getByTestId(`threshold-${model}-diskWarnPct`).fill('99');
    await page.getByTestId(`threshold-${model}-diskErrorPct`).fill('50');
    await page.getByTestId(`threshold-save-${model}`).click();
    await form.getByText('the disk Error level must be at or above the Warning level').waitFor();
    await page.getByTestId(`threshold-error-${model}`).waitFor();
    expect(Number(await attr(page.getByTestId('health-count-Warning'), 'data-count'))).toBe(warnBefore);

    await page.getByTestId(`threshold-${model}-diskWarnPct`).fill('1');
    await page.getByTestId(`threshold-${model}-diskErrorPct`).fill('99');
    await page.getByTestId(`threshold-save-${model}`).click();
    await page.getByTestId(`threshold-saved-${model}`).waitFor();
    await expect.poll(async () => Number(await attr(page.getByTestId('health-count-Warning'), 'data-count'))).toBeGreaterThan(warnBefore);
    await expect.poll(() => attr(healthRow(drained.serial), 'data-status')).toBe('Warning');

    await go(`#/appliances/${drained.serial}`);
    const usage = page.locator('[data-testid="health-component"][data-name="disk-usage"]');
    await expect.poll(() => attr(usage, 'data-status')).toBe('Warning');
    expect(await attr(usage, 'data-source')).toBe('threshold');
    expect(await usage.textContent()).toMatch(/Warning at 1%/);

    // Audited like every other change: who, what and from/to, on the Audit screen.
    await go('#/audit');
    const entry = page.locator('[data-testid="audit-entry"][data-action="health.thresholds"]').first();
    await entry.waitFor();
    expect(await entry.textContent()).toContain(`health:thresholds:${model}`);
    expect(await entry.textContent()).toMatch(/diskWarnPct \d+ → 1/);
    await screenshots('audit-health');
  });

  it('follows the fleet live with the monitor on, without a reload', async () => {
    await go('#/health');
    await page.getByTestId('monitor-interval').fill('2');
    await page.getByTestId('monitor-interval').press('Enter');
    await page.getByTestId('monitor-toggle').check();
    await expect.poll(() => page.getByTestId('monitor-state').textContent()).toMatch(/polling every 2 s/);
    await page.evaluate('window.sameWindow = true');

    // New samples land in the charts on their own.
    await go(`#/appliances/${failing.serial}`);
    const serving = page.locator('[data-testid="health-chart"][data-metric="serving"]');
    await serving.waitFor();
    const points0 = Number(await attr(serving, 'data-points'));
    await expect.poll(async () => Number(await attr(serving, 'data-points')), { timeout: 15_000 }).toBeGreaterThanOrEqual(points0 + 2);

    // The unreachable appliance comes back, and its page says so without being reloaded.
    await go(`#/appliances/${dark.serial}`);
    await expect.poll(() => attr(page.getByTestId('appliance-health'), 'data-reachable')).toBe('false');
    expect(app.cli(['lab', 'fault', dark.serial, 'unreachable', '--off']).status).toBe(0);
    await expect.poll(() => attr(page.getByTestId('appliance-health'), 'data-reachable'), { timeout: 15_000 }).toBe('true');
    await expect.poll(() => attr(page.getByTestId('header-health'), 'data-reachable')).toBe('true');
    expect(await page.getByTestId('appliance-health').getByTestId('health-age').textContent()).toMatch(/^measured \d+ s ago$/);

    // The overview counts follow too.
    await go('#/overview');
    await expect.poll(() => attr(page.getByTestId('health-count-unreachable'), 'data-count'), { timeout: 15_000 }).toBe('0');
    expect(await page.evaluate('window.sameWindow')).toBe(true);

    await go('#/health');
    await page.getByTestId('monitor-toggle').uncheck();
    await expect.poll(() => page.getByTestId('monitor-state').textContent()).toBe('polling is off');
    // Each monitor change (interval, on, off) is in the audit log.
    await go('#/audit');
    const changes = page.locator('[data-testid="audit-entry"][data-action="health.monitor"]');
    await changes.first().waitFor();
    expect(await changes.count()).toBeGreaterThanOrEqual(3);
    expect(await changes.first().textContent()).toMatch(/enabled true → false/);
  });

  it('drew everything under the strict CSP without a script error', () => {
    expect(consoleErrors).toEqual([]);
  });
});
