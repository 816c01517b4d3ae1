/**
 * The manager's SFTP staging against Debian's OpenSSH sshd (internal-sftp) and the reference
 * agent: an image signed with the real `ssh-keygen -Y sign` is staged with its signature, the
 * agent's sha256 matches the store's, a partial upload left by an earlier cut is resumed from its
 * size, and the agent (given the release key) activates the image through sshd.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFirmwareImage } from '../../main/appliance/image';
import { parseOcactlReply } from '../../main/appliance/replies';
import { stageImage, type StageRequest } from '../../main/firmware/staging';
import { initAgent } from '../../main/lab/agent/store';
import { RELEASE_KEYS_FILE } from '../../main/lab/agent/ocactl-cli';
import { generateEd25519 } from '../../main/keys/openssh-keygen';
import { SshPool, type SshRoute } from '../../main/net/ssh-pool';
import { startSshd, sshdUnavailable, type RunningSshd } from '../support/sshd';
import { tempDir } from '../support/temp-dir';

const AGENT_BIN = resolve(import.meta.dirname, '../../resources/agent');
const skipReason = sshdUnavailable() ?? (existsSync('/usr/bin/ssh-keygen') ? null : 'ssh-keygen missing');
if (skipReason) console.log(`SKIPPED staging through OpenSSH sshd: ${skipReason}`);

describe.skipIf(skipReason !== null)('staging to the reference agent behind OpenSSH sshd', { timeout: 90_000 }, () => {
  const client = generateEd25519('staging-sshd-client');
  const host = generateEd25519('staging-sshd-host');
  let dir = '';
  let stateDir = '';
  let sshd: RunningSshd;
  let pool: SshPool;
  let route: SshRoute;
  let image: Buffer = Buffer.alloc(0);
  let request: StageRequest;

  beforeAll(async () => {
    dir = tempDir('fleetdeck-staging-sshd-');
    stateDir = join(dir, 'ocactl');
    initAgent(stateDir, { serial: 'AGT-STAGING' });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'release', '-f', join(dir, 'release')]);
    writeFileSync(join(stateDir, RELEASE_KEYS_FILE), readFileSync(join(dir, 'release.pub')));
    image = buildFirmwareImage('26.10.0', randomBytes(4 * 1024 * 1024));
    const imagePath = join(dir, 'fw.img');
    writeFileSync(imagePath, image);
    execFileSync('ssh-keygen', ['-Y', 'sign', '-n', 'fleetdeck-firmware', '-f', join(dir, 'release'), imagePath], { stdio: 'pipe' });
    sshd = await startSshd({
      hostKey: host.privateKey,
      authorizedKeys: [client.publicKey],
      env: { PATH: `${AGENT_BIN}:${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, OCACTL_STATE_DIR: stateDir },
      config: ['Subsystem sftp internal-sftp'],
    });
    pool = new SshPool({ auth: { kind: 'fleet-key', load: async () => ({ privateKey: Buffer.from(client.privateKey) }) }, hostKeys: { verify: async () => undefined } });
    route = { target: { label: 'AGT-STAGING', host: '127.0.0.1', port: sshd.port, username: sshd.user }, via: [] };
    request = {
      localPath: imagePath,
      signature: readFileSync(`${imagePath}.sig`),
      sizeBytes: image.length,
      sha256: createHash('sha256').update(image).digest('hex'),
      remoteDir: join(stateDir, 'staging'),
      name: 'oca-26.10.0.img',
    };
  }, 60_000);

  afterAll(async () => {
    pool?.close();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stages the image and its signature; the agent reports the same sha256', async () => {
    const result = await stageImage(pool, route, request);
    expect(result).toMatchObject({ sentBytes: image.length, attempts: 1, sha256: request.sha256 });
    expect(readFileSync(join(stateDir, 'staging', request.name)).equals(image)).toBe(true);
    expect(readFileSync(join(stateDir, 'staging', `${request.name}.sig`)).equals(request.signature)).toBe(true);
  });

  it('resumes a partial upload from its size', async () => {
    const name = 'resumed.img';
    const partial = 1_234_567;
    writeFileSync(join(stateDir, 'staging', `${name}.part`), image.subarray(0, partial));
    const result = await stageImage(pool, route, { ...request, name });
    expect(result).toMatchObject({ resumedFrom: [partial], sentBytes: image.length - partial, sha256: request.sha256 });
    expect(existsSync(join(stateDir, 'staging', `${name}.part`))).toBe(false);
  });

  it('the agent, given the release key, activates the staged image through sshd', async () => {
    const out = await pool.exec(route, ['ocactl', 'firmware', 'activate', request.name], { timeoutMs: 60_000 });
    expect(out.exitCode, out.stdout).toBe(0);
    expect(parseOcactlReply('firmware activate', out.stdout)).toMatchObject({ version: '26.10.0', rebootRequired: true });
  });
});
