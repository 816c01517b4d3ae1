/**
 * ed25519 key pairs in OpenSSH format, fast: node:crypto makes the key, this file writes the
 * `openssh-key-v1` container by hand. (ssh2's own generateKeyPairSync('ed25519') drops a leading
 * zero byte of the public key now and then, about 1 key in 300, and ssh2 then cannot read the key.)
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { fingerprintOf } from './host-key';

export interface OpenSshKeyPair {
  /** `-----BEGIN OPENSSH PRIVATE KEY-----` ... (unencrypted). */
  privateKey: string;
  /** `ssh-ed25519 AAAA... comment`. */
  publicKey: string;
  /** The public key blob (RFC 4253 wire form). */
  blob: Buffer;
  /** `SHA256:...` as ssh-keygen -l prints it. */
  fingerprint: string;
}

function sshString(data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function generateEd25519(comment = ''): OpenSshKeyPair {
  // Encoded by the generation itself (DER), not exported from the KeyObjects afterwards: on Node 20 an
  // export as JWK can deadlock the process for good when a garbage collection during the export
  // finalizes the finished key-generation job, whose key shares the mutex the export holds (seen
  // once in 1,500 keys: the main thread waiting on that mutex inside KeyGenJob's destructor).
  const der = generateKeyPairSync('ed25519', {
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
  });
  // An ed25519 SubjectPublicKeyInfo is 44 bytes ending in the 32-byte key; a PKCS#8 key is 48 bytes
  // ending in the 32-byte seed.
  if (der.publicKey.length !== 44 || der.privateKey.length !== 48) throw new Error('unexpected ed25519 DER encoding');
  const pub = Buffer.from(der.publicKey.subarray(12));
  const seed = Buffer.from(der.privateKey.subarray(16));
  const blob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  const check = randomBytes(4);
  let secret = Buffer.concat([
    check,
    check,
    sshString('ssh-ed25519'),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(comment),
  ]);
  const pad = (8 - (secret.length % 8)) % 8;
  secret = Buffer.concat([secret, Buffer.from([1, 2, 3, 4, 5, 6, 7].slice(0, pad))]);
  const container = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    uint32(1),
    sshString(blob),
    sshString(secret),
  ]);
  const b64 = container.toString('base64').replace(/.{1,70}/g, '$&\n');
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}-----END OPENSSH PRIVATE KEY-----\n`,
    publicKey: `ssh-ed25519 ${blob.toString('base64')}${comment ? ' ' + comment : ''}`,
    blob,
    fingerprint: fingerprintOf(blob),
  };
}

/** The same pair in the `{ private, public }` shape of ssh2's `utils.generateKeyPairSync`, which tests and servers use. */
export function sshPair(comment = ''): { private: string; public: string } {
  const pair = generateEd25519(comment);
  return { private: pair.privateKey, public: pair.publicKey };
}
