/**
 * A 50 MB inventory file streams: the CLI imports it with the V8 heap capped far below what holding
 * the file's rows in memory would take, so an implementation that read it whole would crash here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appliancesCsv, sitesCsv } from '../../bench/fleet-gen';
import { CLI, REPO } from '../e2e/support/serve';

const ROWS = 550_000;
const HEAP_MB = 96;

describe('a 50 MB CSV import', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleetdeck-50mb-'));
    const sites = sitesCsv(200);
    writeFileSync(join(dir, 'sites.csv'), sites.csv);
    writeFileSync(join(dir, 'appliances.csv'), appliancesCsv(ROWS, sites.codes));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, CLI, ...args, '--data-dir', join(dir, 'data')], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 240_000,
    });

  it(`streams into the inventory with a ${HEAP_MB} MB heap`, () => {
    expect(statSync(join(dir, 'appliances.csv')).size).toBeGreaterThan(50 * 1024 * 1024);
    expect(cli('inventory', 'import', join(dir, 'sites.csv')).status).toBe(0);
    const r = cli('inventory', 'import', join(dir, 'appliances.csv'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${ROWS.toLocaleString('en-US')}|${ROWS}`));
    const listed = cli('inventory', 'list', '--json', '--limit', '1');
    expect(JSON.parse(listed.stdout).total).toBe(ROWS);
  }, 300_000);
});
