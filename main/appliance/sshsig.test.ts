/**
 * SSHSIG verification against the real OpenSSH `ssh-keygen -Y sign` / `-Y verify` (Debian's
 * openssh-client): signatures ssh-keygen makes verify here, and for every case below our verdict
 * and `ssh-keygen -Y verify`'s agree (allowed_signers built from the keys Fleetdeck trusts).
 * Signatures we build by hand (hash algorithms ssh-keygen will not make) go to ssh-keygen too.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../tests/support/temp-dir';
import {
  digestBytes,
  FIRMWARE_NAMESPACE,
  MAX_SIGNATURE_TEXT,
  parseReleaseKey,
  parseSshSignature,
  SignatureError,
  verifySshSignature,
  type ReleaseKey,
  type SignatureRefusal,
} from './sshsig';

const KEYGEN = '/usr/bin/ssh-keygen';
const missing = !existsSync(KEYGEN);
if (missing) console.log(`SKIPPED: SSHSIG against ssh-keygen: ${KEYGEN} missing (apt-get install openssh-client)`);

let dir = '';
const keyFile = (name: string) => join(dir, name);

function keygen(name: string, type: 'ed25519' | 'rsa' | 'ecdsa'): string {
  execFileSync(KEYGEN, ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-C', `${name}@release`, '-f', keyFile(name)]);
  return readFileSync(`${keyFile(name)}.pub`, 'utf8');
}

/** `ssh-keygen -Y sign` over a file; returns the .sig text. */
function sshSign(key: string, file: string, namespace = FIRMWARE_NAMESPACE, hashalg?: 'sha256' | 'sha512'): string {
  rmSync(`${file}.sig`, { force: true });
  execFileSync(KEYGEN, ['-Y', 'sign', '-n', namespace, '-f', keyFile(key), ...(hashalg ? ['-O', `hashalg=${hashalg}`] : []), file], { stdio: 'pipe' });
  return readFileSync(`${file}.sig`, 'utf8');
}

/** `ssh-keygen -Y verify` with an allowed_signers file of exactly the trusted keys. True when it accepts. */
function sshVerify(trusted: readonly string[], file: string, sig: string, namespace = FIRMWARE_NAMESPACE): boolean {
  const allowed = keyFile('allowed_signers');
  writeFileSync(allowed, trusted.map((pub) => `release ${pub.trim().split(/\s+/).slice(0, 2).join(' ')}\n`).join(''));
  const sigFile = keyFile('check.sig');
  writeFileSync(sigFile, sig);
  const out = spawnSync(KEYGEN, ['-Y', 'verify', '-f', allowed, '-I', 'release', '-n', namespace, '-s', sigFile], { input: readFileSync(file) });
  return out.status === 0;
}

function refusal(fn: () => unknown): SignatureRefusal | 'accepted' | string {
  try {
    fn();
    return 'accepted';
  } catch (err) {
    return err instanceof SignatureError ? err.reason : `threw ${String(err)}`;
  }
}

const str = (b: Buffer | string) => {
  const data = typeof b === 'string' ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
};
const armor = (blob: Buffer) => `-----BEGIN SSH SIGNATURE-----\n${blob.toString('base64').replace(/.{1,70}/g, '$&\n')}-----END SSH SIGNATURE-----\n`;

/** An SSHSIG built by hand with node:crypto, for the cases ssh-keygen refuses to produce. */
function handSign(privateKey: KeyObject, release: ReleaseKey, message: Buffer, hashAlgorithm: string, namespace = FIRMWARE_NAMESPACE): string {
  const digest = createHash(hashAlgorithm).update(message).digest();
  const signed = Buffer.concat([Buffer.from('SSHSIG'), str(namespace), str(''), str(hashAlgorithm), str(digest)]);
  const sig = sign(null, signed, privateKey);
  const version = Buffer.alloc(4);
  version.writeUInt32BE(1);
  return armor(Buffer.concat([Buffer.from('SSHSIG'), version, str(release.blob), str(namespace), str(''), str(hashAlgorithm), str(Buffer.concat([str('ssh-ed25519'), str(sig)]))]));
}

describe.skipIf(missing)('SSHSIG with the real ssh-keygen', () => {
  let releasePub = '';
  let otherPub = '';
  let rsaPub = '';
  let ecdsaPub = '';
  let release: ReleaseKey;
  let image = '';
  let message: Buffer = Buffer.alloc(0);

  beforeAll(() => {
    dir = tempDir('fleetdeck-sshsig-');
    releasePub = keygen('release', 'ed25519');
    otherPub = keygen('other', 'ed25519');
    rsaPub = keygen('rsa', 'rsa');
    ecdsaPub = keygen('ecdsa', 'ecdsa');
    release = parseReleaseKey(releasePub);
    image = join(dir, 'fw.img');
    message = Buffer.concat([Buffer.from('OCAIMG/1 {"version":"26.2.0"}\n'), Buffer.alloc(300_000, 7)]);
    writeFileSync(image, message);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads a release key with the fingerprint ssh-keygen -l prints', () => {
    const printed = execFileSync(KEYGEN, ['-l', '-E', 'sha256', '-f', `${keyFile('release')}.pub`], { encoding: 'utf8' }).split(' ')[1];
    expect(release.fingerprint).toBe(printed);
    expect(release.comment).toBe('release@release');
    expect(refusal(() => parseReleaseKey(rsaPub))).toBe('key-type');
    expect(refusal(() => parseReleaseKey(ecdsaPub))).toBe('key-type');
    expect(refusal(() => parseReleaseKey('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA'))).toBe('malformed');
    expect(refusal(() => parseReleaseKey(`${releasePub}\n${otherPub}`))).toBe('malformed');
  });

  it('accepts ssh-keygen signatures (sha512 default and sha256) by a trusted key, naming the signer', () => {
    for (const hashalg of [undefined, 'sha256'] as const) {
      const sig = sshSign('release', image, FIRMWARE_NAMESPACE, hashalg);
      const ok = verifySshSignature(sig, digestBytes(message), [parseReleaseKey(otherPub), release]);
      expect(ok.signer.fingerprint).toBe(release.fingerprint);
      expect(ok.hashAlgorithm).toBe(hashalg ?? 'sha512');
    }
  });

  it('agrees with ssh-keygen -Y verify on every case, with the reason for each refusal', () => {
    const good = sshSign('release', image);
    const altered = Buffer.from(message);
    altered[altered.length - 1] = altered[altered.length - 1]! ^ 1;
    const alteredFile = join(dir, 'altered.img');
    writeFileSync(alteredFile, altered);
    // A key made by node:crypto for the hand-built signatures (ssh-keygen's private key format is its own),
    // encoded as DER by the generation itself as generateEd25519 (main/keys) does: on Node 20 exporting a
    // freshly generated key (as JWK) can deadlock the process when a garbage collection runs meanwhile.
    const der = generateKeyPairSync('ed25519', { publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } });
    // An ed25519 SubjectPublicKeyInfo is 44 bytes ending in the 32-byte key.
    expect(der.publicKey).toHaveLength(44);
    const raw = der.publicKey.subarray(12);
    const handPub = `ssh-ed25519 ${Buffer.concat([str('ssh-ed25519'), str(raw)]).toString('base64')} hand`;
    const hand = parseReleaseKey(handPub);
    const ed = createPrivateKey({ key: der.privateKey, format: 'der', type: 'pkcs8' });
    const cases: { name: string; trusted: string[]; sig: string; file: string; expect: SignatureRefusal | 'accepted' }[] = [
      { name: 'good', trusted: [releasePub], sig: good, file: image, expect: 'accepted' },
      { name: 'altered image', trusted: [releasePub], sig: good, file: alteredFile, expect: 'bad-signature' },
      { name: 'untrusted signer', trusted: [otherPub], sig: good, file: image, expect: 'untrusted' },
      { name: 'no trusted keys', trusted: [], sig: good, file: image, expect: 'untrusted' },
      { name: 'wrong namespace', trusted: [releasePub], sig: sshSign('release', image, 'file'), file: image, expect: 'namespace' },
      { name: 'rsa signer', trusted: [releasePub], sig: sshSign('rsa', image), file: image, expect: 'key-type' },
      { name: 'ecdsa signer', trusted: [releasePub], sig: sshSign('ecdsa', image), file: image, expect: 'key-type' },
      { name: 'hand-made sha512', trusted: [handPub], sig: handSign(ed, hand, message, 'sha512'), file: image, expect: 'accepted' },
      { name: 'hand-made sha256', trusted: [handPub], sig: handSign(ed, hand, message, 'sha256'), file: image, expect: 'accepted' },
      { name: 'hand-made, other namespace', trusted: [handPub], sig: handSign(ed, hand, message, 'sha512', 'git'), file: image, expect: 'namespace' },
      { name: 'hash sha1', trusted: [handPub], sig: handSign(ed, hand, message, 'sha1'), file: image, expect: 'hash' },
      { name: 'hash md5', trusted: [handPub], sig: handSign(ed, hand, message, 'md5'), file: image, expect: 'hash' },
    ];
    for (const c of cases) {
      const ours = refusal(() => verifySshSignature(c.sig, digestBytes(readFileSync(c.file)), c.trusted.map((k) => parseReleaseKey(k))));
      expect(ours, c.name).toBe(c.expect);
      // ssh-keygen accepts rsa and ecdsa signers when allowed_signers lists them; Fleetdeck never trusts them,
      // so the comparison uses the same (ed25519-only) trust list.
      expect(sshVerify(c.trusted, c.file, c.sig), `ssh-keygen on ${c.name}`).toBe(ours === 'accepted');
    }
  });

  it('refuses an image without a signature, and says so', () => {
    const err = (() => {
      try {
        verifySshSignature(null, digestBytes(message), [release]);
      } catch (e) {
        return e as SignatureError;
      }
      return null;
    })();
    expect(err?.reason).toBe('unsigned');
    expect(err?.message).toMatch(/not signed/);
    expect(refusal(() => verifySshSignature('', digestBytes(message), [release]))).toBe('unsigned');
  });

  it('refuses every truncation of a signature blob as malformed, never with a crash', () => {
    const good = sshSign('release', image);
    const blob = Buffer.from(good.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
    for (let n = 0; n < blob.length; n++) {
      const r = refusal(() => verifySshSignature(armor(blob.subarray(0, n)), digestBytes(message), [release]));
      expect(r, `truncated to ${n} bytes`).toMatch(/^(malformed|unsigned)$/);
    }
    // A field length pointing past the end (the public key's length set to 2^32-1).
    const lying = Buffer.from(blob);
    lying.writeUInt32BE(0xffffffff, 10);
    expect(refusal(() => parseSshSignature(armor(lying)))).toBe('malformed');
    // Trailing bytes after the signature.
    expect(refusal(() => parseSshSignature(armor(Buffer.concat([blob, Buffer.from([0, 0, 0, 0])]))))).toBe('malformed');
    expect(refusal(() => parseSshSignature('hello'))).toBe('malformed');
    expect(refusal(() => parseSshSignature(good.replace('SIGNATURE-----\n', 'SIGNATURE-----\n!!')))).toBe('malformed');
  });

  it('refuses an oversized signature file before decoding it', () => {
    const good = sshSign('release', image);
    const huge = good.replace('-----END', `${'A'.repeat(MAX_SIGNATURE_TEXT)}\n-----END`);
    expect(refusal(() => verifySshSignature(huge, digestBytes(message), [release]))).toBe('malformed');
    // An SSHSIG whose signature field is 1 MiB (within a small file would be impossible: it is refused by size too).
    expect(refusal(() => parseSshSignature(armor(Buffer.alloc(64 * 1024, 1))))).toBe('malformed');
  });
});
