/**
 * The firmware image store through the engine's API and the real `fleetdeck firmware` CLI:
 * images signed with the real `ssh-keygen -Y sign`, keys trusted and untrusted (audited), each
 * refusal (unsigned, bad signature, untrusted signer, not an image) with its sentence and nothing
 * left behind, and what the store holds on disk is what was signed.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../api/client';
import { buildFirmwareImage } from '../appliance/image';
import { FleetError } from '../kit/errors';
import { createEngine, type Engine } from '../engine';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import { runFleetdeck } from '../../tests/support/cli';
import { tempDir } from '../../tests/support/temp-dir';
import { refusalOf } from '../../tests/support/refusal';

const KEYGEN = '/usr/bin/ssh-keygen';
const missing = !existsSync(KEYGEN);
if (missing) console.log(`SKIPPED: firmware store: ${KEYGEN} missing (apt-get install openssh-client)`);

let root = '';
let dataDir = '';
let engine: Engine;
let api: ApiClient['api'];

const file = (name: string) => join(root, name);
function keygen(name: string): string {
  execFileSync(KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', `${name}@releng`, '-f', file(name)]);
  return readFileSync(`${file(name)}.pub`, 'utf8');
}
function makeImage(version: string, bytes = 200_000): string {
  const path = file(`fw-${version}.img`);
  writeFileSync(path, buildFirmwareImage(version, randomBytes(bytes)));
  return path;
}
function sign(key: string, path: string): string {
  rmSync(`${path}.sig`, { force: true });
  execFileSync(KEYGEN, ['-Y', 'sign', '-n', 'fleetdeck-firmware', '-f', file(key), path], { stdio: 'pipe' });
  return `${path}.sig`;
}
const storeFiles = () => (existsSync(join(dataDir, 'firmware', 'images')) ? readdirSync(join(dataDir, 'firmware', 'images')).sort() : []);

describe.skipIf(missing)('firmware image store', () => {
  let releasePub = '';
  beforeAll(async () => {
    root = tempDir('fleetdeck-firmware-');
    dataDir = join(root, 'data');
    releasePub = keygen('release');
    keygen('intruder');
    engine = createEngine({ dataDir, host: 'test', vault: await openNodeVault(dataDir, { env: {} }), log: silentLogger, checkOutputs: true });
    api = engine.client({ actor: 'test:alice' }).api;
  });
  afterAll(() => {
    engine?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('refuses every image while no release key is trusted, naming the signer', async () => {
    const img = makeImage('26.2.0');
    sign('release', img);
    const f = await refusalOf(api.firmware.import({ path: img }));
    expect(f.code).toBe('E_SIGNATURE');
    expect(f.message).toMatch(/^Untrusted signer: .*SHA256:/);
    expect(f.details).toMatchObject({ reason: 'untrusted' });
    expect(storeFiles()).toEqual([]);
  });

  it('trusts a key (audited), then imports a signed image with version, size, sha256 and signer', async () => {
    const key = await api.firmware.trustKey({ publicKey: releasePub });
    const printed = execFileSync(KEYGEN, ['-l', '-E', 'sha256', '-f', `${file('release')}.pub`], { encoding: 'utf8' }).split(' ')[1];
    expect(key).toMatchObject({ fingerprint: printed, comment: 'release@releng', trustedBy: 'test:alice' });
    expect((await api.inventory.audit({ limit: 1 }))[0]).toMatchObject({ action: 'firmware.trust-key', actor: 'test:alice', target: `release-key:${printed}` });

    const img = file('fw-26.2.0.img');
    const bytes = readFileSync(img);
    const image = await api.firmware.import({ path: img });
    expect(image).toMatchObject({
      version: '26.2.0',
      sizeBytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      signer: { fingerprint: printed, comment: 'release@releng', trusted: true },
      signatureHash: 'sha512',
      sourceName: 'fw-26.2.0.img',
    });
    expect(storeFiles()).toEqual(['26.2.0.img', '26.2.0.img.sig']);
    expect(readFileSync(join(dataDir, 'firmware', 'images', '26.2.0.img')).equals(bytes)).toBe(true);
    expect((await api.inventory.audit({ limit: 1 }))[0]).toMatchObject({ action: 'firmware.import', target: 'firmware:26.2.0' });
    // The same file again changes nothing.
    expect(await api.firmware.import({ path: img })).toEqual(image);
    expect(await api.firmware.list({})).toEqual([image]);
  });

  it('refuses an unsigned image, a bad signature and a file that is not an image, each with its sentence', async () => {
    const unsigned = makeImage('26.3.0');
    let f = await refusalOf(api.firmware.import({ path: unsigned }));
    expect(f).toMatchObject({ code: 'E_SIGNATURE', details: { reason: 'unsigned' } });
    expect(f.message).toMatch(/^Unsigned image: The image is not signed/);

    // Signed, then one byte of the payload changed.
    const altered = makeImage('26.3.1');
    sign('release', altered);
    const b = readFileSync(altered);
    b[b.length - 10] = b[b.length - 10]! ^ 0xff;
    writeFileSync(altered, b);
    f = await refusalOf(api.firmware.import({ path: altered }));
    expect(f).toMatchObject({ code: 'E_SIGNATURE', details: { reason: 'bad-signature' } });
    expect(f.message).toMatch(/^Bad signature: /);

    // A signature of another image given for this one.
    const other = makeImage('26.3.2');
    f = await refusalOf(api.firmware.import({ path: other, signaturePath: sign('release', file('fw-26.2.0.img')) }));
    expect(f.details).toMatchObject({ reason: 'bad-signature' });

    const intruder = makeImage('26.3.3');
    sign('intruder', intruder);
    f = await refusalOf(api.firmware.import({ path: intruder }));
    expect(f).toMatchObject({ code: 'E_SIGNATURE', details: { reason: 'untrusted' } });

    const notImage = file('notes.txt');
    writeFileSync(notImage, 'hello');
    sign('release', notImage);
    f = await refusalOf(api.firmware.import({ path: notImage }));
    expect(f.code).toBe('E_IMAGE');
    expect(f.message).toMatch(/does not start with OCAIMG/);

    expect((await refusalOf(api.firmware.import({ path: file('nope.img') }))).code).toBe('E_NOT_FOUND');
    expect(storeFiles()).toEqual(['26.2.0.img', '26.2.0.img.sig']);
    expect((await api.firmware.list({})).map((i) => i.version)).toEqual(['26.2.0']);
  });

  it('refuses a different image under a version the store already holds', async () => {
    const path = file('fw-26.2.0-rebuilt.img');
    writeFileSync(path, buildFirmwareImage('26.2.0', randomBytes(1000)));
    sign('release', path);
    expect((await refusalOf(api.firmware.import({ path }))).code).toBe('E_CONFLICT');
  });

  it('refuses hostile images signed by a trusted key (huge header, ../ in the version, checksum, empty), each with a sentence, leaving nothing', async () => {
    const signed = (name: string, bytes: Buffer) => {
      const path = file(name);
      writeFileSync(path, bytes);
      sign('release', path);
      return path;
    };
    const header = (h: Record<string, unknown>) => Buffer.from(`OCAIMG/1 ${JSON.stringify(h)}\n`);
    const payload = randomBytes(1000);
    const sha = createHash('sha256').update(payload).digest('hex');
    const cases: Array<[string, Buffer, RegExp]> = [
      // A 1 MB header line, and 8 MB with no line end at all.
      ['huge-header.img', Buffer.concat([header({ version: '27.0.0', payloadBytes: 1000, payloadSha256: sha, notes: 'x'.repeat(1024 * 1024) }), payload]), /header line is missing or too long/],
      ['no-newline.img', Buffer.concat([Buffer.from('OCAIMG/1 {"version":"'), Buffer.alloc(8 * 1024 * 1024, 0x41)]), /header line is missing or too long/],
      // A version naming a path out of the store, or the store's folder itself.
      ['dotdot.img', Buffer.concat([header({ version: '../../../etc/cron.d/x', payloadBytes: 1000, payloadSha256: sha }), payload]), /a version is 1-64 letters, digits or \. \+ _ -/],
      ['dots.img', Buffer.concat([header({ version: '..', payloadBytes: 1000, payloadSha256: sha }), payload]), /a version is 1-64 letters/],
      // The payload's checksum is not the header's; the length is not the header's.
      ['checksum.img', Buffer.concat([header({ version: '27.0.1', payloadBytes: 1000, payloadSha256: 'a'.repeat(64) }), payload]), /payload checksum does not match the header/],
      ['short.img', Buffer.concat([header({ version: '27.0.2', payloadBytes: 2000, payloadSha256: sha }), payload]), /the payload is 1000 bytes but the header says 2000/],
      ['astronomic.img', Buffer.concat([header({ version: '27.0.3', payloadBytes: 1e300, payloadSha256: sha }), payload]), /is not a valid firmware image: the (payload is 1000 bytes|image header is incomplete)/],
      ['empty.img', Buffer.alloc(0), /does not start with OCAIMG/],
    ];
    for (const [name, bytes, sentence] of cases) {
      const f = await refusalOf(api.firmware.import({ path: signed(name, bytes) }));
      expect(f.code, name).toBe('E_IMAGE');
      expect(f.message, name).toMatch(sentence);
      // One sentence, not the hostile header echoed back.
      expect(f.message.length, name).toBeLessThan(400);
    }
    expect(storeFiles()).toEqual(['26.2.0.img', '26.2.0.img.sig']);
    expect((await api.firmware.list({})).map((i) => i.version)).toEqual(['26.2.0']);
  });

  it('refuses to stage a stored image whose file changed on disk since the import, before connecting to the appliance', async () => {
    // Nothing listens here: a stage that got as far as the appliance fails E_UNREACHABLE.
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    await api.net.generateFleetKey({ comment: 'fleetdeck-test' });
    const route = { target: { label: 'FW-STAGE-1', host: '127.0.0.1', port: closed, username: 'oca' }, via: [] };
    const stage = () =>
      engine.firmware.stageOn(engine.net.sharedPool(), route, '26.2.0', '/var/lib/oca/staging').then(
        () => ({ code: 'staged', message: '' }),
        (err: unknown) => ({ code: err instanceof FleetError ? err.code : String(err), message: err instanceof Error ? err.message : '' }),
      );
    const stored = join(dataDir, 'firmware', 'images', '26.2.0.img');
    const original = readFileSync(stored);
    try {
      // The intact file passes the check and goes on to the appliance.
      expect((await stage()).code).toBe('E_UNREACHABLE');
      // Same size, one byte changed; cut short; emptied.
      const flipped = Buffer.from(original);
      flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 0xff;
      for (const [bytes, sentence] of [
        [flipped, /does not match its recorded sha256/],
        [original.subarray(0, 1000), /is 1000 bytes, not \d+/],
        [Buffer.alloc(0), /is 0 bytes, not \d+/],
      ] as const) {
        writeFileSync(stored, bytes);
        const f = await stage();
        expect(f.code).toBe('E_IMAGE');
        expect(f.message).toMatch(sentence);
        expect(f.message).toMatch(/nothing was staged/);
      }
    } finally {
      writeFileSync(stored, original);
    }
    expect((await stage()).code).toBe('E_UNREACHABLE');
  });

  it('the CLI imports, lists, untrusts and removes, with one-line refusals', async () => {
    const img = makeImage('26.4.0');
    const sig = sign('release', img);
    const moved = file('elsewhere.sig');
    writeFileSync(moved, readFileSync(sig));
    rmSync(sig);
    engine.close();
    try {
      let run = await runFleetdeck(dataDir, ['firmware', 'import', img]);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe('fleetdeck firmware import: Unsigned image: The image is not signed: sign it with ssh-keygen -Y sign -n fleetdeck-firmware -f KEY IMAGE and give the .sig file. (E_SIGNATURE)');
      run = await runFleetdeck(dataDir, ['firmware', 'import', img, '--signature', moved, '--json']);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(run.stdout)).toMatchObject({ version: '26.4.0', signer: { comment: 'release@releng' } });

      run = await runFleetdeck(dataDir, ['firmware', 'untrust-key', `${file('release')}.pub`]);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      run = await runFleetdeck(dataDir, ['firmware', 'list']);
      expect(run.stdout).toMatch(/26\.4\.0 .*NO LONGER TRUSTED/);
      run = await runFleetdeck(dataDir, ['firmware', 'remove', '26.4.0']);
      expect(run).toMatchObject({ code: 0, stdout: 'Removed firmware 26.4.0.\n' });
      run = await runFleetdeck(dataDir, ['firmware', 'list', '--json']);
      expect((JSON.parse(run.stdout) as { version: string }[]).map((i) => i.version)).toEqual(['26.2.0']);
    } finally {
      engine = createEngine({ dataDir, host: 'test', vault: await openNodeVault(dataDir, { env: {} }), log: silentLogger, checkOutputs: true });
      api = engine.client({ actor: 'test:alice' }).api;
    }
    const audit = await api.inventory.audit({ limit: 3 });
    expect(audit.map((a) => a.action)).toEqual(['firmware.remove', 'firmware.untrust-key', 'firmware.import']);
    expect(audit[1]!.actor).toMatch(/^cli:/);
    expect(storeFiles()).toEqual(['26.2.0.img', '26.2.0.img.sig']);
  });
});
