/**
 * Provisioning a factory-fresh site from the UI, as a field engineer would: a real `fleetdeck
 * serve`, a real lab with a factory-fresh site added by `fleetdeck lab add-site --factory`,
 * Debian's Chromium driven by Playwright. Import the survey file, provision the site, watch each
 * appliance's checklist, confirm inline the host key of the appliance the vendor sent no
 * fingerprint for, and see it all online with the audit of who did what (the factory passwords
 * rotated into the vault, as chosen in the view); then the site's drift report names the
 * appliance renamed since, against the site survey.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumAvailable, chromiumSkipReason } from './support/browser';
import { openLabSession, type LabSession } from './support/session';

if (!chromiumAvailable) console.log(`SKIPPED: provisioning end-to-end test - ${chromiumSkipReason}`);

describe.skipIf(!chromiumAvailable)('provisioning a factory-fresh site in the browser host (Playwright + Chromium)', () => {
  let session: LabSession;
  let page: Page;
  let surveyFile = '';
  let serials: string[] = [];
  const cli = (args: string[]) => session.cli(args);

  beforeAll(async () => {
    session = await openLabSession({
      appliances: 2,
      sites: 1,
      timeoutMs: 20_000,
      prepare: ({ app, cli }) => {
        surveyFile = join(app.dataDir, 'facui-survey.json');
        cli(['lab', 'add-site', 'facui', '--appliances', '3', '--factory', '--survey-out', surveyFile]);
        // The vendor sent no fingerprint for the third appliance: its key must be confirmed on site.
        const survey = JSON.parse(readFileSync(surveyFile, 'utf8')) as { appliances: Record<string, unknown>[] };
        survey.appliances[2]!['hostKeyFingerprint'] = null;
        writeFileSync(surveyFile, JSON.stringify(survey));
        serials = survey.appliances.map((a) => String(a['serial']));
      },
    });
    page = session.page;
    await page.getByTestId('nav-provisioning').waitFor();
  });

  afterAll(() => session?.close());

  it('imports the survey, provisions the site with live checklists, and takes the unvouched host key only once confirmed', async () => {
    const started = Date.now();
    await page.getByTestId('nav-provisioning').click();
    // A first-time engineer sees what a survey needs and can start from a template the importer takes.
    expect(await page.getByTestId('survey-columns').textContent()).toContain('site, serial, model, hostname, storage_tb, nic_gbps, bgp_neighbor, bgp_neighbor_asn');
    const template = decodeURIComponent((await page.getByTestId('survey-template').getAttribute('href'))!.replace(/^data:text\/csv;charset=utf-8,/, ''));
    expect(template.split('\n')[0]).toMatch(/^site,serial,model,hostname,ipv4,/);
    await page.getByTestId('survey-file').setInputFiles(surveyFile);
    await expect.poll(async () => page.getByTestId('survey-import-report').textContent(), { timeout: 15_000 }).toMatch(/site facui: 3 appliances \(3 new\), 3 factory credential/);
    await page.getByTestId('prov-site-facui').click();
    await page.getByTestId('prov-row').first().waitFor();
    expect(await page.getByTestId('prov-row').count()).toBe(3);

    // Keep password login with a new password in the vault rather than turning it off.
    await page.getByTestId('provision-rotate-password').check();
    await page.getByTestId('provision-start').click();
    const row = (serial: string) => page.locator(`[data-testid="prov-row"][data-serial="${serial}"]`);
    // The two with a survey fingerprint go through; the third stops at its host key, showing it.
    for (const serial of serials.slice(0, 2)) await expect.poll(() => row(serial).getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
    const third = row(serials[2]!);
    await expect.poll(() => third.getAttribute('data-state'), { timeout: 60_000 }).toBe('failed');
    expect(await third.locator('[data-testid="prov-step"][data-step="host-key"]').getAttribute('data-state')).toBe('failed');
    const shown = (await third.getByTestId('prov-presented-fp').textContent())!.trim();
    expect(shown).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    // Nothing was recorded for it before the confirmation.
    const before = JSON.parse(cli(['inventory', 'list', '--json', '--text', serials[2]!])).items[0] as { status: string; hostKeyFingerprint: string | null };
    expect(before).toMatchObject({ status: 'awaiting-install', hostKeyFingerprint: null });

    await third.getByTestId('prov-confirm-key').click();
    await expect.poll(() => third.getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
    await expect.poll(async () => page.getByTestId('prov-online-count').textContent(), { timeout: 10_000 }).toBe('3 of 3 online');
    console.log(`MEASURED (UI): 3-appliance factory-fresh site, survey import to all online with one confirmation: ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const listed = JSON.parse(cli(['inventory', 'list', '--json', '--site', 'facui'])).items as { serial: string; status: string; hostKeyFingerprint: string | null }[];
    expect(listed.map((a) => a.status)).toEqual(['online', 'online', 'online']);
    expect(listed.find((a) => a.serial === serials[2])!.hostKeyFingerprint).toBe(shown);

    // Who did what: the import, the runs, the confirmation, each appliance online.
    const actions = await page.getByTestId('prov-audit').locator('[data-testid="audit-entry"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
    expect(actions).toEqual(expect.arrayContaining(['provisioning.survey-import', 'provisioning.start', 'provisioning.hostkey-confirmed', 'provisioning.online']));
    // The option reached every appliance: each factory password was rotated into the vault (audited without it).
    expect(actions.filter((a) => a === 'provisioning.password-rotated')).toHaveLength(3);
    // Each appliance says where its new password is: the vault entry's name, never the password.
    for (const serial of serials) {
      await expect.poll(async () => row(serial).getByTestId('prov-password-vault').textContent(), { timeout: 10_000 }).toContain(`provisioning.login-password.${serial}`);
    }
    expect(await page.getByTestId('prov-rotated-count').textContent()).toBe('3 passwords rotated into the vault');
  }, 300_000);

  it("the site's drift report lists, per appliance, where its configuration differs from the site survey", async () => {
    const moved = serials[1]!;
    session.fleetExec(['exec', '--serial', moved, '--', 'ocactl', 'config', 'set', 'hostname=moved.facui.test']);
    await page.evaluate(() => ((globalThis as unknown as { location: { hash: string } }).location.hash = '#/sites/facui'));
    await page.getByTestId('diagnostics-panel').waitFor();
    await page.getByTestId('diag-tab-drift').click();
    await page.getByTestId('drift-check').click();
    await page.getByTestId('drift-report').waitFor();
    expect(await page.getByTestId('drift-report').textContent()).toContain('compared with inventory, survey, peers');
    const appliances = await page.getByTestId('drift-appliance').evaluateAll((els) => els.map((e) => e.getAttribute('data-serial')));
    expect(appliances).toEqual([moved]);
    const diff = page.locator(`[data-testid="drift-appliance"][data-serial="${moved}"] [data-testid="drift-difference"][data-source="survey"][data-field="hostname"]`);
    expect(await diff.textContent()).toMatch(/the site survey expects "[^"]+" \(site facui's survey\), the appliance reports "moved\.facui\.test"/);
  }, 120_000);
});
