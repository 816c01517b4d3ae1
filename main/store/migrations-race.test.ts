/**
 * Several processes open one fresh data dir at once (`fleetdeck serve` and `fleetdeck exec` on one
 * data dir, note4's `no such table: rollouts`): every one of them ends at the latest schema and
 * none runs a migration another already applied ("table ... already exists" before the fix).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { tempDir } from '../../tests/support/temp-dir';
import { until } from '../../tests/support/wait';

const REPO = resolve(__dirname, '../..');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function child(file: string, go: string): { proc: ChildProcess; out: () => string; done: Promise<void> } {
  const proc = spawn(process.execPath, [join(REPO, 'tests/support/kill9-child.mjs'), join(REPO, 'tests/support/migrate-race-child.ts'), file, go], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let text = '';
  proc.stdout?.on('data', (b: Buffer) => (text += b.toString()));
  const done = new Promise<void>((ok) => proc.on('exit', () => ok()));
  return { proc, out: () => text, done };
}

it('three processes migrating one fresh database at once all reach the latest schema', async () => {
  {
    const dir = tempDir();
    dirs.push(dir);
    const go = join(dir, 'go');
    const kids = [0, 1, 2].map(() => child(join(dir, 'fleet.sqlite'), go));
    await until(() => kids.every((k) => k.out().includes('ready')), 'every process ready', { timeoutMs: 60_000 });
    writeFileSync(go, '');
    await Promise.all(kids.map((k) => k.done));
    const results = kids.map((k) => JSON.parse(k.out().split('\n').find((l) => l.startsWith('{')) ?? '{}') as unknown);
    expect(results).toEqual([
      { ok: true, version: 3 },
      { ok: true, version: 3 },
      { ok: true, version: 3 },
    ]);
  }
}, 120_000);
