import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { generateEd25519 } from './openssh-keygen';
import { fingerprintOf } from './host-key';

describe('generateEd25519', () => {
  // ssh2's own generator makes about 1 unreadable key in 300; 1,500 keys would catch that with
  // probability above 99 %.
  it('makes keys ssh2 can always read back, with matching public halves', () => {
    for (let i = 0; i < 1500; i++) {
      const pair = generateEd25519(`k${i}`);
      const parsed = ssh2.utils.parseKey(pair.privateKey);
      if (parsed instanceof Error) throw new Error(`key ${i} unreadable: ${parsed.message}`);
      const key = Array.isArray(parsed) ? parsed[0]! : parsed;
      expect(key.type).toBe('ssh-ed25519');
      expect(fingerprintOf(key.getPublicSSH())).toBe(pair.fingerprint);
    }
  });

  // Exporting the keys as JWK after generateKeyPairSync hung Node 20 for good within 30,000 keys (3 runs
  // of 3 here, and once in CI at 1,500): a garbage collection during the export finalized the finished
  // generation job, whose destructor waits on the mutex the export holds. A child process, so a
  // deadlock is a timeout here instead of a test run that never ends.
  it('makes 30,000 keys in a row without hanging', () => {
    const repo = resolve(import.meta.dirname, '../..');
    const r = spawnSync(process.execPath, [join(repo, 'tests/support/kill9-child.mjs'), join(repo, 'tests/support/keygen-child.ts'), '30000'], {
      cwd: repo,
      encoding: 'utf8',
      timeout: 150_000,
    });
    expect(r.signal, 'the key generation hung (killed at the timeout)').toBeNull();
    expect(r.stdout.trim()).toBe('30000');
    expect(r.status).toBe(0);
  }, 170_000);
});
