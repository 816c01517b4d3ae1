/**
 * Each lab fault does what it says, seen from outside over real sockets: through the ssh2 server
 * (exec and SFTP) and the HTTP port, as the manager would see it. One appliance per fault.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REPLY_BYTES } from '../appliance/contract';
import { buildFirmwareImage } from '../appliance/image';
import { parseHttpReply, parseOcactlReply } from '../appliance/replies';
import { FleetError } from '../kit/errors';
import { ManualClock } from '../kit/time';
import { callControl } from './control';
import { FAULT_IDS, type FaultId } from './contract';
import { generateEd25519 } from '../keys/openssh-keygen';
import { readManifest, type ManifestAppliance } from './manifest';
import { startLabRuntime, type LabRuntime } from './runtime';
import { hostKeyFingerprint, http, sftpPut, sshExec, type SshTarget } from './testing';

const key = generateEd25519('fault-test');
const clock = new ManualClock(Date.UTC(2026, 4, 1, 18, 0, 0));
const SLOW_MS = 500;
let dir: string;
let lab: LabRuntime;
const byFault = new Map<FaultId, ManifestAppliance>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleetdeck-lab-faults-'));
  lab = await startLabRuntime(
    dir,
    { appliances: FAULT_IDS.length + 1, sites: 2, speed: 1, seed: 5, authorizedKeys: [key.publicKey], slowDelayMs: SLOW_MS },
    { clock },
  );
  FAULT_IDS.forEach((fault, i) => byFault.set(fault, lab.manifest.appliances[i]!));
  clock.advance(60_000);
});

afterAll(async () => {
  await lab?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const target = (a: ManifestAppliance, extra: Partial<SshTarget> = {}): SshTarget => ({ port: a.sshPort, privateKey: key.privateKey, ...extra });
const on = (fault: FaultId) => {
  const a = byFault.get(fault)!;
  lab.fleet.setFault(a.serial, fault, true);
  return a;
};
const off = (fault: FaultId) => lab.fleet.setFault(byFault.get(fault)!.serial, fault, false);
const code = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).message;
  }
  return 'no error';
};

async function stage(a: ManifestAppliance, version: string): Promise<Buffer> {
  const image = buildFirmwareImage(version, Buffer.alloc(120_000, 3));
  await sftpPut(target(a), `/var/lib/ocactl/staging/oca-${version}.img`, image);
  return image;
}

async function rebootAndWait(a: ManifestAppliance): Promise<void> {
  parseOcactlReply('reboot', (await sshExec(target(a), 'ocactl reboot')).stdout);
  clock.advance(3 * 90_000 + 30_000);
}

describe('lab faults', () => {
  it('drop: cuts exec output, SFTP uploads and HTTP bodies mid-transfer', async () => {
    const a = on('drop');
    await expect(sshExec(target(a), 'ocactl status')).rejects.toThrow(/closed mid-command/);
    await expect(sftpPut(target(a), '/var/lib/ocactl/staging/x.img', Buffer.alloc(200_000, 1))).rejects.toThrow(
      /connection closed mid-transfer/,
    );
    const staged = join(dir, 'appliances', a.serial, 'staging', 'x.img');
    expect(existsSync(staged) ? statSync(staged).size : 0).toBeLessThan(200_000);
    await expect(http(a.apiPort, 'GET', '/v1/health')).rejects.toThrow(/response aborted/);
    off('drop');
    expect((await sshExec(target(a), 'ocactl status')).code).toBe(0);
  });

  it('stall: accepts the connection, then never answers', async () => {
    const a = on('stall');
    const started = Date.now();
    expect(await code(sshExec(target(a, { readyTimeout: 700 }), 'ocactl status'))).toMatch(/handshake|timed out/i);
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
    expect(await code(http(a.apiPort, 'GET', '/v1/health', undefined, 700))).toBe('timeout');
    off('stall');
    expect((await http(a.apiPort, 'GET', '/v1/health')).status).toBe(200);
  });

  it('corrupt: the bytes on disk differ from the bytes sent, and stage-check says so', async () => {
    const a = on('corrupt');
    const image = await stage(a, '26.7.0');
    const onDisk = readFileSync(join(dir, 'appliances', a.serial, 'staging', 'oca-26.7.0.img'));
    expect(onDisk.length).toBe(image.length);
    expect(onDisk.equals(image)).toBe(false);
    const check = parseOcactlReply('firmware stage-check', (await sshExec(target(a), 'ocactl firmware stage-check oca-26.7.0.img')).stdout);
    expect(check.valid).toBe(false);
    expect(check.sha256).not.toBe(createHash('sha256').update(image).digest('hex'));
    expect(check.problems.join(' ')).toMatch(/corrupted/);
    const activate = await sshExec(target(a), 'ocactl firmware activate oca-26.7.0.img');
    expect(activate.code).not.toBe(0);
    expect(JSON.parse(activate.stdout).error.code).toBe('E_IMAGE');
    off('corrupt');
  });

  it('bad-health-image: the new image boots but health is Error', async () => {
    const a = on('bad-health-image');
    await stage(a, '26.8.0');
    expect((await sshExec(target(a), 'ocactl firmware activate oca-26.8.0.img')).code).toBe(0);
    await rebootAndWait(a);
    const status = parseOcactlReply('status', (await sshExec(target(a), 'ocactl status')).stdout);
    expect(status.firmware).toMatchObject({ runningVersion: '26.8.0', trial: true });
    const res = await http(a.apiPort, 'GET', '/v1/health');
    const health = parseHttpReply('GET /v1/health', res.status, res.body);
    expect(health.status).toBe('Error');
    expect(health.components.find((c) => c.name === 'firmware')?.message).toMatch(/26\.8\.0/);
    off('bad-health-image');
  });

  it('no-boot-image: the new image never boots and the appliance falls back by itself', async () => {
    const a = on('no-boot-image');
    await stage(a, '26.9.0');
    expect((await sshExec(target(a), 'ocactl firmware activate oca-26.9.0.img')).code).toBe(0);
    parseOcactlReply('reboot', (await sshExec(target(a), 'ocactl reboot')).stdout);
    clock.advance(120_000);
    expect(await code(sshExec(target(a), 'ocactl status'))).toBe('ECONNRESET'); // still down: the boot failed
    clock.advance(300_000);
    const status = parseOcactlReply('status', (await sshExec(target(a), 'ocactl status')).stdout);
    expect(status.firmware).toMatchObject({ active: 'A', trial: false, runningVersion: a.firmware });
    expect(status.firmware.lastBoot).toMatchObject({ outcome: 'fallback', attempted: 'B', booted: 'A' });
    off('no-boot-image');
  });

  it('host-key-rotation: the server presents a different host key than recorded', async () => {
    const a = on('host-key-rotation');
    const rotated = await hostKeyFingerprint(a.sshPort);
    expect(rotated).toMatch(/^SHA256:/);
    expect(rotated).not.toBe(a.hostKeyFingerprint);
    expect(await hostKeyFingerprint(a.sshPort)).toBe(rotated); // the same impostor each time
    off('host-key-rotation');
    expect(await hostKeyFingerprint(a.sshPort)).toBe(a.hostKeyFingerprint);
  });

  it('malformed: replies are not valid JSON (exec and HTTP)', async () => {
    const a = on('malformed');
    const out = await sshExec(target(a), 'ocactl status');
    expect(() => parseOcactlReply('status', out.stdout)).toThrow(expect.objectContaining({ code: 'E_BAD_REPLY' }));
    const res = await http(a.apiPort, 'GET', '/v1/metrics');
    expect(res.status).toBe(200);
    expect(() => parseHttpReply('GET /v1/metrics', res.status, res.body)).toThrow(FleetError);
    off('malformed');
  });

  it('oversized: replies exceed the API limit (exec and HTTP)', async () => {
    const a = on('oversized');
    const out = await sshExec(target(a), 'ocactl bgp status');
    expect(Buffer.byteLength(out.stdout)).toBeGreaterThan(MAX_REPLY_BYTES);
    expect(() => parseOcactlReply('bgp status', out.stdout)).toThrow(expect.objectContaining({ code: 'E_TOO_LARGE' }));
    const res = await http(a.apiPort, 'GET', '/v1/health');
    expect(() => parseHttpReply('GET /v1/health', res.status, res.body)).toThrow(expect.objectContaining({ code: 'E_TOO_LARGE' }));
    off('oversized');
  });

  it('slow: every reply is late', async () => {
    const a = on('slow');
    let t = Date.now();
    expect((await sshExec(target(a), 'ocactl status')).code).toBe(0);
    expect(Date.now() - t).toBeGreaterThanOrEqual(SLOW_MS);
    t = Date.now();
    expect((await http(a.apiPort, 'GET', '/v1/health')).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(SLOW_MS);
    off('slow');
  });

  it('disk-failure: health Error, fills refused, diag disk Error', async () => {
    const a = on('disk-failure');
    const res = await http(a.apiPort, 'GET', '/v1/health');
    const health = parseHttpReply('GET /v1/health', res.status, res.body);
    expect(health.status).toBe('Error');
    expect(health.components.find((c) => c.name === 'disk')?.status).toBe('Error');
    const fill = await http(a.apiPort, 'POST', '/v1/fill', { items: [{ contentId: 'x1', bytes: 1e9, source: 'origin' }] });
    expect(fill.status).toBe(503);
    expect(JSON.parse(fill.body).error.code).toBe('E_UNAVAILABLE');
    expect(parseOcactlReply('diag', (await sshExec(target(a), 'ocactl diag disk')).stdout).status).toBe('Error');
    off('disk-failure');
  });

  it('bgp-down: the session is Idle, health Error and serving zero', async () => {
    const a = on('bgp-down');
    expect(parseOcactlReply('bgp status', (await sshExec(target(a), 'ocactl bgp status')).stdout).state).toBe('Idle');
    const health = parseHttpReply('GET /v1/health', 200, (await http(a.apiPort, 'GET', '/v1/health')).body);
    expect(health.components.find((c) => c.name === 'bgp')?.status).toBe('Error');
    expect(health.status).toBe('Error');
    expect(parseHttpReply('GET /v1/metrics', 200, (await http(a.apiPort, 'GET', '/v1/metrics')).body).servingGbps).toBe(0);
    off('bgp-down');
  });

  it('unreachable: SSH and HTTP connections are reset', async () => {
    const a = on('unreachable');
    expect(await code(sshExec(target(a), 'ocactl status'))).toBe('ECONNRESET');
    expect(await code(http(a.apiPort, 'GET', '/v1/health'))).toBe('ECONNRESET');
    off('unreachable');
    expect((await http(a.apiPort, 'GET', '/v1/health')).status).toBe(200);
  });

  it('an open (pooled) connection is cut when the appliance becomes unreachable', async () => {
    const a = byFault.get('unreachable')!;
    const client = new ssh2.Client();
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve()).once('error', reject);
      client.connect({ host: '127.0.0.1', port: a.sshPort, username: 'oca', privateKey: key.privateKey });
    });
    client.on('error', () => undefined);
    const closed = new Promise<'closed'>((resolve) => client.once('close', () => resolve('closed')));
    let output = '';
    lab.fleet.setFault(a.serial, 'unreachable', true);
    try {
      client.exec('ocactl status', (err, stream) => {
        if (!err) stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
      });
      // Cut promptly: well before the test's own timeout, so a connection left open fails here, by name.
      const outcome = await Promise.race([closed, new Promise<'still open'>((r) => setTimeout(() => r('still open'), 15_000))]);
      expect(outcome).toBe('closed');
      expect(output).toBe('');
    } finally {
      client.end();
      off('unreachable');
    }
  });

  it('a reboot makes the appliance unreachable until it is back', async () => {
    const a = lab.manifest.appliances[FAULT_IDS.length]!;
    parseOcactlReply('reboot', (await sshExec(target(a), 'ocactl reboot')).stdout);
    expect(await code(sshExec(target(a), 'ocactl status'))).toBe('ECONNRESET');
    expect(await code(http(a.apiPort, 'GET', '/v1/health'))).toBe('ECONNRESET');
    clock.advance(200_000);
    expect((await sshExec(target(a), 'ocactl status')).code).toBe(0);
  });
});

describe('lab control API', () => {
  it('reports status and toggles faults with the token', async () => {
    const a = lab.manifest.appliances[0]!;
    expect(readManifest(dir)?.controlPort).toBe(lab.manifest.controlPort);
    expect(await callControl(dir, 'POST', '/fault', { serial: a.serial, fault: 'bgp-down', on: true })).toEqual({ serial: a.serial, faults: ['bgp-down'] });
    const status = (await callControl(dir, 'GET', '/status')) as { faults: unknown; appliances: number };
    expect(status.appliances).toBe(FAULT_IDS.length + 1);
    expect(status.faults).toContainEqual({ serial: a.serial, faults: ['bgp-down'] });
    await callControl(dir, 'POST', '/fault', { serial: a.serial, fault: 'bgp-down', on: false });
    expect(await code(callControl(dir, 'POST', '/fault', { serial: 'NOPE1', fault: 'drop', on: true }))).toBe('E_NOT_FOUND');
    expect(await code(callControl(dir, 'POST', '/fault', { serial: a.serial, fault: 'gremlins', on: true }))).toBe('E_VALIDATION');
  });

  it('refuses a request without the token', async () => {
    const res = await http(lab.manifest.controlPort, 'GET', '/status');
    expect(res.status).toBe(401);
  });

  it('refuses a login with a key the lab does not trust, or as another user', async () => {
    const a = lab.manifest.appliances[0]!;
    const stranger = generateEd25519('stranger');
    await expect(sshExec({ port: a.sshPort, privateKey: stranger.privateKey }, 'ocactl status')).rejects.toThrow(/authentication/i);
    await expect(sshExec({ port: a.sshPort, privateKey: key.privateKey, username: 'root' }, 'ocactl status')).rejects.toThrow(/authentication/i);
  });
});
