/**
 * OpenSSH's own clients against a lab appliance's SFTP staging area: `sftp` and `scp` (which speaks
 * SFTP since OpenSSH 9.0) upload an 8 MiB image and exit; the bytes on the appliance are the bytes
 * sent. Before the fix both hung after the last write: the lab never closed the channel when the
 * client sent EOF. Each client gets a deadline so a hang fails the test instead of stalling it.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFirmwareImage } from '../../main/appliance/image';
import { startLabRuntime, type LabRuntime } from '../../main/lab/runtime';
import { generateEd25519 } from '../../main/keys/openssh-keygen';
import { tempDir } from '../support/temp-dir';

const missing = ['/usr/bin/sftp', '/usr/bin/scp'].filter((p) => !existsSync(p));
if (missing.length) console.log(`SKIPPED: OpenSSH clients against the lab: ${missing.join(', ')} missing (apt-get install openssh-client)`);

const key = generateEd25519('lab-sftp-openssh');
let dir = '';
let lab: LabRuntime;
let keyFile = '';
let image: Buffer = Buffer.alloc(0);
let imageFile = '';

function run(program: string, args: string[], stdin: string, deadlineMs = 20_000): Promise<{ code: number | null; stderr: string; hung: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    let hung = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, deadlineMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, hung });
    });
    child.stdin.end(stdin);
  });
}

const common = () => ['-i', keyFile, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR'];
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.skipIf(missing.length > 0)('OpenSSH sftp and scp upload to a lab appliance', () => {
  beforeAll(async () => {
    dir = tempDir('fleetdeck-lab-sftp-openssh-');
    lab = await startLabRuntime(join(dir, 'lab'), { appliances: 1, sites: 1, speed: 1, seed: 3, authorizedKeys: [key.publicKey] }, {});
    keyFile = join(dir, 'id_ed25519');
    writeFileSync(keyFile, key.privateKey);
    chmodSync(keyFile, 0o600);
    image = buildFirmwareImage('26.9.0', randomBytes(8 * 1024 * 1024));
    imageFile = join(dir, 'fw-26.9.0.img');
    writeFileSync(imageFile, image);
  });
  afterAll(async () => {
    await lab?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const landed = (name: string) => readFileSync(join(dir, 'lab', 'appliances', lab.manifest.appliances[0]!.serial, 'staging', name));

  it('sftp uploads 8 MiB and exits', async () => {
    const a = lab.manifest.appliances[0]!;
    const out = await run('sftp', ['-b', '-', '-P', String(a.sshPort), ...common(), 'oca@127.0.0.1'], `put ${imageFile} /var/lib/ocactl/staging/by-sftp.img\n`);
    expect(out.hung, `sftp hung: ${out.stderr}`).toBe(false);
    expect(out.code, out.stderr).toBe(0);
    expect(sha(landed('by-sftp.img'))).toBe(sha(image));
  });

  it('scp uploads 8 MiB and exits', async () => {
    const a = lab.manifest.appliances[0]!;
    const out = await run('scp', ['-P', String(a.sshPort), ...common(), imageFile, 'oca@127.0.0.1:/var/lib/ocactl/staging/by-scp.img'], '');
    expect(out.hung, `scp hung: ${out.stderr}`).toBe(false);
    expect(out.code, out.stderr).toBe(0);
    expect(sha(landed('by-scp.img'))).toBe(sha(image));
  });
});
