/**
 * The embedded default: on an empty inventory the first screen starts the lab fleet with one click,
 * and the fleet (real ssh2 and HTTP servers on loopback) lands in the inventory the UI shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { parseHttpReply } from '../../main/appliance/replies';
import { chromiumAvailable, chromiumSkipReason } from './support/browser';
import type { ServedApp } from './support/serve';
import { openAppSession, type AppSession } from './support/session';

if (!chromiumAvailable) console.log(`SKIPPED: lab first-run end-to-end test - ${chromiumSkipReason}`);

describe.skipIf(!chromiumAvailable)('first run: start the lab fleet with one click', () => {
  let session: AppSession;
  let app: ServedApp;
  let page: Page;

  beforeAll(async () => {
    session = await openAppSession({ timeoutMs: 30_000, stopLab: true });
    ({ app, page } = session);
  });

  afterAll(() => session?.close());

  it('starts 60 simulated appliances in 12 sites and shows them', async () => {
    await page.getByTestId('empty-start-lab').click();
    await expect.poll(() => page.getByTestId('total-appliances').textContent(), { timeout: 30_000 }).toContain('60');
    const sites = await page.getByTestId('overview-site').count();
    expect(sites).toBe(12);

    // The lab really runs: its appliances answer on the addresses the inventory recorded.
    const listed = JSON.parse(app.cli(['inventory', 'list', '--json', '--limit', '1']).stdout) as {
      items: { ipv4: string; apiPort: number; hostKeyFingerprint: string | null }[];
    };
    const first = listed.items[0]!;
    expect(first.ipv4).toBe('127.0.0.1');
    expect(first.hostKeyFingerprint).toMatch(/^SHA256:/);
    const health = await fetch(`http://127.0.0.1:${first.apiPort}/v1/health`);
    expect(health.status).toBe(200);
    // A reply the manager accepts (its status is the worst of its components), from a fresh appliance
    // with no fault: BGP up, the image committed, serving. Only disk or NIC load may warn.
    const reply = parseHttpReply('GET /v1/health', health.status, await health.text());
    const components = Object.fromEntries(reply.components.map((c) => [c.name, c.status]));
    expect(components).toMatchObject({ bgp: 'OK', firmware: 'OK', serving: 'OK', fill: 'OK' });
    expect(['OK', 'Warning']).toContain(reply.status);
  });
});
