/**
 * The terminal and the staging file browser end to end: a real `fleetdeck serve`, Debian's Chromium
 * driven by Playwright, xterm.js in the page. Against the lab (ssh2 servers on loopback): open a
 * terminal on the appliance page, type a command and see its output, resize the box and see the
 * pty's size follow, broadcast a line to two terminals only after the confirmation, upload / list /
 * download a file and see a bad name refused. Against the reference agent behind Debian's OpenSSH
 * sshd (its restricted shell as ForceCommand): the same terminal, typed into. No CSP violation
 * is reported by the page throughout.
 */
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumAvailable, chromiumSkipReason } from './support/browser';
import type { ServedApp } from './support/serve';
import { openAppSession, type AppSession } from './support/session';
import { withDataDirEngine } from '../support/cli';
import { startSshd, sshdUnavailable, type RunningSshd } from '../support/sshd';
import { initAgent } from '../../main/lab/agent/store';
import { generateEd25519 } from '../../main/keys/openssh-keygen';
import { fingerprintOf } from '../../main/keys/host-key';
import ssh2 from 'ssh2';
import { tempDir } from '../support/temp-dir';

if (!chromiumAvailable) console.log(`SKIPPED: terminal end-to-end tests - ${chromiumSkipReason}`);
const ROOT = resolve(import.meta.dirname, '../..');

interface Listed {
  serial: string;
  hostname: string;
}

/** The text xterm.js shows (its DOM renderer's rows), with the non-breaking spaces it draws as spaces. */
async function screenText(page: Page, scope = page.getByTestId('terminal-view').first()): Promise<string> {
  return (await scope.locator('.xterm-rows').innerText()).replace(/\u00a0/g, ' ');
}

async function waitForScreen(page: Page, pattern: RegExp, scope = page.getByTestId('terminal-view').first(), timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await screenText(page, scope);
    if (pattern.test(text)) return text;
    await page.waitForTimeout(100);
  }
  await page.screenshot({ path: '/tmp/terminal-e2e-failure.png' }).catch(() => undefined);
  throw new Error(`${pattern} did not show in the terminal; it shows:\n${text}`);
}

function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (apply|execute|load)/i.test(m.text())) violations.push(m.text());
  });
  return violations;
}

describe.skipIf(!chromiumAvailable)('terminal and staging files against the lab (Playwright + Chromium)', () => {
  let session: AppSession;
  let app: ServedApp;
  let page: Page;
  let fleet: Listed[] = [];
  let csp: string[] = [];

  const go = async (hash: string) => {
    await page.evaluate((h) => ((globalThis as unknown as { location: { hash: string } }).location.hash = h), hash);
  };

  beforeAll(async () => {
    session = await openAppSession({
      timeoutMs: 20_000,
      stopLab: true,
      prepare: (served) => {
        app = served;
        const started = app.cli(['lab', 'start', '--appliances', '3', '--sites', '1']);
        if (started.status !== 0) throw new Error(started.stderr);
        fleet = (JSON.parse(app.cli(['inventory', 'list', '--json']).stdout) as { items: Listed[] }).items;
      },
    });
    page = session.page;
    csp = watchCsp(page);
    await page.getByTestId('nav-terminals').waitFor();
  }, 120_000);

  afterAll(() => session?.close());

  it('opens a terminal on the appliance page, runs a command, and follows a resize', async () => {
    const a = fleet[0]!;
    await go(`#/appliances/${a.serial}`);
    await page.getByTestId('open-terminal').click();
    const view = page.getByTestId('terminal-view').first();
    await view.scrollIntoViewIfNeeded();
    await waitForScreen(page, /restricted appliance shell/);
    await view.getByTestId('terminal-box').click();
    await page.keyboard.type('ocactl status');
    await page.keyboard.press('Enter');
    await waitForScreen(page, new RegExp(`"serial":"${a.serial}"`));
    await page.keyboard.type('ls /etc');
    await page.keyboard.press('Enter');
    await waitForScreen(page, /only \/var\/lib\/ocactl\/staging and \/var\/log can be listed here/);

    const before = { cols: Number(await view.getAttribute('data-cols')), rows: Number(await view.getAttribute('data-rows')) };
    await view.getByTestId('terminal-box').evaluate((el) => {
      (el as unknown as { style: { height: string } }).style.height = '220px';
    });
    await page.setViewportSize({ width: 900, height: 900 });
    await expect.poll(async () => Number(await view.getAttribute('data-rows')), { timeout: 10_000 }).toBeLessThan(before.rows);
    await expect.poll(async () => Number(await view.getAttribute('data-cols')), { timeout: 10_000 }).toBeLessThan(before.cols);
    // The appliance's pty has the new size.
    const size = `${await view.getAttribute('data-rows')} ${await view.getAttribute('data-cols')}`;
    await view.getByTestId('terminal-box').click();
    await page.keyboard.type('stty size');
    await page.keyboard.press('Enter');
    await waitForScreen(page, new RegExp(`stty size\\s*\\n${size}\\s*\\n`));
    await page.setViewportSize({ width: 1400, height: 900 });
    expect(csp).toEqual([]);
  });

  it('keeps Tab for the shell, and lets a keyboard user leave with Escape then Tab (the hint says so)', async () => {
    const view = page.getByTestId('terminal-view').first();
    const box = view.getByTestId('terminal-box');
    await expect.poll(() => view.getByTestId('terminal-leave-hint').textContent()).toMatch(/Esc then Tab leaves the terminal/);
    // Which Tabs xterm.js took for the shell (it cancels the keys it sends, and stops them there) and
    // which it left to the page: each Tab's event caught on its way down, read after it was handled.
    await page.evaluate(() => {
      const w = globalThis as unknown as { tabs: { defaultPrevented: boolean }[]; addEventListener: (t: string, f: (e: { key: string; defaultPrevented: boolean }) => void, capture: boolean) => void };
      w.tabs = [];
      w.addEventListener('keydown', (e) => {
        if (e.key === 'Tab') w.tabs.push(e);
      }, true);
    });
    const tabsTaken = () => page.evaluate(() => (globalThis as unknown as { tabs: { defaultPrevented: boolean }[] }).tabs.map((e) => e.defaultPrevented));
    const inTerminal = () => box.evaluate((el) => el.contains((el.ownerDocument as unknown as { activeElement: unknown }).activeElement as never));
    await box.click();
    expect(await inTerminal()).toBe(true);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await inTerminal()).toBe(true);
    expect(await tabsTaken()).toEqual([true, true]);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    await expect.poll(inTerminal, { timeout: 5_000 }).toBe(false);
    expect(await tabsTaken()).toEqual([true, true, false]);
    // and back in, Shift+Tab after Escape leaves backwards, to the terminal's own buttons
    await box.click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Shift+Tab');
    await expect.poll(inTerminal, { timeout: 5_000 }).toBe(false);
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement?.textContent)).toMatch(/Close|Paste|Copy/);
  });

  it('broadcasts a line to the terminals ticked, after a confirmation naming each', async () => {
    const [one, two] = [fleet[1]!, fleet[2]!];
    await go('#/terminals');
    for (const a of [one, two]) {
      await page.getByTestId('terminals-serial').fill(a.serial);
      await page.getByTestId('terminals-serial').press('Enter');
      await page.locator(`[data-testid="terminal-tab"][data-serial="${a.serial}"]`).waitFor();
      await waitForScreen(page, /\$\s*$/);
    }
    await page.locator(`[data-testid="broadcast-target"][data-serial="${one.serial}"]`).check();
    await page.locator(`[data-testid="broadcast-target"][data-serial="${two.serial}"]`).check();
    await page.getByTestId('broadcast-line').fill('hostname');
    await page.getByTestId('broadcast-line').press('Enter');
    const dialog = page.getByTestId('broadcast-confirm');
    await dialog.waitFor();
    expect(await page.getByTestId('broadcast-list').innerText()).toContain(one.serial);
    expect(await page.getByTestId('broadcast-list').innerText()).toContain(two.serial);
    expect(await page.getByTestId('broadcast-send').isDisabled()).toBe(true);
    await page.getByTestId('broadcast-count').fill('1');
    expect(await page.getByTestId('broadcast-send').isDisabled()).toBe(true);
    await page.getByTestId('broadcast-count').fill('2');
    await page.getByTestId('broadcast-send').click();
    for (const a of [one, two]) {
      await page.locator(`[data-testid="terminal-tab"][data-serial="${a.serial}"]`).click();
      await waitForScreen(page, new RegExp(`hostname\\s*\\n${a.hostname.replace(/\./g, '\\.')}`));
    }
    expect(csp).toEqual([]);
  });

  it('uploads with progress, lists and downloads staging files; a bad name is refused with a sentence', async () => {
    const a = fleet[0]!;
    await go(`#/appliances/${a.serial}`);
    await page.getByTestId('toggle-files').click();
    const body = Buffer.alloc(1_300_000, 7);
    // Record every progress line the page shows while the upload runs (it is quick on loopback).
    await page.evaluate(() => {
      const g = globalThis as unknown as { progressSeen: string[]; document: { body: unknown; querySelector(s: string): { textContent: string } | null }; MutationObserver: new (cb: () => void) => { observe(n: unknown, o: object): void } };
      g.progressSeen = [];
      new g.MutationObserver(() => {
        const el = g.document.querySelector('[data-testid="files-progress"]');
        if (el) g.progressSeen.push(el.textContent);
      }).observe(g.document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByTestId('files-upload').setInputFiles({ name: 'site-notes.bin', mimeType: 'application/octet-stream', buffer: body });
    await page.locator('[data-testid="files-row"][data-name="site-notes.bin"]').waitFor();
    const progress = await page.evaluate(() => (globalThis as unknown as { progressSeen: string[] }).progressSeen);
    expect(progress.some((p) => /Uploading site-notes\.bin: 512 KiB of 1\.2 MiB/.test(p)), progress.join(' / ')).toBe(true);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-testid="files-row"][data-name="site-notes.bin"]').getByTestId('files-download').click(),
    ]);
    const saved = await download.path();
    expect(readFileSync(saved!).equals(body)).toBe(true);
    await page.getByTestId('files-upload').setInputFiles({ name: 'bad name;rm -rf.txt', mimeType: 'text/plain', buffer: Buffer.from('x') });
    await expect.poll(async () => (await page.getByTestId('toast').allInnerTexts()).join('\n')).toMatch(/is not a plain file name in \/var\/lib\/ocactl\/staging/);
    expect(await page.locator('[data-testid="files-row"][data-name="bad name;rm -rf.txt"]').count()).toBe(0);
    // The logs: listed and downloaded, nothing to upload with (their contents: main/terminal/service.test.ts).
    await page.getByTestId('files-area-logs').click();
    await page.locator('[data-testid="files-row"][data-name="ocactl.log"]').waitFor();
    await page.getByTestId('files-read-only').waitFor();
    expect(await page.getByTestId('files-upload').count()).toBe(0);
    const [log] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-testid="files-row"][data-name="ocactl.log"]').getByTestId('files-download').click(),
    ]);
    expect(log.suggestedFilename()).toBe('ocactl.log');
    // One line per log entry, as the restricted shell's `cat` prints them (a quiet appliance may have none yet).
    for (const line of readFileSync((await log.path())!, 'utf8').split('\n').filter(Boolean)) expect(line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z (INFO |WARN |ERROR) \S+: /);
    await page.getByTestId('files-area-staging').click();
    await page.locator('[data-testid="files-row"][data-name="site-notes.bin"]').waitFor();
    expect(csp).toEqual([]);
  });
});

const sshdSkip = !chromiumAvailable ? chromiumSkipReason : sshdUnavailable();
if (chromiumAvailable && sshdSkip) console.log(`SKIPPED: terminal on the reference agent behind OpenSSH - ${sshdSkip}`);

describe.skipIf(sshdSkip !== null)('terminal on the reference agent behind OpenSSH sshd (Playwright + Chromium)', () => {
  let session: AppSession;
  let sshd: RunningSshd;
  let dir = '';
  const serial = 'AGT-E2E';

  beforeAll(async () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts/build-cli.mjs'), '--if-stale'], { stdio: 'pipe' });
    dir = tempDir('fleetdeck-e2e-agent-');
    const stateDir = join(dir, 'ocactl');
    initAgent(stateDir, { serial });
    const host = generateEd25519('e2e-agent-host');
    const parsed = ssh2.utils.parseKey(host.publicKey);
    if (parsed instanceof Error) throw parsed;
    const hostFingerprint = fingerprintOf((Array.isArray(parsed) ? parsed[0]! : parsed).getPublicSSH());
    session = await openAppSession({
      timeoutMs: 20_000,
      prepare: async (served) => {
        const fleetKey = await withDataDirEngine(served.dataDir, async (engine) => {
          const client = engine.client({ actor: 'test' });
          const key = await client.api.net.generateFleetKey({ comment: 'e2e' });
          await client.api.inventory.upsertSite({ code: 'AGT1', partner: 'Agent Test', asn: 64512, name: 'Agent site', city: 'Lab', country: 'DE', latitude: 50, longitude: 8, timezone: 'Europe/Berlin', maintenanceWindow: '02:00-04:00', fillWindow: '03:00-05:00' });
          return key.publicKey;
        });
        sshd = await startSshd({
          hostKey: host.privateKey,
          authorizedKeys: [fleetKey],
          env: { PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, OCACTL_STATE_DIR: stateDir },
          config: [`ForceCommand ${join(ROOT, 'resources/agent/ocactl-shell')}`],
        });
        await withDataDirEngine(served.dataDir, async (engine) => {
          const client = engine.client({ actor: 'test' });
          await client.api.net.updateSettings({ username: sshd.user });
          await client.api.inventory.createAppliance({
            serial, hostname: 'agent.e2e.test', site: 'AGT1', model: 'storage', ipv4: '127.0.0.1', ipv6: null, sshPort: sshd.port, apiPort: 443,
            storageTb: 100, nicGbps: 10, firmware: '26.1.0', status: 'online', tags: [], notes: '',
          });
          await client.api.inventory.updateAppliance({ serial, patch: { hostKeyFingerprint: hostFingerprint } });
        });
      },
    });
  }, 120_000);

  afterAll(async () => {
    await session?.close();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens the agent\'s restricted shell through sshd, types a command and sees its output', async () => {
    const page = session.page;
    const csp = watchCsp(page);
    await page.evaluate((h) => ((globalThis as unknown as { location: { hash: string } }).location.hash = h), `#/appliances/${serial}`);
    await page.getByTestId('open-terminal').click();
    await waitForScreen(page, /restricted appliance shell[\s\S]*\$/);
    await page.getByTestId('terminal-box').first().click();
    await page.keyboard.type('ocactl status');
    await page.keyboard.press('Enter');
    await waitForScreen(page, new RegExp(`"serial":"${serial}"`));
    await page.keyboard.type('sh');
    await page.keyboard.press('Enter');
    await waitForScreen(page, /sh: not available in this restricted shell/);
    expect(csp).toEqual([]);
  });
});
