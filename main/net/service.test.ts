import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine } from '../engine';
import type { ApiClient } from '../api/client';
import { fileLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import { parsePublicKeyLine } from '../keys/host-key';
import { lookupKnownHost, parseKnownHosts } from './known-hosts';
import { startTestSshServer } from './test-ssh-server';
import { sshPair } from '../keys/openssh-keygen';
import { GRU1_SITE } from '../../tests/support/inventory-fixtures';

const SITE = GRU1_SITE;

function hostKey() {
  return parsePublicKeyLine(sshPair().public)!;
}

describe('net service: trust, known_hosts, ssh_config, jump hosts', () => {
  const root = mkdtempSync(join(tmpdir(), 'fleetdeck-net-'));
  const logFile = join(root, 'engine.log');
  let engine: Engine;
  let client: ApiClient;

  beforeAll(async () => {
    mkdirSync(join(root, 'data'));
    // A passphrase vault: a key's passphrase is kept only where it is encrypted.
    const vault = await openNodeVault(join(root, 'data'), { passphrase: 'test vault passphrase' });
    engine = createEngine({ dataDir: join(root, 'data'), host: 'test', vault, log: fileLogger(logFile), checkOutputs: true });
    client = engine.client({ actor: 'test:alice' });
    await client.api.inventory.upsertSite(SITE);
    for (const [serial, ip, port] of [
      ['OCA-1', '10.0.0.1', 22],
      ['OCA-2', '10.0.0.2', 2222],
      ['OCA-3', '10.0.0.3', 22],
    ] as const) {
      await client.api.inventory.createAppliance({ serial, hostname: `${serial.toLowerCase()}.gru1.isp.net`, site: 'GRU1', model: 'storage', ipv4: ip, sshPort: port, storageTb: 100, nicGbps: 100 });
    }
  });
  afterAll(() => {
    engine.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses a job with E_AUTH before contacting anything when there is no fleet key', async () => {
    await expect(client.api.jobs.exec({ selection: { all: true }, argv: ['uptime'] })).rejects.toMatchObject({
      code: 'E_AUTH',
      message: expect.stringMatching(/no fleet SSH key/),
    });
    expect(await client.api.jobs.list({})).toEqual([]);
  });

  it('keeps private keys and passphrases out of replies and logs', async () => {
    const dir = join(root, 'keys');
    mkdirSync(dir);
    execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', 'pass phrase 1', '-C', 'ops', '-f', join(dir, 'id')]);
    const pem = readFileSync(join(dir, 'id'), 'utf8');
    const info = await client.api.net.importFleetKey({ privateKey: pem, passphrase: 'pass phrase 1' });
    expect(info).toMatchObject({ type: 'ecdsa-sha2-nistp256', passphraseProtected: true });
    const shown = JSON.stringify(await client.api.net.fleetKey({}));
    expect(shown).not.toMatch(/PRIVATE|pass phrase/);
    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain(info.fingerprint);
    expect(log).not.toMatch(/PRIVATE KEY|pass phrase 1/);
    const db = engine.db.prepare("SELECT group_concat(value) AS v FROM net_settings").get() as { v: string | null };
    expect(String(db.v)).not.toMatch(/PRIVATE/);
  });

  it('imports known_hosts (hashed, [host]:port), records only unknown keys, reports conflicts, and exports', async () => {
    const k1 = hostKey();
    const k2 = hostKey();
    const k3 = hostKey();
    const other = hostKey();
    await client.api.inventory.updateAppliance({ serial: 'OCA-3', patch: { hostKeyFingerprint: k3.fingerprint } });
    const file = join(root, 'known_hosts');
    writeFileSync(
      file,
      [`oca-1.gru1.isp.net ${k1.type} ${k1.base64}`, `[10.0.0.2]:2222 ${k2.type} ${k2.base64}`, `10.0.0.3 ${other.type} ${other.base64}`].join('\n') + '\n',
    );
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const content = readFileSync(file, 'utf8') + 'junk\n';
    const dry = await client.api.net.importKnownHosts({ content, dryRun: true });
    expect(dry.recorded.map((r) => r.serial).sort()).toEqual(['OCA-1', 'OCA-2']);
    expect((await client.api.inventory.getAppliance({ serial: 'OCA-1' })).appliance.hostKeyFingerprint).toBeNull();
    const report = await client.api.net.importKnownHosts({ content, dryRun: false });
    expect(report.recorded).toEqual([
      { serial: 'OCA-1', fingerprint: k1.fingerprint },
      { serial: 'OCA-2', fingerprint: k2.fingerprint },
    ]);
    expect(report.conflicts).toEqual([{ serial: 'OCA-3', inventory: k3.fingerprint, file: [other.fingerprint] }]);
    expect(report.problems).toHaveLength(1);
    expect((await client.api.inventory.getAppliance({ serial: 'OCA-3' })).appliance.hostKeyFingerprint).toBe(k3.fingerprint);
    const { audit } = await client.api.inventory.getAppliance({ serial: 'OCA-2' });
    expect(audit[0]).toMatchObject({ action: 'appliance.update', actor: 'test:alice' });

    const exported = await client.api.net.exportKnownHosts({ hashed: true });
    expect(exported.entries).toBe(2);
    expect(exported.missingKeys).toEqual(['OCA-3']); // fingerprint known, key never seen
    const { entries } = parseKnownHosts(exported.content);
    expect(lookupKnownHost(entries, '10.0.0.2', 2222).keys[0]?.fingerprint).toBe(k2.fingerprint);
    expect(lookupKnownHost(entries, 'oca-1.gru1.isp.net', 22).keys[0]?.fingerprint).toBe(k1.fingerprint);
    const out = join(root, 'exported');
    writeFileSync(out, exported.content);
    expect(execFileSync('ssh-keygen', ['-F', '[oca-2.gru1.isp.net]:2222', '-f', out], { encoding: 'utf8' })).toContain(k2.base64);
  });

  it('imports ProxyJump chains from an ssh config and routes appliances through them', async () => {
    const config = `
Host edge
  HostName 203.0.113.10
  User ops
  Port 2200

Host inner-gw
  HostName 10.9.0.1
  User jump
  ProxyJump edge

Host oca-1.gru1.isp.net
  ProxyJump edge,inner-gw

Host oca-2.gru1.isp.net
  ProxyJump admin@198.51.100.7:2022

Host *.isp.net
  User oca
`;
    const report = await client.api.net.importSshConfig({ content: config, dryRun: false });
    const byName = Object.fromEntries(report.jumpHosts.map((j) => [j.name, j]));
    expect(byName.edge).toMatchObject({ host: '203.0.113.10', port: 2200, username: 'ops', via: null });
    expect(byName['inner-gw']).toMatchObject({ host: '10.9.0.1', username: 'jump', via: 'edge' });
    expect(byName['admin@198.51.100.7:2022']).toMatchObject({ host: '198.51.100.7', port: 2022, username: 'admin', via: null });
    expect(report.routes).toEqual([
      { scope: 'appliance', key: 'OCA-1', jumpHost: 'inner-gw' },
      { scope: 'appliance', key: 'OCA-2', jumpHost: 'admin@198.51.100.7:2022' },
    ]);
    expect(report.skipped).toEqual([{ host: '*.isp.net', reason: 'a pattern, not one host' }]);
    const { appliance } = await client.api.inventory.getAppliance({ serial: 'OCA-1' });
    const route = engine.net.routeFor(appliance);
    expect(route.via.map((e) => `${e.username}@${e.host}:${e.port}`)).toEqual(['ops@203.0.113.10:2200', 'jump@10.9.0.1:22']);
    expect(route.target).toMatchObject({ host: '10.0.0.1', port: 22, username: 'oca' });
  });

  it('refuses jump-host loops and deleting a hop others go through', async () => {
    await client.api.net.upsertJumpHost({ name: 'a', host: '192.0.2.1', username: 'x' });
    await client.api.net.upsertJumpHost({ name: 'b', host: '192.0.2.2', username: 'x', via: 'a' });
    await expect(client.api.net.upsertJumpHost({ name: 'a', host: '192.0.2.1', username: 'x', via: 'b' })).rejects.toMatchObject({ code: 'E_VALIDATION', message: expect.stringMatching(/loop/) });
    await expect(client.api.net.deleteJumpHost({ name: 'a' })).rejects.toMatchObject({ code: 'E_CONFLICT' });
    expect((await client.api.net.listJumpHosts({})).jumpHosts.find((j) => j.name === 'a')?.via).toBeNull();
  });

  it('raises an alert on a mismatch, never re-trusts silently, and trusts the new key only when resolved', async () => {
    const key = await client.api.net.generateFleetKey({ replace: true });
    const server = await startTestSshServer({ authorizedKeys: [key.publicKey] });
    try {
      await client.api.inventory.createAppliance({ serial: 'OCA-LOCAL', hostname: 'oca-local', site: 'GRU1', model: 'flash', ipv4: '127.0.0.1', sshPort: server.port, storageTb: 10, nicGbps: 100 });
      const wrong = hostKey().fingerprint;
      await client.api.net.trustHostKey({ serial: 'OCA-LOCAL', fingerprint: wrong });
      await expect(client.api.net.trustHostKey({ serial: 'OCA-LOCAL', fingerprint: server.hostKeyFingerprint })).rejects.toMatchObject({ code: 'E_CONFLICT' });
      for (let i = 0; i < 2; i++) {
        const job = await client.api.jobs.exec({ selection: { serials: ['OCA-LOCAL'] }, argv: ['echo', 'hi'], acceptNew: true });
        await engine.jobs.wait(job.id);
        expect((await client.api.jobs.results({ id: job.id })).items[0]).toMatchObject({ errorCode: 'E_HOSTKEY_MISMATCH' });
      }
      expect(server.stats.authAttempts).toBe(0);
      const [alert] = await client.api.net.hostKeyAlerts({});
      expect(alert).toMatchObject({ target: 'appliance:OCA-LOCAL', expected: wrong, presented: server.hostKeyFingerprint, count: 2 });
      expect((await client.api.inventory.getAppliance({ serial: 'OCA-LOCAL' })).appliance.hostKeyFingerprint).toBe(wrong);
      const resolved = await client.api.net.resolveHostKeyAlert({ id: alert!.id, trustNewKey: true });
      expect(resolved).toMatchObject({ resolution: 'trusted-new-key', resolvedBy: 'test:alice' });
      const job = await client.api.jobs.exec({ selection: { serials: ['OCA-LOCAL'] }, argv: ['echo', 'hi'] });
      await engine.jobs.wait(job.id);
      expect((await client.api.jobs.results({ id: job.id })).items[0]).toMatchObject({ ok: true, output: 'hi\n' });
      expect(await client.api.net.hostKeyAlerts({})).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
