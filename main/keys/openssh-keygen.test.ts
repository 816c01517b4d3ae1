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
});
