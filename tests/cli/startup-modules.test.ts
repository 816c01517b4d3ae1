/**
 * What a CLI command loads (issue 7: `inventory list` on 10,000 appliances under 400 ms): the real
 * `fleetdeck` process runs with a preload that records every module it loads; the chunks of the
 * build are mapped back to their sources through their source maps. `inventory list` must not
 * load another domain's code or schemas (rollouts, fills, capacity, ...) nor ssh2; `--version`
 * loads no engine and no zod. `npm run bench:cli` measures the time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, CLI_ENV, REPO } from '../support/cli';

const root = mkdtempSync(join(tmpdir(), 'fleetdeck-startup-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * Runs `fleetdeck ...args` and returns what it loaded, repository-relative: the sources inside the
 * build's chunks (through their source maps) and every other file (packages in node_modules).
 */
function loadedBy(args: string[]): Set<string> {
  const record = join(root, `modules-${args.join('-').replace(/[^a-z-]/gi, '')}.txt`);
  writeFileSync(record, '');
  const run = spawnSync(process.execPath, ['--import', join(REPO, 'tests/support/record-modules.mjs'), CLI, ...args], {
    cwd: REPO,
    env: { ...CLI_ENV, FLEETDECK_RECORD_MODULES: record },
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(run.status, run.stderr).toBe(0);
  const loaded = new Set<string>();
  for (const line of readFileSync(record, 'utf8').split('\n')) {
    const [how, what] = line.split(' ');
    if (!what) continue;
    const file = how === 'import' ? fileURLToPath(what) : what;
    if (!file.startsWith(`${REPO}/`)) {
      loaded.add(file); // a bare package name or a relative require inside a package
      continue;
    }
    if (!file.includes('/out/cli/')) {
      loaded.add(file.slice(REPO.length + 1));
      continue;
    }
    // Source paths are relative to where the build wrote the chunk: keep the repository-relative part.
    const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
    for (const s of map.sources) loaded.add(s.replace(/^(\.\.\/)+/, ''));
  }
  return loaded;
}

describe('what a command loads', () => {
  it('inventory list loads the inventory and nothing of the other domains', () => {
    const loaded = loadedBy(['--data-dir', join(root, 'data'), 'inventory', 'list']);
    expect(loaded).toContain('main/inventory/service.ts');
    expect(loaded).toContain('main/inventory/contract.ts');
    // Every domain's migrations (SQL text) are gathered when the database opens; nothing else of theirs.
    const others = [...loaded].filter((s) => /^main\/(rollouts|fills|capacity|diagnostics|provisioning|terminal|firmware|health|snapshots|lab|net|jobs)\//.test(s) && !s.endsWith('/migrations.ts'));
    expect(others).toEqual([]);
    expect([...loaded].some((s) => s.startsWith('node_modules/better-sqlite3/'))).toBe(true);
    expect([...loaded].filter((s) => s === 'ssh2' || s.startsWith('node_modules/ssh2/') || s.startsWith('node_modules/cli-progress/'))).toEqual([]);
  });

  it('--version loads no engine and no zod', () => {
    const loaded = loadedBy(['--version']);
    expect(loaded).toContain('main/cli/index.ts');
    expect([...loaded].filter((s) => /^(node_modules\/(zod|better-sqlite3)\/|main\/(api|inventory)\/|main\/store\/db\.ts)/.test(s))).toEqual([]);
  });
});
