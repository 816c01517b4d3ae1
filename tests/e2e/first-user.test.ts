/**
 * What a first-time user stumbled on (issue 8), end to end: a real `fleetdeck serve`, a real lab of
 * 24 simulated appliances in 4 sites and Debian's Chromium driven by Playwright.
 * - Health is polled by default: measured health appears without touching anything; turned off,
 *   the overview says so.
 * - A status change to drained offers to drain the device too, reviewed as a one-appliance job; an
 *   actionable item whose fix is one command (undrain) runs it from a button.
 * - A drain of the whole fleet asks for the count typed back and points to staging it.
 * - Long jobs: the appliance still running is named, a stalled one is named in the ETA, failures
 *   are readable in full, no retry button when nothing failed, no toast over the results.
 *
 * FLEETDECK_SCREENSHOTS=<dir> also writes screenshots there.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumAvailable, chromiumSkipReason } from './support/browser';
import { openLabSession, type LabSession } from './support/session';

if (!chromiumAvailable) console.log(`SKIPPED: first-user end-to-end tests - ${chromiumSkipReason}`);

const SHOTS = process.env['FLEETDECK_SCREENSHOTS'];

interface Listed {
  serial: string;
  site: string;
  partner: string;
  status: string;
}

describe.skipIf(!chromiumAvailable)('what a first-time user stumbled on (Playwright + Chromium, real lab)', () => {
  let session: LabSession;
  let page: Page;
  let fleet: Listed[] = [];

  const cli = (args: string[]) => session.cli(args);
  const go = async (hash: string) => {
    await page.evaluate((h) => ((globalThis as unknown as { location: { hash: string } }).location.hash = h), hash);
  };
  const attr = (testId: string, name: string) => page.getByTestId(testId).first().getAttribute(name);
  /** What the appliance itself says about serving (ocactl status over SSH, from the CLI). */
  const servingOf = (serial: string): string => {
    const out = session.fleetExec(['exec', '--serial', serial, '--json', '--', 'ocactl', 'status']);
    const line = out.split('\n').find((l) => l.includes('"serial"'))!;
    const reply = JSON.parse((JSON.parse(line) as { output: string }).output) as { result: { serving: string } };
    return reply.result.serving;
  };
  async function shot(name: string) {
    if (!SHOTS) return;
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  }

  beforeAll(async () => {
    session = await openLabSession({
      appliances: 24,
      sites: 4,
      timeoutMs: 20_000,
      prepare: ({ cli }) => {
        fleet = (JSON.parse(cli(['inventory', 'list', '--json', '--limit', '100'])) as { items: Listed[] }).items;
      },
    });
    page = session.page;
    await page.getByTestId('measured-health').waitFor();
  }, 90_000);

  afterAll(() => session?.close());

  it('polls by default, so the first screen fills with measured health; says so when polling is off', async () => {
    // Nobody touched the monitor: the engine's next sweep (every 30 s) measures the lab.
    await expect.poll(() => attr('health-totals', 'data-measured'), { timeout: 45_000, interval: 1000 }).toBe(String(fleet.length));
    expect(await page.getByTestId('polling-note').count()).toBe(0);
    await shot('overview-polled-by-default');

    await go('#/health');
    await expect.poll(() => page.getByTestId('monitor-state').textContent()).toBe('polling every 30 s');
    await page.getByTestId('monitor-toggle').uncheck();
    await expect.poll(() => page.getByTestId('monitor-state').textContent()).toBe('polling is off');
    await go('#/overview');
    await expect.poll(() => page.getByTestId('polling-note').textContent()).toMatch(/^Polling is off: .*Poll now, on the Health screen\. Open Health$/);
    await shot('overview-polling-off');
    await go('#/health');
    await page.getByTestId('monitor-toggle').check();
    // On again: a sweep starts at once.
    await expect.poll(() => page.getByTestId('monitor-state').textContent()).toMatch(/^polling every 30 s/);
  }, 90_000);

  it('asks for the count typed back before draining the whole fleet, and points to staging it', async () => {
    const sites = new Set(fleet.map((a) => a.site)).size;
    await go('#/appliances');
    await expect.poll(() => attr('appliance-table', 'data-total')).toBe(String(fleet.length));
    await page.getByTestId('run-command').click();
    await page.getByTestId('command-preset').selectOption('drain');
    await page.getByTestId('run-review').click();
    await page.getByTestId('blast-radius').waitFor();
    const typed = page.getByTestId('typed-count');
    await typed.waitFor();
    expect(await typed.getAttribute('data-total')).toBe(String(fleet.length));
    expect(await typed.textContent()).toMatch(new RegExp(`ocactl drain changes ${fleet.length} appliances in ${sites} sites`));
    expect(await typed.textContent()).toMatch(/run it on one site first.*staged rollout/);
    const run = page.getByTestId('confirm-run');
    expect(await run.isDisabled()).toBe(true);
    await page.getByTestId('typed-count-input').fill(String(fleet.length - 1));
    expect(await run.isDisabled()).toBe(true);
    await page.getByTestId('typed-count-input').fill(String(fleet.length));
    expect(await run.isEnabled()).toBe(true);
    await shot('typed-count');
    // Reading the same fleet needs no typing.
    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByTestId('command-preset').selectOption('status');
    await page.getByTestId('run-review').click();
    await page.getByTestId('blast-radius').waitFor();
    expect(await page.getByTestId('typed-count').count()).toBe(0);
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('drains the device with the status change, and runs an actionable item’s fix from its button', async () => {
    const target = fleet.find((a) => a.status === 'online')!;
    expect(servingOf(target.serial)).toBe('serving');
    await go(`#/appliances/${target.serial}`);
    await page.getByTestId('change-status').click();
    await page.getByTestId('status-select').selectOption('drained');
    expect(await attr('status-device-offer', 'data-action')).toBe('drain');
    expect(await page.getByTestId('status-device-action').isChecked()).toBe(true);
    await page.getByTestId('status-reason').fill('cable work, CHG-77');
    await page.getByTestId('status-save').click();

    // The review of ocactl drain on that one appliance opens; confirming runs it as a job.
    await page.getByTestId('run-dialog').waitFor();
    expect(await page.getByTestId('review-command').textContent()).toBe('ocactl drain');
    await expect.poll(() => attr('blast-radius', 'data-total')).toBe('1');
    expect(await page.getByTestId('run-intro').textContent()).toContain(`${target.serial} is drained`);
    await page.getByTestId('confirm-run').click();
    await page.getByTestId('job-detail').waitFor();
    await expect.poll(() => attr('job-state', 'data-state'), { timeout: 30_000 }).toBe('done');
    expect(await attr('job-progress', 'data-ok')).toBe('1');
    // Nothing failed: no retry button, a plain sentence instead; and no toast sits on the results.
    await page.getByTestId('job-all-passed').waitFor();
    expect(await page.getByTestId('job-retry-failed').count()).toBe(0);
    expect(await page.getByTestId('toast').count()).toBe(0);
    expect(['draining', 'drained']).toContain(servingOf(target.serial));

    // Back to online in the inventory only (offer unticked): the device stays drained, and
    // Fleetdeck flags the drift with a fix it can run.
    await go(`#/appliances/${target.serial}`);
    await page.getByTestId('change-status').click();
    await page.getByTestId('status-select').selectOption('online');
    expect(await attr('status-device-offer', 'data-action')).toBe('undrain');
    await page.getByTestId('status-device-action').uncheck();
    await page.getByTestId('status-save').click();
    await page.getByTestId('field-status').getByText('online').waitFor();
    expect(await page.getByTestId('run-dialog').count()).toBe(0);
    await page.getByTestId('poll-appliance').click();
    await go('#/health/actionable');
    const item = page.locator(`[data-testid="actionable-item"][data-serial="${target.serial}"]`).filter({ hasText: 'inventory says online' });
    await expect.poll(() => item.count(), { timeout: 20_000 }).toBe(1);
    const fix = item.getByTestId('actionable-run-fix');
    expect(await fix.textContent()).toBe('Run fix: ocactl undrain');
    await shot('actionable-run-fix');
    await fix.click();
    await page.getByTestId('run-dialog').waitFor();
    expect(await page.getByTestId('review-command').textContent()).toBe('ocactl undrain');
    await expect.poll(() => attr('blast-radius', 'data-total')).toBe('1');
    await page.getByTestId('confirm-run').click();
    await page.getByTestId('job-detail').waitFor();
    await expect.poll(() => attr('job-state', 'data-state'), { timeout: 30_000 }).toBe('done');
    expect(await attr('job-progress', 'data-ok')).toBe('1');
    expect(servingOf(target.serial)).toBe('serving');
  }, 90_000);

  it('names the appliance a long job waits on, keeps the ETA honest and shows its failure in full', async () => {
    const site = fleet[0]!.site;
    const members = fleet.filter((a) => a.site === site).map((a) => a.serial).sort();
    const stalled = members[0]!;
    cli(['lab', 'fault', stalled, 'stall']);
    try {
      await go(`#/appliances?site=${site}`);
      await expect.poll(() => attr('appliance-table', 'data-total')).toBe(String(members.length));
      await page.getByTestId('run-command').click();
      await page.getByTestId('command-preset').selectOption('status');
      await page.getByTestId('run-timeout').fill('16');
      await page.getByTestId('run-review').click();
      await page.getByTestId('blast-radius').waitFor();
      await page.getByTestId('confirm-run').click();
      await page.getByTestId('job-detail').waitFor();

      // The others answer at once; the stalled one is named as the one still running...
      const runningNow = page.locator('[data-testid="job-running-serial"]');
      await expect.poll(() => runningNow.evaluateAll((els) => els.map((e) => e.getAttribute('data-serial'))), { timeout: 10_000 }).toEqual([stalled]);
      // ... and once it is far slower than the rest, the ETA names it instead of counting down to 0 s.
      await expect.poll(() => page.getByTestId('job-eta').textContent(), { timeout: 15_000 }).toMatch(new RegExp(`^waiting on ${stalled} \\(running 1\\d s\\)ETA$`));
      expect(await runningNow.first().getAttribute('data-stalled')).toBe('true');
      await shot('job-waiting-on-stalled');

      await expect.poll(() => attr('job-state', 'data-state'), { timeout: 30_000 }).toBe('done');
      expect(await page.getByTestId('job-running-now').count()).toBe(0);
      // The failure reads in full: its own full-width row, wrapped, not clipped in a scroll box.
      const failed = page.locator(`[data-testid="summary-failed-item"][data-serial="${stalled}"]`);
      await failed.waitFor();
      expect(await failed.getAttribute('data-error')).toBe('E_TIMEOUT');
      const look = await page.getByTestId('summary-failed').evaluate((el) => {
        const card = el.closest('[data-testid="job-summary"]')!;
        const list = el.querySelector('.failed-list')!;
        const msg = el.querySelector('[data-testid="summary-failed-message"]')!;
        type Node = typeof list;
        const cs = (e: Node) => (globalThis as unknown as { getComputedStyle(e: Node): { whiteSpace: string; overflowY: string } }).getComputedStyle(e);
        return {
          wide: el.getBoundingClientRect().width / card.getBoundingClientRect().width,
          clipped: list.scrollHeight > list.clientHeight + 1 || cs(list).overflowY === 'auto',
          wraps: cs(msg).whiteSpace,
          text: msg.textContent,
        };
      });
      expect(look.wide).toBeGreaterThan(0.9);
      expect(look.clipped).toBe(false);
      expect(look.wraps).toBe('normal');
      expect(look.text).toMatch(/\S/);
      // Something failed: now retry is offered, for that one only.
      expect(await page.getByTestId('job-retry-failed').textContent()).toBe('Retry the failed and unreachable only (1)');
      await shot('job-failure-readable');
    } finally {
      cli(['lab', 'fault', stalled, 'stall', '--off']);
    }
  }, 90_000);
});
