/**
 * Appliance API v1, `ocactl access set-password <hash>`: the appliance is given a password as a
 * salted scrypt hash, never as text, so the password itself appears in no command line, no
 * appliance log and no process list. Provisioning uses it to rotate the factory password into the
 * vault (docs/provisioning.md); the lab and the reference agent verify logins with verifyPassword.
 *
 *   scrypt:<N>:<r>:<p>:<salt, base64url>:<key, base64url>
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

const N = 16384;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
export const PASSWORD_HASH_PATTERN = /^scrypt:(\d{4,7}):(\d{1,2}):(\d{1,2}):([A-Za-z0-9_-]{16,64}):([A-Za-z0-9_-]{32,128})$/;

export function hashPassword(password: string, salt: Buffer = randomBytes(16)): string {
  const key = scryptSync(password, salt, KEY_BYTES, { N, r: R, p: P });
  return `scrypt:${N}:${R}:${P}:${salt.toString('base64url')}:${key.toString('base64url')}`;
}

/** Whether `password` is the one `hash` was made from; false for a hash that is not of this form. */
export function verifyPassword(hash: string, password: string): boolean {
  const m = PASSWORD_HASH_PATTERN.exec(hash);
  if (!m) return false;
  const [n, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Parameters within what this code makes (a hash cannot ask for gigabytes of memory).
  if (n > 1 << 17 || (n & (n - 1)) !== 0 || r > 16 || p > 4) return false;
  const expected = Buffer.from(m[5]!, 'base64url');
  const key = scryptSync(password, Buffer.from(m[4]!, 'base64url'), expected.length, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 });
  return timingSafeEqual(key, expected);
}

/** A new random password: 32 characters from 24 random bytes (192 bits). */
export function randomPassword(): string {
  return randomBytes(24).toString('base64url');
}
