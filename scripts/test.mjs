#!/usr/bin/env node
// `npm test`: every check a change must pass, in order, stopping at the first failure:
// system packages, typecheck, lint, build (the E2E tests serve the built renderer), then every
// vitest suite (unit, integration, OpenSSH interop, Playwright end-to-end).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { ensureSystemDeps } from './system-deps.mjs';

const RESULTS = 'test-results/vitest.json';
mkdirSync('test-results', { recursive: true });
rmSync(RESULTS, { force: true });

/** The closing line CI reads: `tests: N passed, N failed, N skipped`. */
function printTally() {
  if (!existsSync(RESULTS)) return;
  const r = JSON.parse(readFileSync(RESULTS, 'utf8'));
  // A suite that fails before its tests run (a beforeAll throwing) counts as failed, not only skipped.
  const failed = Math.max(r.numFailedTests, r.numFailedTestSuites ?? 0);
  console.log(`tests: ${r.numPassedTests} passed, ${failed} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
}

const steps = [
  ['typecheck', 'npm', ['run', '-s', 'typecheck']],
  ['lint', 'npm', ['run', '-s', 'lint']],
  ['build', 'npm', ['run', '-s', 'build']],
  ['tests', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${RESULTS}`, ...process.argv.slice(2)]],
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
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`\n✗ ${name} failed after ${secs}s`);
    if (name === 'tests') printTally();
    process.exit(r.status ?? 1);
  }
  console.log(`✓ ${name} (${secs}s)`);
}
console.log(`\nAll checks passed in ${((Date.now() - started) / 1000).toFixed(0)}s.`);
printTally();
