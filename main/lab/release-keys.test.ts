/**
 * Defence in depth on the appliance: a lab started with release keys (as `fleetdeck lab start
 * --release-key KEY.pub`) and the reference agent with a release_keys file both refuse to activate
 * an image whose SSHSIG (`<image>.sig` beside it in staging) does not verify, with E_IMAGE; signed
 * with the real `ssh-keygen -Y sign`. Images from `fleetdeck lab make-image --no-boot | --bad-health`
 * (the real CLI) fail to boot or boot unhealthy on a lab appliance.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFirmwareImage, inspectFirmwareImage } from '../appliance/image';
import { parseHttpReply, parseOcactlReply } from '../appliance/replies';
import { generateEd25519 } from '../keys/openssh-keygen';
import { ManualClock } from '../kit/time';
import { runFleetdeck } from '../../tests/support/cli';
import { tempDir } from '../../tests/support/temp-dir';
import { initAgent } from './agent/store';
import { ApiError } from '../api/client';
import { createEngine } from '../engine';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import { readManifest } from './manifest';
import { ocactl, RELEASE_KEYS_FILE } from './agent/ocactl-cli';
import { startLabRuntime, type LabRuntime } from './runtime';
import { http, sftpPut, sshExec, type SshTarget } from './testing';

const KEYGEN = '/usr/bin/ssh-keygen';
const missing = !existsSync(KEYGEN);
if (missing) console.log(`SKIPPED: appliance release keys: ${KEYGEN} missing (apt-get install openssh-client)`);

const login = generateEd25519('release-keys-test');
const clock = new ManualClock(Date.UTC(2026, 4, 1, 18, 0, 0));
let dir = '';
let lab: LabRuntime;
let releasePub = '';

const file = (name: string) => join(dir, name);
function keygen(name: string): string {
  execFileSync(KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file(name)]);
  return readFileSync(`${file(name)}.pub`, 'utf8');
}
/** ssh-keygen -Y sign over bytes; returns the .sig text. */
function sign(key: string, bytes: Buffer, name: string): string {
  const path = file(name);
  writeFileSync(path, bytes);
  rmSync(`${path}.sig`, { force: true });
  execFileSync(KEYGEN, ['-Y', 'sign', '-n', 'fleetdeck-firmware', '-f', file(key), path], { stdio: 'pipe' });
  return readFileSync(`${path}.sig`, 'utf8');
}

describe.skipIf(missing)('appliances verify release signatures before activating', () => {
  beforeAll(async () => {
    dir = tempDir('fleetdeck-release-keys-');
    releasePub = keygen('release');
    keygen('intruder');
    lab = await startLabRuntime(
      join(dir, 'lab'),
      { appliances: 4, sites: 1, speed: 1, seed: 9, authorizedKeys: [login.publicKey], releaseKeys: [releasePub] },
      { clock },
    );
    clock.advance(60_000);
  });
  afterAll(async () => {
    await lab?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const target = (i: number): SshTarget => ({ port: lab.manifest.appliances[i]!.sshPort, privateKey: login.privateKey });
  const staging = '/var/lib/ocactl/staging';
  async function upload(i: number, name: string, image: Buffer, sig: string | null): Promise<void> {
    await sftpPut(target(i), `${staging}/${name}`, image);
    if (sig !== null) await sftpPut(target(i), `${staging}/${name}.sig`, Buffer.from(sig));
  }
  const activate = async (i: number, name: string) => {
    const out = await sshExec(target(i), `ocactl firmware activate ${name}`);
    return { code: out.code, reply: JSON.parse(out.stdout) as { ok: boolean; error?: { code: string; message: string } } };
  };

  it('a lab appliance activates an image signed by a release key', async () => {
    const image = buildFirmwareImage('26.5.0', Buffer.alloc(100_000, 1));
    await upload(0, 'oca-26.5.0.img', image, sign('release', image, 'a.img'));
    const out = await activate(0, 'oca-26.5.0.img');
    expect(out.reply).toMatchObject({ ok: true, result: { version: '26.5.0' } });
  });

  it('a lab appliance refuses unsigned, altered and untrusted images with E_IMAGE, saying why', async () => {
    const image = buildFirmwareImage('26.5.1', Buffer.alloc(100_000, 2));
    await upload(1, 'unsigned.img', image, null);
    let out = await activate(1, 'unsigned.img');
    expect(out.code).toBe(5);
    expect(out.reply.error).toMatchObject({ code: 'E_IMAGE', message: expect.stringMatching(/no unsigned\.img\.sig beside it/) });

    const sig = sign('release', image, 'b.img');
    const altered = Buffer.from(image);
    altered[altered.length - 1] = altered[altered.length - 1]! ^ 1;
    // Still a valid image (header checksum fixed up) but not the bytes that were signed.
    const rebuilt = buildFirmwareImage('26.5.1', altered.subarray(altered.indexOf(0x0a) + 1));
    await upload(1, 'altered.img', rebuilt, sig);
    out = await activate(1, 'altered.img');
    expect(out.reply.error).toMatchObject({ code: 'E_IMAGE', message: expect.stringMatching(/does not match the image/) });

    await upload(1, 'intruder.img', image, sign('intruder', image, 'c.img'));
    out = await activate(1, 'intruder.img');
    expect(out.reply.error).toMatchObject({ code: 'E_IMAGE', message: expect.stringMatching(/not a trusted release key/) });

    const status = parseOcactlReply('status', (await sshExec(target(1), 'ocactl status')).stdout);
    expect(status.firmware.pending).toBeNull();
  });

  it('lab make-image --no-boot and --bad-health write images that fail to boot or boot unhealthy', async () => {
    const noBoot = file('no-boot.img');
    const run = await runFleetdeck(join(dir, 'cli-data'), ['lab', 'make-image', '26.6.0', '--out', noBoot, '--size', '50000', '--no-boot']);
    expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(await inspectFirmwareImage(noBoot)).toMatchObject({ valid: true, version: '26.6.0', labBoot: 'no-boot', bytes: readFileSync(noBoot).length });
    const bad = buildFirmwareImage('26.6.1', Buffer.alloc(50_000, 4), 'bad-health');

    const img = readFileSync(noBoot);
    await upload(2, 'nb.img', img, sign('release', img, 'd.img'));
    expect((await activate(2, 'nb.img')).reply.ok).toBe(true);
    parseOcactlReply('reboot', (await sshExec(target(2), 'ocactl reboot')).stdout);
    await upload(3, 'bh.img', bad, sign('release', bad, 'e.img'));
    expect((await activate(3, 'bh.img')).reply.ok).toBe(true);
    parseOcactlReply('reboot', (await sshExec(target(3), 'ocactl reboot')).stdout);
    clock.advance(3 * 90_000 + 300_000);

    const fellBack = parseOcactlReply('status', (await sshExec(target(2), 'ocactl status')).stdout);
    expect(fellBack.firmware.lastBoot).toMatchObject({ outcome: 'fallback', attempted: 'B', booted: 'A' });
    const unhealthy = parseOcactlReply('status', (await sshExec(target(3), 'ocactl status')).stdout);
    expect(unhealthy.firmware).toMatchObject({ runningVersion: '26.6.1', trial: true });
    const res = await http(lab.manifest.appliances[3]!.apiPort, 'GET', '/v1/health');
    expect(parseHttpReply('GET /v1/health', res.status, res.body).status).toBe('Error');
  });

  it('lab.start passes --release-key to the lab daemon, and refuses a key that is not ed25519', async () => {
    const dataDir = join(dir, 'engine');
    const engine = createEngine({ dataDir, host: 'test', vault: await openNodeVault(dataDir, { env: {} }), log: silentLogger, checkOutputs: true });
    const api = engine.client({ actor: 'test' }).api;
    try {
      execFileSync(KEYGEN, ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', file('rsa')]);
      const refused = await api.lab.start({ appliances: 1, sites: 1, releaseKeys: [readFileSync(`${file('rsa')}.pub`, 'utf8')] }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ApiError);
      expect(refused).toMatchObject({ code: 'E_VALIDATION', message: expect.stringMatching(/ed25519/) });

      await api.lab.start({ appliances: 1, sites: 1, seed: 77, authorizedKeys: [login.publicKey], releaseKeys: [releasePub] });
      const port = readManifest(join(dataDir, 'lab'))!.appliances[0]!.sshPort;
      const image = buildFirmwareImage('26.5.9', Buffer.alloc(10_000, 9));
      await sftpPut({ port, privateKey: login.privateKey }, `${staging}/u.img`, image);
      const out = await sshExec({ port, privateKey: login.privateKey }, 'ocactl firmware activate u.img');
      expect(JSON.parse(out.stdout)).toMatchObject({ ok: false, error: { code: 'E_IMAGE' } });
      await sftpPut({ port, privateKey: login.privateKey }, `${staging}/u.img.sig`, Buffer.from(sign('release', image, 'h.img')));
      expect(JSON.parse((await sshExec({ port, privateKey: login.privateKey }, 'ocactl firmware activate u.img')).stdout)).toMatchObject({ ok: true });
    } finally {
      await api.lab.stop({}).catch(() => undefined);
      engine.close();
    }
  }, 60_000);

  it("the reference agent's ocactl refuses what its release_keys do not vouch for", async () => {
    const agent = join(dir, 'agent');
    initAgent(agent, { serial: 'AGT-KEYS' });
    const env = { OCACTL_STATE_DIR: agent };
    const image = buildFirmwareImage('26.7.0', Buffer.alloc(80_000, 7));
    writeFileSync(join(agent, 'staging', 'x.img'), image);
    writeFileSync(join(agent, 'staging', 'x.img.sig'), sign('intruder', image, 'f.img'));
    // No release_keys file: the agent activates as it always did.
    writeFileSync(join(agent, 'staging', 'y.img'), image);
    expect(JSON.parse((await ocactl(['firmware', 'stage-check', 'y.img'], env)).stdout)).toMatchObject({ ok: true });

    mkdirSync(agent, { recursive: true });
    writeFileSync(join(agent, RELEASE_KEYS_FILE), `# release team\n${releasePub}`);
    let out = await ocactl(['firmware', 'activate', 'x.img'], env);
    expect(out.exitCode).toBe(5);
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: false, error: { code: 'E_IMAGE', message: expect.stringMatching(/not a trusted release key/) } });
    writeFileSync(join(agent, 'staging', 'x.img.sig'), sign('release', image, 'g.img'));
    out = await ocactl(['firmware', 'activate', 'x.img'], env);
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: true, result: { version: '26.7.0' } });
  });
});
