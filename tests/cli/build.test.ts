/**
 * `fleetdeck` runs from its build (out/cli, plain JavaScript), not from TypeScript compiled at each
 * start, and a build older than its sources is rebuilt before it runs (a fresh clone, an edit).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLI, CLI_ENV, REPO } from '../support/cli';
import { tempDir } from '../support/temp-dir';

const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { cwd: REPO, env: { ...CLI_ENV, ...env }, encoding: 'utf8' });

describe('the fleetdeck command from its build', () => {
  it('rebuilds a stale build first, then runs the build without rebuilding', () => {
    // An edit: a source file newer than the build.
    const source = join(REPO, 'main', 'version.ts');
    const now = new Date();
    utimesSync(source, now, now);
    const first = run(['--version'], { FLEETDECK_DEBUG: '1' });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/building out\/cli \(main\/version\.ts changed\)/);
    expect(first.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);

    const second = run(['--version'], { FLEETDECK_DEBUG: '1' });
    expect(second.stderr).toBe('');
    expect(second.stdout).toBe(first.stdout);
    const manifest = JSON.parse(readFileSync(join(REPO, 'out', 'cli', 'inputs.json'), 'utf8')) as { inputs: string[] };
    expect(manifest.inputs).toContain('main/cli/index.ts');
    expect(manifest.inputs).toContain('main/version.ts');
  });

  it('loads no TypeScript at run time: tsx is a dev dependency only', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(pkg.dependencies).not.toHaveProperty('tsx');
    expect(pkg.devDependencies).toHaveProperty('tsx');
    // A loader hook that refuses any import of tsx; the old way to run the CLI (bench/fleetdeck-tsx.mjs) shows it bites.
    const dir = tempDir('fleetdeck-no-tsx-');
    try {
      const hooks = join(dir, 'no-tsx-hooks.mjs');
      writeFileSync(hooks, "export async function resolve(spec, ctx, next) { if (spec === 'tsx' || spec.startsWith('tsx/')) throw new Error('tsx was imported: ' + spec); return next(spec, ctx); }\n");
      const register = join(dir, 'register.mjs');
      writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
      const env = { NODE_OPTIONS: `--import=${pathToFileURL(register).href}` };
      const args = ['--data-dir', join(dir, 'data'), 'inventory', 'list'];
      const built = run(args, env);
      expect(built.stderr).toBe('');
      expect(built.status).toBe(0);
      expect(built.stdout).toContain('is empty');
      const old = spawnSync(process.execPath, [join(REPO, 'bench', 'fleetdeck-tsx.mjs'), ...args], { cwd: REPO, env: { ...CLI_ENV, ...env }, encoding: 'utf8' });
      expect(old.status).not.toBe(0);
      expect(old.stderr).toContain('tsx was imported');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
