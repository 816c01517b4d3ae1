/**
 * The vault of the browser host and the CLI: files in <data-dir>/vault.
 *
 * - With a passphrase (option or FLEETDECK_VAULT_PASSPHRASE): each secret is sealed with
 *   AES-256-GCM under a key derived by scrypt (N = 2^15, r = 8, p = 1) from the passphrase and a
 *   random salt kept in vault/keyring.json. The keyring also holds a sealed check value, so a wrong
 *   passphrase is recognised at once: the vault stays locked and every read says why
 *   (E_VAULT_LOCKED). Plain secrets found when a passphrase is first set are sealed and their
 *   plain files removed.
 * - Without one: one 0600 file per secret in a 0700 folder, protected by file permissions only.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { FleetError } from '../kit/errors';
import type { VaultKind } from '../api/system-contract';
import { SecretFolder, writePrivateFile } from './secret-folder';
import type { Vault } from './vault';

export const PASSPHRASE_ENV = 'FLEETDECK_VAULT_PASSPHRASE';
const KEYRING_FILE = 'keyring.json';
const PLAIN_SUFFIX = '.plain';
const SEALED_SUFFIX = '.sealed';
const CHECK_TEXT = 'fleetdeck vault check v1';

/** scrypt cost: 2^15 is OWASP's floor for scrypt with r=8; about 0.1 s per unlock. */
export const SCRYPT_DEFAULTS = { N: 2 ** 15, r: 8, p: 1 } as const;

export interface NodeVaultOptions {
  passphrase?: string;
  env?: NodeJS.ProcessEnv;
  /** scrypt cost; tests may not go below the default (N >= 2^15 is enforced). */
  scrypt?: { N: number; r: number; p: number };
}

export interface NodeVault extends Vault {
  /** <data-dir>/vault */
  readonly dir: string;
  /** Try a passphrase on a locked passphrase vault; true when it opened. */
  unlock(passphrase: string): Promise<boolean>;
}

const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
const SealedBox = z.object({ v: z.literal(1), iv: b64, tag: b64, data: b64 });
type SealedBox = z.infer<typeof SealedBox>;
const Keyring = z.object({
  format: z.literal('fleetdeck-vault-keyring'),
  v: z.literal(1),
  kdf: z.object({
    name: z.literal('scrypt'),
    N: z.number().int().min(2 ** 15).max(2 ** 20),
    r: z.number().int().min(8).max(32),
    p: z.number().int().min(1).max(4),
    salt: b64,
  }),
  check: SealedBox,
});
type Keyring = z.infer<typeof Keyring>;

function deriveKey(passphrase: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r * cost.p };
  return new Promise((resolve, reject) =>
    scrypt(passphrase.normalize('NFC'), salt, 32, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

function seal(key: Buffer, label: string, plain: Buffer): SealedBox {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(label));
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { v: 1, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

/** Opens a sealed box; null when the key is wrong or the box was changed. */
function unseal(key: Buffer, label: string, box: SealedBox): Buffer | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(box.iv, 'base64'));
    decipher.setAAD(Buffer.from(label));
    decipher.setAuthTag(Buffer.from(box.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(box.data, 'base64')), decipher.final()]);
  } catch {
    return null;
  }
}

const secretLabel = (name: string) => `fleetdeck-vault/v1/secret/${name}`;

function readKeyring(path: string): { keyring: Keyring } | { damaged: string } {
  try {
    const parsed = Keyring.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (parsed.success) return { keyring: parsed.data };
    return { damaged: `${path} is not a Fleetdeck vault keyring` };
  } catch (err) {
    return { damaged: `${path} cannot be read (${err instanceof Error ? err.message : String(err)})` };
  }
}

function passphraseFrom(options: NodeVaultOptions): string | undefined {
  const given = options.passphrase ?? (options.env ?? process.env)[PASSPHRASE_ENV];
  return given ? given : undefined;
}

export async function openNodeVault(dataDir: string, options: NodeVaultOptions = {}): Promise<NodeVault> {
  const passphrase = passphraseFrom(options);
  const plain = SecretFolder.open(dataDir, PLAIN_SUFFIX);
  const dir = plain.dir;
  const keyringPath = join(dir, KEYRING_FILE);

  if (!existsSync(keyringPath) && passphrase === undefined) return plainVault(plain);

  const sealed = SecretFolder.open(dataDir, SEALED_SUFFIX);
  let keyring: Keyring;
  let key: Buffer | null = null;
  let lockedBecause = `The vault in ${dir} is encrypted with a passphrase: set ${PASSPHRASE_ENV} to the passphrase it was created with, then restart Fleetdeck.`;

  if (existsSync(keyringPath)) {
    const read = readKeyring(keyringPath);
    if ('damaged' in read) return lockedForGood(sealed, `The vault cannot be opened: ${read.damaged}. Its secrets cannot be read; restore the file from a backup.`);
    keyring = read.keyring;
  } else {
    const cost = options.scrypt ?? SCRYPT_DEFAULTS;
    if (cost.N < SCRYPT_DEFAULTS.N) throw new FleetError('E_VALIDATION', `scrypt N must be at least ${SCRYPT_DEFAULTS.N}.`);
    const salt = randomBytes(16);
    key = await deriveKey(passphrase!, salt, cost);
    keyring = {
      format: 'fleetdeck-vault-keyring',
      v: 1,
      kdf: { name: 'scrypt', ...cost, salt: salt.toString('base64') },
      check: seal(key, 'fleetdeck-vault/v1/check', Buffer.from(CHECK_TEXT)),
    };
    await writePrivateFile(keyringPath, JSON.stringify(keyring, null, 2) + '\n');
  }

  const tryPassphrase = async (candidate: string): Promise<Buffer | null> => {
    const derived = await deriveKey(candidate, Buffer.from(keyring.kdf.salt, 'base64'), keyring.kdf);
    const check = unseal(derived, 'fleetdeck-vault/v1/check', keyring.check);
    return check?.toString() === CHECK_TEXT ? derived : null;
  };

  if (!key && passphrase !== undefined) {
    key = await tryPassphrase(passphrase);
    if (!key) {
      lockedBecause = `The vault passphrase is wrong: the passphrase given (${PASSPHRASE_ENV}) does not open the secrets in ${dir}. Set the passphrase they were saved with.`;
    }
  }

  const requireKey = (): Buffer => {
    if (!key) throw new FleetError('E_VAULT_LOCKED', lockedBecause);
    return key;
  };

  const vault: NodeVault = {
    kind: 'passphrase-file' satisfies VaultKind,
    dir,
    describe: () =>
      key
        ? `Secrets are encrypted with AES-256-GCM under a key derived (scrypt) from your vault passphrase, in ${dir}.`
        : `Secrets are encrypted with your vault passphrase in ${dir}; the vault is locked until the right passphrase is given.`,
    isLocked: () => key === null,
    async get(name) {
      const k = requireKey();
      const raw = await sealed.read(name);
      if (raw === null) return null;
      let box: SealedBox;
      try {
        box = SealedBox.parse(JSON.parse(raw.toString('utf8')));
      } catch {
        throw new FleetError('E_INTERNAL', `The secret "${name}" in ${dir} is damaged (not a sealed secret); set it again.`);
      }
      const secret = unseal(k, secretLabel(name), box);
      if (!secret) throw new FleetError('E_INTERNAL', `The secret "${name}" in ${dir} was changed or damaged; set it again.`);
      return secret;
    },
    async set(name, secret) {
      const k = requireKey();
      await sealed.write(name, JSON.stringify(seal(k, secretLabel(name), secret)) + '\n');
    },
    async delete(name) {
      requireKey();
      await sealed.remove(name);
    },
    list: () => sealed.names(),
    async unlock(candidate) {
      if (key) return true;
      const opened = await tryPassphrase(candidate);
      if (opened) key = opened;
      return key !== null;
    },
  };

  if (key) await sealPlainSecrets(plain, vault);
  return vault;
}

/** Plain secrets left from before a passphrase was set are sealed, then their plain files go. */
async function sealPlainSecrets(plain: SecretFolder, vault: NodeVault): Promise<void> {
  for (const name of await plain.names()) {
    const secret = await plain.read(name);
    if (secret === null) continue;
    await vault.set(name, secret);
    await plain.remove(name);
  }
}

function plainVault(folder: SecretFolder): NodeVault {
  return {
    kind: 'plain-file' satisfies VaultKind,
    dir: folder.dir,
    describe: () =>
      process.platform === 'win32'
        ? `Secrets are stored unencrypted in ${folder.dir}, protected only by your Windows account's file permissions. Set ${PASSPHRASE_ENV} to encrypt them.`
        : `Secrets are stored unencrypted in ${folder.dir} (folder 0700, files 0600), protected only by file permissions, as OpenSSH keeps its own keys. Set ${PASSPHRASE_ENV} to encrypt them.`,
    isLocked: () => false,
    get: (name) => folder.read(name),
    set: (name, secret) => folder.write(name, secret),
    delete: (name) => folder.remove(name),
    list: () => folder.names(),
    unlock: async () => true,
  };
}

function lockedForGood(folder: SecretFolder, reason: string): NodeVault {
  const refuse = async (): Promise<never> => {
    throw new FleetError('E_VAULT_LOCKED', reason);
  };
  return {
    kind: 'passphrase-file' satisfies VaultKind,
    dir: folder.dir,
    describe: () => reason,
    isLocked: () => true,
    get: refuse,
    set: refuse,
    delete: refuse,
    list: () => folder.names(),
    unlock: async () => false,
  };
}
