import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatKnownHosts, knownHostName, lookupKnownHost, parseKnownHosts } from './known-hosts';
import { parsePublicKeyLine } from '../keys/host-key';
import { sshPair } from '../keys/openssh-keygen';

const dir = mkdtempSync(join(tmpdir(), 'fleetdeck-known-hosts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function key(): { line: string; fingerprint: string } {
  const pub = sshPair().public;
  const parsed = parsePublicKeyLine(pub)!;
  return { line: `${parsed.type} ${parsed.base64}`, fingerprint: parsed.fingerprint };
}

describe('known_hosts', () => {
  it('computes the same fingerprint as ssh-keygen -l', () => {
    const k = key();
    const file = join(dir, 'k.pub');
    writeFileSync(file, k.line + '\n');
    const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', file], { encoding: 'utf8' });
    expect(out.split(' ')[1]).toBe(k.fingerprint);
  });

  it('matches plain, bracketed-port, wildcard and negated patterns', () => {
    const a = key();
    const b = key();
    const c = key();
    const text = [
      '# comment',
      `oca1.isp.net,10.0.0.1 ${a.line} a-comment`,
      `[10.0.0.2]:2222 ${b.line}`,
      `*.gru1.isp.net,!bad.gru1.isp.net ${c.line}`,
      `@revoked 10.0.0.9 ${a.line}`,
      'garbage line',
    ].join('\n');
    const { entries, problems } = parseKnownHosts(text);
    expect(entries).toHaveLength(4);
    expect(problems).toEqual([{ line: 6, reason: expect.stringContaining('expected') }]);
    expect(lookupKnownHost(entries, '10.0.0.1', 22).keys.map((k) => k.fingerprint)).toEqual([a.fingerprint]);
    expect(lookupKnownHost(entries, '10.0.0.1', 2222).keys).toEqual([]);
    expect(lookupKnownHost(entries, '10.0.0.2', 2222).keys.map((k) => k.fingerprint)).toEqual([b.fingerprint]);
    expect(lookupKnownHost(entries, 'x.gru1.isp.net', 22).keys.map((k) => k.fingerprint)).toEqual([c.fingerprint]);
    expect(lookupKnownHost(entries, 'bad.gru1.isp.net', 22).keys).toEqual([]);
    expect(lookupKnownHost(entries, '10.0.0.9', 22).revoked.map((k) => k.fingerprint)).toEqual([a.fingerprint]);
  });

  it('reads entries hashed by ssh-keygen -H', () => {
    const a = key();
    const b = key();
    const file = join(dir, 'hashed');
    writeFileSync(file, `oca1.isp.net ${a.line}\n[127.0.0.1]:2201 ${b.line}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('|1|');
    expect(text).not.toContain('oca1');
    const { entries } = parseKnownHosts(text);
    expect(lookupKnownHost(entries, 'oca1.isp.net', 22).keys[0]?.fingerprint).toBe(a.fingerprint);
    expect(lookupKnownHost(entries, '127.0.0.1', 2201).keys[0]?.fingerprint).toBe(b.fingerprint);
    expect(lookupKnownHost(entries, '127.0.0.1', 22).keys).toEqual([]);
  });

  it('writes plain and hashed files that ssh-keygen -F finds', () => {
    const a = parsePublicKeyLine(key().line)!;
    for (const hashed of [false, true]) {
      const file = join(dir, `export-${hashed}`);
      writeFileSync(file, formatKnownHosts([{ hosts: ['oca7.isp.net', '10.1.1.7'], port: 2222, key: a, comment: 'OCA7' }], { hashed }));
      for (const name of ['oca7.isp.net', '10.1.1.7']) {
        const found = execFileSync('ssh-keygen', ['-F', `[${name}]:2222`, '-f', file], { encoding: 'utf8' });
        expect(found).toContain(a.base64);
      }
      const { entries } = parseKnownHosts(readFileSync(file, 'utf8'));
      expect(lookupKnownHost(entries, '10.1.1.7', 2222).keys[0]?.fingerprint).toBe(a.fingerprint);
    }
    expect(knownHostName('h', 22)).toBe('h');
    expect(knownHostName('h', 2222)).toBe('[h]:2222');
  });

  it('reports a key that is not valid base64 for its type', () => {
    const { entries, problems } = parseKnownHosts('host ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ==\n');
    expect(entries).toEqual([]);
    expect(problems[0]?.reason).toMatch(/not valid/);
  });
});
