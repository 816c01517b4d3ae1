import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openNodeVault } from '../vault/node-vault';
import { FLEET_KEY, FLEET_KEY_PASSPHRASE, fleetKeyInfo, generateFleetKey, importFleetKey, loadFleetCredential } from './fleet-key';

const dir = mkdtempSync(join(tmpdir(), 'fleetdeck-fleet-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sshKeygen(name: string, type: string[], passphrase = ''): { pem: string; fingerprint: string } {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', ...type, '-N', passphrase, '-C', name, '-f', file]);
  const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', file + '.pub'], { encoding: 'utf8' }).split(' ')[1]!;
  return { pem: readFileSync(file, 'utf8'), fingerprint: fp };
}

describe('fleet key', () => {
  it('generates an ed25519 key kept only in the vault', async () => {
    const vault = await openNodeVault(mkdtempSync(join(dir, 'v-')));
    const info = await generateFleetKey(vault, { comment: 'fleetdeck@test' });
    expect(info.type).toBe('ssh-ed25519');
    expect(info.publicKey).toMatch(/^ssh-ed25519 AAAA\S+ fleetdeck@test$/);
    expect(info.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect((await vault.get(FLEET_KEY))!.toString()).toContain('BEGIN OPENSSH PRIVATE KEY');
    expect(JSON.stringify(info)).not.toContain('PRIVATE');
    await expect(generateFleetKey(vault)).rejects.toMatchObject({ code: 'E_CONFLICT' });
    const replaced = await generateFleetKey(vault, { replace: true });
    expect(replaced.fingerprint).not.toBe(info.fingerprint);
  });

  it('imports ed25519, ECDSA and RSA keys from ssh-keygen, with the same fingerprint', async () => {
    for (const [name, type] of [
      ['ed', ['-t', 'ed25519']],
      ['ec', ['-t', 'ecdsa', '-b', '384']],
      ['rsa', ['-t', 'rsa', '-b', '2048']],
      ['rsa-pem', ['-t', 'rsa', '-b', '2048', '-m', 'PEM']],
    ] as const) {
      const vault = await openNodeVault(mkdtempSync(join(dir, 'v-')));
      const k = sshKeygen(name, [...type]);
      const info = await importFleetKey(vault, { privateKey: k.pem });
      expect(info.fingerprint, name).toBe(k.fingerprint);
      expect(info.passphraseProtected).toBe(false);
      expect(await vault.get(FLEET_KEY_PASSPHRASE)).toBeNull();
    }
  });

  it('refuses to keep a key\'s passphrase in clear beside the key (plain-file vault) and says how to protect the vault', async () => {
    const vault = await openNodeVault(mkdtempSync(join(dir, 'v-')), { env: {} });
    expect(vault.kind).toBe('plain-file');
    const k = sshKeygen('locked-plain', ['-t', 'ed25519'], 'correct horse');
    await expect(importFleetKey(vault, { privateKey: k.pem, passphrase: 'correct horse' })).rejects.toMatchObject({
      code: 'E_VALIDATION',
      message: expect.stringMatching(/stored in clear beside the key.*set FLEETDECK_VAULT_PASSPHRASE/),
    });
    expect(await vault.list()).toEqual([]);
    // A key without a passphrase is fine there (as OpenSSH keeps its own).
    expect((await importFleetKey(vault, { privateKey: sshKeygen('open-plain', ['-t', 'ed25519']).pem })).passphraseProtected).toBe(false);
  });

  it('imports a passphrase-protected key only with its passphrase', async () => {
    const vault = await openNodeVault(mkdtempSync(join(dir, 'v-')), { passphrase: 'vault passphrase' });
    const k = sshKeygen('locked', ['-t', 'ed25519'], 'correct horse');
    await expect(importFleetKey(vault, { privateKey: k.pem })).rejects.toMatchObject({ code: 'E_VALIDATION', message: expect.stringMatching(/passphrase-protected/) });
    await expect(importFleetKey(vault, { privateKey: k.pem, passphrase: 'wrong' })).rejects.toMatchObject({ message: expect.stringMatching(/does not open/) });
    expect(await vault.get(FLEET_KEY)).toBeNull();
    const info = await importFleetKey(vault, { privateKey: k.pem, passphrase: 'correct horse' });
    expect(info).toMatchObject({ fingerprint: k.fingerprint, passphraseProtected: true });
    const credential = await loadFleetCredential(vault);
    expect(credential.passphrase?.toString()).toBe('correct horse');
    expect((await fleetKeyInfo(vault))?.fingerprint).toBe(k.fingerprint);
  });

  it('refuses public keys and junk with a sentence', async () => {
    const vault = await openNodeVault(mkdtempSync(join(dir, 'v-')));
    await expect(importFleetKey(vault, { privateKey: 'hello' })).rejects.toMatchObject({ code: 'E_VALIDATION' });
    await expect(loadFleetCredential(vault)).rejects.toMatchObject({ code: 'E_AUTH', message: expect.stringMatching(/no fleet SSH key/) });
  });
});
