/**
 * The fills store's hand-over of the lab's demand (the demo's Fills screen on first view), against a
 * real engine and a real lab daemon: the hand-over is the fleet's, not a site's, so looking at
 * another site while it runs must not leave the screen saying "Importing…" with "Plan tomorrow"
 * disabled for good (it did when the state lived in the panel and was dropped on a site change).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../../../main/api/client';
import { useEngine } from '../../stores/engine';
import { useFills } from './store';
import { until } from '../../../../tests/support/wait';
import { windowTestEngine, type WindowTestEngine } from '../../../../tests/support/window-engine';

let temp: WindowTestEngine;
let client: ApiClient;
let sites: string[] = [];

beforeAll(async () => {
  temp = await windowTestEngine();
  client = temp.engine.client({ actor: 'test:window' });
  await client.api.lab.start({ appliances: 4, sites: 2, speed: 1 });
  sites = (await client.api.inventory.listSites({})).map((s) => s.code).sort();
  useEngine.getState().attach(client);
}, 120_000);

afterAll(async () => {
  await client?.api.lab.stop({}).catch(() => undefined);
  useEngine.getState().markLost('test finished');
  temp?.dispose();
});

describe("the lab's demand handed over from the Fills screen", () => {
  it('ends as imported, with its report, even when another site is looked at while it runs; a later look does not start it again', async () => {
    const [first, second] = sites as [string, string];
    expect(useFills.getState().labDemand).toBeNull();
    const seen: string[] = [];
    const stop = useFills.subscribe((s) => s.labDemand && seen.at(-1) !== s.labDemand.state && seen.push(s.labDemand.state));
    const running = useFills.getState().handOverLabDemand(first);
    await until(() => useFills.getState().labDemand !== null, 'the hand-over to start', { timeoutMs: 60_000 });
    // The screen moves to the other site meanwhile.
    void useFills.getState().load(second);
    await running;
    stop();
    expect(seen).toEqual(['importing', 'imported']);
    const done = useFills.getState().labDemand;
    expect(done?.state).toBe('imported');
    expect(done?.state === 'imported' && done.report.sites).toBe(2);
    // The other site's panel asks too: the demand is there, nothing is imported again.
    await useFills.getState().handOverLabDemand(second);
    expect(useFills.getState().labDemand).toBe(done);
    expect(await client.api.fills.inputs({ site: second })).toMatchObject({ demand: true, site: { code: second } });
  }, 180_000);
});
