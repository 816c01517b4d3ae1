/**
 * The firmware image format of appliance API v1: one header line, then the payload.
 *
 *   OCAIMG/1 {"version":"26.2.0","payloadBytes":1048576,"payloadSha256":"<hex>"}\n<payload bytes>
 *
 * The manager builds or receives images in this format and uploads them over SFTP; the appliance's
 * `ocactl firmware stage-check` reads the file as it landed and says whether it is intact.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { z } from 'zod';

export const IMAGE_MAGIC = 'OCAIMG/1 ';
export const MAX_IMAGE_HEADER = 4096;
export const ImageVersion = z
  .string()
  .regex(/^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/, 'a version is 1-64 letters, digits or . + _ -');

/**
 * For demos and tests (`fleetdeck lab make-image --no-boot | --bad-health`): how a simulated
 * appliance fares when it boots this image. Absent on real images: they boot and are healthy.
 */
export const LAB_BOOT_OUTCOMES = ['no-boot', 'bad-health'] as const;
export type LabBootOutcome = (typeof LAB_BOOT_OUTCOMES)[number];

export const ImageHeader = z.object({
  version: ImageVersion,
  payloadBytes: z.number().int().min(0),
  payloadSha256: z.string().regex(/^[0-9a-f]{64}$/),
  labBoot: z.enum(LAB_BOOT_OUTCOMES).optional(),
});
export type ImageHeader = z.infer<typeof ImageHeader>;

export function buildFirmwareImage(version: string, payload: Buffer, labBoot?: LabBootOutcome): Buffer {
  const header: ImageHeader = {
    version: ImageVersion.parse(version),
    payloadBytes: payload.length,
    payloadSha256: createHash('sha256').update(payload).digest('hex'),
    ...(labBoot ? { labBoot } : {}),
  };
  return Buffer.concat([Buffer.from(IMAGE_MAGIC + JSON.stringify(header) + '\n'), payload]);
}

export interface ImageInspection {
  bytes: number;
  /** SHA-256 of the whole file, hex. */
  sha256: string;
  version: string | null;
  /** The header's lab boot outcome (test images only). */
  labBoot?: LabBootOutcome;
  valid: boolean;
  problems: string[];
}

/** Parse the header line from the first bytes of an image. */
export function readImageHeader(head: Buffer): { header: ImageHeader; headerBytes: number } | { problem: string } {
  const magic = Buffer.from(IMAGE_MAGIC);
  if (head.length < magic.length || !head.subarray(0, magic.length).equals(magic)) {
    return { problem: 'not a Fleetdeck firmware image (the file does not start with OCAIMG/1)' };
  }
  const newline = head.indexOf(0x0a);
  if (newline < 0 || newline > MAX_IMAGE_HEADER) return { problem: 'the image header line is missing or too long' };
  let json: unknown;
  try {
    json = JSON.parse(head.subarray(magic.length, newline).toString('utf8'));
  } catch {
    return { problem: 'the image header is not valid JSON' };
  }
  const parsed = ImageHeader.safeParse(json);
  if (!parsed.success) return { problem: `the image header is incomplete (${parsed.error.issues[0]?.message ?? 'invalid'})` };
  return { header: parsed.data, headerBytes: newline + 1 };
}

/** Read an image file once: whole-file hash, header, payload length and payload hash. */
export async function inspectFirmwareImage(path: string): Promise<ImageInspection> {
  const whole = createHash('sha256');
  const payloadHash = createHash('sha256');
  let head = Buffer.alloc(0);
  let parsed: ReturnType<typeof readImageHeader> | null = null;
  let bytes = 0;
  let payloadBytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    whole.update(chunk);
    bytes += chunk.length;
    if (parsed === null) {
      head = Buffer.concat([head, chunk]);
      if (head.indexOf(0x0a) >= 0 || head.length > MAX_IMAGE_HEADER) {
        parsed = readImageHeader(head);
        if ('header' in parsed) {
          const rest = head.subarray(parsed.headerBytes);
          payloadHash.update(rest);
          payloadBytes += rest.length;
        }
        head = Buffer.alloc(0);
      }
    } else if ('header' in parsed) {
      payloadHash.update(chunk);
      payloadBytes += chunk.length;
    }
  }
  parsed ??= readImageHeader(head);
  const sha256 = whole.digest('hex');
  if (!('header' in parsed)) return { bytes, sha256, version: null, valid: false, problems: [parsed.problem] };
  const problems: string[] = [];
  const { header } = parsed;
  if (payloadBytes !== header.payloadBytes) {
    problems.push(`the payload is ${payloadBytes} bytes but the header says ${header.payloadBytes} (incomplete upload?)`);
  } else if (payloadHash.digest('hex') !== header.payloadSha256) {
    problems.push('the payload checksum does not match the header (the image was corrupted in transfer)');
  }
  return { bytes, sha256, version: header.version, ...(header.labBoot ? { labBoot: header.labBoot } : {}), valid: problems.length === 0, problems };
}
