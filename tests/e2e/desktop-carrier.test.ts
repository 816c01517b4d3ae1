/**
 * The renderer's desktop carrier (renderer/src/api/carrier.ts) in a real Chromium, without
 * Electron: an init script plays the preload exactly as electron/preload.ts does (it answers
 * 'fleetdeck:want-port' with a MessagePort posted as 'fleetdeck:port', and relays engine news),
 * bridging the port to the browser host's socket. The built page must connect through the port,
 * and turn news of the engine stopping into its lost-connection state.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE } from '../../electron/channels';
import type { BrowserHost } from '../../main/host/browser-host';
import { hostedSkipReason, startHostedEngine, type HostedEngine } from './support/hosted-engine';

const skipReason = hostedSkipReason();
if (skipReason) console.log(`SKIPPED: desktop carrier in Chromium - ${skipReason}`);

/**
 * What electron/preload.ts does, with a WebSocket to the host standing in for the shell. The channel
 * names come from electron/channels.ts, as the real preload's do: renaming one there without the page
 * (renderer/src/api/carrier.ts) breaks this test.
 */
const FAKE_PRELOAD = `
  const PAGE = ${JSON.stringify(PAGE)};
  window.fleetdeckDesktop = { platform: 'test' };
  window.__portsGiven = 0;
  window.addEventListener('message', (event) => {
    if (event.data !== PAGE.wantPort) return;
    const { port1, port2 } = new MessageChannel();
    const ws = new WebSocket('ws://' + location.host + '/rpc');
    const queue = [];
    ws.onopen = () => queue.splice(0).forEach((m) => ws.send(m));
    ws.onmessage = (m) => port1.postMessage(m.data);
    port1.onmessage = (m) => (ws.readyState === 1 ? ws.send(m.data) : queue.push(m.data));
    window.__portsGiven++;
    window.postMessage(PAGE.port, '*', [port2]);
  });
`;
/** The news the shell relays when the engine stops, as the preload posts it. */
const ENGINE_STOPPED = { type: PAGE.engine, state: 'stopped', message: 'engine exited with code 9' };

describe.skipIf(skipReason !== null)(`desktop carrier in Chromium${skipReason ? ` (SKIPPED: ${skipReason})` : ''}`, () => {
  let hosted: HostedEngine;
  let host: BrowserHost;
  let browser: Browser;

  beforeAll(async () => {
    hosted = await startHostedEngine('desktop', 'fleetdeck-carrier-');
    ({ host, browser } = hosted);
  });

  afterAll(() => hosted?.close());

  it('asks for its port, talks over it, and shows the engine stopping', async () => {
    const context = await browser.newContext();
    // The first load sets the host's cookie; the desktop carrier itself never uses the token.
    const first = await context.newPage();
    await first.goto(host.url);
    await first.close();

    const page = await context.newPage();
    await page.addInitScript(FAKE_PRELOAD);
    await page.goto(`http://127.0.0.1:${host.port}/#/overview`);
    await page.getByRole('heading', { name: /Fleet overview|No appliances yet/ }).waitFor({ timeout: 30_000 });
    const connection = page.getByTestId('connection-state');
    await expect.poll(() => connection.getAttribute('data-state')).toBe('connected');
    expect(await page.evaluate('window.__portsGiven')).toBe(1);

    await page.evaluate(`window.postMessage(${JSON.stringify(ENGINE_STOPPED)}, '*')`);
    await expect.poll(() => connection.getAttribute('data-state')).toBe('lost');
    await context.close();
  });
});
