/**
 * Staging over the manager's SFTP client (SshPool.sftp) to lab appliances over real sockets: a
 * whole upload whose sha256 the appliance confirms, a cut mid-upload (the lab's `drop` fault)
 * resumed from the size that landed, corruption on the way refused with E_IMAGE, and the same
 * through a bastion (an ssh2 server forwarding direct-tcpip) on the pool's one bastion connection.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetError } from '../kit/errors';
import { buildFirmwareImage } from '../appliance/image';
import { startLabRuntime, type LabRuntime } from '../lab/runtime';
import { generateEd25519 } from '../keys/openssh-keygen';
import { SshPool, type HostKeyPolicy, type SshEndpoint, type SshRoute } from '../net/ssh-pool';
import { startTestSshServer, type TestSshServer } from '../net/test-ssh-server';
import { tempDir } from '../../tests/support/temp-dir';
import { stageImage, type StageRequest } from './staging';

const key = generateEd25519('staging-test');
let dir = '';
let lab: LabRuntime;
let bastion: TestSshServer;
let pool: SshPool;
let image: Buffer = Buffer.alloc(0);
let imagePath = '';
const SIG = Buffer.from('-----BEGIN SSH SIGNATURE-----\nnot checked here\n-----END SSH SIGNATURE-----\n');

const trustAll: HostKeyPolicy = { verify: async () => undefined };
const appliance = (i: number): SshEndpoint => ({ label: lab.manifest.appliances[i]!.serial, host: '127.0.0.1', port: lab.manifest.appliances[i]!.sshPort, username: 'oca' });
const route = (i: number, via: SshEndpoint[] = []): SshRoute => ({ target: appliance(i), via });
const request = (name: string): StageRequest => ({
  localPath: imagePath,
  signature: SIG,
  sizeBytes: image.length,
  sha256: createHash('sha256').update(image).digest('hex'),
  remoteDir: '/var/lib/ocactl/staging',
  name,
});
const landed = (i: number, name: string) => readFileSync(join(dir, 'lab', 'appliances', lab.manifest.appliances[i]!.serial, 'staging', name));

beforeAll(async () => {
  dir = tempDir('fleetdeck-staging-');
  lab = await startLabRuntime(join(dir, 'lab'), { appliances: 4, sites: 1, speed: 1, seed: 4, authorizedKeys: [key.publicKey] }, {});
  bastion = await startTestSshServer({ authorizedKeys: [key.publicKey] });
  pool = new SshPool({ auth: { kind: 'fleet-key', load: async () => ({ privateKey: Buffer.from(key.privateKey) }) }, hostKeys: trustAll, retries: 1, backoffMs: 10 });
  image = buildFirmwareImage('26.8.0', randomBytes(3 * 1024 * 1024 + 123));
  imagePath = join(dir, 'fw.img');
  writeFileSync(imagePath, image);
});
afterAll(async () => {
  pool?.close();
  await bastion?.close();
  await lab?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('staging an image with the manager SFTP client', () => {
  it('uploads the image and its signature; the appliance reports the same sha256', async () => {
    const progress: number[] = [];
    const result = await stageImage(pool, route(0), request('oca-26.8.0.img'), { onProgress: (b) => progress.push(b) });
    expect(result).toMatchObject({ sentBytes: image.length, resumedFrom: [], attempts: 1, sha256: request('x').sha256 });
    expect(landed(0, 'oca-26.8.0.img').equals(image)).toBe(true);
    expect(landed(0, 'oca-26.8.0.img.sig').equals(SIG)).toBe(true);
    expect(progress.at(-1)).toBe(image.length);
    expect(pool.snapshot()).toHaveLength(1); // the exec of stage-check rode the same connection
  });

  it('resumes after a cut from the size that landed, sending only the rest', async () => {
    const serial = lab.manifest.appliances[1]!.serial;
    lab.fleet.setFault(serial, 'drop', true);
    // One request at a time: the lab cuts the connection at the write that crosses 32 KiB.
    const cut = await stageImage(pool, route(1), request('oca.img'), { attempts: 1, concurrency: 1, chunkBytes: 8192 }).catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(FleetError);
    expect((cut as FleetError).code).toBe('E_UNREACHABLE');
    const part = landed(1, 'oca.img.part');
    expect(part.length).toBe(3 * 8192);
    expect(part.length).toBeLessThan(image.length);
    lab.fleet.setFault(serial, 'drop', false);
    const result = await stageImage(pool, route(1), request('oca.img'));
    expect(result.resumedFrom).toEqual([part.length]);
    expect(result.sentBytes).toBe(image.length - part.length);
    expect(landed(1, 'oca.img').equals(image)).toBe(true);
  });

  it('refuses an image the appliance received damaged, after one fresh retry', async () => {
    const serial = lab.manifest.appliances[2]!.serial;
    lab.fleet.setFault(serial, 'corrupt', true);
    const err = await stageImage(pool, route(2), request('bad.img')).catch((e: unknown) => e);
    lab.fleet.setFault(serial, 'corrupt', false);
    expect(err).toMatchObject({ code: 'E_IMAGE', message: expect.stringMatching(/damaged on the way/) });
  });

  it('stages through a bastion on the pool connection to it', async () => {
    const via: SshEndpoint = { label: 'bastion:edge', host: '127.0.0.1', port: bastion.port, username: 'jump' };
    const before = bastion.stats.forwards.length;
    const result = await stageImage(pool, route(3, [via]), request('via.img'));
    expect(result.sha256).toBe(request('x').sha256);
    expect(landed(3, 'via.img').equals(image)).toBe(true);
    expect(bastion.stats.forwards.length - before).toBe(1);
  });
});
