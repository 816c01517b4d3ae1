/**
 * The firmware images screen end to end: a real `fleetdeck serve`, Debian's Chromium, release keys
 * and signatures made with the real `ssh-keygen -Y sign`, images made by `fleetdeck lab make-image`.
 * Trust a key by pasting its line; an unsigned image, a bad signature and an untrusted signer are
 * each refused with the sentence that says which (and nothing lands in the store); a good image and
 * its .sig dropped on the screen are imported with version, size, sha256 and signer; remove and
 * untrust ask first and are done by the engine (the CLI sees it).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumAvailable, chromiumSkipReason } from './support/browser';
import { openAppSession, type AppSession } from './support/session';
import { formatBytes } from '../../renderer/src/ui/format';

const KEYGEN = '/usr/bin/ssh-keygen';
const ready = chromiumAvailable && existsSync(KEYGEN);
if (!chromiumAvailable) console.log(`SKIPPED: firmware end-to-end tests - ${chromiumSkipReason}`);
else if (!existsSync(KEYGEN)) console.log(`SKIPPED: firmware end-to-end tests - ${KEYGEN} missing (apt-get install openssh-client)`);

describe.skipIf(!ready)('firmware images screen (Playwright + Chromium, real ssh-keygen signatures)', () => {
  let s: AppSession;
  let page: Page;
  let dir = '';
  const file = (name: string) => join(dir, name);
  const cli = (args: string[]) => {
    const r = s.app.cli(args);
    if (r.status !== 0) throw new Error(`fleetdeck ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const keygen = (name: string) => execFileSync(KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', `${name}@releng`, '-f', file(name)]);
  const sign = (key: string, path: string) => {
    rmSync(`${path}.sig`, { force: true });
    execFileSync(KEYGEN, ['-Y', 'sign', '-n', 'fleetdeck-firmware', '-f', file(key), path], { stdio: 'pipe' });
  };
  const makeImage = (version: string) => {
    const path = file(`fw-${version}.img`);
    cli(['lab', 'make-image', version, '--out', path, '--size', '300000']);
    return path;
  };
  const pick = async (image: string, signature?: string) => {
    await page.getByTestId('firmware-image-file').setInputFiles(image);
    await page.getByTestId('firmware-signature-file').setInputFiles(signature ? [signature] : []);
  };
  const refusal = async () => {
    await page.getByTestId('firmware-import').click();
    const problem = page.getByTestId('firmware-problem');
    await problem.waitFor();
    return problem.innerText();
  };
  /** Drop files on the drop zone as a person dragging them from a file manager would. */
  const drop = async (paths: string[]) => {
    const files = paths.map((p) => ({ name: basename(p), base64: readFileSync(p).toString('base64') }));
    // The page's own DataTransfer and File (this file is typed for Node, without the DOM library).
    const transfer = await page.evaluateHandle(`(() => {
      const dt = new DataTransfer();
      for (const f of ${JSON.stringify(files)}) dt.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name));
      return dt;
    })()`);
    await page.getByTestId('firmware-drop').dispatchEvent('dragover', { dataTransfer: transfer });
    await page.getByTestId('firmware-drop').dispatchEvent('drop', { dataTransfer: transfer });
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetdeck-fw-e2e-'));
    keygen('release');
    keygen('intruder');
    s = await openAppSession({ timeoutMs: 15_000 });
    page = s.page;
    await page.getByTestId('nav-firmware').click();
    await page.getByTestId('release-keys-none').waitFor();
  }, 60_000);

  afterAll(async () => {
    await s?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('trusts a release key pasted as its public key line', async () => {
    await page.getByTestId('release-key-text').fill(readFileSync(`${file('release')}.pub`, 'utf8'));
    await page.getByTestId('release-key-trust').click();
    const row = page.getByTestId('release-key-row');
    await row.waitFor();
    const printed = execFileSync(KEYGEN, ['-l', '-E', 'sha256', '-f', `${file('release')}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
    expect(await row.getAttribute('data-fingerprint')).toBe(printed);
    expect(await row.innerText()).toContain('release@releng');
    expect(JSON.parse(cli(['firmware', 'keys', '--json']))).toMatchObject([{ fingerprint: printed }]);
  });

  it('refuses an unsigned image, a bad signature and an untrusted signer, each with its sentence', async () => {
    const image = makeImage('26.3.0');
    await pick(image);
    expect(await refusal()).toMatch(/^Unsigned image/);

    // A signature of another image: the pair does not belong together.
    const other = makeImage('26.3.1');
    sign('release', other);
    await pick(image, `${other}.sig`);
    expect(await refusal()).toMatch(/^Bad signature/);

    sign('intruder', image);
    await pick(image, `${image}.sig`);
    const untrusted = await refusal();
    expect(untrusted).toMatch(/^Untrusted signer/);
    const intruderFp = execFileSync(KEYGEN, ['-l', '-E', 'sha256', '-f', `${file('intruder')}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
    expect(untrusted).toContain(intruderFp);

    expect(await page.getByTestId('firmware-none').isVisible()).toBe(true);
    expect(JSON.parse(cli(['firmware', 'list', '--json']))).toEqual([]);
  });

  it('imports a good image and its signature dropped on the screen, with version, size, sha256 and signer', async () => {
    const image = makeImage('26.4.0');
    sign('release', image);
    await drop([`${image}.sig`, image]);
    await expect.poll(() => page.getByTestId('firmware-picked').innerText()).toContain('fw-26.4.0.img.sig');
    await page.getByTestId('firmware-import').click();
    await page.getByTestId('firmware-imported').waitFor();
    const row = page.locator('[data-testid="firmware-image-row"][data-version="26.4.0"]');
    await row.waitFor();
    const sha256 = createHash('sha256').update(readFileSync(image)).digest('hex');
    expect(await row.locator('td').nth(2).getAttribute('title')).toBe(sha256);
    expect(await row.innerText()).toContain('release@releng');
    const size = statSync(image).size;
    expect(await row.locator('td').nth(1).innerText()).toBe(formatBytes(size, 'binary'));
    expect(JSON.parse(cli(['firmware', 'list', '--json']))).toMatchObject([{ version: '26.4.0', sha256, sizeBytes: size }]);
  });

  it('untrusts a key after confirming (its images are marked) and removes an image after confirming', async () => {
    await page.getByTestId('release-key-untrust').click();
    await page.getByTestId('release-key-untrust-confirm').click();
    await page.getByTestId('release-keys-none').waitFor();
    await page.getByTestId('firmware-untrusted').waitFor();

    await page.getByTestId('firmware-remove').click();
    await page.getByTestId('firmware-remove-dialog').waitFor();
    await page.getByTestId('firmware-remove-confirm').click();
    await page.getByTestId('firmware-none').waitFor();
    expect(JSON.parse(cli(['firmware', 'list', '--json']))).toEqual([]);
    expect(JSON.parse(cli(['firmware', 'keys', '--json']))).toEqual([]);
  });
});
