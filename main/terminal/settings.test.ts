/**
 * The transcript setting lives in the typed settings store (terminal scope): off by default, kept
 * across engines on the same data dir, audited when changed, and a value left in the old
 * terminal-settings.json by an earlier build is moved into the store once (the file goes).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, type Engine } from '../engine';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import { tempDir } from '../../tests/support/temp-dir';
import { LEGACY_SETTINGS_FILE } from './service';

describe('terminal settings in the settings store', () => {
  const roots: string[] = [];
  const engines: Engine[] = [];
  afterEach(() => {
    engines.splice(0).forEach((e) => e.close());
    roots.splice(0).forEach((r) => rmSync(r, { recursive: true, force: true }));
  });

  const dataDir = () => {
    const root = tempDir('fleetdeck-terminal-settings-');
    roots.push(root);
    const dir = join(root, 'data');
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const open = async (dir: string) => {
    const engine = createEngine({ dataDir: dir, host: 'test', vault: await openNodeVault(dir), log: silentLogger, checkOutputs: true });
    engines.push(engine);
    return engine;
  };
  const stored = (engine: Engine) =>
    engine.db.prepare("SELECT value FROM terminal_settings WHERE key = 'settings'").get() as { value: string } | undefined;

  it('is off by default, stored in SQLite (no JSON file), audited, and kept for the next engine', async () => {
    const dir = dataDir();
    const first = await open(dir);
    const client = first.client({ actor: 'test:alice' });
    expect(await client.api.terminal.settings({})).toEqual({ transcript: false });
    expect(await client.api.terminal.updateSettings({ transcript: true })).toEqual({ transcript: true });
    expect(JSON.parse(stored(first)!.value)).toEqual({ transcript: true });
    expect(existsSync(join(dir, LEGACY_SETTINGS_FILE))).toBe(false);
    expect(first.deps.audit.list({ target: 'terminal:settings', limit: 10 })).toMatchObject([{ actor: 'test:alice', action: 'terminal.settings', details: { transcript: true } }]);
    first.close();
    engines.splice(0);
    const second = await open(dir);
    expect(await second.client().api.terminal.settings({})).toEqual({ transcript: true });
  });

  it('moves the value of an old terminal-settings.json into the store once, and removes the file', async () => {
    const dir = dataDir();
    writeFileSync(join(dir, LEGACY_SETTINGS_FILE), JSON.stringify({ transcript: true }));
    const first = await open(dir);
    expect(existsSync(join(dir, LEGACY_SETTINGS_FILE))).toBe(false);
    expect(await first.client().api.terminal.settings({})).toEqual({ transcript: true });
    expect(first.deps.audit.list({ target: 'terminal:settings', limit: 10 })).toMatchObject([{ action: 'terminal.settings', details: { transcript: true, movedFrom: LEGACY_SETTINGS_FILE } }]);
    // Turned off afterwards: a later engine does not bring the old file's value back.
    await first.client().api.terminal.updateSettings({ transcript: false });
    first.close();
    engines.splice(0);
    const second = await open(dir);
    expect(await second.client().api.terminal.settings({})).toEqual({ transcript: false });
    expect(second.deps.audit.list({ target: 'terminal:settings', limit: 10 })).toHaveLength(2);
  });

  it('leaves an unreadable old file where it is and keeps the default', async () => {
    const dir = dataDir();
    writeFileSync(join(dir, LEGACY_SETTINGS_FILE), '{"transcript": "yes please"');
    const engine = await open(dir);
    expect(existsSync(join(dir, LEGACY_SETTINGS_FILE))).toBe(true);
    expect(await engine.client().api.terminal.settings({})).toEqual({ transcript: false });
    expect(stored(engine)).toBeUndefined();
  });
});
