/**
 * OpenSSH signatures (SSHSIG, PROTOCOL.sshsig) of firmware images, verified with node:crypto.
 * The release team signs with the tool it already has:
 *
 *   ssh-keygen -Y sign -n fleetdeck-firmware -f release_key IMAGE      → IMAGE.sig
 *
 * Only ed25519 release keys are accepted. A leaf module: the manager (main/firmware) and the
 * appliances (the lab and the reference agent) both verify with it, so it imports nothing of either.
 *
 * The armored signature is a base64 blob:
 *   "SSHSIG" uint32(1) string(publickey) string(namespace) string(reserved) string(hash_algorithm) string(signature)
 * and what the key signed is
 *   "SSHSIG" string(namespace) string(reserved) string(hash_algorithm) string(H(message))
 * (no version field there), with the signature itself string("ssh-ed25519") string(64 bytes).
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** The namespace release signatures are made in (`ssh-keygen -Y sign -n fleetdeck-firmware`). */
export const FIRMWARE_NAMESPACE = 'fleetdeck-firmware';
export const SSHSIG_HASHES = ['sha256', 'sha512'] as const;
export type SshsigHash = (typeof SSHSIG_HASHES)[number];
/** An armored ed25519 signature is about 300 bytes; anything past this is not a signature. */
export const MAX_SIGNATURE_TEXT = 8 * 1024;

const MAGIC = Buffer.from('SSHSIG');
const BEGIN = '-----BEGIN SSH SIGNATURE-----';
const END = '-----END SSH SIGNATURE-----';
const ED25519 = 'ssh-ed25519';

/** Why a signature was refused; each has its own sentence (see `refusalSentence`). */
export type SignatureRefusal =
  | 'unsigned' // no signature at all
  | 'malformed' // not an SSHSIG, truncated, trailing bytes, oversized
  | 'key-type' // signed with a key that is not ed25519 (rsa, ecdsa, ...)
  | 'namespace' // signed for another purpose than firmware
  | 'hash' // a hash algorithm SSHSIG does not allow
  | 'bad-signature' // the bytes were not signed by the key the signature names (altered image or signature)
  | 'untrusted'; // a good signature by a key nobody trusted

export class SignatureError extends Error {
  constructor(
    readonly reason: SignatureRefusal,
    message: string,
    /** The signer's fingerprint where the signature was readable. */
    readonly signer?: string,
  ) {
    super(message);
    this.name = 'SignatureError';
  }
}

export interface ReleaseKey {
  /** SHA256:… as `ssh-keygen -l` prints it. */
  fingerprint: string;
  /** The comment after the key, often the owner's name. */
  comment: string;
  /** The `ssh-ed25519 AAAA…` line without the comment. */
  publicKey: string;
  blob: Buffer;
  key: KeyObject;
}

export interface ParsedSignature {
  publicKey: Buffer;
  keyType: string;
  namespace: string;
  hashAlgorithm: string;
  /** The raw signature: 64 bytes for ed25519. */
  signature: Buffer;
  signatureType: string;
}

export interface VerifiedSignature {
  signer: ReleaseKey;
  hashAlgorithm: SshsigHash;
}

export const UNSIGNED_SENTENCE = `The image is not signed: sign it with ssh-keygen -Y sign -n ${FIRMWARE_NAMESPACE} -f KEY IMAGE and give the .sig file.`;

export const fingerprintOfBlob = (blob: Buffer): string => `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;

/** Reads SSH wire strings; every read is bounds-checked (truncated blobs throw `malformed`). */
class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  bytes(n: number): Buffer {
    if (n < 0 || this.at + n > this.buf.length) throw new SignatureError('malformed', 'The signature is truncated (it ends inside a field).');
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  uint32(): number {
    return this.bytes(4).readUInt32BE(0);
  }
  string(): Buffer {
    return this.bytes(this.uint32());
  }
  text(): string {
    return this.string().toString('latin1');
  }
  done(what: string): void {
    if (this.at !== this.buf.length) throw new SignatureError('malformed', `The ${what} has ${this.buf.length - this.at} bytes too many.`);
  }
}

const sshString = (b: Buffer | string): Buffer => {
  const data = typeof b === 'string' ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
};

function ed25519KeyObject(raw: Buffer): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** The key type and, for ed25519, the 32 key bytes of an SSH public key blob. */
function decodeKeyBlob(blob: Buffer): { type: string; raw: Buffer | null } {
  const r = new Reader(blob);
  const type = r.text();
  if (type !== ED25519) return { type, raw: null };
  const raw = r.string();
  r.done('public key');
  if (raw.length !== 32) throw new SignatureError('malformed', 'The ed25519 public key is not 32 bytes.');
  return { type, raw };
}

/**
 * One release key from an OpenSSH public key line (`ssh-ed25519 AAAA… comment`, as in KEY.pub).
 * Throws a SignatureError ('key-type' or 'malformed') with the sentence to show.
 */
export function parseReleaseKey(text: string): ReleaseKey {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (lines.length !== 1) throw new SignatureError('malformed', `A release key file holds one public key line; this one has ${lines.length}.`);
  const [type, b64, ...rest] = lines[0]!.split(/\s+/);
  if (type !== ED25519) {
    throw new SignatureError('key-type', `Release keys must be ed25519 (ssh-keygen -t ed25519); this is ${type?.startsWith('ssh-') || type?.startsWith('ecdsa-') ? type : 'not an OpenSSH public key'}.`);
  }
  if (!b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new SignatureError('malformed', 'The public key line has no base64 key after ssh-ed25519.');
  const blob = Buffer.from(b64, 'base64');
  let decoded: { type: string; raw: Buffer | null };
  try {
    decoded = decodeKeyBlob(blob);
  } catch {
    throw new SignatureError('malformed', 'The public key is damaged (its base64 does not decode to an ed25519 key).');
  }
  if (decoded.type !== ED25519 || !decoded.raw) throw new SignatureError('malformed', 'The key line says ssh-ed25519 but the key inside is not.');
  return {
    fingerprint: fingerprintOfBlob(blob),
    comment: rest.join(' '),
    publicKey: `${ED25519} ${blob.toString('base64')}`,
    blob,
    key: ed25519KeyObject(decoded.raw),
  };
}

/** Parse an armored SSHSIG (the .sig file ssh-keygen writes). Throws SignatureError('malformed' | 'unsigned'). */
export function parseSshSignature(armored: string | Buffer): ParsedSignature {
  if (armored.length === 0) throw new SignatureError('unsigned', 'The signature file is empty.');
  if (armored.length > MAX_SIGNATURE_TEXT) throw new SignatureError('malformed', `The signature file is ${armored.length} bytes; an SSH signature is well under ${MAX_SIGNATURE_TEXT}.`);
  const text = typeof armored === 'string' ? armored : armored.toString('latin1');
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin < 0 || end < begin) throw new SignatureError('malformed', 'This is not an SSH signature (no BEGIN/END SSH SIGNATURE lines).');
  const body = text.slice(begin + BEGIN.length, end).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new SignatureError('malformed', 'The signature is not valid base64.');
  const blob = Buffer.from(body, 'base64');
  const r = new Reader(blob);
  if (blob.length < MAGIC.length || !r.bytes(MAGIC.length).equals(MAGIC)) throw new SignatureError('malformed', 'The signature does not start with SSHSIG.');
  const version = r.uint32();
  if (version !== 1) throw new SignatureError('malformed', `The signature is SSHSIG version ${version}; only version 1 exists.`);
  const publicKey = r.string();
  const namespace = r.text();
  r.string(); // reserved
  const hashAlgorithm = r.text();
  const sigBlob = r.string();
  r.done('signature');
  const keyType = new Reader(publicKey).text();
  const sr = new Reader(sigBlob);
  const signatureType = sr.text();
  const signature = sr.string();
  sr.done('signature value');
  return { publicKey, keyType, namespace, hashAlgorithm, signature, signatureType };
}

/** The digests SSHSIG may sign, over a file read once. */
export async function digestFile(path: string): Promise<Record<SshsigHash, Buffer>> {
  const hashes = { sha256: createHash('sha256'), sha512: createHash('sha512') };
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    hashes.sha256.update(chunk);
    hashes.sha512.update(chunk);
  }
  return { sha256: hashes.sha256.digest(), sha512: hashes.sha512.digest() };
}

export function digestBytes(data: Buffer): Record<SshsigHash, Buffer> {
  return { sha256: createHash('sha256').update(data).digest(), sha512: createHash('sha512').update(data).digest() };
}

/**
 * Verify a signature over a message (given as its digests) against trusted release keys, in
 * `namespace`. Returns the signer; throws SignatureError saying why not, checking in this order:
 * unsigned, malformed, key type, namespace, hash algorithm, the signature itself, then trust
 * (a good signature by an unknown key says so, with its fingerprint, rather than "bad signature").
 */
export function verifySshSignature(
  armored: string | Buffer | null,
  digests: Record<SshsigHash, Buffer>,
  trusted: readonly ReleaseKey[],
  namespace: string = FIRMWARE_NAMESPACE,
): VerifiedSignature {
  if (armored === null) throw new SignatureError('unsigned', UNSIGNED_SENTENCE);
  const sig = parseSshSignature(armored);
  if (sig.keyType !== ED25519 || sig.signatureType !== ED25519) {
    throw new SignatureError('key-type', `The image was signed with a ${sig.keyType} key; release signatures must be made with an ed25519 key.`);
  }
  let raw: Buffer | null;
  try {
    raw = decodeKeyBlob(sig.publicKey).raw;
  } catch {
    raw = null;
  }
  if (!raw) throw new SignatureError('malformed', 'The public key inside the signature is damaged.');
  const signer = fingerprintOfBlob(sig.publicKey);
  if (sig.namespace !== namespace) {
    throw new SignatureError('namespace', `The signature was made for "${sig.namespace}", not for "${namespace}" (sign with -n ${namespace}).`, signer);
  }
  if (!(SSHSIG_HASHES as readonly string[]).includes(sig.hashAlgorithm)) {
    throw new SignatureError('hash', `The signature uses the hash "${sig.hashAlgorithm}"; SSH signatures use sha256 or sha512.`, signer);
  }
  const hashAlgorithm = sig.hashAlgorithm as SshsigHash;
  if (sig.signature.length !== 64) throw new SignatureError('malformed', `The ed25519 signature is ${sig.signature.length} bytes, not 64.`, signer);
  const signed = Buffer.concat([MAGIC, sshString(sig.namespace), sshString(''), sshString(hashAlgorithm), sshString(digests[hashAlgorithm])]);
  if (!verify(null, signed, ed25519KeyObject(raw), sig.signature)) {
    throw new SignatureError('bad-signature', `The signature does not match the image (the image or its .sig was altered, or they do not belong together); signer ${signer}.`, signer);
  }
  const key = trusted.find((k) => k.blob.equals(sig.publicKey));
  if (!key) throw new SignatureError('untrusted', `The image is signed by ${signer}, which is not a trusted release key.`, signer);
  return { signer: key, hashAlgorithm };
}
