/**
 * `npm run demo` keeps its data where the user says: --data-dir, else FLEETDECK_DATA_DIR, else a
 * folder in the checkout; its first line names the folder. The lab is given a size it refuses
 * (0 appliances), so the demo stops right after choosing its folder and nothing is started.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_ENV, REPO } from '../support/cli';
import { tempDir } from '../support/temp-dir';

function runDemo(env: NodeJS.ProcessEnv, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(REPO, 'scripts/demo.mjs'), ...args, '--appliances', '0'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('npm run demo: the data dir', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('honours FLEETDECK_DATA_DIR and prints the folder it uses', async () => {
    const dir = tempDir('demo-env-');
    dirs.push(dir);
    const run = await runDemo({ ...CLI_ENV, FLEETDECK_DATA_DIR: dir }, []);
    expect(run.stdout.split('\n')[0]).toBe(`Fleetdeck demo: data in ${dir} (FLEETDECK_DATA_DIR)`);
    // The lab refused 0 appliances: the demo ends with an error, having started nothing.
    expect(run.code).not.toBe(0);
  });

  it('--data-dir wins over FLEETDECK_DATA_DIR', async () => {
    const fromEnv = tempDir('demo-env-');
    const fromFlag = tempDir('demo-flag-');
    dirs.push(fromEnv, fromFlag);
    const flagged = await runDemo({ ...CLI_ENV, FLEETDECK_DATA_DIR: fromEnv }, ['--data-dir', fromFlag]);
    expect(flagged.stdout.split('\n')[0]).toBe(`Fleetdeck demo: data in ${fromFlag} (--data-dir)`);
  });

  it('refuses an option it does not know with a sentence and its usage, not a stack trace, before choosing a folder', async () => {
    const run = await runDemo(CLI_ENV, ['--no-open']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      "demo: Unknown option '--no-open'\nusage: npm run demo -- [--data-dir DIR] [--appliances N] [--sites M] [--speed X] [--keep-lab]\n",
    );
  });
});
