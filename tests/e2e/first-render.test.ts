/**
 * The appliance table's first render (bench:render measures its time; docs/first-render.md): the
 * window opens its session with the engine before React's first render and asks for the table's
 * first page the moment the session is up, as the session's first request, once; and the page
 * records where its time went as User Timing marks, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumAvailable, chromiumSkipReason } from './support/browser';
import { REPO } from './support/serve';
import { openAppSession, type AppSession } from './support/session';
import { BOOT_MARKS } from '../../renderer/src/ui/boot-marks';

if (!chromiumAvailable) console.log(`SKIPPED: first-render end-to-end tests - ${chromiumSkipReason}`);

describe.skipIf(!chromiumAvailable)('the appliance table on a fresh window (Playwright + Chromium)', () => {
  let session: AppSession;

  beforeAll(async () => {
    session = await openAppSession({
      timeoutMs: 20_000,
      prepare: (app) => {
        for (const file of ['sites.csv', 'appliances.csv']) {
          const r = app.cli(['inventory', 'import', join(REPO, 'resources/samples', file)]);
          if (r.status !== 0) throw new Error(r.stderr);
        }
      },
    });
  });

  afterAll(() => session?.close());

  /** A new window on #/appliances; the JSON-RPC methods it sends, in order, until its first row shows. */
  async function openTable(): Promise<{ page: Page; sent: { method: string; params: unknown }[] }> {
    const page = await session.browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(20_000);
    const sent: { method: string; params: unknown }[] = [];
    page.on('websocket', (ws) =>
      ws.on('framesent', ({ payload }) => {
        const message = JSON.parse(String(payload)) as { method?: string; params?: unknown };
        if (message.method) sent.push({ method: message.method, params: message.params });
      }),
    );
    const url = new URL(session.app.url);
    url.hash = '#/appliances';
    await page.goto(url.toString());
    await page.getByTestId('appliance-row').first().waitFor();
    // Frames are reported by the browser as they go; wait until the first one has been heard of.
    await expect.poll(() => sent.length, { timeout: 20_000 }).toBeGreaterThan(0);
    return { page, sent };
  }

  it('asks for the first page of rows as the session\'s first request, and only once', async () => {
    const { page, sent } = await openTable();
    try {
      expect(sent[0]?.method).toBe('inventory.listAppliances');
      expect(sent[0]?.params).toMatchObject({ offset: 0, sort: 'serial', dir: 'asc' });
      const firstPages = sent.filter((m) => m.method === 'inventory.listAppliances' && (m.params as { offset?: number }).offset === 0);
      expect(firstPages).toHaveLength(1);
    } finally {
      await page.close();
    }
  });

  it('marks script run, session up, first page and first rows painted, in that order', async () => {
    const { page } = await openTable();
    try {
      const names = Object.values(BOOT_MARKS);
      await page.waitForFunction(`performance.getEntriesByName(${JSON.stringify(BOOT_MARKS.firstRows)}).length === 1`);
      const at = (await page.evaluate(
        `${JSON.stringify(names)}.map((n) => { const e = performance.getEntriesByName(n); return e.length === 1 ? e[0].startTime : null; })`,
      )) as (number | null)[];
      expect(at.every((t) => typeof t === 'number')).toBe(true);
      const times = at as number[];
      for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]!);
    } finally {
      await page.close();
    }
  });
});
