/**
 * The browser host in a real Chromium: the built renderer loads under the host's CSP without a
 * single violation and reaches the engine; a page from another local origin cannot open the RPC
 * socket even when it knows the token.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserHost } from '../../main/host/browser-host';
import { hostedSkipReason, startHostedEngine, type HostedEngine } from './support/hosted-engine';

const skipReason = hostedSkipReason();
if (skipReason) console.log(`SKIPPED: browser host in Chromium - ${skipReason}`);

describe.skipIf(skipReason !== null)(`browser host in Chromium${skipReason ? ` (SKIPPED: ${skipReason})` : ''}`, () => {
  let hosted: HostedEngine;
  let host: BrowserHost;
  let browser: Browser;
  let stranger: Server;
  let strangerOrigin: string;

  beforeAll(async () => {
    hosted = await startHostedEngine('browser', 'fleetdeck-hostweb-');
    ({ host, browser } = hosted);
    // Another web page on this machine (any local dev server, or a page a rebinding attack reached).
    stranger = createServer((_req, res) => res.end('<!doctype html><title>elsewhere</title>'));
    await new Promise<void>((r) => stranger.listen(0, '127.0.0.1', r));
    strangerOrigin = `http://127.0.0.1:${(stranger.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((r) => stranger?.close(r));
    await hosted?.close();
  });

  it('loads the built renderer with no CSP violation and talks to the engine', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && !/favicon/.test(m.location().url)) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(host.url);
    await page.getByRole('heading', { name: /Fleet overview|No appliances yet/ }).waitFor({ timeout: 30_000 });
    expect(await page.title()).toContain('Fleetdeck');
    // The token leaves the address bar once the page has it (the session goes on without it).
    expect(page.url()).not.toContain('token');
    expect(page.url()).not.toContain(host.token);

    // A reload without the token in the URL still works (sessionStorage + HttpOnly cookie).
    await page.goto(`http://127.0.0.1:${host.port}/#/overview`);
    await page.getByRole('heading', { name: /Fleet overview|No appliances yet/ }).waitFor({ timeout: 30_000 });
    expect(await page.evaluate('document.cookie')).toBe(''); // HttpOnly: the page cannot read it
    expect(problems.filter((p) => !/Failed to load resource.*404/.test(p))).toEqual([]);
    await page.close();
  });

  it('refuses the RPC socket to a page from another origin, even with the token', async () => {
    const page = await browser.newPage();
    await page.goto(strangerOrigin);
    const outcome = await page.evaluate(
      `new Promise((resolve) => {
        const ws = new WebSocket(${JSON.stringify(`ws://127.0.0.1:${host.port}/rpc?token=${host.token}`)});
        ws.onopen = () => resolve('open');
        ws.onerror = () => resolve('refused');
      })`,
    );
    expect(outcome).toBe('refused');
    const read = await page.evaluate(
      `fetch(${JSON.stringify(`http://127.0.0.1:${host.port}/?token=${host.token}`)}).then((r) => r.text()).then(() => 'read', () => 'blocked')`,
    );
    expect(read).toBe('blocked');
    await page.close();
  });
});
