/**
 * `fleetdeck rollout` as a person runs it: the real CLI process against a lab started with
 * `fleetdeck lab start --release-key` (fast lab clock), an image made with `fleetdeck lab
 * make-image`, signed with the real ssh-keygen and imported. Through pipes: --json lines (create
 * prints the id), --yes needed without a terminal, the typed count for window now, exit statuses.
 * On a pseudo-terminal: the progress bar, and Ctrl-C pausing the rollout (resume goes on).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, CLI_ENV, REPO, runFleetdeck } from '../support/cli';
import { tempDir } from '../support/temp-dir';
import { plainText, ptyUnavailable, spawnInPty, type PtySession } from './support/pty';

const KEYGEN = '/usr/bin/ssh-keygen';
const noPty = ptyUnavailable();
if (noPty) console.log(`SKIPPED fleetdeck rollout on a terminal (the pipe tests still run): ${noPty}`);
const onTerminal = noPty ? it.skip : it;
const missing = !existsSync(KEYGEN);
if (missing) console.log(`SKIPPED fleetdeck rollout: ${KEYGEN} missing`);

// Appliances are asked where they are every 100 ms (the lab's clock runs 600 times fast).
CLI_ENV['FLEETDECK_ROLLOUT_POLL_MS'] = '100';

let root = '';
let dataDir = '';
const cli = (args: string[], timeoutMs = 120_000) => runFleetdeck(dataDir, args, timeoutMs);
const ESC = '\u001b';
const terminals: PtySession[] = [];

async function image(version: string): Promise<void> {
  const file = join(root, `${version}.img`);
  expect((await cli(['lab', 'make-image', version, '--out', file])).code).toBe(0);
  execFileSync(KEYGEN, ['-Y', 'sign', '-n', 'fleetdeck-firmware', '-f', join(root, 'release'), file], { stdio: 'pipe' });
  const imported = await cli(['firmware', 'import', file]);
  expect(imported.code, imported.stderr).toBe(0);
}

// --observe 0: one sample of canary and baseline, which cannot be significant (a pass by construction of the
// plan, not by chance); judged canaries are tested in main/rollouts/*.test.ts.
const PLAN = ['--all', '--max-unavailable-per-site', '1', '--observe', '0', '--window', 'now', '--confirm', '6'];

describe.skipIf(missing)('fleetdeck rollout', () => {
  beforeAll(async () => {
    root = tempDir('fleetdeck-cli-rollout-');
    dataDir = join(root, 'data');
    execFileSync(KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', 'release@test', '-f', join(root, 'release')]);
    const lab = await cli(['lab', 'start', '--appliances', '6', '--sites', '2', '--speed', '600', '--release-key', join(root, 'release.pub')]);
    expect(lab.code, lab.stderr).toBe(0);
    expect((await cli(['firmware', 'trust-key', join(root, 'release.pub')])).code).toBe(0);
    await image('31.0.0');
    await image('31.1.0');
  }, 180_000);
  afterEach(() => {
    for (const t of terminals.splice(0)) t.kill();
  });
  afterAll(async () => {
    if (dataDir) await cli(['lab', 'stop']).catch(() => undefined);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('without a terminal: --yes is needed, window now needs the count, --json prints the id; start --json follows it to the end', async () => {
    const noYes = await cli(['rollout', 'create', '--image', '31.0.0', '--all']);
    expect(noYes.code).toBe(1);
    expect(noYes.stderr).toContain('add --yes');
    const noCount = await cli(['rollout', 'create', '--image', '31.0.0', '--all', '--window', 'now', '--yes', '--json']);
    expect(noCount.code).toBe(1);
    expect(noCount.stderr).toContain('add --confirm 6');
    const created = await cli(['rollout', 'create', '--image', '31.0.0', ...PLAN, '--yes', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const { id, targets } = JSON.parse(created.stdout.trim()) as { id: number; targets: number };
    expect(targets).toBe(6);
    const again = await cli(['rollout', 'create', '--image', '31.0.0', ...PLAN, '--yes']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('E_CONFLICT');

    const started = await cli(['rollout', 'start', String(id), '--json']);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout + started.stderr).not.toContain(ESC);
    const lines = started.stdout.trim().split('\n').map((l) => JSON.parse(l) as { state: string; ok: number });
    expect(lines.at(-1)).toMatchObject({ state: 'succeeded', ok: 6 });
    const status = JSON.parse((await cli(['rollout', 'status', String(id), '--json'])).stdout) as { rollout: { state: string }; judgement: { verdict: string }; waves: unknown[] };
    expect(status.rollout.state).toBe('succeeded');
    expect(status.judgement.verdict).toBe('pass');
    const list = (await cli(['rollout', 'list', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: number; state: string });
    expect(list[0]).toMatchObject({ id, state: 'succeeded' });
    const text = await cli(['rollout', 'status', String(id)]);
    expect(text.stdout).toMatch(new RegExp(`^rollout ${id} succeeded \\(finished\\): 6 updated, 0 failed`, 'm'));
    expect(text.stdout).toMatch(/canary judgement: pass; baseline \d+ appliance/);
    // The rollout's job is not retried on its own (it would bypass waves, limits and windows): the rollout is.
    const jobId = (JSON.parse((await cli(['rollout', 'status', String(id), '--json'])).stdout) as { rollout: { jobId: number } }).rollout.jobId;
    const jobsRetry = await cli(['jobs', 'retry', String(jobId)]);
    expect(jobsRetry.code).toBe(1);
    expect(jobsRetry.stderr).toContain('E_CONFLICT');
    expect(jobsRetry.stderr).toContain(`fleetdeck rollout retry ${id}`);
  }, 180_000);

  onTerminal('on a terminal: a progress bar; Ctrl-C pauses (appliances in flight finish), resume goes on', async () => {
    const created = JSON.parse((await cli(['rollout', 'create', '--image', '31.1.0', ...PLAN, '--canary', '0', '--waves', '6', '--yes', '--json'])).stdout) as { id: number };
    const term = spawnInPty([process.execPath, CLI, '--data-dir', dataDir, 'rollout', 'start', String(created.id)], { cwd: REPO, env: CLI_ENV });
    terminals.push(term);
    await term.waitFor((t) => /[█░]{10,} [1-5]\/6 \| wave 1\/1/.test(plainText(t.output)), 60_000);
    term.interrupt();
    const { code } = await term.exit(60_000);
    expect(code, term.text).toBe(3);
    expect(term.text).toContain(`Pausing rollout ${created.id}`);
    expect(term.text).toMatch(new RegExp(`rollout ${created.id} paused`));
    const paused = JSON.parse((await cli(['rollout', 'status', String(created.id), '--json'])).stdout) as { rollout: { state: string; counts: { ok: number; inFlight: number } } };
    expect(paused.rollout.state).toBe('paused');
    expect(paused.rollout.counts.inFlight).toBe(0);
    expect(paused.rollout.counts.ok).toBeLessThan(6);
    const resumed = await cli(['rollout', 'resume', String(created.id)]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`rollout ${created.id} succeeded`));
  }, 180_000);
});
