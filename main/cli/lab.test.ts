/**
 * `fleetdeck lab` commands against a real engine and lab daemon in a temp data dir; an engineer's
 * own OpenSSH client logs in with the key given by --authorized-key.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOcactlReply } from '../appliance/replies';
import { generateEd25519 } from '../keys/openssh-keygen';
import { readManifest } from '../lab/manifest';
import { pidAlive } from '../lab/service';
import { main } from './index';

let dir: string;
const engineerKey = generateEd25519('engineer@laptop');

async function run(...args: string[]): Promise<{ out: string[]; err: string[]; exitCode: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const exitCode = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  process.exitCode = 0;
  return { out, err, exitCode };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleetdeck-cli-lab-'));
  writeFileSync(join(dir, 'engineer.pub'), engineerKey.publicKey + '\n');
  writeFileSync(join(dir, 'engineer'), engineerKey.privateKey, { mode: 0o600 });
});

afterAll(() => {
  const manifest = readManifest(join(dir, 'lab'));
  if (manifest && pidAlive(manifest.pid)) process.kill(manifest.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('fleetdeck lab', () => {
  it('starts a lab that keeps running after the command returns', async () => {
    const r = await run('lab', 'start', '--appliances', '4', '--sites', '2', '--authorized-key', join(dir, 'engineer.pub'), '--data-dir', join(dir, 'data'));
    expect(r.err).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.out.join('\n')).toMatch(/Lab running: 4 appliances in 2 sites/);
    const manifest = readManifest(join(dir, 'data', 'lab'))!;
    expect(pidAlive(manifest.pid)).toBe(true);
  });

  it("lets an engineer's own OpenSSH client log in with --authorized-key", async (ctx) => {
    if (!existsSync('/usr/bin/ssh')) {
      console.log('SKIPPED OpenSSH client login: /usr/bin/ssh is missing');
      return ctx.skip();
    }
    const a = readManifest(join(dir, 'data', 'lab'))!.appliances[0]!;
    const stdout = execFileSync('/usr/bin/ssh', [
      '-i', join(dir, 'engineer'),
      '-p', String(a.sshPort),
      '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=no',
      '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
      '-o', 'LogLevel=ERROR',
      'oca@127.0.0.1',
      'ocactl', 'status',
    ]).toString();
    expect(parseOcactlReply('status', stdout).serial).toBe(a.serial);
    // The host key OpenSSH recorded is the one in the manifest (and the inventory).
    const line = spawnSync('/usr/bin/ssh-keygen', ['-l', '-f', join(dir, 'known_hosts')]).stdout.toString();
    expect(line).toContain(a.hostKeyFingerprint);
  });

  it('toggles faults, reports status and refuses unknown fault ids', async () => {
    const serial = readManifest(join(dir, 'data', 'lab'))!.appliances[1]!.serial;
    expect((await run('lab', 'fault', serial, 'bgp-down', '--data-dir', join(dir, 'data'))).out).toEqual([`${serial}: bgp-down`]);
    expect((await run('lab', 'status', '--data-dir', join(dir, 'data'))).out.join('\n')).toContain(`${serial}: bgp-down`);
    expect((await run('lab', 'fault', serial, 'bgp-down', '--off', '--data-dir', join(dir, 'data'))).out).toEqual([`${serial}: no faults`]);
    const bad = await run('lab', 'fault', serial, 'gremlins', '--data-dir', join(dir, 'data'));
    expect(bad.exitCode).toBe(1);
    expect(bad.err[0]).toMatch(/not a fault; use one of: drop, stall/);
    const unknown = await run('lab', 'fault', 'NOPE9', 'drop', '--data-dir', join(dir, 'data'));
    expect(unknown.err[0]).toMatch(/no lab appliance NOPE9.*E_NOT_FOUND/);
  });

  it('stops the lab', async () => {
    const pid = readManifest(join(dir, 'data', 'lab'))!.pid;
    expect((await run('lab', 'stop', '--data-dir', join(dir, 'data'))).out).toEqual(['Lab stopped.']);
    expect(pidAlive(pid)).toBe(false);
    const status = await run('--data-dir', join(dir, 'data'), 'lab', 'status', '--json');
    expect(JSON.parse(status.out[0]!)).toMatchObject({ running: false });
  });
});
