/**
 * The test run's watchdog (scripts/test-watchdog.mjs, used by `npm test`): Vitest cannot time out a
 * test whose worker's main thread is blocked, so the run is watched from outside. A real watched
 * Vitest run of a tiny fixture project (tests/runner/fixture, files *.check.ts that the normal suite
 * never picks up) whose test blocks forever in Atomics.wait is stopped with a sentence naming the
 * file, and its worker is gone; a run that passes keeps its status.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyEvent, describeOverdue, emptyProgress, overdue, type Limits } from '../../scripts/test-watchdog.mjs';
import { until } from '../support/wait';

const REPO = resolve(import.meta.dirname, '../..');
const FIXTURE_CONFIG = join(REPO, 'tests/runner/fixture/vitest.config.mjs');
const BLOCKS = join(REPO, 'tests/runner/fixture/blocks.check.ts');
const MIN = 60_000;
const limits: Limits = { fileLimitMs: 30 * MIN, stallLimitMs: 10 * MIN };

describe('which files are overdue', () => {
  it('names a file none of whose tests finished for the stall limit, with the test it was running', () => {
    const p = emptyProgress(0);
    applyEvent(p, { e: 'start', file: '/r/a.test.ts', at: 0 });
    applyEvent(p, { e: 'start', file: '/r/b.test.ts', at: 0 });
    applyEvent(p, { e: 'test', file: '/r/a.test.ts', name: 'a > waits', at: 1_000 });
    applyEvent(p, { e: 'done', file: '/r/b.test.ts', at: 5 * MIN });
    expect(overdue(p, 10 * MIN, limits)).toEqual([]);
    const late = overdue(p, 10 * MIN + 1, limits);
    expect(late).toEqual([{ file: '/r/a.test.ts', test: 'a > waits', reason: 'stall', ms: 10 * MIN + 1 }]);
    expect(describeOverdue(late, limits, '/r')).toEqual(['a.test.ts (running "a > waits"): no test in it finished for 10.0 min (limit 10.0 min)']);
  });

  it('names a file that runs longer than the file limit even while its tests finish', () => {
    const p = emptyProgress(0);
    applyEvent(p, { e: 'start', file: '/r/long.test.ts', at: 0 });
    for (let t = MIN; t <= 31 * MIN; t += MIN) applyEvent(p, { e: 'done', file: '/r/long.test.ts', at: t });
    expect(overdue(p, 30 * MIN, limits)).toEqual([]);
    const late = overdue(p, 31 * MIN, limits);
    expect(late).toEqual([{ file: '/r/long.test.ts', test: null, reason: 'file', ms: 31 * MIN }]);
    expect(describeOverdue(late, limits, '/r')).toEqual(['long.test.ts has run for 31.0 min (limit 30.0 min)']);
  });

  it('forgets files that ended; a run that says nothing with no file running is overdue after the longer limit, until it has ended', () => {
    const p = emptyProgress(0);
    applyEvent(p, { e: 'start', file: '/r/a.test.ts', at: 0 });
    applyEvent(p, { e: 'end', file: '/r/a.test.ts', at: MIN });
    expect(overdue(p, 31 * MIN, limits)).toEqual([]);
    const late = overdue(p, 31 * MIN + 1, limits);
    expect(late).toEqual([{ file: null, test: null, reason: 'stall', ms: 30 * MIN + 1 }]);
    expect(describeOverdue(late, limits, '/r')).toEqual(['no test file has started or ended for 30.0 min (limit 30.0 min)']);
    applyEvent(p, { e: 'run-end', at: 2 * MIN });
    expect(overdue(p, 60 * MIN, limits)).toEqual([]);
  });
});

describe('a watched Vitest run (real processes)', () => {
  let running: ReturnType<typeof spawn> | null = null;
  afterEach(() => {
    // The watchdog passes SIGTERM on to the run it started.
    if (running?.exitCode === null) running.kill('SIGTERM');
  });

  /** Runs scripts/test-watchdog.mjs on the fixture project; its status and everything it printed. */
  async function watched(args: string[], env: Record<string, string>) {
    // Nothing of the run this test is in (Vitest's worker variables, the outer watchdog's limits and progress file).
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && !k.startsWith('FLEETDECK_TEST_')));
    const child = spawn(process.execPath, [join(REPO, 'scripts/test-watchdog.mjs'), '--config', FIXTURE_CONFIG, ...args], {
      cwd: REPO,
      env: { ...clean, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running = child;
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    // Bounded here too, so a watchdog that fails to stop the run fails this test instead of hanging it.
    // 'close', not 'exit': the last of its output may arrive after the process has exited.
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    const status = await Promise.race([exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 120_000))]);
    return { status, out };
  }

  const gone = (pid: number) => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  };

  it('stops a run whose test blocks its worker for good, names the file, and leaves no worker behind', async () => {
    const { status, out } = await watched(['blocks'], { FLEETDECK_TEST_STALL_LIMIT_S: '3' });
    expect(status, out).toBe(124);
    expect(out).toContain('WATCHDOG: the test run was stopped: tests/runner/fixture/blocks.check.ts: no test in it finished for');
    expect(out).toContain("Vitest cannot time out a test whose worker's main thread is blocked");
    // The worker it listed (a Vitest fork) is killed with the run.
    const worker = /vitest worker (\d+): /.exec(out);
    expect(worker, out).not.toBeNull();
    await until(() => gone(Number(worker![1])), `worker ${worker![1]} to be gone`);
    expect(out).not.toMatch(/Test Files .* passed/);
  }, 180_000);

  it('stops a file that runs past the file limit', async () => {
    const { status, out } = await watched([BLOCKS], { FLEETDECK_TEST_FILE_LIMIT_S: '3', FLEETDECK_TEST_STALL_LIMIT_S: '3600' });
    expect(status, out).toBe(124);
    expect(out).toMatch(/WATCHDOG: the test run was stopped: tests\/runner\/fixture\/blocks\.check\.ts has run for \d+ s \(limit 3 s\)/);
  }, 180_000);

  it('lets a run that passes end with its own status and says nothing', async () => {
    const { status, out } = await watched(['passes'], {});
    expect(status, out).toBe(0);
    expect(out).toMatch(/Tests\s+2 passed/);
    expect(out).not.toContain('WATCHDOG');
  }, 180_000);
});
