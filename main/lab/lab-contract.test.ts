/**
 * The appliance API contract over real sockets: every ocactl command through the lab's ssh2 server
 * and every HTTP route through its HTTP port, each reply validated against main/appliance schemas.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APPLIANCE_API_VERSION,
  DIAG_CHECKS,
  HTTP_STATUS_OF,
  HttpErrorReply,
  OcactlErrorEnvelope,
  ocactlEnvelope,
  type OcactlCommand,
} from '../appliance/contract';
import { buildFirmwareImage } from '../appliance/image';
import { ApplianceReplyError, parseHttpReply, parseOcactlReply } from '../appliance/replies';
import { ManualClock } from '../kit/time';
import { generateEd25519 } from '../keys/openssh-keygen';
import type { ManifestAppliance } from './manifest';
import { startLabRuntime, type LabRuntime } from './runtime';
import { http, sftpPut, sshExec, type SshTarget } from './testing';

const key = generateEd25519('contract-test');
const clock = new ManualClock(Date.UTC(2026, 4, 1, 18, 0, 0));
let dir: string;
let lab: LabRuntime;
let a: ManifestAppliance;
let target: SshTarget;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleetdeck-lab-contract-'));
  lab = await startLabRuntime(dir, { appliances: 3, sites: 2, speed: 1, seed: 11, authorizedKeys: [key.publicKey] }, { clock });
  a = lab.manifest.appliances[0]!;
  target = { port: a.sshPort, privateKey: key.privateKey };
  clock.advance(60_000);
});

afterAll(async () => {
  await lab?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function ocactl<C extends OcactlCommand>(command: C, line: string) {
  const out = await sshExec(target, line);
  expect(out.code, out.stdout).toBe(0);
  const envelope = ocactlEnvelope(command).parse(JSON.parse(out.stdout));
  expect(envelope).toMatchObject({ api: APPLIANCE_API_VERSION, ok: true, command });
  return parseOcactlReply(command, out.stdout);
}

describe('ocactl over the lab ssh2 server', () => {
  it('answers every command with a reply its schema accepts', async () => {
    expect((await ocactl('status', 'ocactl status')).serial).toBe(a.serial);
    const image = buildFirmwareImage('26.2.0', Buffer.alloc(50_000, 1));
    const status = await ocactl('status', 'ocactl status');
    await sftpPut(target, `${status.firmware.stagingDir}/oca-26.2.0.img`, image);
    expect(await ocactl('firmware stage-check', 'ocactl firmware stage-check oca-26.2.0.img')).toMatchObject({ valid: true, bytes: image.length });
    expect(await ocactl('firmware activate', `ocactl firmware activate ${status.firmware.stagingDir}/oca-26.2.0.img`)).toMatchObject({ slot: 'B' });
    expect(await ocactl('firmware rollback', 'ocactl firmware rollback')).toMatchObject({ pending: null, rebootRequired: false });
    expect((await ocactl('config get', 'ocactl config get')).bgp.neighbor.address).toMatch(/^100\./);
    expect((await ocactl('config set', "ocactl config set 'hostname=oca01-renamed.test'")).changed).toEqual(['hostname']);
    expect((await ocactl('bgp status', 'ocactl bgp status')).state).toBe('Established');
    for (const check of DIAG_CHECKS) expect((await ocactl('diag', `ocactl diag ${check}`)).check).toBe(check);
    const page = await ocactl('cache list', 'ocactl cache list --offset 10 --limit 5');
    expect(page).toMatchObject({ offset: 10, limit: 5 });
    expect(page.items).toHaveLength(5);
    expect((await ocactl('drain', 'ocactl drain')).serving).toBe('draining');
    expect((await ocactl('undrain', 'ocactl undrain')).serving).toBe('serving');
    expect((await ocactl('logs', `ocactl logs --since ${new Date(clock.now() - 3_600_000).toISOString()}`)).entries.length).toBeGreaterThan(0);
    expect((await ocactl('firmware activate', 'ocactl firmware activate oca-26.2.0.img')).version).toBe('26.2.0');
    expect((await ocactl('reboot', 'ocactl reboot')).bootSlot).toBe('B');
    clock.advance(120_000);
    expect((await ocactl('status', 'ocactl status')).firmware.trial).toBe(true);
    expect(await ocactl('firmware commit', 'ocactl firmware commit')).toEqual({ committed: 'B', version: '26.2.0' });
  });

  it('refuses bad commands with an error envelope, a code and a non-zero exit', async () => {
    const cases: [string, string, number][] = [
      ['ocactl', 'E_USAGE', 2],
      ['ocactl frobnicate', 'E_USAGE', 2],
      ['ocactl diag memory', 'E_USAGE', 2],
      ['ocactl cache list --limit lots', 'E_USAGE', 2],
      ['ocactl logs --since yesterday', 'E_USAGE', 2],
      ['ocactl firmware stage-check missing.img', 'E_NOT_FOUND', 3],
      ['ocactl firmware activate /etc/passwd', 'E_USAGE', 2],
      ['ocactl config set bgp.asn=1', 'E_STATE', 4],
      ['ocactl config set interface.eth7.mtu=1500', 'E_NOT_FOUND', 3],
    ];
    for (const [line, code, exit] of cases) {
      const out = await sshExec(target, line);
      expect(out.code, line).toBe(exit);
      const envelope = OcactlErrorEnvelope.parse(JSON.parse(out.stdout));
      expect(envelope.error.code, line).toBe(code);
      expect(envelope.error.message.length).toBeGreaterThan(10);
    }
    await expect(async () => parseOcactlReply('status', (await sshExec(target, 'ocactl frobnicate')).stdout)).rejects.toBeInstanceOf(
      ApplianceReplyError,
    );
  });

  it('runs nothing but ocactl', async () => {
    const out = await sshExec(target, 'cat /etc/passwd');
    expect(out.code).toBe(127);
    expect(out.stderr).toMatch(/not found/);
  });
});

describe('HTTP API', () => {
  it('answers every route with a reply its schema accepts', async () => {
    const get = async (path: string) => {
      const res = await http(a.apiPort, 'GET', path);
      expect(res.status, res.body).toBe(200);
      expect(res.headers['fleetdeck-appliance-api']).toBe('1');
      return res;
    };
    const health = parseHttpReply('GET /v1/health', 200, (await get('/v1/health')).body);
    expect(health.serial).toBe(a.serial);
    const metrics = parseHttpReply('GET /v1/metrics', 200, (await get('/v1/metrics')).body);
    expect(metrics.disk.totalBytes).toBe(a.storageTb * 1e12);
    const cache = parseHttpReply('GET /v1/cache', 200, (await get('/v1/cache?offset=3&limit=7')).body);
    expect(cache.items).toHaveLength(7);
    const posted = await http(a.apiPort, 'POST', '/v1/fill', {
      manifestId: 'nightly-1',
      items: [{ contentId: 'title-x', bytes: 3e9, source: 'origin' }],
      // 15:00 in São Paulo: outside the 02:00-14:00 fill window, so only an out-of-cycle fill runs now.
      outOfWindow: true,
    });
    expect(posted.status).toBe(202);
    const job = parseHttpReply('POST /v1/fill', 202, posted.body);
    expect(job.manifestId).toBe('nightly-1');
    clock.advance(60_000);
    const polled = parseHttpReply('GET /v1/fill/{id}', 200, (await get(`/v1/fill/${job.id}`)).body);
    expect(polled.state).toBe('done');
  });

  it('every error has a body that says what went wrong', async () => {
    const cases: [string, string, unknown, string][] = [
      ['GET', '/v1/nothing', undefined, 'E_NOT_FOUND'],
      ['GET', '/v2/health', undefined, 'E_NOT_FOUND'],
      ['POST', '/v1/health', undefined, 'E_USAGE'],
      ['GET', '/v1/fill/fill-999', undefined, 'E_NOT_FOUND'],
      ['POST', '/v1/fill', '{not json', 'E_USAGE'],
      ['POST', '/v1/fill', { items: [] }, 'E_USAGE'],
      ['POST', '/v1/fill', { items: [{ contentId: 'a', bytes: -1, source: 'origin' }] }, 'E_USAGE'],
      ['POST', '/v1/fill', { items: [{ contentId: 'a', bytes: 1, source: 'ftp://x' }] }, 'E_USAGE'],
      ['POST', '/v1/fill', { items: [{ contentId: 'huge', bytes: 1024 ** 4, source: 'origin' }, ...Array.from({ length: 400 }, (_, i) => ({ contentId: `h${i}`, bytes: 1024 ** 4, source: 'origin' }))] }, 'E_NO_SPACE'],
      ['GET', '/v1/cache?limit=5000', undefined, 'E_USAGE'],
    ];
    for (const [method, path, body, code] of cases) {
      const res = await http(a.apiPort, method, path, body);
      const parsed = HttpErrorReply.parse(JSON.parse(res.body));
      expect(parsed.error.code, `${method} ${path}`).toBe(code);
      expect(res.status).toBe(HTTP_STATUS_OF[parsed.error.code as keyof typeof HTTP_STATUS_OF]);
      expect(() => parseHttpReply('GET /v1/health', res.status, res.body)).toThrow(ApplianceReplyError);
    }
  });
});
