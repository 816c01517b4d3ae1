/**
 * The fleet's SSH identity. Generated here (ed25519) or imported (OpenSSH ed25519, ECDSA or RSA,
 * passphrase-protected or not). The private key and its passphrase live only in the vault, as
 * `fleet-ssh-key` (OpenSSH PEM) and `fleet-ssh-key-passphrase`; callers get the public half.
 */
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { FleetError } from '../kit/errors';
import type { Vault } from '../vault/vault';
import { fingerprintOf } from '../keys/host-key';
import { generateEd25519 } from '../keys/openssh-keygen';

export const FLEET_KEY = 'fleet-ssh-key';
export const FLEET_KEY_PASSPHRASE = 'fleet-ssh-key-passphrase';

export interface FleetKeyInfo {
  type: string;
  /** `ssh-ed25519 AAAA... comment`, for an appliance's authorized_keys. */
  publicKey: string;
  fingerprint: string;
  passphraseProtected: boolean;
}

export interface FleetCredential {
  privateKey: Buffer;
  passphrase?: Buffer;
}

function parsePrivate(pem: Buffer | string, passphrase?: Buffer | string): ParsedKey {
  const parsed = ssh2.utils.parseKey(pem, passphrase);
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | Error | undefined) : parsed;
  if (!key || key instanceof Error) {
    const reason = key instanceof Error ? key.message : 'no key found';
    if (/no passphrase given/i.test(reason)) {
      throw new FleetError('E_VALIDATION', 'The private key is passphrase-protected; give its passphrase.');
    }
    if (/bad passphrase|decrypt/i.test(reason)) {
      throw new FleetError('E_VALIDATION', 'The passphrase given does not open this private key.');
    }
    throw new FleetError('E_VALIDATION', `That is not an OpenSSH private key Fleetdeck can read (${reason}).`);
  }
  if (!key.isPrivateKey()) {
    throw new FleetError('E_VALIDATION', 'That is a public key; import the private key (the file without .pub).');
  }
  return key;
}

function describe(key: ParsedKey, passphraseProtected: boolean): FleetKeyInfo {
  const blob = key.getPublicSSH();
  const comment = key.comment ? ` ${key.comment}` : '';
  return {
    type: key.type,
    publicKey: `${key.type} ${blob.toString('base64')}${comment}`,
    fingerprint: fingerprintOf(blob),
    passphraseProtected,
  };
}

async function refuseOverwrite(vault: Vault, replace: boolean): Promise<void> {
  if (!replace && (await vault.get(FLEET_KEY)) !== null) {
    throw new FleetError(
      'E_CONFLICT',
      'A fleet key already exists. Replacing it locks Fleetdeck out of every appliance that trusts only the old key; pass replace to do it anyway.',
    );
  }
}

export async function generateFleetKey(vault: Vault, options: { comment?: string; replace?: boolean } = {}): Promise<FleetKeyInfo> {
  await refuseOverwrite(vault, options.replace ?? false);
  // Not ssh2's generateKeyPairSync: about 1 ed25519 key in 300 it makes cannot be read back (see openssh-keygen.ts).
  const pair = generateEd25519(options.comment ?? 'fleetdeck');
  const key = parsePrivate(pair.privateKey);
  await vault.set(FLEET_KEY, Buffer.from(pair.privateKey));
  await vault.delete(FLEET_KEY_PASSPHRASE);
  return describe(key, false);
}

export async function importFleetKey(
  vault: Vault,
  input: { privateKey: string; passphrase?: string; replace?: boolean },
): Promise<FleetKeyInfo> {
  const pem = input.privateKey.trim() + '\n';
  if (!pem.includes('PRIVATE KEY-----')) {
    throw new FleetError('E_VALIDATION', 'That is not a PEM private key (expected -----BEGIN OPENSSH PRIVATE KEY-----).');
  }
  const passphrase = input.passphrase ? Buffer.from(input.passphrase) : undefined;
  const key = parsePrivate(pem, passphrase);
  const needsPassphrase = ssh2.utils.parseKey(pem) instanceof Error;
  if (needsPassphrase && vault.kind === 'plain-file') {
    // The passphrase would sit unencrypted in the file next to the key it protects: it would protect nothing.
    throw new FleetError(
      'E_VALIDATION',
      'This vault keeps secrets in plain files, so the key\'s passphrase would be stored in clear beside the key and protect nothing. ' +
        'Get a protected vault first: set FLEETDECK_VAULT_PASSPHRASE (secrets are then encrypted with it) and restart Fleetdeck, or use the desktop app with the system keychain. ' +
        'Or remove the passphrase from a copy of the key (ssh-keygen -p -f COPY) and import that.',
    );
  }
  await refuseOverwrite(vault, input.replace ?? false);
  await vault.set(FLEET_KEY, Buffer.from(pem));
  if (needsPassphrase && passphrase) await vault.set(FLEET_KEY_PASSPHRASE, passphrase);
  else await vault.delete(FLEET_KEY_PASSPHRASE);
  return describe(key, needsPassphrase);
}

/** The fleet key for a connection; E_AUTH with the fix when there is none. */
export async function loadFleetCredential(vault: Vault): Promise<FleetCredential> {
  const privateKey = await vault.get(FLEET_KEY);
  if (!privateKey) {
    throw new FleetError('E_AUTH', 'There is no fleet SSH key yet. Generate one (fleetdeck net keygen) or import yours.');
  }
  const passphrase = await vault.get(FLEET_KEY_PASSPHRASE);
  return passphrase ? { privateKey, passphrase } : { privateKey };
}

export async function fleetKeyInfo(vault: Vault): Promise<FleetKeyInfo | null> {
  const credential = await vault.get(FLEET_KEY);
  if (!credential) return null;
  const passphrase = await vault.get(FLEET_KEY_PASSPHRASE);
  return describe(parsePrivate(credential, passphrase ?? undefined), passphrase !== null);
}
