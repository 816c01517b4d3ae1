import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FleetError } from '../kit/errors';
import { createShellVault, type SecretSealer } from './shell-vault';

/** Stands in for the OS keychain: a key the engine never sees. */
function keychain(): SecretSealer & { calls: number; refuse: boolean } {
  const key = randomBytes(32);
  const state = {
    backend: 'test keychain',
    calls: 0,
    refuse: false,
    async seal(plain: Buffer) {
      state.calls++;
      if (state.refuse) throw new Error('user denied access');
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([c.update(plain), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), data]);
    },
    async open(sealed: Buffer) {
      state.calls++;
      if (state.refuse) throw new Error('user denied access');
      const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      d.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([d.update(sealed.subarray(28)), d.final()]);
    },
  };
  return state;
}

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'fleetdeck-shellvault-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe('os-keychain vault', () => {
  it('stores only what the keychain sealed and reads it back', async () => {
    const sealer = keychain();
    const vault = createShellVault(dataDir, sealer);
    expect(vault.kind).toBe('os-keychain');
    expect(vault.describe()).toContain('test keychain');
    await vault.set('fleet-ssh-key', Buffer.from('private key material'));
    expect((await vault.get('fleet-ssh-key'))!.toString()).toBe('private key material');
    expect(await vault.list()).toEqual(['fleet-ssh-key']);
    const files = readdirSync(join(dataDir, 'vault'));
    expect(files).toEqual(['fleet-ssh-key.keychain']);
    expect(readFileSync(join(dataDir, 'vault', files[0]!)).includes(Buffer.from('private key'))).toBe(false);
    await vault.delete('fleet-ssh-key');
    expect(await vault.get('fleet-ssh-key')).toBeNull();
  });

  it('a keychain refusal is E_VAULT_LOCKED and leaves the stored secret alone', async () => {
    const sealer = keychain();
    const vault = createShellVault(dataDir, sealer);
    await vault.set('fleet-ssh-key', Buffer.from('v1'));
    sealer.refuse = true;
    const err = (await vault.set('fleet-ssh-key', Buffer.from('v2')).catch((e: unknown) => e)) as FleetError;
    expect(err.code).toBe('E_VAULT_LOCKED');
    expect(err.message).toContain('user denied access');
    expect(((await vault.get('fleet-ssh-key').catch((e: unknown) => e)) as FleetError).code).toBe('E_VAULT_LOCKED');
    sealer.refuse = false;
    expect((await vault.get('fleet-ssh-key'))!.toString()).toBe('v1');
  });

  it('rejects a bad name before asking the keychain', async () => {
    const sealer = keychain();
    const vault = createShellVault(dataDir, sealer);
    const err = (await vault.set('../../etc/passwd', Buffer.from('x')).catch((e: unknown) => e)) as FleetError;
    expect(err.code).toBe('E_VALIDATION');
    expect(sealer.calls).toBe(0);
  });
});
