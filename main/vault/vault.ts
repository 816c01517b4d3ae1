/**
 * Where secrets live (private keys, passphrases, appliance passwords). The engine only sees this
 * interface: the desktop shell injects one backed by Electron safeStorage, the browser host and CLI
 * use a file vault. Secrets never go to SQLite, logs or the renderer.
 */
import type { VaultKind } from './kind';

export interface Vault {
  readonly kind: VaultKind;
  /** How secrets are protected here, in one sentence for the settings screen. */
  describe(): string;
  /** A passphrase vault is locked until unlocked; reads then fail with E_VAULT_LOCKED. */
  isLocked(): boolean;
  get(name: string): Promise<Buffer | null>;
  set(name: string, secret: Buffer): Promise<void>;
  delete(name: string): Promise<void>;
  list(): Promise<string[]>;
}
