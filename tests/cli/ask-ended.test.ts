/**
 * A confirmation asked on a terminal whose input ends before an answer (Ctrl-D at the prompt) is a
 * refusal: a sentence and exit 1, never Node's silent status 13 for a question that never settles.
 * (Every prompt of the CLI is behind a stdin-is-a-terminal check, so standard input that ends as a
 * pipe does is proved on `ask` itself in a real process: main/cli/options.test.ts.) Real built CLI
 * on a pseudo-terminal (tests/cli/support/pty.ts); no lab: the prompt comes before any call.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, CLI_ENV, REPO } from '../support/cli';
import { tempDir } from '../support/temp-dir';
import { ptyUnavailable, spawnInPty, type PtySession } from './support/pty';

const noPty = ptyUnavailable();
if (noPty) console.log(`SKIPPED fleetdeck's questions on a terminal whose input ends: ${noPty}`);

let root = '';
const terminals: PtySession[] = [];

describe.skipIf(noPty !== null)('a question whose standard input ends', () => {
  beforeAll(() => {
    root = tempDir('fleetdeck-cli-ask-');
  });
  afterEach(() => {
    for (const t of terminals.splice(0)) t.kill();
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('Ctrl-D at "Abort rollout 1? [y/N]": "Not aborted.", exit 1', async () => {
    const term = spawnInPty([process.execPath, CLI, '--data-dir', join(root, 'data'), 'rollout', 'abort', '1'], { cwd: REPO, env: CLI_ENV });
    terminals.push(term);
    await term.waitFor(/Abort rollout 1\? \[y\/N\] $/, 120_000);
    term.write('\u0004'); // Ctrl-D: the terminal driver ends the command's input
    const { code } = await term.exit(60_000);
    expect(term.text).toMatch(/Abort rollout 1\? \[y\/N\] Not aborted\.\n/);
    expect(code, term.text).toBe(1);
  }, 240_000);
});
