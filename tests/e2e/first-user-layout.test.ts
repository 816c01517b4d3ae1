/**
 * The appliance table at a common laptop size (1280 x 800) on a real lab behind `fleetdeck serve`,
 * in Debian's Chromium: the main columns (serial, hostname, site, lifecycle, health, address) are
 * in view without scrolling sideways, and no address is cut (each cell's text fits its width).
 * FLEETDECK_SCREENSHOTS=<dir> also writes the screenshot.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumAvailable, chromiumSkipReason } from './support/browser';
import { openAppSession, type AppSession } from './support/session';

if (!chromiumAvailable) console.log(`SKIPPED: table layout end-to-end tests - ${chromiumSkipReason}`);
const SHOTS = process.env['FLEETDECK_SCREENSHOTS'];

describe.skipIf(!chromiumAvailable)('the appliance table at 1280 x 800 (Playwright + Chromium, real lab)', () => {
  let session: AppSession;
  let page: Page;

  beforeAll(async () => {
    session = await openAppSession({
      timeoutMs: 20_000,
      stopLab: true,
      viewport: { width: 1280, height: 800 },
      prepare: (app) => {
        const started = app.cli(['lab', 'start', '--appliances', '12', '--sites', '3']);
        if (started.status !== 0) throw new Error(started.stderr);
      },
    });
    page = session.page;
  }, 120_000);

  afterAll(() => session?.close());

  it('shows the main columns without sideways scrolling, and every address whole', async () => {
    await page.evaluate(() => ((globalThis as unknown as { location: { hash: string } }).location.hash = '#/appliances'));
    const table = page.getByTestId('appliance-table');
    await expect.poll(() => table.getByTestId('appliance-row').count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(12);
    if (SHOTS) await page.screenshot({ path: join(SHOTS, 'appliance-table-1280.png') });
    const cells = await table.getByTestId('appliance-row').evaluateAll((rows) =>
      rows.map((row) => {
        const cell = (row as unknown as { children: ArrayLike<{ scrollWidth: number; clientWidth: number; textContent: string; getBoundingClientRect(): { right: number } }> }).children;
        const headers = Array.from((row.ownerDocument as unknown as { querySelectorAll(s: string): ArrayLike<{ textContent: string }> }).querySelectorAll('[role="columnheader"]')).map((h) => h.textContent.trim());
        const at = headers.findIndex((h) => h.startsWith('IPv4'));
        const address = cell[at]!;
        return { text: address.textContent, scrollWidth: address.scrollWidth, clientWidth: address.clientWidth, right: address.getBoundingClientRect().right };
      }),
    );
    const grid = await table.evaluate((el) => ({ left: el.getBoundingClientRect().left, right: el.getBoundingClientRect().right }));
    for (const c of cells) {
      expect(c.text).toMatch(/^[\d.:a-f]+$/);
      expect(c.scrollWidth, `${c.text} is cut`).toBeLessThanOrEqual(c.clientWidth);
      expect(c.right, `${c.text} is off screen`).toBeLessThanOrEqual(grid.right);
    }
    // The main columns' headers are all in view, with the table scrolled to its left edge.
    const headers = await table.locator('[role="columnheader"]').evaluateAll((hs) =>
      hs.map((h) => ({ name: (h.textContent ?? '').replace(/[▲▼]/g, '').trim(), right: (h as unknown as { getBoundingClientRect(): { right: number } }).getBoundingClientRect().right })),
    );
    const main = ['Serial', 'Hostname', 'Site', 'IPv4 / IPv6', 'Lifecycle', 'Health'];
    expect(headers.filter((h) => main.includes(h.name)).map((h) => h.name)).toEqual(main);
    for (const h of headers.filter((x) => main.includes(x.name))) expect(h.right, `${h.name} is out of view`).toBeLessThanOrEqual(grid.right);
    // The widest IPv4 address fits too (the lab's are all 127.0.0.1): measured in the same cell.
    const widest = await table.getByTestId('appliance-row').first().evaluate((row) => {
      const cells = (row as unknown as { children: ArrayLike<{ textContent: string; scrollWidth: number; clientWidth: number; firstElementChild: { textContent: string } | null }> }).children;
      const cell = Array.from(cells).find((c) => /^127\./.test(c.textContent))!;
      const span = cell.firstElementChild!;
      const before = span.textContent;
      span.textContent = '255.255.255.255';
      const fits = { scrollWidth: cell.scrollWidth, clientWidth: cell.clientWidth };
      span.textContent = before;
      return fits;
    });
    expect(widest.scrollWidth).toBeLessThanOrEqual(widest.clientWidth);
  });
});
