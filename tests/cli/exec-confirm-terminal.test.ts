/**
 * `fleetdeck exec` of a changing action on more than one site, as a person runs it on a terminal:
 * the engine refuses it without the count (E_CONFIRM), the CLI shows why and asks for the count;
 * the right count runs it, a wrong one or anything else runs nothing. Real CLI process on a
 * pseudo-terminal (tests/cli/support/pty.ts), real lab of 12 appliances in 2 sites.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readManifest, type LabManifest } from '../../main/lab/manifest';
import { pidAlive } from '../../main/lab/service';
import { CLI, CLI_ENV, REPO, runFleetdeck, withDataDirApi } from '../support/cli';
import { tempDir } from '../support/temp-dir';
import { ptyUnavailable, spawnInPty, type PtySession } from './support/pty';

const FLEET = 12;
const noPty = ptyUnavailable();
if (noPty) console.log(`SKIPPED fleetdeck exec --confirm on a terminal: ${noPty}`);

let root: string;
let dataDir: string;
let lab: LabManifest;
const terminals: PtySession[] = [];
const prompt = /Type the number of appliances to run it on them \(anything else cancels\): $/;

function terminal(args: string[]): PtySession {
  const session = spawnInPty([process.execPath, CLI, '--data-dir', dataDir, ...args], { cwd: REPO, env: CLI_ENV });
  terminals.push(session);
  return session;
}
const jobCount = () => withDataDirApi(dataDir, async (api) => (await api.jobs.list({ limit: 500 })).length);

beforeAll(async () => {
  if (noPty) return;
  root = tempDir('fleetdeck-cli-confirm-');
  dataDir = join(root, 'data');
  const started = await runFleetdeck(dataDir, ['lab', 'start', '--appliances', String(FLEET), '--sites', '2'], 90_000);
  expect(started.code, started.stderr).toBe(0);
  lab = readManifest(join(dataDir, 'lab'))!;
}, 120_000);

afterAll(async () => {
  if (noPty) return;
  await runFleetdeck(dataDir, ['lab', 'stop']).catch(() => null);
  if (lab && pidAlive(lab.pid)) process.kill(lab.pid, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(noPty !== null)('fleetdeck exec: a large change asks for the count on a terminal', () => {
  afterEach(() => {
    for (const t of terminals.splice(0)) t.kill();
  });

  it('shows why, asks for the count; a wrong count or a word runs nothing', async () => {
    const before = await jobCount();
    const wrong = terminal(['exec', '--all', '--', 'ocactl', 'undrain']);
    await wrong.waitFor(prompt);
    expect(wrong.text).toContain(`ocactl undrain would change ${FLEET} appliances in 2 sites`);
    wrong.write(`${FLEET - 1}\r`);
    expect((await wrong.exit()).code, wrong.text).toBe(1);
    expect(wrong.text).toContain(`the count typed (${FLEET - 1}) is not what the selection reaches now`);

    const word = terminal(['exec', '--all', '--', 'ocactl', 'undrain']);
    await word.waitFor(prompt);
    word.write('yes\r');
    expect((await word.exit()).code, word.text).toBe(1);
    expect(word.text).toContain('Not confirmed; nothing was run. (E_CONFIRM)');
    expect(await jobCount()).toBe(before);
  });

  it('runs on every appliance once the right count is typed', async () => {
    const right = terminal(['exec', '--all', '--', 'ocactl', 'undrain']);
    await right.waitFor(prompt);
    right.write(`${FLEET}\r`);
    expect((await right.exit(60_000)).code, right.text).toBe(0);
    expect(right.text).toMatch(new RegExp(`^job \\d+ done: ${FLEET} ok, 0 failed of ${FLEET}$`, 'm'));
  }, 90_000);
});
