/**
 * Hostile known_hosts and ssh_config files: a host pattern of many `*` then a letter used to hang
 * the engine (exponential backtracking, ours and the ssh-config package's); `Match exec` ran a
 * shell command; jump hosts skipped the jump-host form's checks. Each file here is one line away
 * from what a user might import.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPLIANCES_HEADER, applianceRow, csv, rejectionOf, sampleSites } from '../../tests/support/inventory-fixtures';
import { tempEngine, type TempEngine } from '../../tests/support/temp-engine';
import type { ApiClient } from '../api/client';
import { parsePublicKeyLine } from '../keys/host-key';
import { hostPatternMatches, patternListMatches } from './host-pattern';
import { entryMatches, parseKnownHosts } from './known-hosts';
import { sshPair } from '../keys/openssh-keygen';
import { GRU1_SITE } from '../../tests/support/inventory-fixtures';

const STARS = '*'.repeat(40) + 'b';

/** Runs fn and returns how long it took (ms). */
function timed(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

describe('host patterns', () => {
  it('match as OpenSSH does', () => {
    expect(hostPatternMatches('*.isp.net', 'oca-1.gru1.isp.net')).toBe(true);
    expect(hostPatternMatches('*.isp.net', 'isp.net')).toBe(false);
    expect(hostPatternMatches('oca-?.gru1', 'OCA-7.GRU1')).toBe(true);
    expect(hostPatternMatches('oca-?.gru1', 'oca-17.gru1')).toBe(false);
    expect(hostPatternMatches('[10.0.0.*]:2222', '[10.0.0.9]:2222')).toBe(true);
    expect(hostPatternMatches('a*b*c', 'aXXbYYc')).toBe(true);
    expect(hostPatternMatches('a*b*c', 'aXXbYY')).toBe(false);
    expect(hostPatternMatches('*', '')).toBe(true);
    expect(hostPatternMatches('', 'a')).toBe(false);
    expect(hostPatternMatches('a.b', 'aXb')).toBe(false); // a dot is a dot
    expect(patternListMatches(['*.isp.net', '!bad.isp.net'], 'bad.isp.net')).toBe(false);
    expect(patternListMatches(['*.isp.net', '!bad.isp.net'], 'ok.isp.net')).toBe(true);
  });

  // A backtracking matcher would take longer than the age of the universe on these; a linear one,
  // microseconds. The bounds are loose on purpose: a loaded CI machine can stall any process for a while.
  it('take time proportional to the input, however many stars', () => {
    const name = 'a'.repeat(200);
    expect(timed(() => expect(hostPatternMatches(STARS, name)).toBe(false))).toBeLessThan(5_000);
    expect(timed(() => expect(hostPatternMatches('*a'.repeat(100) + 'b', name)).toBe(false))).toBeLessThan(5_000);
    const line = `${STARS},other ssh-ed25519 ${parsePublicKeyLine(sshPair().public)!.base64}`;
    const { entries } = parseKnownHosts(line);
    expect(timed(() => expect(entryMatches(entries[0]!, 'a'.repeat(60), 22)).toBe(false))).toBeLessThan(5_000);
  });
});

describe('importing hostile files', () => {
  let t: TempEngine;
  let client: ApiClient;

  beforeAll(async () => {
    t = tempEngine();
    client = t.engine.client({ actor: 'test:alice' });
    await client.api.inventory.upsertSite(GRU1_SITE);
    await client.api.inventory.createAppliance({
      serial: 'OCA-1',
      hostname: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.isp.net',
      site: 'GRU1',
      model: 'storage',
      ipv4: '10.0.0.1',
      storageTb: 100,
      nicGbps: 100,
    });
  });
  afterAll(() => t.dispose());

  it('a known_hosts line of many stars is read in bounded time, and the rest of the file still counts', async () => {
    const key = parsePublicKeyLine(sshPair().public)!;
    const content = `${STARS}a ${key.type} ${key.base64}\n10.0.0.1 ${key.type} ${key.base64}\n`;
    const start = performance.now();
    const pending = client.api.net.importKnownHosts({ content, dryRun: true });
    // The engine answers other calls meanwhile.
    expect(await client.api.system.ping({ nonce: 'x' })).toMatchObject({ nonce: 'x' });
    const report = await pending;
    expect(performance.now() - start).toBeLessThan(10_000);
    expect(report.recorded).toEqual([{ serial: 'OCA-1', fingerprint: key.fingerprint }]);
  });

  it('an ssh_config Host of many stars is skipped in bounded time; Match exec runs nothing', async () => {
    const marker = join(t.dir, 'match-exec-ran');
    const content = [
      `Host ${STARS}`,
      '  User evil',
      `Match exec "touch ${marker}"`,
      '  User evil2',
      'Host edge',
      '  HostName 203.0.113.10',
      '  User ops',
      'Host aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.isp.net',
      '  ProxyJump edge',
      '',
    ].join('\n');
    const start = performance.now();
    const report = await client.api.net.importSshConfig({ content, dryRun: true });
    expect(performance.now() - start).toBeLessThan(10_000);
    expect(existsSync(marker)).toBe(false);
    expect(report.jumpHosts).toEqual([expect.objectContaining({ name: 'edge', host: '203.0.113.10', username: 'ops' })]);
    expect(report.routes).toEqual([{ scope: 'appliance', key: 'OCA-1', jumpHost: 'edge' }]);
    expect(report.skipped).toEqual(
      expect.arrayContaining([
        { host: STARS, reason: 'a pattern, not one host' },
        expect.objectContaining({ reason: expect.stringMatching(/Match blocks are not evaluated/) }),
      ]),
    );
  });

  it('jump hosts from ssh_config pass the jump-host form checks, or nothing is imported', async () => {
    const cases: Array<[string, RegExp]> = [
      ['Host gw\n  HostName -oProxyCommand=touch_x\n', /gw: host: /],
      ['Host gw\n  HostName gw.isp.net\n  Port 99999\n', /gw: port: a port is 1-65535/],
      ['Host gw\n  HostName gw.isp.net\n  Port 22x\n', /gw: port: /],
      ['Host gw\n  HostName $(reboot).isp.net\n', /gw: host: /],
      ['Host x\n  ProxyJump ops@-evil.example\n', /ops@-evil\.example: /],
      ['Host x\n  ProxyJump `id`@gw.isp.net:0\n', /port: a port is 1-65535/],
    ];
    for (const [content, reason] of cases) {
      const r = await rejectionOf(client.api.net.importSshConfig({ content, dryRun: false }));
      expect(r.code, content).toBe('E_IMPORT');
      expect(r.message, content).toMatch(reason);
    }
    expect((await client.api.net.listJumpHosts({})).jumpHosts).toEqual([]);
  });

  it('names the Host line of each jump host that fails the checks', async () => {
    const content = [
      '# fleet bastions',
      'Host gw-ok',
      '  HostName gw.isp.net',
      'Host gw-bad',
      '  HostName gw.isp.net',
      '  Port 99999',
      'Host oca-7',
      '  ProxyJump gw-ok,ops@-evil.example',
      '',
    ].join('\n');
    const r = await rejectionOf(client.api.net.importSshConfig({ content, dryRun: true }));
    expect(r.code).toBe('E_IMPORT');
    expect(r.errors).toEqual([
      { line: 4, field: 'gw-bad', reason: expect.stringMatching(/port: a port is 1-65535/) },
      { line: 7, field: 'ops@-evil.example', reason: expect.stringMatching(/host: /) },
    ]);
    expect(r.message).toMatch(/line 4, gw-bad: .*line 7, ops@-evil\.example: /);
  });
});

describe('a bastion\'s trusted key', () => {
  let t: TempEngine;
  afterAll(() => t.dispose());

  it('is kept by an edit that leaves it out and not replaced by one that names another', async () => {
    t = tempEngine();
    const client = t.engine.client({ actor: 'test:alice' });
    const trusted = parsePublicKeyLine(sshPair().public)!.fingerprint;
    const other = parsePublicKeyLine(sshPair().public)!.fingerprint;
    await client.api.net.upsertJumpHost({ name: 'gw', host: '192.0.2.1', username: 'ops', hostKeyFingerprint: trusted });
    expect(await client.api.net.upsertJumpHost({ name: 'gw', host: '192.0.2.1', port: 2222, username: 'ops' })).toMatchObject({ port: 2222, hostKeyFingerprint: trusted });
    const r = await rejectionOf(client.api.net.upsertJumpHost({ name: 'gw', host: '192.0.2.1', username: 'ops', hostKeyFingerprint: other }));
    expect(r.code).toBe('E_CONFLICT');
    expect(r.message).toMatch(/has the trusted host key .*resolve the host-key alert/);
    expect((await client.api.net.listJumpHosts({})).jumpHosts[0]).toMatchObject({ port: 2222, hostKeyFingerprint: trusted });
  });
});

describe('import work is bounded up front', () => {
  let t: TempEngine;
  afterAll(() => t.dispose());

  it('refuses an ssh_config or known_hosts that needs more matching than one import does, with a sentence', async () => {
    t = tempEngine();
    const client = t.engine.client({ actor: 'test:alice' });
    await client.api.inventory.importData({ format: 'csv', content: sampleSites() });
    await client.api.inventory.importData({
      format: 'csv',
      content: csv(APPLIANCES_HEADER, ...Array.from({ length: 2000 }, (_, i) => applianceRow(`OCA${i}`, { ipv4: `10.1.${i >> 8}.${i & 255}` }))),
    });

    const wild = Array.from({ length: 25 }, (_, i) => `Host ${'*x'.repeat(400)}${i}\n  User u\n`).join('');
    const hosts = Array.from({ length: 1000 }, (_, i) => `Host host-${i}.isp.net\n  HostName 192.0.2.${i % 250}\n`).join('');
    const config = await rejectionOf(client.api.net.importSshConfig({ content: wild + hosts, dryRun: true }));
    expect(config.code).toBe('E_IMPORT');
    expect(config.message).toMatch(/1000 hosts and wildcard Host patterns \d+ characters long: more matching than one import does/);

    const key = parsePublicKeyLine(sshPair().public)!;
    const knownHosts = Array.from({ length: 1500 }, (_, i) => `*.pattern-${i}.isp.net ${key.type} ${key.base64}`).join('\n');
    const known = await rejectionOf(client.api.net.importKnownHosts({ content: knownHosts, dryRun: true }));
    expect(known.code).toBe('E_IMPORT');
    expect(known.message).toMatch(/1500 hashed or wildcard entries; each must be tried against all 4000 names .*ssh-keygen -F/);
  });
});
