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
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
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
