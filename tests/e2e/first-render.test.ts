/**
 * The appliance table's first render (bench:render measures its time; docs/first-render.md): the
 * page's early script opens the session with the engine and asks for the table's first page before
 * the app's script has run, as the session's first request, once; what the rest of the window shows
 * is asked for after the first rows are painted (also on an empty fleet, where no row ever shows);
 * and the page records where its time went as User Timing marks, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumAvailable, chromiumSkipReason } from './support/browser';
import { REPO } from './support/serve';
import { openAppSession, type AppSession } from './support/session';
import { BOOT_MARKS } from '../../renderer/src/ui/boot-marks';

if (!chromiumAvailable) console.log(`SKIPPED: first-render end-to-end tests - ${chromiumSkipReason}`);

/**
 * Each JSON-RPC request the page sends, with when it went (the page's clock), recorded in the page
 * itself (a wrapper on WebSocket.send installed before any of the page's scripts).
 */
const RECORD_SENDS = `(() => {
  const sends = [];
  window.__sends = sends;
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    try {
      const m = JSON.parse(String(data));
      if (m && m.method) sends.push({ method: m.method, id: m.id, at: performance.now() });
    } catch {}
    return send.call(this, data);
  };
})()`;
type Send = { method: string; id: unknown; at: number };
const sendsOf = async (page: Page) => (await page.evaluate('window.__sends')) as Send[];
const markAt = async (page: Page, name: string) =>
  (await page.evaluate(`performance.getEntriesByName(${JSON.stringify(name)})[0]?.startTime ?? null`)) as number | null;
/** Asked for by the rest of the window (filter bar, fleet total, top bar, alerts, snapshot banner). */
const AFTER_ROWS = ['inventory.facets', 'inventory.overview', 'system.info', 'net.hostKeyAlerts', 'snapshots.current'];
const notSent = async (page: Page) => {
  const sends = await sendsOf(page);
  return AFTER_ROWS.filter((m) => !sends.some((s) => s.method === m));
};

/** A new window of the session on #/appliances, recording its sends from before its first script. */
async function openRecording(session: AppSession): Promise<Page> {
  const page = await session.browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(20_000);
  await page.addInitScript(RECORD_SENDS);
  const url = new URL(session.app.url);
  url.hash = '#/appliances';
  await page.goto(url.toString());
  return page;
}

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

  it('sends the first page from the early script, and the rest of the window\'s requests only after the first rows are painted', async () => {
    const page = await openRecording(session);
    try {
      await page.getByTestId('appliance-row').first().waitFor();
      await page.waitForFunction(`performance.getEntriesByName(${JSON.stringify(BOOT_MARKS.firstRows)}).length === 1`);
      // Every one of them goes out in the end (the filter bar's facets, the fleet total, ...).
      await expect.poll(() => notSent(page), { timeout: 20_000 }).toEqual([]);
      const sends = await sendsOf(page);
      const firstRows = (await markAt(page, BOOT_MARKS.firstRows))!;
      expect(sends[0]).toMatchObject({ method: 'inventory.listAppliances', id: 'fleetdeck-early-1' });
      const early = sends.filter((s) => s.method === 'inventory.listAppliances');
      expect(early).toHaveLength(1);
      for (const m of AFTER_ROWS) {
        const first = sends.find((s) => s.method === m)!;
        expect({ method: m, afterRows: first.at >= firstRows }).toEqual({ method: m, afterRows: true });
      }
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

describe.skipIf(!chromiumAvailable)('a window opening on an empty appliance table (Playwright + Chromium)', () => {
  let session: AppSession;

  beforeAll(async () => {
    session = await openAppSession({ timeoutMs: 20_000 });
  });

  afterAll(() => session?.close());

  it('still asks for the rest of the window\'s data, though no row is ever painted', async () => {
    const page = await openRecording(session);
    try {
      await page.getByTestId('appliance-count').filter({ hasText: /^0 appliances$/ }).waitFor();
      await expect.poll(() => notSent(page), { timeout: 20_000 }).toEqual([]);
      expect(await markAt(page, BOOT_MARKS.firstRows)).toBeNull();
    } finally {
      await page.close();
    }
  });
});
