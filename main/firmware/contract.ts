/**
 * Firmware contract: the image store (signed images in the data dir, with version, size, sha256
 * and signer) and the release keys the manager trusts. Rollouts come later, on the jobs kernel.
 */
import { z } from 'zod';
import { method } from '../kit/contract';

/** As ImageVersion in appliance/image.ts (which reads files, so windows cannot import it). */
export const ImageVersion = z
  .string()
  .regex(/^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/, 'a version is 1-64 letters, digits or . + _ -');

export const Fingerprint = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'a key fingerprint looks like SHA256: and 43 base64 characters');

export const FirmwareImage = z.object({
  version: ImageVersion,
  /** Bytes of the whole image file (header and payload). */
  sizeBytes: z.number().int().min(0),
  /** SHA-256 of the whole file, hex: what `ocactl firmware stage-check` reports after an upload. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  signer: z.object({
    fingerprint: Fingerprint,
    comment: z.string(),
    /** False once the key that signed it was untrusted: the image stays, a rollout refuses it. */
    trusted: z.boolean(),
  }),
  /** The hash the signature covers (sha512 is ssh-keygen's default). */
  signatureHash: z.enum(['sha256', 'sha512']),
  /** The file name it was imported from (for people; the store names its own files). */
  sourceName: z.string(),
  importedAt: z.string(),
  importedBy: z.string(),
});
export type FirmwareImage = z.infer<typeof FirmwareImage>;

export const ReleaseKeyRecord = z.object({
  fingerprint: Fingerprint,
  /** `ssh-ed25519 AAAA…` without the comment. */
  publicKey: z.string(),
  comment: z.string(),
  trustedAt: z.string(),
  trustedBy: z.string(),
});
export type ReleaseKeyRecord = z.infer<typeof ReleaseKeyRecord>;

const LocalPath = z.string().min(1, 'name a file').max(4096);

export const ImportInput = z.object({
  /** A file on the engine's machine. */
  path: LocalPath,
  /** The SSHSIG file; default: `<path>.sig` when it exists. */
  signaturePath: LocalPath.optional(),
});

/** Largest image a window may send over RPC (base64 in one message; the browser host takes 80 MiB). Larger: the CLI. */
export const MAX_UPLOAD_BYTES = 48 * 1024 * 1024;

/** An image chosen in a window (drag and drop or a file picker): the bytes travel, not a path. */
export const UploadInput = z.object({
  /** The file's name as the window saw it (for people; only its last segment is kept). */
  fileName: z.string().min(1).max(255),
  contentBase64: z
    .string()
    .max(Math.ceil(MAX_UPLOAD_BYTES / 3) * 4, 'an image sent from a window is at most 48 MiB; import larger ones with fleetdeck firmware import')
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'the image content is not base64'),
  /** The SSHSIG text (`-----BEGIN SSH SIGNATURE-----`…); absent: the image is unsigned and refused. */
  signature: z.string().max(16_384).optional(),
});

export const firmwareMethods = {
  list: method('Every image in the store, newest first', z.object({}).default({}), z.array(FirmwareImage), { writes: false }),
  import: method('Import a signed image file into the store (refused when unsigned, badly signed or signed by an untrusted key)', ImportInput, FirmwareImage, { writes: true }),
  upload: method('Import an image sent by a window (its bytes and its signature text), with the same checks as import', UploadInput, FirmwareImage, { writes: true }),
  remove: method('Remove an image from the store', z.object({ version: ImageVersion }), z.object({ removed: z.boolean() }), { writes: true }),
  keys: method('The trusted release keys', z.object({}).default({}), z.array(ReleaseKeyRecord), { writes: false }),
  trustKey: method('Trust a release key (an ed25519 OpenSSH public key line)', z.object({ publicKey: z.string().min(1).max(16_384) }), ReleaseKeyRecord, { writes: true }),
  untrustKey: method('Stop trusting a release key', z.object({ fingerprint: Fingerprint }), z.object({ removed: z.boolean() }), { writes: true }),
};

export const firmwareEvents = {
  /** The store or the trusted keys changed. */
  changed: z.object({ what: z.enum(['images', 'keys']) }),
};
