import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../engine';
import { LabFleet } from '../lab/fleet';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import { main } from './index';
import { parseFilter } from './exec';
import type { Io } from './io';
import { enrollLabFleet } from '../../tests/support/lab-inventory';

function capture(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (t) => lines.push(...t.split('\n')), err: (t) => errors.push(...t.split('\n')) };
}

describe('exec FILTER syntax', () => {
  it('parses terms, alternatives and repeated keys', () => {
    expect(parseFilter(['site=GRU1|GRU2,status=online', 'tag=rack:a', 'tag=b'])).toEqual({ site: ['GRU1', 'GRU2'], status: ['online'], tag: ['rack:a', 'b'] });
    expect(parseFilter(['text=oca-7'])).toEqual({ text: 'oca-7' });
  });
  it('refuses unknown keys and values with a sentence', () => {
    expect(() => parseFilter(['colour=red'])).toThrow(/unknown filter key "colour"/);
    expect(() => parseFilter(['status=broken'])).toThrow(/status "broken" is not one of/);
    expect(() => parseFilter(['site'])).toThrow(/not key=value/);
    expect(() => parseFilter(['site='])).toThrow(/has no value/);
  });
});

describe('fleetdeck exec / jobs against a lab fleet', () => {
  const root = mkdtempSync(join(tmpdir(), 'fleetdeck-cli-exec-'));
  const dataDir = join(root, 'data');
  let fleet: LabFleet;
  let serials: string[] = [];

  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    const engine = createEngine({ dataDir, host: 'test', vault: await openNodeVault(dataDir), log: silentLogger });
    try {
      const api = engine.client().api;
      const key = await api.net.generateFleetKey({});
      fleet = await LabFleet.start({ dir: join(root, 'lab'), appliances: 6, sites: 2, seed: 3, speed: 1, authorizedKeys: key.publicKey });
      serials = enrollLabFleet(engine.inventory, fleet);
    } finally {
      engine.close();
    }
  });
  afterAll(async () => {
    await fleet?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('prints one JSON line per appliance, then the summary; jobs list and show read it back', async () => {
    const io = capture();
    const status = await main(['exec', '--all', '--json', '--accept-new', '--concurrency', '3', '--data-dir', dataDir, '--', 'ocactl', 'status'], io);
    expect(io.errors.filter(Boolean)).toEqual([]);
    expect(status).toBe(0);
    const rows = io.lines.filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const perAppliance = rows.slice(0, -1);
    expect(perAppliance.map((r) => r.serial).sort()).toEqual(serials);
    for (const r of perAppliance) expect(r).toMatchObject({ ok: true, exitCode: 0, errorCode: null });
    expect(rows.at(-1)).toMatchObject({ state: 'done', total: 6, ok: 6, failed: 0 });
    const jobId = rows.at(-1)!.job as number;

    const list = capture();
    expect(await main(['jobs', 'list', '--data-dir', dataDir], list)).toBe(0);
    expect(list.lines.join('\n')).toMatch(new RegExp(`${jobId}.*done.*6 ok.*ocactl status`));
    const show = capture();
    expect(await main(['jobs', 'show', String(jobId), '--json', '--data-dir', dataDir], show)).toBe(0);
    const shown = JSON.parse(show.lines.join('\n')) as { results: unknown[]; summary: { passed: string[] } };
    expect(shown.results).toHaveLength(6);
    expect(shown.summary.passed.sort()).toEqual(serials);
  });

  it('selects with --where, reports failures with exit status 1 and offers retry', async () => {
    const target = serials[0]!;
    fleet.setFault(target, 'malformed', true);
    try {
      const io = capture();
      const status = await main(['exec', '--where', `text=${target}`, '--data-dir', dataDir, '--', 'ocactl', 'status'], io);
      expect(status).toBe(1);
      const text = io.lines.join('\n');
      expect(text).toMatch(/0 ok, 1 failed of 1/);
      expect(text).toContain(`failed ${target}: E_BAD_REPLY`);
      expect(text).toMatch(/fleetdeck jobs retry \d+/);
    } finally {
      fleet.setFault(target, 'malformed', false);
    }
  });

  it('refuses an ambiguous selection and an empty one', async () => {
    const io = capture();
    expect(await main(['exec', '--all', '--serial', 'X', '--data-dir', dataDir, '--', 'ocactl', 'status'], io)).toBe(1);
    expect(io.errors.join('\n')).toMatch(/exactly one of --all, --where/);
    const none = capture();
    expect(await main(['exec', '--where', 'status=rma', '--data-dir', dataDir, '--', 'uptime'], none)).toBe(1);
    expect(none.errors.join('\n')).toMatch(/matches no appliance.*\(E_VALIDATION\)/);
    // A site code no site has is named, with the sites there are, instead of "matches no appliance".
    const nowhere = capture();
    expect(await main(['exec', '--where', 'site=NOWHERE', '--data-dir', dataDir, '--', 'uptime'], nowhere)).toBe(1);
    expect(nowhere.errors.join('\n')).toMatch(/no site "NOWHERE" in .*\(\d+ sites, e\.g\. /);
  });

  it('runs a changing action on two sites only with --confirm COUNT when there is no terminal', async () => {
    const refused = capture();
    expect(await main(['exec', '--all', '--accept-new', '--data-dir', dataDir, '--', 'ocactl', 'undrain'], refused)).toBe(1);
    const text = refused.errors.join('\n');
    expect(text).toMatch(/ocactl undrain would change 6 appliances in 2 sites .*Nothing was run\. \(E_CONFIRM\)/);
    expect(text).toContain('add --confirm 6');
    const wrong = capture();
    expect(await main(['exec', '--all', '--confirm', '5', '--data-dir', dataDir, '--', 'ocactl', 'undrain'], wrong)).toBe(1);
    expect(wrong.errors.join('\n')).toMatch(/the count typed \(5\) is not what the selection reaches now/);
    const confirmed = capture();
    expect(await main(['exec', '--all', '--confirm', '6', '--accept-new', '--json', '--data-dir', dataDir, '--', 'ocactl', 'undrain'], confirmed)).toBe(0);
    expect(JSON.parse(confirmed.lines.filter(Boolean).at(-1)!)).toMatchObject({ state: 'done', total: 6, ok: 6 });
  });
});
