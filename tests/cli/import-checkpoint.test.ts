/**
 * A large import through the built CLI: the WAL checkpoint after its commit runs on the checkpoint
 * thread (main/store/checkpoints.ts: eval'd JavaScript that loads better-sqlite3 from the build's
 * own place), and the command ends with the data in the database file and no WAL left behind.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APPLIANCES_HEADER, applianceRow, csv, SAMPLE_SITES } from '../support/inventory-fixtures';
import { runFleetdeck } from '../support/cli';
import { tempDir } from '../support/temp-dir';

describe('a large import from the built CLI', () => {
  it('hands its checkpoint to the checkpoint thread and leaves no WAL file', async () => {
    const dataDir = tempDir('fleetdeck-cli-ckpt-');
    const file = join(dataDir, 'many.csv');
    const rows = Array.from({ length: 3_000 }, (_, i) => applianceRow(`OCA${String(i).padStart(6, '0')}`, { ipv4: `10.2.${i >> 8}.${i & 255}` }));
    writeFileSync(file, csv(APPLIANCES_HEADER, ...rows));
    const sites = await runFleetdeck(dataDir, ['inventory', 'import', SAMPLE_SITES]);
    expect(sites.code, sites.stderr).toBe(0);
    const run = await runFleetdeck(dataDir, ['inventory', 'import', file]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/3000 created/);
    const log = readFileSync(join(dataDir, 'engine.log'), 'utf8');
    expect(log).toMatch(/"created":3000/);
    expect(log).not.toMatch(/checkpoint/i);
    expect(existsSync(join(dataDir, 'fleet.sqlite-wal'))).toBe(false);
    const list = await runFleetdeck(dataDir, ['inventory', 'list', '--json', '--text', 'oca002999']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/OCA002999/);
  });
});
