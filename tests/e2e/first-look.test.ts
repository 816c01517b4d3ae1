/**
 * A first look at every screen, as a new user sees it (session 5): a real `fleetdeck serve` on a small
 * real lab and Debian's Chromium driven by Playwright.
 * - The navigation scrolls on its own in a short window: every section and the vault line reachable.
 * - No form field, button or label sticks out of its card at 1280 x 720 (the new-rollout form did).
 * - Snapshot paths are labelled fields with the label above the input, not run together.
 * - An empty audit log on a lab fleet says that the lab's set-up rows are hidden and shows them on request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumAvailable, chromiumSkipReason } from './support/browser';
import { openAppSession, type AppSession } from './support/session';

if (!chromiumAvailable) console.log(`SKIPPED: first-look end-to-end tests - ${chromiumSkipReason}`);

const go = (page: Page, hash: string) => page.evaluate((h) => ((globalThis as unknown as { location: { hash: string } }).location.hash = h), hash);

/**
 * Fields, buttons and labels whose box reaches past the right edge of their card, leaving out those
 * inside a container that scrolls or clips sideways (a wide table in a scrolling wrapper is fine).
 */
const OVERFLOWING = `(() => {
  const out = [];
  for (const card of document.querySelectorAll('.main .card')) {
    const right = card.getBoundingClientRect().right;
    for (const el of card.querySelectorAll('input, select, textarea, button, label, th')) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.right <= right + 1) continue;
      let clipped = false;
      for (let p = el.parentElement; p && p !== card; p = p.parentElement) {
        const ox = getComputedStyle(p).overflowX;
        if (ox !== 'visible') clipped = true;
      }
      if (!clipped) out.push((el.getAttribute('data-testid') || el.tagName.toLowerCase()) + ' by ' + Math.round(box.right - right) + ' px');
    }
  }
  return out;
})()`;

describe.skipIf(!chromiumAvailable)('a first look at every screen (Playwright + Chromium, real lab)', () => {
  let s: AppSession;

  beforeAll(async () => {
    s = await openAppSession({
      timeoutMs: 20_000,
      viewport: { width: 1280, height: 720 },
      stopLab: true,
      prepare: (app) => {
        const r = app.cli(['lab', 'start', '--appliances', '4', '--sites', '2']);
        if (r.status !== 0) throw new Error(`lab start failed: ${r.stderr}${r.stdout}`);
      },
    });
    await s.page.getByTestId('nav-overview').waitFor();
  }, 90_000);

  afterAll(() => s?.close());

  it('scrolls the navigation in a short window, so every section and the vault line can be reached', async () => {
    const { page } = s;
    await page.setViewportSize({ width: 1280, height: 480 });
    try {
      const bottomOf = async (testId: string) => {
        const box = (await page.getByTestId(testId).boundingBox())!;
        return box.y + box.height;
      };
      // Out of view at first; the mouse wheel over the navigation brings the last section and the vault line in.
      expect(await bottomOf('vault-kind')).toBeGreaterThan(480);
      await page.mouse.move(80, 300);
      await expect
        .poll(async () => {
          await page.mouse.wheel(0, 400);
          return bottomOf('vault-kind');
        }, { timeout: 15_000 })
        .toBeLessThanOrEqual(480);
      expect(await bottomOf('nav-audit')).toBeLessThanOrEqual(480);
      await page.getByTestId('nav-audit').click();
      await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    } finally {
      await page.setViewportSize({ width: 1280, height: 720 });
    }
  });

  it('keeps every field, button and label inside its card at 1280 x 720', async () => {
    const { page } = s;
    const screens: [string, string][] = [
      ['#/rollouts/new', 'rollout-create'],
      ['#/snapshots', 'snapshot-compare'],
      ['#/audit', 'audit-apply'],
      ['#/firmware', 'nav-firmware'],
      ['#/import', 'nav-import'],
      ['#/health', 'nav-health'],
      ['#/hostkeys', 'nav-hostkeys'],
      ['#/provisioning', 'nav-provisioning'],
    ];
    for (const [hash, ready] of screens) {
      await go(page, hash);
      await page.getByTestId(ready).first().waitFor();
      // Wait until the screen has drawn a card, then read the boxes.
      await expect.poll(() => page.locator('.main .card').count(), { timeout: 15_000 }).toBeGreaterThan(0);
      expect({ hash, overflowing: await page.evaluate(OVERFLOWING) }).toEqual({ hash, overflowing: [] });
    }
  });

  it('spaces the buttons of a row apart (the terminal card on an appliance page had them touching)', async () => {
    const { page } = s;
    await go(page, '#/appliances/LAB00001');
    await page.getByTestId('toggle-files').waitFor();
    const touching = await page.evaluate(`(() => {
      const out = [];
      for (const row of document.querySelectorAll('.main .actions')) {
        const boxes = [...row.children].map((c) => c.getBoundingClientRect()).filter((b) => b.width > 0);
        for (let i = 1; i < boxes.length; i++) {
          const [a, b] = [boxes[i - 1], boxes[i]];
          if (Math.abs(a.top - b.top) < 4 && b.left - a.right < 4) out.push(row.textContent.trim().slice(0, 60));
        }
      }
      return out;
    })()`);
    expect(touching).toEqual([]);
    expect(await page.locator('.main .actions').count()).toBeGreaterThan(0);
  });

  it('closes the status and edit panels with Escape or Cancel and gives focus back to the button that opened them', async () => {
    const { page } = s;
    await go(page, '#/appliances/LAB00001');
    const focused = () => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute('data-testid') ?? null);
    await page.getByTestId('change-status').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('status-form').waitFor();
    await page.getByTestId('status-form').locator('select').focus();
    await page.keyboard.press('Escape');
    await page.getByTestId('status-form').waitFor({ state: 'detached' });
    await expect.poll(focused, { timeout: 15_000 }).toBe('change-status');

    await page.getByTestId('edit-appliance').click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('appliance-detail').locator('.detail-grid').waitFor();
    await expect.poll(focused, { timeout: 15_000 }).toBe('edit-appliance');
  });

  it("keeps a diagnostics run's results inside the card, with its job in brackets", async () => {
    const { page } = s;
    await go(page, '#/appliances/LAB00002');
    const run = page.getByRole('button', { name: 'Run all checks' });
    await run.click();
    // The run is a real job on the lab appliance: wait until every check has its status.
    await page.getByTestId('diag-run-status').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('diag-check').count()).toBeGreaterThan(3);
    expect(await page.getByTestId('diag-run-head').first().textContent()).toMatch(/run \d+ \(job \d+\)/);
    // "(job 1)", not "( job 1 )": the bracket sits against the link.
    const bracketGap = await page.evaluate(`(() => {
      const link = document.querySelector('[data-testid=diag-run-head] a[href^="#/jobs/"]');
      const before = link.previousSibling;
      const range = document.createRange();
      range.setStart(before, before.textContent.length - 1);
      range.setEnd(before, before.textContent.length);
      return { bracket: range.toString(), gap: link.getBoundingClientRect().left - range.getBoundingClientRect().right };
    })()`);
    expect(bracketGap).toMatchObject({ bracket: '(' });
    expect((bracketGap as { gap: number }).gap).toBeLessThan(3);
    expect(await page.evaluate(OVERFLOWING)).toEqual([]);
  });

  it('labels the snapshot paths above their inputs', async () => {
    const { page } = s;
    await go(page, '#/snapshots');
    for (const name of ['Snapshot file', 'Older (A)', 'Newer (B)']) {
      const input = page.getByLabel(name, { exact: true });
      await input.waitFor();
      const label = page.locator('label', { hasText: name });
      const [l, i] = [(await label.boundingBox())!, (await input.boundingBox())!];
      expect(l.y + l.height, `${name}: label above its input`).toBeLessThanOrEqual(i.y + 1);
      expect(i.width, `${name}: room for a path`).toBeGreaterThanOrEqual(260);
    }
  });

  it('says why the audit log is empty on a lab fleet and shows the lab rows on request', async () => {
    const { page } = s;
    await go(page, '#/audit');
    const log = page.getByTestId('audit-log');
    await expect.poll(() => log.textContent(), { timeout: 15_000 }).toContain('set-up rows');
    expect(await page.getByTestId('audit-entry').count()).toBe(0);
    await page.getByTestId('audit-show-lab').click();
    await expect.poll(() => page.getByTestId('audit-entry').count(), { timeout: 15_000 }).toBeGreaterThan(4);
    expect(await page.getByTestId('audit-hide-lab').isChecked()).toBe(false);
    expect(await page.getByTestId('audit-show-lab').count()).toBe(0);
  });
});
