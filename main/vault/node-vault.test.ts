import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FleetError } from '../kit/errors';
import { openNodeVault, PASSPHRASE_ENV } from './node-vault';

const posix = process.platform !== 'win32';
const SECRET = Buffer.from('-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-very-secret\n-----END OPENSSH PRIVATE KEY-----\n');

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'fleetdeck-vault-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return err instanceof FleetError ? err.code : `not a FleetError: ${String(err)}`;
  }
  return 'resolved';
}

function filesUnder(dir: string): Buffer[] {
  return readdirSync(dir).map((f) => readFileSync(join(dir, f)));
}

describe('plain-file vault (no passphrase)', () => {
  it('round-trips, lists and deletes secrets', async () => {
    const vault = await openNodeVault(dataDir, { env: {} });
    expect(vault.kind).toBe('plain-file');
    expect(vault.isLocked()).toBe(false);
    expect(await vault.get('fleet-ssh-key')).toBeNull();
    await vault.set('fleet-ssh-key', SECRET);
    await vault.set('appliance.lab-1_password', Buffer.from('hunter2'));
    expect((await vault.get('fleet-ssh-key'))!.equals(SECRET)).toBe(true);
    expect(await vault.list()).toEqual(['appliance.lab-1_password', 'fleet-ssh-key']);
    await vault.set('fleet-ssh-key', Buffer.from('replaced'));
    expect((await vault.get('fleet-ssh-key'))!.toString()).toBe('replaced');
    await vault.delete('fleet-ssh-key');
    expect(await vault.get('fleet-ssh-key')).toBeNull();
    expect(await vault.list()).toEqual(['appliance.lab-1_password']);

    const reopened = await openNodeVault(dataDir, { env: {} });
    expect((await reopened.get('appliance.lab-1_password'))!.toString()).toBe('hunter2');
  });

  it.skipIf(!posix)('keeps the folder 0700 and each secret 0600', async () => {
    const vault = await openNodeVault(dataDir, { env: {} });
    await vault.set('fleet-ssh-key', SECRET);
    expect(statSync(vault.dir).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(vault.dir)) expect(statSync(join(vault.dir, f)).mode & 0o777).toBe(0o600);
  });

  it('says plainly that only file permissions protect the secrets', async () => {
    const vault = await openNodeVault(dataDir, { env: {} });
    expect(vault.describe()).toMatch(/unencrypted/);
    expect(vault.describe()).toMatch(posix ? /as OpenSSH keeps its own keys/ : /file permissions/);
  });

  it('refuses names that could leave the vault folder', async () => {
    const vault = await openNodeVault(dataDir, { env: {} });
    for (const bad of ['../escape', '..', '.hidden', 'a/b', 'a\\b', '', 'x'.repeat(129), 'nul\0byte', 'C:evil']) {
      expect(await codeOf(vault.set(bad, SECRET)), bad).toBe('E_VALIDATION');
      expect(await codeOf(vault.get(bad)), bad).toBe('E_VALIDATION');
      expect(await codeOf(vault.delete(bad)), bad).toBe('E_VALIDATION');
    }
    expect(readdirSync(dataDir)).toEqual(['vault']);
    expect(readdirSync(join(dataDir, 'vault'))).toEqual([]);
  });
});

describe('passphrase-file vault', () => {
  it('round-trips and stores only ciphertext', async () => {
    const vault = await openNodeVault(dataDir, { passphrase: 'correct horse battery staple' });
    expect(vault.kind).toBe('passphrase-file');
    expect(vault.isLocked()).toBe(false);
    await vault.set('fleet-ssh-key', SECRET);
    expect((await vault.get('fleet-ssh-key'))!.equals(SECRET)).toBe(true);
    expect(await vault.list()).toEqual(['fleet-ssh-key']);

    for (const content of filesUnder(vault.dir)) {
      expect(content.includes(SECRET)).toBe(false);
      expect(content.includes(Buffer.from('very-secret'))).toBe(false);
      expect(content.includes(Buffer.from('correct horse'))).toBe(false);
    }
    const keyring = JSON.parse(readFileSync(join(vault.dir, 'keyring.json'), 'utf8'));
    expect(keyring.kdf.name).toBe('scrypt');
    expect(keyring.kdf.N).toBeGreaterThanOrEqual(2 ** 15);
    expect(Buffer.from(keyring.kdf.salt, 'base64').length).toBeGreaterThanOrEqual(16);

    const reopened = await openNodeVault(dataDir, { env: { [PASSPHRASE_ENV]: 'correct horse battery staple' } });
    expect(reopened.isLocked()).toBe(false);
    expect((await reopened.get('fleet-ssh-key'))!.equals(SECRET)).toBe(true);
  });

  it('two vaults with the same passphrase use different salts', async () => {
    const other = mkdtempSync(join(tmpdir(), 'fleetdeck-vault-'));
    try {
      const a = await openNodeVault(dataDir, { passphrase: 'same' });
      const b = await openNodeVault(other, { passphrase: 'same' });
      const salt = (dir: string) => JSON.parse(readFileSync(join(dir, 'keyring.json'), 'utf8')).kdf.salt;
      expect(salt(a.dir)).not.toBe(salt(b.dir));
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('a wrong passphrase locks the vault with a clear sentence and changes nothing', async () => {
    const vault = await openNodeVault(dataDir, { passphrase: 'right' });
    await vault.set('fleet-ssh-key', SECRET);
    const before = filesUnder(vault.dir);

    const wrong = await openNodeVault(dataDir, { passphrase: 'wrong' });
    expect(wrong.isLocked()).toBe(true);
    const err = await wrong.get('fleet-ssh-key').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FleetError);
    expect((err as FleetError).code).toBe('E_VAULT_LOCKED');
    expect((err as FleetError).message).toMatch(/passphrase is wrong/);
    expect(await codeOf(wrong.set('fleet-ssh-key', Buffer.from('overwrite')))).toBe('E_VAULT_LOCKED');
    expect(await codeOf(wrong.delete('fleet-ssh-key'))).toBe('E_VAULT_LOCKED');
    expect(filesUnder(vault.dir)).toEqual(before);

    expect(await wrong.unlock('still wrong')).toBe(false);
    expect(await wrong.unlock('right')).toBe(true);
    expect((await wrong.get('fleet-ssh-key'))!.equals(SECRET)).toBe(true);
  });

  it('without its passphrase an encrypted vault stays locked instead of turning plain', async () => {
    const vault = await openNodeVault(dataDir, { passphrase: 'right' });
    await vault.set('fleet-ssh-key', SECRET);
    const noPass = await openNodeVault(dataDir, { env: {} });
    expect(noPass.kind).toBe('passphrase-file');
    expect(noPass.isLocked()).toBe(true);
    const err = (await noPass.get('fleet-ssh-key').catch((e: unknown) => e)) as FleetError;
    expect(err.code).toBe('E_VAULT_LOCKED');
    expect(err.message).toContain(PASSPHRASE_ENV);
    expect(await noPass.list()).toEqual(['fleet-ssh-key']);
  });

  it('a tampered secret file is reported, not returned', async () => {
    const vault = await openNodeVault(dataDir, { passphrase: 'right' });
    await vault.set('a-secret', Buffer.from('one'));
    await vault.set('b-secret', Buffer.from('two'));
    // Moving one sealed secret over another is caught: each is bound to its own name.
    writeFileSync(join(vault.dir, 'a-secret.sealed'), readFileSync(join(vault.dir, 'b-secret.sealed')));
    expect(await codeOf(vault.get('a-secret'))).toBe('E_INTERNAL');
    writeFileSync(join(vault.dir, 'b-secret.sealed'), 'garbage');
    expect(await codeOf(vault.get('b-secret'))).toBe('E_INTERNAL');
  });

  it('setting a passphrase seals the plain secrets already there', async () => {
    const plain = await openNodeVault(dataDir, { env: {} });
    await plain.set('fleet-ssh-key', SECRET);
    const sealed = await openNodeVault(dataDir, { passphrase: 'now-encrypted' });
    expect((await sealed.get('fleet-ssh-key'))!.equals(SECRET)).toBe(true);
    expect(readdirSync(sealed.dir).sort()).toEqual(['fleet-ssh-key.sealed', 'keyring.json']);
    for (const content of filesUnder(sealed.dir)) expect(content.includes(SECRET)).toBe(false);
  });

  it('refuses a scrypt cost below 2^15', async () => {
    expect(await codeOf(openNodeVault(dataDir, { passphrase: 'x', scrypt: { N: 1024, r: 8, p: 1 } }))).toBe('E_VALIDATION');
  });

  it.skipIf(!posix)('keeps the keyring and sealed files 0600', async () => {
    const vault = await openNodeVault(dataDir, { passphrase: 'right' });
    await vault.set('fleet-ssh-key', SECRET);
    for (const f of readdirSync(vault.dir)) expect(statSync(join(vault.dir, f)).mode & 0o777).toBe(0o600);
  });
});
