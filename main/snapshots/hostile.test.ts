/**
 * A snapshot file from elsewhere is data, not code: a view put in place of a table (one that never
 * ends, or shows other rows), a trigger added to a table, a schema from a newer Fleetdeck. Each is
 * refused by `snapshots.inspect`, `snapshots.diff` and the read-only engine before a table is read.
 */
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { openSnapshotEngine } from '../host/snapshot-engine';
import { MIGRATIONS } from '../migrations';
import { FleetError } from '../kit/errors';
import { tempEngine, type TempEngine } from '../../tests/support/temp-engine';
import { tempDir } from '../../tests/support/temp-dir';
import { sampleAppliances, sampleSites } from '../../tests/support/inventory-fixtures';

let t: TempEngine;
let out: string;
let good: string;

beforeEach(async () => {
  t = tempEngine();
  out = tempDir('fleetdeck-hostile-snap-');
  const api = t.engine.client({ actor: 'test:alice' }).api;
  await api.inventory.importData({ format: 'csv', kind: 'sites', content: sampleSites() });
  await api.inventory.importData({ format: 'csv', kind: 'appliances', content: sampleAppliances() });
  good = join(out, 'good.fdsnap');
  await api.snapshots.export({ out: good });
});
afterEach(() => {
  t.dispose();
  rmSync(out, { recursive: true, force: true });
});

/** A copy of the good snapshot with `sql` run on it (as a hostile sender would edit it). */
function tampered(name: string, sql: string, version?: number): string {
  const file = join(out, `${name}.fdsnap`);
  copyFileSync(good, file);
  const db = new Database(file);
  db.exec(sql);
  if (version !== undefined) db.pragma(`user_version = ${version}`);
  db.close();
  return file;
}

const HOSTILE: [string, string, number?][] = [
  [
    'a view that never ends in place of the appliances table',
    `PRAGMA foreign_keys = OFF; ALTER TABLE appliances RENAME TO appliances_kept;
     CREATE VIEW appliances AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT * FROM appliances_kept, n;`,
  ],
  ['a trigger added to a table', `CREATE TRIGGER sites_touch AFTER UPDATE ON sites BEGIN DELETE FROM appliances; END;`],
  ['a Fleetdeck trigger with another body', `DROP TRIGGER audit_log_no_delete; CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT 1; END;`],
  ['a schema from a newer Fleetdeck', 'SELECT 1', MIGRATIONS.length + 1],
];

describe('a hostile snapshot file', () => {
  it('the good snapshot opens (the check refuses nothing Fleetdeck made)', async () => {
    const api = t.engine.client().api;
    expect((await api.snapshots.inspect({ file: good })).appliances).toBe(12);
    const o = openSnapshotEngine(good, 'test');
    try {
      expect((await o.engine.client().api.inventory.listAppliances({ limit: 5 })).total).toBe(12);
    } finally {
      o.dispose();
    }
  });

  it.each(HOSTILE)('%s is refused with a sentence by inspect, diff and open', async (name, sql, version) => {
    const file = tampered(name.replaceAll(' ', '-'), sql, version);
    const api = t.engine.client().api;
    for (const call of [() => api.snapshots.inspect({ file }), () => api.snapshots.diff({ a: good, b: file })]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe('E_VALIDATION');
      expect((err as ApiError).message).toMatch(version ? /newer Fleetdeck/ : /is not in Fleetdeck's schema/);
    }
    let opened: unknown = null;
    try {
      opened = openSnapshotEngine(file, 'test');
    } catch (err) {
      opened = err;
    }
    expect(opened).toBeInstanceOf(FleetError);
    expect((opened as FleetError).code).toBe('E_VALIDATION');
  });
});
