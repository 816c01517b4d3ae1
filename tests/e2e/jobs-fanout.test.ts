/**
 * Fan-out and host-key trust end to end, as a field engineer would use them: a real `fleetdeck
 * serve`, a real lab of 40 appliances (ssh2 servers on loopback), Debian's Chromium driven by
 * Playwright. Run `ocactl status` on a filtered table (blast radius per site first), watch progress,
 * cancel a slow job mid-way (results kept), retry only the rest; a rotated host key is refused and
 * raises an alert with both fingerprints, trusted only after confirmation; a first contact shows
 * the fingerprint and is trusted from the job's results.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumAvailable, chromiumSkipReason } from './support/browser';
import { openLabSession, type LabSession } from './support/session';
import { runFleetdeck, withDataDirEngine } from '../support/cli';

if (!chromiumAvailable) console.log(`SKIPPED: jobs fan-out end-to-end tests - ${chromiumSkipReason}`);

interface Listed {
  serial: string;
  site: string;
  partner: string;
  hostKeyFingerprint: string | null;
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

describe.skipIf(!chromiumAvailable)('fan-out jobs and host keys in the browser host (Playwright + Chromium)', () => {
  let session: LabSession;
  let page: Page;
  let fleet: Listed[] = [];
  let bySite = new Map<string, Listed[]>();
  let sites: string[] = [];

  const cli = (args: string[]) => session.cli(args);
  const go = async (hash: string) => {
    // The page's own location (this file is typed for Node, without the DOM library).
    await page.evaluate((h) => ((globalThis as unknown as { location: { hash: string } }).location.hash = h), hash);
  };
  const attr = (testId: string, name: string) => page.getByTestId(testId).first().getAttribute(name);
  const jobIdFromUrl = () => Number(/#\/jobs\/(\d+)/.exec(page.url())?.[1] ?? NaN);
  const listed = (serial: string) => JSON.parse(cli(['inventory', 'list', '--json', '--text', serial])).items[0] as Listed;

  /** Open the run dialog from the current screen, choose `ocactl status`, review. */
  async function composeStatus(concurrency?: number) {
    await page.getByTestId('run-command').click();
    await page.getByTestId('run-dialog').waitFor();
    await page.getByTestId('command-preset').selectOption('status');
    if (concurrency !== undefined) await page.getByTestId('run-concurrency').fill(String(concurrency));
    await page.getByTestId('run-review').click();
    await page.getByTestId('blast-radius').waitFor();
  }

  beforeAll(async () => {
    session = await openLabSession({
      appliances: 40,
      sites: 4,
      timeoutMs: 20_000,
      prepare: ({ cli }) => {
        fleet = (JSON.parse(cli(['inventory', 'list', '--json', '--limit', '100'])) as { items: Listed[] }).items;
        for (const a of fleet) bySite.set(a.site, [...(bySite.get(a.site) ?? []), a]);
        bySite = new Map([...bySite].map(([site, list]) => [site, list.sort((x, y) => x.serial.localeCompare(y.serial))]));
        sites = [...bySite.keys()].sort();
      },
    });
    page = session.page;
    await page.getByTestId('nav-jobs').waitFor();
  });

  afterAll(() => session?.close());

  it('runs ocactl status on a filtered table after showing its blast radius per site', async () => {
    expect(fleet).toHaveLength(40);
    expect(sites).toHaveLength(4);
    const [siteA, siteB] = sites as [string, string];
    const expected = bySite.get(siteA)!.length + bySite.get(siteB)!.length;

    await go(`#/appliances?site=${siteA}&site=${siteB}`);
    await expect.poll(() => attr('appliance-table', 'data-total')).toBe(String(expected));
    await composeStatus();

    expect(await attr('blast-radius', 'data-total')).toBe(String(expected));
    const shown = await page.getByTestId('blast-site').evaluateAll((els) => els.map((e) => [e.getAttribute('data-site'), e.getAttribute('data-count')]));
    expect(Object.fromEntries(shown)).toEqual({ [siteA]: String(bySite.get(siteA)!.length), [siteB]: String(bySite.get(siteB)!.length) });
    const partners = await page.getByTestId('blast-partner').evaluateAll((els) => els.map((e) => e.getAttribute('data-partner')));
    expect(partners.sort()).toEqual([...new Set([siteA, siteB].map((s) => bySite.get(s)![0]!.partner))].sort());
    expect(await page.getByTestId('review-command').textContent()).toBe('ocactl status');
    expect(await page.getByTestId('confirm-run').textContent()).toBe(`Run on ${expected} appliances`);

    await page.getByTestId('confirm-run').click();
    await page.getByTestId('job-detail').waitFor();
    await expect.poll(() => attr('job-state', 'data-state'), { timeout: 30_000 }).toBe('done');
    expect(await attr('job-progress', 'data-ok')).toBe(String(expected));
    expect(await attr('job-progress', 'data-done')).toBe(String(expected));
    await expect.poll(() => attr('job-summary', 'data-passed')).toBe(String(expected));
    expect(await attr('job-summary', 'data-failed')).toBe('0');
    await expect.poll(() => page.getByTestId('job-result').evaluateAll((rows) => rows.every((r) => r.getAttribute('data-state') === 'ok') && rows.length > 0)).toBe(true);
    // Nothing to retry: every appliance passed, and no retry button is offered.
    await page.getByTestId('job-all-passed').waitFor();
    expect(await page.getByTestId('job-retry-failed').count()).toBe(0);
  });

  it('compares the replies of a finished job by firmware, health and serving state: the drained box is its own row', async () => {
    const site = sites[0]!;
    const members = bySite.get(site)!;
    const odd = members[1]!.serial;
    // exec takes the command after `--`, so the data dir goes first (app.cli puts it last).
    const exec = async (args: string[]) => {
      const r = await runFleetdeck(session.app.dataDir, ['exec', ...args]);
      if (r.code !== 0) throw new Error(`fleetdeck exec ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
      return r.stdout;
    };
    await exec(['--serial', odd, '--', 'ocactl', 'drain']);
    try {
      const id = Number(/job (\d+) done/.exec(await exec(['--where', `site=${site}`, '--', 'ocactl', 'status']))![1]);
      await go(`#/jobs/${id}`);
      await page.getByTestId('job-group-by-table').waitFor();
      const rows = () =>
        page.getByTestId('job-group-by-row').evaluateAll((els) => els.map((e) => ({ count: Number(e.getAttribute('data-count')), text: e.textContent ?? '' })));
      // Firmware, health and serving by default: every appliance in one row; the drained one alone.
      await expect.poll(async () => (await rows()).reduce((n, r) => n + r.count, 0)).toBe(members.length);
      const oddRow = (await rows()).find((r) => r.text.includes(odd))!;
      expect(oddRow.count).toBe(1);
      expect(oddRow.text).toMatch(/drain(ing|ed)/);
      // By serving state only: two rows, serving and not.
      await page.getByTestId('group-by-firmware').uncheck();
      await page.getByTestId('group-by-health').uncheck();
      await expect.poll(async () => (await rows()).map((r) => r.count).sort((a, b) => a - b)).toEqual([1, members.length - 1]);
      expect((await rows()).find((r) => r.count === members.length - 1)!.text).toContain('serving');
    } finally {
      await exec(['--serial', odd, '--', 'ocactl', 'undrain']);
    }
  });

  it('shows live progress on a slow job, cancels it mid-way keeping what arrived, and retries only the rest', async () => {
    const site = sites[1]!;
    const members = bySite.get(site)!.map((a) => a.serial);
    // The job runs in serial order, two at a time: the first two answer at once, the rest take seconds each.
    const slow = members.slice(2);
    for (const s of slow) cli(['lab', 'fault', s, 'slow']);

    await go(`#/appliances?site=${site}`);
    await expect.poll(() => attr('appliance-table', 'data-total')).toBe(String(members.length));
    await composeStatus(2);
    expect(await attr('blast-radius', 'data-total')).toBe(String(members.length));
    await page.getByTestId('confirm-run').click();
    await page.getByTestId('job-detail').waitFor();
    const jobId = jobIdFromUrl();

    // Progress arrives live while the job still runs.
    await expect.poll(() => attr('job-progress', 'data-ok'), { timeout: 15_000 }).toBe('2');
    expect(await attr('job-state', 'data-state')).toBe('running');
    await expect.poll(() => attr('job-progress', 'data-running')).toBe('2');
    expect(await page.getByTestId('job-count-remaining').textContent()).toContain(String(members.length - 4));
    expect(await page.getByTestId('job-eta').textContent()).not.toContain('—');

    await page.getByTestId('job-cancel').click();
    await page.getByTestId('cancel-dialog').waitFor();
    await page.getByTestId('job-cancel-confirm').click();
    await expect.poll(() => attr('job-state', 'data-state'), { timeout: 15_000 }).toBe('cancelled');
    expect(Number(await attr('job-progress', 'data-ok'))).toBe(2);
    expect(Number(await attr('job-progress', 'data-notrun'))).toBe(members.length - 2);
    await expect.poll(() => attr('job-summary', 'data-notrun')).toBe(String(members.length - 2));
    expect(await attr('job-summary', 'data-passed')).toBe('2');

    // Stored in SQLite: the CLI (another process) sees the same, and the UI shows it again after a reload.
    const stored = JSON.parse(cli(['jobs', 'show', String(jobId), '--json'])) as { job: { state: string }; results: Array<{ serial: string; state: string }> };
    expect(stored.job.state).toBe('cancelled');
    expect(stored.results.filter((r) => r.state === 'ok').map((r) => r.serial).sort()).toEqual(members.slice(0, 2));
    expect(stored.results.filter((r) => r.state === 'cancelled').map((r) => r.serial).sort()).toEqual(slow);
    await page.reload();
    await expect.poll(() => attr('job-state', 'data-state')).toBe('cancelled');
    await expect.poll(() => attr('job-summary', 'data-passed')).toBe('2');

    for (const s of slow) cli(['lab', 'fault', s, 'slow', '--off']);
    await page.getByTestId('job-retry-failed').click();
    await page.getByTestId('retry-dialog').waitFor();
    expect(await page.getByTestId('job-retry-confirm').textContent()).toBe(`Run on ${slow.length} appliances`);
    await page.getByTestId('job-retry-confirm').click();
    await expect.poll(() => jobIdFromUrl()).not.toBe(jobId);
    const retryId = jobIdFromUrl();
    await expect.poll(() => attr('job-progress', 'data-total')).toBe(String(slow.length));
    await expect.poll(() => attr('job-state', 'data-state'), { timeout: 30_000 }).toBe('done');
    await expect.poll(() => attr('job-summary', 'data-passed')).toBe(String(slow.length));
    const retried = await page.getByTestId('job-result').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-serial')));
    expect(retried.sort()).toEqual(slow);

    // The jobs list has both, with their states.
    await page.getByTestId('nav-jobs').click();
    await expect.poll(() => page.locator(`[data-testid="job-row"][data-job="${retryId}"]`).getAttribute('data-state')).toBe('done');
    expect(await page.locator(`[data-testid="job-row"][data-job="${jobId}"]`).getAttribute('data-state')).toBe('cancelled');
  });

  it('refuses a rotated host key, raises an alert with both fingerprints, and trusts the new key only when confirmed', async () => {
    const victim = bySite.get(sites[2]!)![0]!;
    expect(victim.hostKeyFingerprint).toMatch(FINGERPRINT);
    cli(['lab', 'fault', victim.serial, 'host-key-rotation']);

    await go(`#/appliances/${victim.serial}`);
    await page.getByTestId('appliance-detail').waitFor();
    await composeStatus();
    expect(await page.getByTestId('confirm-run').textContent()).toBe('Run on 1 appliance');
    await page.getByTestId('confirm-run').click();
    await page.getByTestId('job-detail').waitFor();
    await expect.poll(() => attr('job-state', 'data-state'), { timeout: 30_000 }).toBe('done');
    await expect.poll(() => attr('job-result', 'data-error')).toBe('E_HOSTKEY_MISMATCH');
    await expect.poll(() => page.getByTestId('nav-hostkeys-badge').textContent()).toBe('1');

    await go(`#/appliances/${victim.serial}`);
    await page.getByTestId('hostkey-warning').waitFor();

    await page.getByTestId('nav-hostkeys').click();
    const alert = page.locator(`[data-testid="hostkey-alert"][data-target="appliance:${victim.serial}"]`);
    await alert.waitFor();
    expect(await alert.getByTestId('hostkey-expected').textContent()).toBe(victim.hostKeyFingerprint);
    const presented = (await alert.getByTestId('hostkey-presented').textContent()) ?? '';
    expect(presented).toMatch(FINGERPRINT);
    expect(presented).not.toBe(victim.hostKeyFingerprint);

    // The confirm dialog warns, and its button stays off until the engineer says they compared.
    await alert.getByTestId('hostkey-trust').click();
    const dialog = page.getByTestId('hostkey-trust-dialog');
    await dialog.getByText(/man-in-the-middle/i).waitFor();
    expect(await page.getByTestId('hostkey-trust-confirm').isDisabled()).toBe(true);
    // Cancelling trusts nothing.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(listed(victim.serial).hostKeyFingerprint).toBe(victim.hostKeyFingerprint);

    await alert.getByTestId('hostkey-trust').click();
    await page.getByTestId('hostkey-trust-checked').check();
    await page.getByTestId('hostkey-trust-confirm').click();
    await page.getByTestId('hostkey-none').waitFor();
    await expect.poll(() => page.getByTestId('nav-hostkeys-badge').count()).toBe(0);
    expect(listed(victim.serial).hostKeyFingerprint).toBe(presented);
    await page.getByTestId('hostkey-history-row').first().waitFor();

    // Reachable again, with the new key.
    await go(`#/appliances/${victim.serial}`);
    await page.getByTestId('appliance-detail').waitFor();
    expect(await page.getByTestId('hostkey-warning').count()).toBe(0);
    await composeStatus();
    await page.getByTestId('confirm-run').click();
    await page.getByTestId('job-detail').waitFor();
    await expect.poll(() => attr('job-summary', 'data-passed'), { timeout: 30_000 }).toBe('1');
  });

  it('shows the fingerprint of a first contact and trusts it from the job result after confirmation', async () => {
    const fresh = bySite.get(sites[3]!)![0]!;
    await go(`#/appliances/${fresh.serial}`);
    await page.getByTestId('appliance-detail').waitFor();
    // An edit may not remove a trusted key (only the trust flow changes it) ...
    await page.getByTestId('edit-appliance').click();
    await page.getByTestId('input-hostKeyFingerprint').fill('');
    await page.getByTestId('save-appliance').click();
    await page.getByText(/an edit does not change or remove a trusted key/).waitFor();
    expect(listed(fresh.serial).hostKeyFingerprint).toBe(fresh.hostKeyFingerprint);
    // ... so the set-up of a never-contacted appliance forgets it in-process (audited).
    await withDataDirEngine(session.app.dataDir, (engine) => engine.inventory.forgetHostKey(fresh.serial, 'test', 'test set-up: as never contacted'));
    await expect.poll(() => listed(fresh.serial).hostKeyFingerprint).toBeNull();
    await page.reload();
    await page.getByTestId('appliance-detail').waitFor();

    await composeStatus();
    await page.getByTestId('confirm-run').click();
    await page.getByTestId('job-detail').waitFor();
    await expect.poll(() => attr('job-result', 'data-error'), { timeout: 30_000 }).toBe('E_HOSTKEY_UNKNOWN');
    await page.getByTestId('job-results').getByTestId('compare-trust').click();
    expect(await page.getByTestId('trust-fingerprint').textContent()).toBe(fresh.hostKeyFingerprint);
    // Nothing is recorded before the engineer confirms.
    expect(listed(fresh.serial).hostKeyFingerprint).toBeNull();
    await page.getByTestId('trust-confirm').click();
    await page.getByTestId('job-results').getByTestId('trusted-mark').waitFor();
    expect(listed(fresh.serial).hostKeyFingerprint).toBe(fresh.hostKeyFingerprint);

    await page.getByTestId('job-retry-failed').click();
    await page.getByTestId('job-retry-confirm').click();
    await expect.poll(() => attr('job-summary', 'data-passed'), { timeout: 30_000 }).toBe('1');
  });
});
