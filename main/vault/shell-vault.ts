/**
 * The desktop vault: the Electron shell owns the OS keychain (safeStorage) and seals/opens secrets
 * on the engine's request; the engine stores only the sealed bytes, one 0600 file per secret in
 * <data-dir>/vault. The engine never sees the keychain's key, and the shell never stores anything.
 */
import { FleetError } from '../kit/errors';
import type { VaultKind } from '../api/system-contract';
import { SecretFolder } from './secret-folder';
import type { Vault } from './vault';

const KEYCHAIN_SUFFIX = '.keychain';

/** Whatever seals with the OS keychain: in the desktop app, a request to the shell over parentPort. */
export interface SecretSealer {
  /** The keychain behind it, in words: "macOS Keychain", "Windows DPAPI", "GNOME libsecret". */
  readonly backend: string;
  seal(plain: Buffer): Promise<Buffer>;
  open(sealed: Buffer): Promise<Buffer>;
}

function keychainRefused(action: string, err: unknown): FleetError {
  const why = err instanceof Error ? err.message : String(err);
  return new FleetError('E_VAULT_LOCKED', `The operating system keychain refused to ${action} the secret: ${why}`);
}

export function createShellVault(dataDir: string, sealer: SecretSealer): Vault {
  const folder = SecretFolder.open(dataDir, KEYCHAIN_SUFFIX);
  return {
    kind: 'os-keychain' satisfies VaultKind,
    describe: () =>
      `Secrets are encrypted by the operating system keychain (${sealer.backend}); only the encrypted form is stored, in ${folder.dir}.`,
    isLocked: () => false,
    async get(name) {
      const sealed = await folder.read(name);
      if (sealed === null) return null;
      try {
        return await sealer.open(sealed);
      } catch (err) {
        throw keychainRefused('decrypt', err);
      }
    },
    async set(name, secret) {
      folder.fileOf(name);
      let sealed: Buffer;
      try {
        sealed = await sealer.seal(secret);
      } catch (err) {
        throw keychainRefused('encrypt', err);
      }
      await folder.write(name, sealed);
    },
    delete: (name) => folder.remove(name),
    list: () => folder.names(),
  };
}
