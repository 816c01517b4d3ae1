/**
 * Rollouts end to end, as a field engineer would run one: a real `fleetdeck serve`, a real lab of 12
 * appliances in 3 sites (fast clock, appliances that verify the release key), images signed with the
 * real `ssh-keygen -Y sign`, Debian's Chromium. Create a small rollout in the plan editor (preview per
 * site, typed count for window "now"), start it, pause and resume it, watch it to done in the live
 * view (overall, per-wave, per-site bars, the canary judgement, an appliance's timeline); then a canary
 * whose appliance has the lab's `no-boot-image` fault stops the rollout before any wave.
 */
import { execFileSync } from 'node:child_process';
import axe, { type AxeResults } from 'axe-core';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumAvailable, chromiumSkipReason } from './support/browser';
import { openAppSession, type AppSession } from './support/session';
import type { ServedApp } from './support/serve';

const KEYGEN = '/usr/bin/ssh-keygen';
const ready = chromiumAvailable && existsSync(KEYGEN);
if (!chromiumAvailable) console.log(`SKIPPED: rollouts end-to-end tests - ${chromiumSkipReason}`);
else if (!existsSync(KEYGEN)) console.log(`SKIPPED: rollouts end-to-end tests - ${KEYGEN} missing (apt-get install openssh-client)`);

interface Listed {
  serial: string;
  site: string;
}

describe.skipIf(!ready)('rollouts in the browser host (Playwright + Chromium, lab fleet)', () => {
  let s: AppSession;
  let page: Page;
  let dir = '';
  let sites: string[] = [];
  const bySite = new Map<string, string[]>();

  const cli = (app: ServedApp, args: string[]) => {
    const r = app.cli(args);
    if (r.status !== 0) throw new Error(`fleetdeck ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const stateOf = () => page.getByTestId('rollout-state').getAttribute('data-state');
  const rolloutIdFromUrl = () => Number(/#\/rollouts\/(\d+)$/.exec(page.url())?.[1] ?? NaN);
  async function act(action: string) {
    await page.getByTestId(`rollout-${action}`).click();
    await page.getByTestId('rollout-action-dialog').waitFor();
    await page.getByTestId('rollout-action-confirm').click();
    await page.getByTestId('rollout-action-dialog').waitFor({ state: 'detached' });
  }
  /** Serious or critical WCAG 2.1 AA violations on the page now (axe-core, as accessibility.test.ts runs it), in both themes. */
  async function axeViolations(): Promise<string[]> {
    if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axe.source);
    const found: string[] = [];
    for (const theme of ['light', 'dark']) {
      await page.evaluate(`document.documentElement.dataset.theme = '${theme}'`);
      await page.waitForTimeout(100);
      const r = (await page.evaluate(
        `window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] })`,
      )) as AxeResults;
      for (const v of r.violations) {
        if (v.impact === 'serious' || v.impact === 'critical') found.push(`${theme}: ${v.id} ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
      }
    }
    await page.evaluate(`delete document.documentElement.dataset.theme`);
    return found;
  }
  /** Fill the plan editor and wait for its preview of this plan. */
  async function plan(p: { filter: string; canary: string; waves: string; limit: string; window: 'now' | 'maintenance' }) {
    await page.getByTestId('rollout-new').click();
    await page.getByTestId('rollout-editor').waitFor();
    await page.getByTestId('rollout-image').selectOption('27.5.0');
    await page.getByTestId('rollout-targets-filter').check();
    await page.getByTestId('rollout-filter').fill(p.filter);
    await page.getByTestId('rollout-canary').fill(p.canary);
    await page.getByTestId('rollout-waves').fill(p.waves);
    await page.getByTestId('rollout-limit').fill(p.limit);
    await page.getByTestId('rollout-budget-input').fill('0');
    await page.getByTestId('rollout-observe').fill('2');
    await page.getByTestId('rollout-window').selectOption(p.window);
    await page.locator('[data-testid="rollout-preview"][data-ready="yes"]').waitFor();
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetdeck-rollout-e2e-'));
    execFileSync(KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', 'release@e2e', '-f', join(dir, 'release')]);
    s = await openAppSession({
      timeoutMs: 20_000,
      stopLab: true,
      prepare(app) {
        cli(app, ['lab', 'start', '--appliances', '12', '--sites', '3', '--speed', '600', '--release-key', join(dir, 'release.pub')]);
        cli(app, ['firmware', 'trust-key', join(dir, 'release.pub')]);
        const img = join(dir, 'fw-27.5.0.img');
        cli(app, ['lab', 'make-image', '27.5.0', '--out', img, '--size', '65536']);
        execFileSync(KEYGEN, ['-Y', 'sign', '-n', 'fleetdeck-firmware', '-f', join(dir, 'release'), img], { stdio: 'pipe' });
        cli(app, ['firmware', 'import', img]);
        const listed = (JSON.parse(cli(app, ['inventory', 'list', '--json', '--limit', '100'])) as { items: Listed[] }).items;
        for (const a of listed) bySite.set(a.site, [...(bySite.get(a.site) ?? []), a.serial].sort());
        sites = [...bySite.keys()].sort();
      },
    });
    page = s.page;
    await page.getByTestId('nav-rollouts').click();
    await page.getByTestId('rollouts-none').waitFor();
  }, 120_000);

  afterAll(async () => {
    await s?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates a rollout in the plan editor after its preview, pauses, resumes and watches it to done', async () => {
    expect(sites).toHaveLength(3);
    const [a, b] = sites as [string, string];
    const targets = bySite.get(a)!.length + bySite.get(b)!.length;
    await plan({ filter: `site=${a}|${b}`, canary: '1', waves: '50%,100%', limit: '1', window: 'now' });

    // The preview: blast radius, each site's limit against its capacity, frozen targets.
    expect(await page.getByTestId('blast-radius').getAttribute('data-total')).toBe(String(targets));
    const siteRows = page.getByTestId('rollout-preview-site');
    expect(await siteRows.count()).toBe(2);
    for (let i = 0; i < 2; i++) {
      expect(await siteRows.nth(i).getAttribute('data-max')).toBe('1');
      expect(await siteRows.nth(i).getByTestId('rollout-preview-limit').innerText()).toMatch(/^at most 1 of \d+ appliances out at once/);
    }
    expect(await page.getByTestId('rollout-frozen-note').innerText()).toMatch(/Targets are frozen when the rollout is created/);
    expect(await axeViolations()).toEqual([]);

    // Window "now" needs the count typed back.
    const create = page.getByTestId('rollout-create');
    await page.getByTestId('typed-count').waitFor();
    expect(await create.isDisabled()).toBe(true);
    await page.getByTestId('typed-count-input').fill(String(targets + 1));
    expect(await create.isDisabled()).toBe(true);
    await page.getByTestId('typed-count-input').fill(String(targets));
    await expect.poll(() => create.isDisabled()).toBe(false);
    await create.click();

    await expect.poll(rolloutIdFromUrl).toBeGreaterThan(0);
    const id = rolloutIdFromUrl();
    await expect.poll(stateOf).toBe('created');
    expect(await page.getByTestId('rollout-frozen').innerText()).toContain(`${targets} appliances in 2 sites`);

    await act('start');
    await act('pause');
    await expect.poll(stateOf, { timeout: 20_000 }).toBe('paused');
    expect(await page.getByTestId('rollout-resume').isVisible()).toBe(true);
    await act('resume');
    await expect.poll(stateOf).not.toBe('paused');

    // Live to the end (a marginal canary would wait for a person: approve it as one would).
    await expect
      .poll(
        async () => {
          const st = await stateOf();
          if (st === 'awaiting-approval') await act('approveMarginal');
          return st;
        },
        { timeout: 120_000, interval: 500 },
      )
      .toBe('succeeded');
    const overall = page.getByTestId('rollout-overall');
    await expect.poll(() => overall.getAttribute('data-ok')).toBe(String(targets));
    expect(await overall.getAttribute('data-failed')).toBe('0');
    expect(await page.getByTestId('rollout-overall').getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    // Canary + 2 waves, each done; both sites done and never over their limit as the view saw it.
    const waves = page.getByTestId('rollout-wave');
    expect(await waves.count()).toBe(3);
    for (let i = 0; i < 3; i++) expect(await waves.nth(i).getAttribute('data-state')).toBe('done');
    const siteLive = page.getByTestId('rollout-site');
    expect(await siteLive.count()).toBe(2);
    for (let i = 0; i < 2; i++) expect(await siteLive.nth(i).getByTestId('rollout-site-bar').getAttribute('data-ok')).toBe(String(bySite.get(sites[i]!)!.length));
    // The canary judgement with its numbers and chart.
    const judgement = page.getByTestId('rollout-judgement');
    await judgement.waitFor();
    expect(['pass', 'marginal']).toContain(await judgement.getAttribute('data-verdict'));
    expect(await page.getByTestId('rollout-metric').count()).toBe(4);
    await page.getByTestId('canary-chart').locator('canvas').first().waitFor();
    expect(await axeViolations()).toEqual([]);

    // One appliance's timeline: every step, in order, each ok.
    const row = page.getByTestId('rollout-appliance').first();
    const serial = (await row.getAttribute('data-serial'))!;
    await row.getByTestId('rollout-appliance-open').click();
    await page.locator(`[data-testid="rollout-timeline"][data-serial="${serial}"]`).waitFor();
    const steps = page.getByTestId('rollout-step');
    await expect.poll(() => steps.count()).toBe(8);
    expect(await steps.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-step')}:${e.getAttribute('data-state')}`))).toEqual(
      ['stage', 'wait', 'drain', 'activate', 'reboot', 'verify', 'commit', 'undrain'].map((st) => `${st}:ok`),
    );

    // The list shows it, done.
    await page.getByTestId('nav-rollouts').click();
    const listed = page.locator(`[data-testid="rollout-row"][data-id="${id}"]`);
    await listed.waitFor();
    expect(await listed.getAttribute('data-state')).toBe('succeeded');
  }, 180_000);

  it('stops at the canary when the canary appliance never boots the image (no-boot-image fault)', async () => {
    const site = sites[2]!;
    const [canary] = bySite.get(site)!;
    cli(s.app, ['lab', 'fault', canary!, 'no-boot-image']);
    await page.getByTestId('nav-rollouts').click();
    await plan({ filter: `site=${site}`, canary: `serials: ${canary}`, waves: '100%', limit: '1', window: 'now' });
    const total = bySite.get(site)!.length;
    await page.getByTestId('typed-count-input').fill(String(total));
    await page.getByTestId('rollout-create').click();
    await expect.poll(rolloutIdFromUrl).toBeGreaterThan(0);
    await expect.poll(stateOf).toBe('created');
    await act('start');
    await expect.poll(stateOf, { timeout: 90_000, interval: 500 }).toBe('failed');
    const reason = page.getByTestId('rollout-reason');
    await reason.waitFor();
    expect(await reason.innerText()).toMatch(/canary|budget/i);
    // The canary is failed and was recognised as having fallen back by itself; no other appliance was touched.
    const canaryRow = page.locator(`[data-testid="rollout-appliance"][data-serial="${canary}"]`);
    await expect.poll(() => canaryRow.getAttribute('data-state')).toBe('failed');
    expect(await canaryRow.getAttribute('data-outcome')).toBe('fell-back');
    const others = await page.getByTestId('rollout-appliance').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
    expect(others.filter((st) => st === 'ok' || st === 'in-flight')).toEqual([]);
    expect(await page.getByTestId('rollout-overall').getAttribute('data-ok')).toBe('0');
    await canaryRow.getByTestId('rollout-appliance-open').click();
    await page.locator('[data-testid="rollout-step"][data-state="failed"]').first().waitFor();
  }, 150_000);
});
