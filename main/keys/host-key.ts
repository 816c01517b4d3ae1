/**
 * Host keys as OpenSSH shows them: the key blob (RFC 4253 wire form), its type name, and the
 * SHA256 fingerprint `SHA256:<base64 without padding>` that `ssh-keygen -lf` prints.
 */
import { createHash } from 'node:crypto';

export const FINGERPRINT_PATTERN = /^SHA256:[A-Za-z0-9+/]{43}$/;

export interface HostKey {
  /** `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, ... */
  type: string;
  /** The key blob, base64 as in known_hosts and authorized_keys. */
  base64: string;
  fingerprint: string;
}

export function fingerprintOf(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** The type name carried in the first string of an SSH key blob, or null if the blob is malformed. */
export function blobKeyType(blob: Buffer): string | null {
  if (blob.length < 4) return null;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length) return null;
  const type = blob.subarray(4, 4 + len).toString('latin1');
  return /^[a-z0-9@.-]+$/i.test(type) ? type : null;
}

export function hostKeyFromBlob(blob: Buffer): HostKey {
  return { type: blobKeyType(blob) ?? 'unknown', base64: blob.toString('base64'), fingerprint: fingerprintOf(blob) };
}

/** Parse `type base64 [comment]` (authorized_keys / .pub form). Returns null when it is not one. */
export function parsePublicKeyLine(line: string): HostKey | null {
  const [type, b64] = line.trim().split(/\s+/);
  if (!type || !b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
  const blob = Buffer.from(b64, 'base64');
  if (blobKeyType(blob) !== type) return null;
  return { type, base64: b64, fingerprint: fingerprintOf(blob) };
}
