/**
 * Commands that printed only text now print one JSON document with --json, and the demo's demand
 * hand-over has a command of its own (`fleetdeck lab hand-over-demand`): through the real
 * `fleetdeck` command on a small lab in a temp data dir.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pidAlive } from '../../main/lab/service';
import { readManifest } from '../../main/lab/manifest';
import { runFleetdeck } from '../support/cli';
import { tempDir } from '../support/temp-dir';

describe('fleetdeck --json on commands that printed only text; lab hand-over-demand', () => {
  let dir: string;
  const run = async (args: string[], timeoutMs?: number) => {
    const r = await runFleetdeck(dir, args, timeoutMs);
    expect(r.code, `fleetdeck ${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };
  /** The whole of stdout is one JSON document. */
  const json = async (args: string[], timeoutMs?: number): Promise<Record<string, unknown>> => JSON.parse(await run(args, timeoutMs)) as Record<string, unknown>;

  beforeAll(async () => {
    dir = tempDir('json-output-');
    await run(['lab', 'start', '--appliances', '4', '--sites', '2'], 120_000);
  }, 180_000);
  afterAll(async () => {
    await runFleetdeck(dir, ['lab', 'stop']).catch(() => undefined);
    const manifest = readManifest(join(dir, 'lab'));
    if (manifest && pidAlive(manifest.pid)) process.kill(manifest.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('net key and net keygen: the key, its fingerprint and type', async () => {
    const made = await json(['net', 'keygen', '--replace', '--json']);
    expect(made).toMatchObject({ type: 'ssh-ed25519', fingerprint: expect.stringMatching(/^SHA256:/), publicKey: expect.stringMatching(/^ssh-ed25519 /) });
    expect(await json(['net', 'key', '--json'])).toEqual(made);
    // without --json the text is unchanged: the public key line
    expect((await run(['net', 'key'])).trim()).toBe(made['publicKey']);
  });

  it('inventory list says LIFECYCLE, the word the UI uses', async () => {
    const header = (await run(['inventory', 'list'])).split('\n')[0]!;
    expect(header).toMatch(/\bLIFECYCLE\b/);
    expect(header).not.toMatch(/\bSTATUS\b/);
  });

  it("lab fault prints the appliance's faults it left on", async () => {
    const serial = readManifest(join(dir, 'lab'))!.appliances[0]!.serial;
    expect(await json(['lab', 'fault', serial, 'slow', '--json'])).toEqual({ serial, faults: ['slow'] });
    expect(await json(['lab', 'fault', serial, 'slow', '--off', '--json'])).toEqual({ serial, faults: [] });
  });

  it('lab hand-over-demand imports the catalog and demand the Fills screen would, and says so in JSON', async () => {
    const r = await json(['lab', 'hand-over-demand', '--titles', '300', '--days', '2', '--json'], 180_000);
    expect(r).toMatchObject({ titles: 300, sites: 2, demandRows: expect.any(Number), firstDay: expect.stringMatching(/^\d{4}-\d\d-\d\d$/) });
    expect(r['demandRows']).toBeGreaterThan(0);
    const text = await run(['lab', 'hand-over-demand', '--titles', '300', '--days', '2'], 180_000);
    expect(text).toMatch(/^Imported the lab's catalog \(300 titles\) and \d+ demand rows for 2 sites, /);
  }, 240_000);

  it('catalog import and lab demand export: one JSON report each', async () => {
    const out = join(dir, 'demand-files');
    const files = await json(['lab', 'demand', 'export', '--days', '1', '--titles', '50', '--out', out, '--json'], 120_000);
    expect(files).toMatchObject({ titles: 50, catalogPath: join(out, 'catalog.csv'), fromLab: true });
    const catalogRows = readFileSync(join(out, 'catalog.csv'), 'utf8').trim().split('\n').length - 1;
    const report = await json(['catalog', 'import', join(out, 'catalog.csv'), '--json'], 120_000);
    expect(report).toMatchObject({ rows: catalogRows });
    expect(await json(['demand', 'import', join(out, 'demand.csv'), '--json'], 120_000)).toMatchObject({ rows: files['demandRows'] });
  }, 240_000);

  it('the example under its help is a command line that runs', async () => {
    expect(await run(['lab', 'hand-over-demand', '--help'])).toMatch(/Example:\n\s+fleetdeck lab hand-over-demand --titles 5000 --days 3/);
  });
});
