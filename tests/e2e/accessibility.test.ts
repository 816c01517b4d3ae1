/**
 * Accessibility end to end: axe-core (WCAG 2.1 A and AA rules) on every screen of a real `fleetdeck serve`
 * with a real lab fleet, in the light and the dark theme, in Debian's Chromium. Any serious or critical
 * violation fails, listed with its rule and the elements. Also: the skip link is the first Tab stop and
 * lands in the screen, and closing a dialog gives focus back to the button that opened it.
 *
 * FLEETDECK_SCREENSHOTS=<dir> also writes a screenshot of each screen and theme there.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import axe, { type AxeResults } from 'axe-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumAvailable, chromiumSkipReason } from './support/browser';
import { openAppSession, type AppSession } from './support/session';

if (!chromiumAvailable) console.log(`SKIPPED: accessibility end-to-end tests - ${chromiumSkipReason}`);

const SHOTS = process.env['FLEETDECK_SCREENSHOTS'];

interface Screen {
  name: string;
  /** Go there and wait until its content is drawn. */
  open(page: Page): Promise<void>;
}

describe.skipIf(!chromiumAvailable)('accessibility (axe-core, WCAG 2.1 AA) on every screen, both themes', () => {
  let s: AppSession;
  let serial = '';
  let site = '';
  let jobId = 0;

  beforeAll(async () => {
    s = await openAppSession({
      timeoutMs: 15_000,
      stopLab: true,
      prepare(app) {
        const lab = app.cli(['lab', 'start', '--appliances', '12', '--sites', '3']);
        if (lab.status !== 0) throw new Error(`lab start failed: ${lab.stderr || lab.stdout}`);
        const listed = JSON.parse(app.cli(['inventory', 'list', '--json', '--limit', '1']).stdout) as { items: { serial: string; site: string }[] };
        serial = listed.items[0]!.serial;
        site = listed.items[0]!.site;
        app.cli(['health', 'poll']);
      },
    });
  }, 120_000);

  afterAll(() => s?.close());

  const go = (page: Page, hash: string) => page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`);

  const screens: Screen[] = [
    { name: 'overview', open: async (p) => void (await go(p, '#/overview'), await p.getByTestId('partner-tree').waitFor()) },
    { name: 'appliances', open: async (p) => void (await go(p, '#/appliances'), await p.getByTestId('appliance-row').first().waitFor()) },
    { name: 'appliance', open: async (p) => void (await go(p, `#/appliances/${serial}`), await p.getByTestId('appliance-health').waitFor()) },
    { name: 'sites', open: async (p) => void (await go(p, '#/sites'), await p.locator('main table').first().waitFor()) },
    { name: 'site', open: async (p) => void (await go(p, `#/sites/${site}`), await p.locator('main h1').first().waitFor()) },
    { name: 'import', open: async (p) => void (await go(p, '#/import'), await p.locator('main h1').first().waitFor()) },
    {
      name: 'audit',
      open: async (p) => {
        await go(p, '#/audit');
        // The lab's set-up rows are hidden by default: ask for them, so the list has entries to check.
        await p.getByTestId('audit-hide-lab').uncheck();
        await p.getByTestId('audit-entry').first().waitFor();
      },
    },
    { name: 'health', open: async (p) => void (await go(p, '#/health'), await p.getByTestId('monitor-panel').waitFor()) },
    { name: 'actionable', open: async (p) => void (await go(p, '#/health/actionable'), await p.locator('main h1').first().waitFor()) },
    {
      name: 'job',
      open: async (p) => {
        if (!jobId) jobId = await runOcactlStatus(p);
        await go(p, `#/jobs/${jobId}`);
        await p.getByTestId('job-summary').waitFor();
      },
    },
    { name: 'jobs', open: async (p) => void (await go(p, '#/jobs'), await p.locator('main table').first().waitFor()) },
    { name: 'hostkeys', open: async (p) => void (await go(p, '#/hostkeys'), await p.locator('main h1').first().waitFor()) },
    { name: 'map', open: async (p) => void (await go(p, '#/map'), await p.getByTestId('map-site').first().waitFor()) },
    { name: 'capacity', open: async (p) => void (await go(p, '#/capacity?site=' + site), await p.getByTestId('capacity-site').waitFor()) },
    { name: 'firmware', open: async (p) => void (await go(p, '#/firmware'), await p.getByTestId('firmware-drop').waitFor()) },
    // Populated rollout screens (preview, live view, judgement chart) are checked with axe in rollouts.test.ts.
    { name: 'rollouts', open: async (p) => void (await go(p, '#/rollouts'), await p.getByTestId('rollouts-none').waitFor()) },
    { name: 'fills', open: async (p) => void (await go(p, '#/fills'), await p.locator('main h1').first().waitFor()) },
    { name: 'fills-site', open: async (p) => void (await go(p, `#/fills/${site}`), await p.locator('main h1').first().waitFor()) },
    { name: 'provisioning', open: async (p) => void (await go(p, '#/provisioning'), await p.locator('[data-testid="prov-sites"], [data-testid="prov-no-sites"]').first().waitFor()) },
    { name: 'terminals', open: async (p) => void (await go(p, '#/terminals'), await p.getByTestId('terminals-screen').waitFor()) },
    { name: 'snapshots', open: async (p) => void (await go(p, '#/snapshots'), await p.getByTestId('snapshot-compare-form').waitFor()) },
    { name: 'rollout-editor', open: async (p) => void (await go(p, '#/rollouts/new'), await p.getByTestId('rollout-editor').waitFor()) },
    {
      name: 'add-appliance-dialog',
      open: async (p) => {
        await go(p, '#/appliances');
        await p.getByTestId('add-appliance').click();
        await p.getByTestId('add-appliance-dialog').waitFor();
      },
    },
    {
      name: 'run-command-dialog',
      open: async (p) => {
        await go(p, `#/appliances/${serial}`);
        await p.getByTestId('run-command').first().click();
        await p.locator('dialog[open]').waitFor();
      },
    },
  ];

  /** A job to look at: `ocactl status` on one appliance, run from its page as a user would. */
  async function runOcactlStatus(page: Page): Promise<number> {
    await go(page, `#/appliances/${serial}`);
    await page.getByTestId('run-command').first().click();
    await page.getByTestId('run-accept-new').check();
    await page.getByTestId('run-review').click();
    await page.getByTestId('confirm-run').click();
    await expect.poll(() => page.evaluate('window.location.hash')).toMatch(/^#\/jobs\/\d+$/);
    return Number(/(\d+)$/.exec((await page.evaluate('window.location.hash')) as string)![1]);
  }

  /** axe-core injected through the debugger protocol (the page's CSP allows no injected script tag). */
  async function runAxe(page: Page): Promise<AxeResults> {
    if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axe.source);
    return (await page.evaluate(
      `window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] })`,
    )) as AxeResults;
  }

  async function closeDialogs(page: Page) {
    while ((await page.locator('dialog[open]').count()) > 0) await page.keyboard.press('Escape');
  }

  for (const theme of ['light', 'dark'] as const) {
    it(`has no serious or critical violation on ${screens.length} screens (${theme})`, async () => {
      const { page } = s;
      await page.evaluate(`document.documentElement.dataset.theme = '${theme}'`);
      const found: string[] = [];
      for (const screen of screens) {
        await closeDialogs(page);
        await screen.open(page);
        await page.waitForTimeout(200);
        if (SHOTS) {
          mkdirSync(SHOTS, { recursive: true });
          await page.screenshot({ path: join(SHOTS, `${screen.name}-${theme}.png`) });
        }
        const result = await runAxe(page);
        for (const v of result.violations) {
          if (v.impact !== 'serious' && v.impact !== 'critical') continue;
          const where = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ');
          found.push(`${screen.name}: ${v.id} (${v.impact}, ${v.nodes.length} elements) ${where}`);
        }
      }
      await closeDialogs(page);
      expect(found).toEqual([]);
    }, 180_000);
  }

  it('offers a skip link as the first Tab stop, and it lands in the screen', async () => {
    const { page } = s;
    await page.goto(s.app.url);
    await page.getByTestId('partner-tree').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(`document.activeElement?.getAttribute('data-testid')`)).toBe('skip-link');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(`document.activeElement?.id`)).toBe('main');
  });

  it('gives focus back to the button that opened a dialog when it closes', async () => {
    const { page } = s;
    await go(page, '#/appliances');
    const opener = page.getByTestId('add-appliance');
    await opener.click();
    await page.getByTestId('add-appliance-dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('add-appliance-dialog').waitFor({ state: 'detached' });
    await expect.poll(() => page.evaluate(`document.activeElement?.getAttribute('data-testid')`)).toBe('add-appliance');
  });

  it('filters the audit log: lab set-up rows hidden by default, then by appliance', async () => {
    const { page } = s;
    await go(page, '#/overview');
    await go(page, '#/audit');
    await page.getByTestId('audit-filter').waitFor();
    const targets = () => page.getByTestId('audit-entry').evaluateAll((els) => els.map((e) => e.querySelector('.target, [class*="target"]')?.textContent ?? e.textContent ?? ''));
    await expect.poll(async () => (await page.getByTestId('audit-log').textContent()) ?? '').toMatch(/No changes recorded yet\. The lab’s set-up rows .* are hidden/);
    await page.getByTestId('audit-hide-lab').uncheck();
    await expect.poll(async () => (await targets()).length).toBeGreaterThan(12);
    await page.getByTestId('audit-filter-appliance').fill(serial);
    await page.getByTestId('audit-apply').click();
    await expect.poll(async () => (await targets()).length).toBe(1);
    expect((await targets())[0]).toContain(`appliance:${serial}`);
  });

  it('scrolls only the screen: the top bar and the navigation stay in view on a long overview', async () => {
    const { page } = s;
    await page.setViewportSize({ width: 1440, height: 500 });
    await go(page, '#/overview');
    await page.getByTestId('partner-tree').waitFor();
    await page.evaluate(`document.getElementById('main').scrollTop = 10000`);
    await page.waitForTimeout(100);
    const scroll = (await page.evaluate(
      `({ doc: document.scrollingElement.scrollHeight - document.scrollingElement.clientHeight, navTop: document.querySelector('.nav').getBoundingClientRect().top, topTop: document.querySelector('.topbar').getBoundingClientRect().top })`,
    )) as { doc: number; navTop: number; topTop: number };
    expect(scroll).toEqual({ doc: 0, navTop: 44, topTop: 0 });
    await page.setViewportSize({ width: 1400, height: 900 });
  });
});
