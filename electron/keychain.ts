/**
 * The shell's half of the desktop vault: Electron safeStorage (macOS Keychain, Windows DPAPI,
 * libsecret/kwallet on Linux) seals and opens secrets for the engine, which stores only the result.
 */
import { safeStorage } from 'electron';
import type { KeychainStatus, ShellMessage } from '../main/host/shell-protocol';

const LINUX_BACKENDS: Record<string, string> = {
  gnome_libsecret: 'GNOME libsecret',
  kwallet: 'KWallet',
  kwallet5: 'KWallet 5',
  kwallet6: 'KWallet 6',
};

/** Whether safeStorage has a real keychain. Linux's "basic_text" (a fixed key) does not count. */
export function keychainStatus(): KeychainStatus {
  if (!safeStorage.isEncryptionAvailable()) return { available: false, backend: 'none' };
  if (process.platform === 'darwin') return { available: true, backend: 'macOS Keychain' };
  if (process.platform === 'win32') return { available: true, backend: 'Windows DPAPI' };
  const backend = safeStorage.getSelectedStorageBackend();
  const name = LINUX_BACKENDS[backend];
  return name ? { available: true, backend: name } : { available: false, backend };
}

/**
 * Seal: the plaintext arrives base64-encoded and is encrypted as that string. Open: decrypting
 * gives that base64 string back, which is the reply as it is.
 */
export function answerKeychain(request: { id: number; op: 'seal' | 'open'; data: string }): ShellMessage {
  try {
    const data =
      request.op === 'seal'
        ? safeStorage.encryptString(request.data).toString('base64')
        : safeStorage.decryptString(Buffer.from(request.data, 'base64'));
    return { type: 'keychain-reply', id: request.id, ok: true, data };
  } catch (err) {
    return { type: 'keychain-reply', id: request.id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}
