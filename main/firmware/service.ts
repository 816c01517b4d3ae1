/**
 * The firmware image store: signed images kept in `<data dir>/firmware/images/` (the image as
 * `<version>.img`, its SSHSIG beside it as `<version>.img.sig`, both as imported), one row each in
 * SQLite with version, size, sha256 and signer; and the release keys whose signatures the manager
 * accepts. Every change to either is audited in the same transaction as the change.
 *
 * An import reads the file once into the store (hashing as it copies), checks the signature, then
 * the image format; only then does the image get its name and its row. A refused import leaves nothing.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { open, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { CallContext } from '../kit/context';
import { FleetError } from '../kit/errors';
import type { DomainHandlers } from '../kit/contract';
import { inspectFirmwareImage } from '../appliance/image';
import {
  MAX_SIGNATURE_TEXT,
  parseReleaseKey,
  SignatureError,
  verifySshSignature,
  type ReleaseKey,
  type SshsigHash,
  UNSIGNED_SENTENCE,
} from '../appliance/sshsig';
import type { ServiceDeps } from '../deps';
import type { InventoryService } from '../inventory/service';
import { firmwareMethods, type firmwareEvents, type FirmwareImage, type ReleaseKeyRecord } from './contract';
import { FirmwareRepo, type ImageRow, type KeyRow } from './repo';
import { stageImage, type StageOptions, type StageResult } from './staging';
import type { SshPool, SshRoute } from '../net/ssh-pool';

export type FirmwareHandlers = DomainHandlers<typeof firmwareMethods, CallContext>;

const SIGNATURE_SENTENCE_PREFIX: Record<SignatureError['reason'], string> = {
  unsigned: 'Unsigned image',
  malformed: 'Unreadable signature',
  'key-type': 'Wrong key type',
  namespace: 'Wrong signature namespace',
  hash: 'Wrong signature hash',
  'bad-signature': 'Bad signature',
  untrusted: 'Untrusted signer',
};

/** A SignatureError as the error that crosses the boundary: E_SIGNATURE, the reason and the signer in details. */
export function signatureFleetError(err: SignatureError): FleetError {
  return new FleetError('E_SIGNATURE', `${SIGNATURE_SENTENCE_PREFIX[err.reason]}: ${err.message}`, {
    reason: err.reason,
    ...(err.signer ? { signer: err.signer } : {}),
  });
}

export class FirmwareService {
  readonly repo: FirmwareRepo;
  readonly handlers: FirmwareHandlers;
  /** Where images live: `<data dir>/firmware/images`. */
  readonly storeDir: string;
  /** Stored files whose bytes were checked against their row, with the file's state then. */
  private readonly verifiedFiles = new Map<string, string>();

  constructor(
    private readonly deps: ServiceDeps<typeof firmwareEvents>,
    private readonly inventory: InventoryService,
  ) {
    this.repo = new FirmwareRepo(deps.db);
    this.storeDir = join(deps.dataDir, 'firmware', 'images');
    this.handlers = {
      list: () => this.list(),
      import: (input, ctx) => this.importImage(input.path, input.signaturePath, ctx.actor),
      upload: (input, ctx) => this.uploadImage(input.fileName, input.contentBase64, input.signature, ctx.actor),
      remove: ({ version }, ctx) => this.remove(version, ctx.actor),
      keys: () => this.keys(),
      trustKey: ({ publicKey }, ctx) => this.trustKey(publicKey, ctx.actor),
      untrustKey: ({ fingerprint }, ctx) => this.untrustKey(fingerprint, ctx.actor),
    };
  }

  private now(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  // Images

  list(): FirmwareImage[] {
    const trusted = new Set(this.repo.keys().map((k) => k.fingerprint));
    return this.repo.images().map((row) => this.toImage(row, trusted));
  }

  /** One stored image with the paths of its file and signature (for staging it to appliances). */
  stored(version: string): { image: FirmwareImage; path: string; signaturePath: string } {
    const row = this.repo.image(version);
    if (!row) throw new FleetError('E_NOT_FOUND', `There is no firmware ${version} in the image store (fleetdeck firmware list shows what there is).`);
    const trusted = new Set(this.repo.keys().map((k) => k.fingerprint));
    return { image: this.toImage(row, trusted), path: join(this.storeDir, row.file_name), signaturePath: join(this.storeDir, row.signature_file) };
  }

  /**
   * The store's file is still the bytes imported (size and sha256 as recorded), checked before any
   * of it is sent: a file changed, cut or emptied on disk since the import is refused (E_IMAGE)
   * instead of reaching appliances. Hashed once per state of the file (size, mtime, inode), not
   * once per appliance of a rollout.
   */
  private async checkStoredFile(version: string, path: string, sizeBytes: number, sha256: string): Promise<void> {
    const refuse = (what: string) =>
      new FleetError('E_IMAGE', `The store's file for firmware ${version} ${what} since it was imported; nothing was staged. Remove the image and import it again.`);
    const st = await stat(path).catch(() => null);
    if (!st?.isFile()) throw refuse('is gone');
    const state = `${sha256}:${st.size}:${st.mtimeMs}:${st.ino}`;
    if (this.verifiedFiles.get(path) === state) return;
    if (st.size !== sizeBytes) throw refuse(`is ${st.size} bytes, not ${sizeBytes}: it changed`);
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) hash.update(chunk);
    if (hash.digest('hex') !== sha256) throw refuse('does not match its recorded sha256: it changed');
    this.verifiedFiles.set(path, state);
  }

  /** The file name a stored image gets in an appliance's staging area. */
  static stagedName(version: string): string {
    return `oca-${version}.img`;
  }

  /**
   * Stage a stored image on one appliance (main/firmware/staging.ts): resumable SFTP upload into
   * `remoteDir` with its signature beside it, then the appliance's sha256 compared with the store's.
   * Refused (E_SIGNATURE) when the key that signed it is no longer trusted.
   */
  async stageOn(pool: SshPool, route: SshRoute, version: string, remoteDir: string, options: StageOptions = {}): Promise<StageResult & { name: string }> {
    const { image, path, signaturePath } = this.stored(version);
    if (!image.signer.trusted) throw new FleetError('E_SIGNATURE', `Firmware ${version} was signed by ${image.signer.fingerprint}, a key no longer trusted; it is not staged.`, { reason: 'untrusted signer', signer: image.signer.fingerprint });
    await this.checkStoredFile(version, path, image.sizeBytes, image.sha256);
    const signature = await readFile(signaturePath);
    const name = FirmwareService.stagedName(version);
    const result = await stageImage(pool, route, { localPath: path, signature, sizeBytes: image.sizeBytes, sha256: image.sha256, remoteDir, name }, options);
    return { ...result, name };
  }

  private toImage(row: ImageRow, trusted: ReadonlySet<string>): FirmwareImage {
    return {
      version: row.version,
      sizeBytes: row.size_bytes,
      sha256: row.sha256,
      signer: { fingerprint: row.signer_fingerprint, comment: row.signer_comment, trusted: trusted.has(row.signer_fingerprint) },
      signatureHash: row.signature_hash as SshsigHash,
      sourceName: row.source_name,
      importedAt: row.imported_at,
      importedBy: row.imported_by,
    };
  }

  /**
   * An image a window sent (drag and drop in the browser host has no path): written to a private
   * folder under the data dir with its signature beside it, imported as a file would be, then removed.
   */
  async uploadImage(fileName: string, contentBase64: string, signature: string | undefined, actor: string): Promise<FirmwareImage> {
    // No signature sent: refused as unsigned, before anything is written.
    if (signature === undefined || signature.trim() === '') throw signatureFleetError(new SignatureError('unsigned', UNSIGNED_SENTENCE));
    const name = basename(fileName.replace(/\\/g, '/')).replace(/[^0-9A-Za-z.+_-]/g, '_').slice(0, 128) || 'image.img';
    const dir = join(this.deps.dataDir, 'firmware', 'uploads', this.deps.rng.bytes(8).toString('hex'));
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      const path = join(dir, name);
      await writeFile(path, Buffer.from(contentBase64, 'base64'), { mode: 0o600 });
      await writeFile(`${path}.sig`, signature, { mode: 0o600 });
      return await this.importImage(path, `${path}.sig`, actor);
    } finally {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  async importImage(path: string, signaturePath: string | undefined, actor: string): Promise<FirmwareImage> {
    const size = await stat(path).then(
      (s) => (s.isFile() ? s.size : null),
      () => null,
    );
    if (size === null) throw new FleetError('E_NOT_FOUND', `There is no image file at ${path}.`);
    const sigPath = signaturePath ?? (existsSync(`${path}.sig`) ? `${path}.sig` : null);
    if (sigPath === null) throw signatureFleetError(new SignatureError('unsigned', UNSIGNED_SENTENCE));
    const signature = await readSignatureFile(sigPath);

    mkdirSync(this.storeDir, { recursive: true });
    const tmp = join(this.storeDir, `.import-${this.deps.rng.bytes(8).toString('hex')}`);
    try {
      const digests = await copyWithDigests(path, tmp);
      let verified;
      try {
        verified = verifySshSignature(signature, digests, this.trustedKeys());
      } catch (err) {
        if (err instanceof SignatureError) throw signatureFleetError(err);
        throw err;
      }
      const inspection = await inspectFirmwareImage(tmp);
      if (!inspection.valid || inspection.version === null) {
        throw new FleetError('E_IMAGE', `${basename(path)} is not a valid firmware image: ${inspection.problems.join('; ')}.`);
      }
      const version = inspection.version;
      const existing = this.repo.image(version);
      if (existing) {
        if (existing.sha256 === inspection.sha256) return this.stored(version).image;
        throw new FleetError('E_CONFLICT', `The store already holds a different firmware ${version} (sha256 ${existing.sha256.slice(0, 12)}…); remove it first.`);
      }
      const fileName = `${version}.img`;
      const signatureFile = `${fileName}.sig`;
      await writeFile(join(this.storeDir, signatureFile), signature, { mode: 0o644 });
      await rename(tmp, join(this.storeDir, fileName));
      const row: ImageRow = {
        version,
        size_bytes: inspection.bytes,
        sha256: inspection.sha256,
        file_name: fileName,
        signature_file: signatureFile,
        signer_fingerprint: verified.signer.fingerprint,
        signer_comment: verified.signer.comment,
        signature_hash: verified.hashAlgorithm,
        source_name: basename(path),
        imported_at: this.now(),
        imported_by: actor,
      };
      this.deps.audit.record(
        {
          actor,
          action: 'firmware.import',
          target: `firmware:${version}`,
          details: { sha256: row.sha256, sizeBytes: row.size_bytes, signer: row.signer_fingerprint, source: row.source_name },
        },
        () => this.repo.insertImage(row),
      );
      this.deps.log.info('firmware image imported', { version, sha256: row.sha256, signer: row.signer_fingerprint, actor });
      this.deps.events.emit('changed', { what: 'images' });
      return this.stored(version).image;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  async remove(version: string, actor: string): Promise<{ removed: boolean }> {
    const row = this.repo.image(version);
    if (!row) throw new FleetError('E_NOT_FOUND', `There is no firmware ${version} in the image store.`);
    this.deps.audit.record({ actor, action: 'firmware.remove', target: `firmware:${version}`, details: { sha256: row.sha256 } }, () => this.repo.deleteImage(version));
    await unlink(join(this.storeDir, row.file_name)).catch(() => undefined);
    await unlink(join(this.storeDir, row.signature_file)).catch(() => undefined);
    this.deps.events.emit('changed', { what: 'images' });
    return { removed: true };
  }

  // Release keys

  keys(): ReleaseKeyRecord[] {
    return this.repo.keys().map(toKeyRecord);
  }

  trustedKeys(): ReleaseKey[] {
    return this.repo.keys().map((k) => parseReleaseKey(`${k.public_key} ${k.comment}`));
  }

  trustKey(publicKeyText: string, actor: string): ReleaseKeyRecord {
    let key: ReleaseKey;
    try {
      key = parseReleaseKey(publicKeyText);
    } catch (err) {
      if (err instanceof SignatureError) throw new FleetError('E_VALIDATION', err.message);
      throw err;
    }
    const existing = this.repo.keys().find((k) => k.fingerprint === key.fingerprint);
    if (existing) return toKeyRecord(existing);
    const row: KeyRow = { fingerprint: key.fingerprint, public_key: key.publicKey, comment: key.comment, trusted_at: this.now(), trusted_by: actor };
    this.deps.audit.record(
      { actor, action: 'firmware.trust-key', target: `release-key:${key.fingerprint}`, details: { comment: key.comment, publicKey: key.publicKey } },
      () => this.repo.insertKey(row),
    );
    this.deps.events.emit('changed', { what: 'keys' });
    return toKeyRecord(row);
  }

  untrustKey(fingerprint: string, actor: string): { removed: boolean } {
    const existing = this.repo.keys().find((k) => k.fingerprint === fingerprint);
    if (!existing) throw new FleetError('E_NOT_FOUND', `${fingerprint} is not a trusted release key (fleetdeck firmware keys lists them).`);
    this.deps.audit.record(
      { actor, action: 'firmware.untrust-key', target: `release-key:${fingerprint}`, details: { comment: existing.comment, publicKey: existing.public_key } },
      () => this.repo.deleteKey(fingerprint),
    );
    this.deps.events.emit('changed', { what: 'keys' });
    return { removed: true };
  }
}

const toKeyRecord = (k: KeyRow): ReleaseKeyRecord => ({
  fingerprint: k.fingerprint,
  publicKey: k.public_key,
  comment: k.comment,
  trustedAt: k.trusted_at,
  trustedBy: k.trusted_by,
});

/** The signature file's bytes, read no further than a signature can be long (the verifier refuses what is longer). */
async function readSignatureFile(path: string): Promise<Buffer> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    throw new FleetError('E_NOT_FOUND', `There is no signature file at ${path}.`);
  }
  try {
    const buf = Buffer.alloc(MAX_SIGNATURE_TEXT + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Copy a file, computing the digests SSHSIG may have signed on the way. */
async function copyWithDigests(from: string, to: string): Promise<Record<SshsigHash, Buffer>> {
  const sha256 = createHash('sha256');
  const sha512 = createHash('sha512');
  await pipeline(
    createReadStream(from, { highWaterMark: 1024 * 1024 }),
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        sha256.update(chunk);
        sha512.update(chunk);
        done(null, chunk);
      },
    }),
    createWriteStream(to, { mode: 0o644 }),
  );
  return { sha256: sha256.digest(), sha512: sha512.digest() };
}
