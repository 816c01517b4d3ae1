/**
 * `fleetdeck firmware`: the signed image store and the release keys it trusts.
 *
 *   fleetdeck firmware import FILE [--signature FILE.sig] [--json]   default signature: FILE.sig
 *   fleetdeck firmware list [--json]
 *   fleetdeck firmware remove VERSION
 *   fleetdeck firmware keys [--json]
 *   fleetdeck firmware trust-key KEY.pub [--json]
 *   fleetdeck firmware untrust-key (KEY.pub | SHA256:…)
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { parseReleaseKey, SignatureError } from '../appliance/sshsig';
import type { FirmwareImage } from '../firmware/contract';
import { action, dataDirOption, jsonOption, processIo, UsageError, withEngine, type Io } from './io';
import { formatBytes } from '../kit/bytes';

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

function imageLine(i: FirmwareImage): string {
  const signer = `${i.signer.fingerprint}${i.signer.comment ? ` (${i.signer.comment})` : ''}${i.signer.trusted ? '' : ' NO LONGER TRUSTED'}`;
  return `${pad(i.version, 16)} ${pad(formatBytes(i.sizeBytes, 'binary'), 12)} ${i.sha256.slice(0, 16)}…  ${signer}`;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`cannot read the ${what} ${path}`);
  }
}

export function firmwareCommand(io: Io = processIo): Command {
  const firmware = new Command('firmware').description('Signed firmware images and the release keys they must be signed with');

  firmware
    .command('import')
    .description('Import a signed image into the store (refused when unsigned, badly signed, or signed by an untrusted key)')
    .argument('<file>', 'the image file (appliance image format)')
    .option('--signature <file>', 'its OpenSSH signature (ssh-keygen -Y sign -n fleetdeck-firmware); default FILE.sig')
    .addOption(dataDirOption())
    .option('--json', 'the stored image as JSON', false)
    .action(
      action(io, 'firmware import', async (file: string, opts: { signature?: string; json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ api }) => {
          const image = await api.firmware.import({ path: resolve(file), ...(opts.signature ? { signaturePath: resolve(opts.signature) } : {}) });
          if (opts.json) return io.out(JSON.stringify(image));
          io.out(`Imported firmware ${image.version}: ${image.sizeBytes} bytes, sha256 ${image.sha256}`);
          io.out(`Signed by ${image.signer.fingerprint}${image.signer.comment ? ` (${image.signer.comment})` : ''} with ${image.signatureHash}`);
        });
      }),
    );

  firmware
    .command('list')
    .description('The images in the store')
    .addOption(dataDirOption())
    .option('--json', 'the images as one JSON array', false)
    .action(
      action(io, 'firmware list', async (opts: { json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ api }) => {
          const images = await api.firmware.list({});
          if (opts.json) return io.out(JSON.stringify(images));
          if (images.length === 0) return io.out('The image store is empty (fleetdeck firmware import FILE --signature FILE.sig).');
          io.out(`${pad('VERSION', 16)} ${pad('SIZE', 12)} ${pad('SHA256', 18)} SIGNER`);
          for (const i of images) io.out(imageLine(i));
        });
      }),
    );

  firmware
    .command('remove')
    .description('Remove an image from the store')
    .argument('<version>')
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(
      action(io, 'firmware remove', async (version: string, opts: { json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ api }) => {
          const r = await api.firmware.remove({ version });
          if (opts.json) return io.out(JSON.stringify({ version, ...r }));
          io.out(`Removed firmware ${version}.`);
        });
      }),
    );

  firmware
    .command('keys')
    .description('The trusted release keys')
    .addOption(dataDirOption())
    .option('--json', 'the keys as one JSON array', false)
    .action(
      action(io, 'firmware keys', async (opts: { json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ api }) => {
          const keys = await api.firmware.keys({});
          if (opts.json) return io.out(JSON.stringify(keys));
          if (keys.length === 0) return io.out('No release key is trusted yet (fleetdeck firmware trust-key KEY.pub).');
          for (const k of keys) io.out(`${k.fingerprint}  ${pad(k.comment, 24)} trusted ${k.trustedAt} by ${k.trustedBy}`);
        });
      }),
    );

  firmware
    .command('trust-key')
    .description('Trust a release key: images signed with it may be imported (audited)')
    .argument('<key.pub>', 'an ed25519 OpenSSH public key file')
    .addOption(dataDirOption())
    .option('--json', 'the key as JSON', false)
    .action(
      action(io, 'firmware trust-key', async (file: string, opts: { json: boolean }, cmd: Command) => {
        const text = await readText(file, 'public key file');
        await withEngine(cmd, async ({ api }) => {
          const key = await api.firmware.trustKey({ publicKey: text });
          if (opts.json) return io.out(JSON.stringify(key));
          io.out(`Trusted release key ${key.fingerprint}${key.comment ? ` (${key.comment})` : ''}.`);
        });
      }),
    );

  firmware
    .command('untrust-key')
    .description('Stop trusting a release key (audited); images it signed stay but are shown as no longer trusted')
    .argument('<key>', 'the key file (KEY.pub) or its fingerprint (SHA256:…)')
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(
      action(io, 'firmware untrust-key', async (key: string, opts: { json: boolean }, cmd: Command) => {
        let fingerprint = key;
        if (!key.startsWith('SHA256:')) {
          try {
            fingerprint = parseReleaseKey(await readText(key, 'public key file')).fingerprint;
          } catch (err) {
            if (err instanceof SignatureError) throw new UsageError(err.message);
            throw err;
          }
        }
        await withEngine(cmd, async ({ api }) => {
          const r = await api.firmware.untrustKey({ fingerprint });
          if (opts.json) return io.out(JSON.stringify({ fingerprint, ...r }));
          io.out(`No longer trusting ${fingerprint}.`);
        });
      }),
    );

  return firmware;
}
