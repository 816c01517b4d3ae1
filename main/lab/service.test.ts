/**
 * The engine's lab domain end to end: lab.start spawns the real lab daemon, the inventory then holds
 * its partners, sites and appliances with loopback addresses, ports and the host-key fingerprints
 * the real servers present; faults toggle through the API; lab.stop ends the process.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, type ApiClient } from '../api/client';
import { createEngine, type Engine } from '../engine';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import { FLEET_KEY } from '../net/fleet-key';
import { readManifest, STATE_FILE } from './manifest';
import { pidAlive } from './service';
import { hostKeyFingerprint, http, sshExec } from './testing';
import { parseHttpReply, parseOcactlReply } from '../appliance/replies';

let dir: string;
let engine: Engine;
let client: ApiClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleetdeck-lab-service-'));
  engine = createEngine({ dataDir: dir, host: 'test', vault: await openNodeVault(dir), log: silentLogger, checkOutputs: true });
  client = engine.client({ actor: 'test:lab' });
});

afterAll(async () => {
  const manifest = readManifest(join(dir, 'lab'));
  if (manifest && pidAlive(manifest.pid)) process.kill(manifest.pid, 'SIGKILL');
  engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

const apiCode = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    return err instanceof ApiError ? err.code : String(err);
  }
  return 'no error';
};

describe('lab service', () => {
  it('starts a lab and writes it into the inventory as a site survey would', async () => {
    const started = await client.api.lab.start({ appliances: 6, sites: 3, speed: 60 });
    expect(started).toMatchObject({ running: true, appliances: 6, sites: 3, speed: 60 });
    const manifest = readManifest(join(dir, 'lab'))!;
    expect(pidAlive(manifest.pid)).toBe(true);
    expect(manifest.pid).not.toBe(process.pid);

    const page = await client.api.inventory.listAppliances({ limit: 100 });
    expect(page.total).toBe(6);
    for (const a of page.items) {
      const m = manifest.appliances.find((x) => x.serial === a.serial)!;
      expect(a).toMatchObject({ ipv4: '127.0.0.1', sshPort: m.sshPort, apiPort: m.apiPort, status: 'online', tags: ['lab'] });
      // The recorded fingerprint is the one the real server presents.
      expect(a.hostKeyFingerprint).toBe(await hostKeyFingerprint(a.sshPort));
      expect(a.firmware).toMatch(/^26\.1\.\d$/);
    }
    expect(new Set(page.items.map((a) => a.sshPort)).size).toBe(6);

    const sites = await client.api.inventory.listSites({});
    expect(sites).toHaveLength(3);
    const zones = new Set(sites.map((s) => s.timezone));
    expect(zones.size).toBe(3);
    for (const s of sites) {
      expect(s).toMatchObject({ fillWindow: '02:00-14:00', appliances: 2 });
      expect(Math.abs(s.latitude) + Math.abs(s.longitude)).toBeGreaterThan(0);
      expect(() => new Intl.DateTimeFormat('en', { timeZone: s.timezone })).not.toThrow();
    }
    const overview = await client.api.inventory.overview({});
    expect(overview.totals).toMatchObject({ partners: 3, sites: 3, appliances: 6 });
  });

  it('keeps the fleet key in the vault only, and the lab trusts it', async () => {
    const vault = engine.deps.vault;
    const pem = (await vault.get(FLEET_KEY))!.toString();
    expect(pem).toMatch(/BEGIN OPENSSH PRIVATE KEY/);
    const a = (await client.api.inventory.listAppliances({ limit: 1 })).items[0]!;
    const out = await sshExec({ port: a.sshPort, privateKey: pem }, 'ocactl status');
    expect(parseOcactlReply('status', out.stdout).serial).toBe(a.serial);
    // The third base64 line holds private bytes (the first ones are the same header for every ed25519 key).
    const body = pem.split('\n')[3]!;
    expect(body.length).toBeGreaterThan(40);
    expect(readFileSync(join(dir, 'fleet.sqlite')).includes(body)).toBe(false);
    for (const f of readdirSync(join(dir, 'lab'))) {
      const path = join(dir, 'lab', f);
      if (!existsSync(path) || f === 'appliances') continue;
      expect(readFileSync(path, 'utf8').includes(body), f).toBe(false);
    }
  });

  it('toggles faults through the API and reports them in status', async () => {
    const a = (await client.api.inventory.listAppliances({ limit: 1 })).items[0]!;
    expect(await client.api.lab.setFault({ serial: a.serial, fault: 'disk-failure' })).toEqual({ serial: a.serial, faults: ['disk-failure'] });
    expect((await client.api.lab.status({})).faults).toEqual([{ serial: a.serial, faults: ['disk-failure'] }]);
    const res = await http(a.apiPort, 'GET', '/v1/health');
    expect(parseHttpReply('GET /v1/health', res.status, res.body).status).toBe('Error');
    await client.api.lab.setFault({ serial: a.serial, fault: 'disk-failure', on: false });
    expect(await apiCode(client.api.lab.setFault({ serial: 'NOSUCH1', fault: 'drop' }))).toBe('E_NOT_FOUND');
    expect(await apiCode(client.call('lab.setFault', { serial: a.serial, fault: 'gremlins' }))).toBe('E_VALIDATION');
  });

  it('refuses a second lab while one runs', async () => {
    expect(await apiCode(client.api.lab.start({ appliances: 2, sites: 1 }))).toBe('E_CONFLICT');
  });

  it('stops the lab; its appliances stay in the inventory', async () => {
    const pid = readManifest(join(dir, 'lab'))!.pid;
    expect(await client.api.lab.stop({})).toEqual({ stopped: true });
    expect(pidAlive(pid)).toBe(false);
    expect(existsSync(join(dir, 'lab', STATE_FILE))).toBe(false);
    expect((await client.api.lab.status({})).running).toBe(false);
    expect(await client.api.lab.stop({})).toEqual({ stopped: false });
    expect((await client.api.inventory.listAppliances({ limit: 1 })).total).toBe(6);
  });

  it('a restarted lab keeps its host keys and ports where it can', async () => {
    const before = (await client.api.inventory.listAppliances({ limit: 100 })).items;
    await client.api.lab.start({ appliances: 6, sites: 3, speed: 60 });
    const after = (await client.api.inventory.listAppliances({ limit: 100 })).items;
    expect(after.map((a) => a.hostKeyFingerprint)).toEqual(before.map((a) => a.hostKeyFingerprint));
    expect(await hostKeyFingerprint(after[0]!.sshPort)).toBe(after[0]!.hostKeyFingerprint);
    await client.api.lab.stop({});
  });

  it('a smaller lab marks the lab appliances it no longer serves offline', async () => {
    await client.api.lab.start({ appliances: 4, sites: 3, speed: 60 });
    const items = (await client.api.inventory.listAppliances({ limit: 100 })).items;
    expect(items.filter((a) => a.status === 'online').map((a) => a.serial)).toEqual(['LAB00001', 'LAB00002', 'LAB00003', 'LAB00004']);
    expect(items.filter((a) => a.status === 'offline').map((a) => [a.serial, a.statusReason])).toEqual([
      ['LAB00005', 'not part of the running lab'],
      ['LAB00006', 'not part of the running lab'],
    ]);
    await client.api.lab.stop({});
  });

  it('will not write over appliances it did not create', async () => {
    await client.api.inventory.upsertSite({
      code: 'xyz1',
      partner: 'Real ISP',
      asn: 65010,
      name: 'Real site',
      city: 'Lyon',
      country: 'FR',
      latitude: 45.76,
      longitude: 4.84,
      timezone: 'Europe/Paris',
      maintenanceWindow: '01:00-05:00',
      fillWindow: '02:00-14:00',
    });
    await client.api.inventory.createAppliance({
      serial: 'LAB00007',
      hostname: 'real.example',
      site: 'xyz1',
      model: 'storage',
      ipv4: '192.0.2.10',
      storageTb: 200,
      nicGbps: 100,
    });
    expect(await apiCode(client.api.lab.start({ appliances: 8, sites: 3 }))).toBe('E_CONFLICT');
    expect((await client.api.lab.status({})).running).toBe(false);
  });
});
