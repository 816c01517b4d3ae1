#!/usr/bin/env node
// `npm test`: every check a change must pass, in order, stopping at the first failure:
// system packages, typecheck, lint, build (the E2E tests serve the built renderer), then every
// vitest suite (unit, integration, OpenSSH interop, Playwright end-to-end). The vitest runs are
// watched (scripts/test-watchdog.mjs): a test file that runs too long or stops finishing tests is
// named and the run stopped, since Vitest cannot time out a worker whose main thread is blocked.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ensureSystemDeps } from './system-deps.mjs';
import { runWatched } from './test-watchdog.mjs';

const RESULTS = 'test-results/vitest.json';
const RETRY_RESULTS = 'test-results/vitest-retry.json';
const FLAKY = 'test-results/flaky.json';
/** More failed files than this is a broken change, not a flaky test: no second run. */
const MAX_RETRIED_FILES = 3;
mkdirSync('test-results', { recursive: true });
for (const f of [RESULTS, RETRY_RESULTS, FLAKY]) rmSync(f, { force: true });

const readJson = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null);

/** Per file: passed, failed and skipped tests (a file that failed with no failed test, a beforeAll throwing, counts one failure). */
function countsOf(file) {
  const by = (status) => file.assertionResults.filter((a) => a.status === status).length;
  const failed = by('failed');
  return { passed: by('passed'), failed: failed || (file.status === 'failed' ? 1 : 0), skipped: by('pending') + by('skipped') + by('todo') };
}

/** The closing line CI reads: `tests: N passed, N failed, N skipped` (files run twice count as their second run). */
function printTally() {
  const first = readJson(RESULTS);
  if (!first) return;
  const retry = readJson(RETRY_RESULTS);
  const files = new Map(first.testResults.map((f) => [f.name, f]));
  for (const f of retry?.testResults ?? []) files.set(f.name, f);
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const f of files.values()) for (const [k, n] of Object.entries(countsOf(f))) total[k] += n;
  console.log(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  const flaky = readJson(FLAKY);
  if (flaky?.length) console.log(`FLAKY: ${flaky.reduce((n, f) => n + f.tests.length, 0)} test(s) in ${flaky.length} file(s) failed, then passed when run again alone: ${flaky.map((f) => f.file).join(', ')} (see ${FLAKY})`);
}

/** The files of a vitest JSON report that failed, with the names and first lines of their failures. */
function failedFiles(report) {
  return report.testResults
    .filter((f) => f.status === 'failed')
    .map((f) => {
      const tests = f.assertionResults.filter((a) => a.status === 'failed');
      const firstLine = (text) => String(text ?? '').split('\n').find((l) => l.trim()) ?? '';
      return {
        file: relative(process.cwd(), f.name),
        tests: tests.length ? tests.map((a) => `${a.fullName ?? a.title}: ${firstLine(a.failureMessages?.[0])}`) : [`(the file itself) ${firstLine(f.message)}`],
      };
    });
}

/**
 * After a failed test run: the failed files (at most MAX_RETRIED_FILES) run once more, alone, one
 * file at a time. A test that fails under the full parallel load of CI and passes alone is reported
 * as FLAKY, loudly, here and in the tally, and does not fail the run; one that fails twice does.
 * Returns whether the second run passed.
 */
async function retryFailedFiles() {
  const first = readJson(RESULTS);
  if (!first) return false;
  const failed = failedFiles(first);
  if (failed.length === 0 || failed.length > MAX_RETRIED_FILES) return false;
  const banner = '!'.repeat(100);
  console.log(`\n${banner}\nRETRY: ${failed.length} test file(s) failed; each runs once more, alone, to tell a flaky test from a broken one:`);
  for (const f of failed) console.log(`  ${f.file}\n${f.tests.map((t) => `    ✗ ${t}`).join('\n')}`);
  console.log(banner);
  const files = failed.map((f) => f.file);
  const status = await runWatched(['--no-file-parallelism', '--reporter=default', '--reporter=json', `--outputFile.json=${RETRY_RESULTS}`, ...files]);
  if (status !== 0) {
    console.error(`\n✗ the retried file(s) failed again: not flaky, broken.`);
    return false;
  }
  writeFileSync(FLAKY, JSON.stringify(failed, null, 2) + '\n');
  console.log(`\n${banner}\nFLAKY: these failed under load and passed when run again alone. The run counts as passed;`);
  console.log('fix them (tests must wait for conditions, not for time): a flaky test hides the day it catches a real bug.');
  for (const f of failed) console.log(`  ${f.file}\n${f.tests.map((t) => `    ~ ${t}`).join('\n')}`);
  console.log(banner);
  return true;
}

const steps = [
  ['typecheck', 'npm', ['run', '-s', 'typecheck']],
  ['lint', 'npm', ['run', '-s', 'lint']],
  ['build', 'npm', ['run', '-s', 'build']],
  ['tests', 'vitest', ['--reporter=default', '--reporter=json', `--outputFile.json=${RESULTS}`, ...process.argv.slice(2)]],
];

// Every engine the tests start (in-process, `fleetdeck serve`, the CLI) reaches loopback only.
process.env.FLEETDECK_LOOPBACK_ONLY = '1';
const started = Date.now();
if (!ensureSystemDeps()) {
  console.error('fleetdeck: some tests need the packages above; they will report SKIPPED where they cannot run.');
}
for (const [name, cmd, args] of steps) {
  const t0 = Date.now();
  console.log(`\n── ${name} ──`);
  const status = cmd === 'vitest' ? await runWatched(args) : spawnSync(cmd, args, { stdio: 'inherit', env: process.env }).status;
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  // A run the watchdog stopped (124) has no results to retry.
  if (status !== 0 && !(name === 'tests' && status !== 124 && (await retryFailedFiles()))) {
    console.error(`\n✗ ${name} failed after ${secs}s`);
    if (name === 'tests') printTally();
    process.exit(status ?? 1);
  }
  console.log(`✓ ${name} (${secs}s)`);
}
console.log(`\nAll checks passed in ${((Date.now() - started) / 1000).toFixed(0)}s.`);
printTally();
