/**
 * What most end-to-end suites start with: a real `fleetdeck serve` (serve.ts), Debian's Chromium
 * (browser.ts) and one page open on the served URL with its per-run token.
 *
 *   let s: AppSession;
 *   beforeAll(async () => void (s = await openAppSession({ timeoutMs: 15_000 })));
 *   afterAll(() => s?.close());
 */
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { serveApp, type ServedApp } from './serve';

export interface AppSessionOptions {
  /** The page's default timeout for locators and waits. */
  timeoutMs: number;
  /** Default 1400 x 900. */
  viewport?: { width: number; height: number };
  /** Runs after serve is up and before the browser opens (start a lab, import files, ...). */
  prepare?: (app: ServedApp) => Promise<void> | void;
  /** On close, stop the lab the suite started with `fleetdeck lab start`. */
  stopLab?: boolean;
}

export interface AppSession {
  app: ServedApp;
  browser: Browser;
  page: Page;
  /** Closes the browser, stops the lab if asked, stops serve and removes its data dir. */
  close(): Promise<void>;
}

export async function openAppSession(options: AppSessionOptions): Promise<AppSession> {
  const app = await serveApp();
  let browser: Browser | null = null;
  const close = async () => {
    await browser?.close();
    if (options.stopLab) app.cli(['lab', 'stop']);
    await app.stop();
  };
  try {
    await options.prepare?.(app);
    browser = await launchChromium();
    // Downloads are accepted (Playwright's default), so export tests can read the file.
    const page = await browser.newPage({ viewport: options.viewport ?? { width: 1400, height: 900 } });
    page.setDefaultTimeout(options.timeoutMs);
    await page.goto(app.url);
    return { app, browser, page, close };
  } catch (err) {
    await close();
    throw err;
  }
}
