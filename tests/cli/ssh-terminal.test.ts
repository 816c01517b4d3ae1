/**
 * `fleetdeck ssh` as a person runs it: the real CLI on a pseudo-terminal (tests/cli/support/pty.ts)
 * against a real lab of 3 appliances. A changed host key is refused before anything is sent; with
 * the recorded key, the appliance's shell answers in raw mode (keystrokes go to the appliance: Ctrl-C drops
 * the line there and the CLI keeps running; Ctrl-D logs out with status 0), and `-- CMD` runs one
 * command with its exit status through plain pipes.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readManifest, type LabManifest } from '../../main/lab/manifest';
import { pidAlive } from '../../main/lab/service';
import { CLI, CLI_ENV, REPO, runFleetdeck, withDataDirEngine } from '../support/cli';
import { tempDir } from '../support/temp-dir';
import { ptyUnavailable, spawnInPty, type PtySession } from './support/pty';

const noPty = ptyUnavailable();
if (noPty) console.log(`SKIPPED fleetdeck ssh on a terminal: ${noPty}`);

let root: string;
let dataDir: string;
let lab: LabManifest;
let serial = '';
const terminals: PtySession[] = [];

/** The pty of the running `fleetdeck ssh SERIAL` of this data dir (its stdin). */
function ttyOf(serial: string): string {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (argv.includes(CLI) && argv.includes(dataDir) && argv.includes('ssh') && argv.includes(serial)) return readlinkSync(`/proc/${pid}/fd/0`);
  }
  throw new Error(`no fleetdeck ssh ${serial} process found`);
}

function terminal(args: string[], size?: { cols: number; rows: number }): PtySession {
  const session = spawnInPty([process.execPath, CLI, '--data-dir', dataDir, ...args], { cwd: REPO, env: CLI_ENV, ...size });
  terminals.push(session);
  return session;
}

beforeAll(async () => {
  if (noPty) return;
  root = tempDir('fleetdeck-cli-ssh-');
  dataDir = join(root, 'data');
  const started = await runFleetdeck(dataDir, ['lab', 'start', '--appliances', '3', '--sites', '1'], 90_000);
  expect(started.code, started.stderr).toBe(0);
  lab = readManifest(join(dataDir, 'lab'))!;
  serial = lab.appliances[0]!.serial;
}, 120_000);

afterAll(async () => {
  if (noPty) return;
  await runFleetdeck(dataDir, ['lab', 'stop']).catch(() => null);
  if (lab && pidAlive(lab.pid)) process.kill(lab.pid, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(noPty !== null)('fleetdeck ssh', { timeout: 90_000 }, () => {
  afterEach(() => {
    for (const t of terminals.splice(0)) t.kill();
  });

  it('refuses an appliance whose host key changed, before anything is sent', async () => {
    const other = lab.appliances[1]!.serial;
    expect((await runFleetdeck(dataDir, ['lab', 'fault', other, 'host-key-rotation'])).code).toBe(0);
    try {
      const refused = await runFleetdeck(dataDir, ['ssh', other, '--', 'ocactl', 'status']);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain('E_HOSTKEY_MISMATCH');
      const t = terminal(['ssh', other]);
      expect((await t.exit()).code).toBe(1);
      expect(t.text).toContain('E_HOSTKEY_MISMATCH');
    } finally {
      await runFleetdeck(dataDir, ['lab', 'fault', other, 'host-key-rotation', '--off']);
    }
  });

  it('opens the appliance shell on this terminal: raw keystrokes, Ctrl-C there, Ctrl-D logs out', async () => {
    const t = terminal(['ssh', serial], { cols: 100, rows: 30 });
    await t.waitFor(/restricted appliance shell[\s\S]*\$ $/);
    t.write('ocactl status\r');
    await t.waitFor(new RegExp(`"serial":"${serial}"`));
    t.write('vi /etc/hosts\r');
    await t.waitFor(/vi: not available in this restricted shell/);
    t.write('half a line');
    await t.waitFor(/\$ half a line$/);
    t.interrupt();
    // The appliance shell drops the line (the pty's own ONLCR may add a CR to the CR LF).
    await t.waitFor((x) => /half a line\^C\r+\n[^\n]*\$ $/.test(x.output));
    expect(t.running).toBe(true);
    // Resize the pty from outside, as a terminal window does: the CLI gets SIGWINCH and tells the appliance.
    t.write('stty size\r');
    await t.waitFor((x) => /\r+\n30 100\r+\n/.test(x.output));
    execFileSync('stty', ['-F', ttyOf(serial), 'cols', '77', 'rows', '19']);
    t.write('stty size\r');
    await t.waitFor((x) => /\r+\n19 77\r+\n/.test(x.output));
    t.write('\u0004');
    expect((await t.exit()).code, t.text).toBe(0);
    await withDataDirEngine(dataDir, (engine) => {
      const entries = engine.deps.audit.list({ appliance: serial, action: ['terminal.open', 'terminal.close'], limit: 5 });
      expect(entries.map((e) => e.action)).toEqual(['terminal.close', 'terminal.open']);
      expect(entries[0]!.actor).toMatch(/^cli:/);
    });
  });

  it('-- CMD runs one command and exits with its status', async () => {
    const ok = await runFleetdeck(dataDir, ['ssh', serial, '--', 'ocactl', 'status']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, result: { serial } });
    const bad = await runFleetdeck(dataDir, ['ssh', serial, '--', 'ocactl', 'no-such-command']);
    expect(bad.code).not.toBe(0);
    expect(bad.code).not.toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, error: { code: 'E_USAGE' } });
  });
});
