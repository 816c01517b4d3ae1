/** The settings store on a real SQLite file: typed reads over defaults, checked writes, one scope per domain. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tempDir } from '../../tests/support/temp-dir';
import { MIGRATIONS } from '../migrations';
import { openDatabase, type Db } from '../store/db';
import { SettingsStore } from './store';

const Monitor = z.object({
  enabled: z.boolean(),
  intervalSec: z.number().int().min(5),
  selection: z.string(),
});
const DEFAULTS = { enabled: false, intervalSec: 60, selection: '' };

let dir: string;
let db: Db;
let store: SettingsStore;
beforeEach(() => {
  dir = tempDir();
  db = openDatabase(join(dir, 'fleet.sqlite'), MIGRATIONS);
  store = new SettingsStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('settings store', () => {
  it('gives the defaults until something is stored, then the stored value, across reopen', () => {
    const monitor = store.setting('health', 'monitor', Monitor, DEFAULTS);
    expect(monitor.get()).toEqual(DEFAULTS);
    monitor.set({ enabled: true, intervalSec: 30, selection: 'site=GRU01' });
    db.close();
    db = openDatabase(join(dir, 'fleet.sqlite'), MIGRATIONS);
    expect(new SettingsStore(db).setting('health', 'monitor', Monitor, DEFAULTS).get()).toEqual({ enabled: true, intervalSec: 30, selection: 'site=GRU01' });
  });

  it('refuses a value its schema rejects and keeps the stored one', () => {
    const monitor = store.setting('health', 'monitor', Monitor, DEFAULTS);
    monitor.set({ ...DEFAULTS, intervalSec: 30 });
    expect(() => monitor.set({ ...DEFAULTS, intervalSec: 1 })).toThrow(z.ZodError);
    expect(monitor.get().intervalSec).toBe(30);
  });

  it('drops only the stored fields the schema no longer accepts', () => {
    db.prepare(`INSERT INTO health_settings (key, value) VALUES ('monitor', ?)`).run(JSON.stringify({ enabled: true, intervalSec: 2, selection: 'tag=canary', retired: 1 }));
    expect(store.setting('health', 'monitor', Monitor, DEFAULTS).get()).toEqual({ enabled: true, intervalSec: 60, selection: 'tag=canary' });
  });

  it('keeps each domain in its own scope', () => {
    store.setting('health', 'monitor', Monitor, DEFAULTS).set({ ...DEFAULTS, enabled: true });
    expect(store.setting('net', 'monitor', Monitor, DEFAULTS).get()).toEqual(DEFAULTS);
  });
});
