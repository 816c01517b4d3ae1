/**
 * ssh2 keys that sign and verify with node:crypto KeyObjects made once. ssh2's ParsedKey hands
 * OpenSSL the key's PEM text on every sign and verify, so OpenSSL decodes the key each time:
 * about 0.3 ms per ed25519 signature instead of 0.02 ms. The fleet key signs once per SSH login,
 * an appliance's host key once per handshake, and the lab checks the fleet key's signature once
 * per login, so at a thousand connections the decoding was a large share of the handshake's CPU.
 *
 * Ed25519 keys are loaded from their raw bytes (as a JWK), which OpenSSL does about ten times
 * faster than decoding PKCS#8 or SPKI; other types from the PEM ssh2 made. Same keys, same
 * algorithms, same signatures; only the key's in-memory form changes.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { ParsedKey } from 'ssh2';

/** The hash ssh2 uses for each key type when the caller names none (keyParser's defaults). */
const DEFAULT_HASH: Readonly<Record<string, string | null>> = {
  'ssh-ed25519': null,
  'ssh-rsa': 'sha1',
  'ssh-dss': 'sha1',
  'ecdsa-sha2-nistp256': 'sha256',
  'ecdsa-sha2-nistp384': 'sha384',
  'ecdsa-sha2-nistp521': 'sha512',
};

/** PKCS#8 of an Ed25519 private key: this fixed DER prefix, then the 32-byte seed (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const prepared = new WeakSet<ParsedKey>();

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

/** The 32-byte public key in an `ssh-ed25519` blob, or null. */
function ed25519Public(key: ParsedKey): Buffer | null {
  const blob = key.getPublicSSH();
  if (blob.length !== 4 + 11 + 4 + 32 || blob.readUInt32BE(0) !== 11 || blob.readUInt32BE(15) !== 32) return null;
  return blob.subarray(19);
}

function makePublicKey(key: ParsedKey): KeyObject {
  const raw = key.type === 'ssh-ed25519' ? ed25519Public(key) : null;
  if (raw) return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  return createPublicKey(key.getPublicPEM());
}

function makePrivateKey(key: ParsedKey): KeyObject {
  const pem = key.getPrivatePEM();
  const raw = key.type === 'ssh-ed25519' ? ed25519Public(key) : null;
  if (raw) {
    const der = pemBody(pem);
    if (der.length === ED25519_PKCS8_PREFIX.length + 32 && der.subarray(0, ED25519_PKCS8_PREFIX.length).equals(ED25519_PKCS8_PREFIX)) {
      const jwk = { kty: 'OKP', crv: 'Ed25519', d: der.subarray(ED25519_PKCS8_PREFIX.length).toString('base64url'), x: raw.toString('base64url') };
      return createPrivateKey({ key: jwk, format: 'jwk' });
    }
  }
  return createPrivateKey(pem);
}

/**
 * Give a parsed ssh2 key sign/verify methods backed by KeyObjects (in place; returns the key).
 * Each KeyObject is made on first use and kept. Key types this table does not know
 * (certificates, sk-*) are left as ssh2 made them.
 */
export function withKeyObjects(key: ParsedKey): ParsedKey {
  if (prepared.has(key) || !Object.hasOwn(DEFAULT_HASH, key.type)) return key;
  prepared.add(key);
  const fallback = DEFAULT_HASH[key.type] ?? null;
  const bytes = (data: Buffer | string) => (typeof data === 'string' ? Buffer.from(data) : data);
  // ssh2 reports failures as returned Error values, not exceptions; keep that contract.
  if (key.isPrivateKey()) {
    let privateKey: KeyObject | null = null;
    key.sign = ((data: Buffer | string, algo?: string) => {
      try {
        privateKey ??= makePrivateKey(key);
        return sign(algo || fallback, bytes(data), privateKey);
      } catch (err) {
        return err as Error;
      }
    }) as ParsedKey['sign'];
  }
  let publicKey: KeyObject | null = null;
  key.verify = ((data: Buffer | string, signature: Buffer, algo?: string) => {
    try {
      publicKey ??= makePublicKey(key);
      return verify(algo || fallback, bytes(data), publicKey, signature);
    } catch (err) {
      return err as Error;
    }
  }) as ParsedKey['verify'];
  return key;
}
