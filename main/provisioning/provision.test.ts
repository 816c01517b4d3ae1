/**
 * Provisioning end to end against a real lab (ssh2 and HTTP servers on 127.0.0.1) and a real
 * engine on a real SQLite file: survey import, the provision job, the factory password refused
 * afterwards and the fleet key taken, wrong serial / wrong host key stopping exactly those
 * appliances, first-contact confirmation and the expected re-key path.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../engine';
import { addFactorySite, type FactorySurvey } from '../lab/factory-site';
import { LabFleet } from '../lab/fleet';
import { sshExec } from '../lab/testing';
import { FLEET_KEY } from '../net/fleet-key';
import { memoryVault } from '../../tests/support/memory-vault';
import { tempDir } from '../../tests/support/temp-dir';
import { until } from '../../tests/support/wait';
import type { Vault } from '../vault/vault';
import type { JobResult } from '../jobs/contract';
import { passwordLogsIn } from '../../tests/support/password-login';

interface Setup {
  engine: Engine;
  fleet: LabFleet;
  vault: Vault;
  dir: string;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(slowDelayMs?: number): Promise<Setup> {
  const dir = tempDir();
  // Speed 60: the BGP session settles in a sixth of a second instead of ten.
  const fleet = await LabFleet.start({ dir: join(dir, 'lab'), appliances: 1, sites: 1, seed: 1, speed: 60, authorizedKeys: '', slowDelayMs });
  const vault = memoryVault();
  mkdirSync(join(dir, 'data'), { recursive: true });
  // The default logger: a real engine.log in the data dir (grepped below).
  const engine = createEngine({ dataDir: join(dir, 'data'), host: 'test', vault, checkOutputs: true });
  cleanups.push(async () => {
    engine.close();
    await fleet.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { engine, fleet, vault, dir };
}

async function results(engine: Engine, jobId: number): Promise<Map<string, JobResult>> {
  const client = engine.client({ actor: 'test:engineer' }).api;
  await client.jobs.wait({ id: jobId, timeoutMs: 120_000 });
  const page = await client.jobs.results({ id: jobId, offset: 0, limit: 100 });
  return new Map(page.items.map((r) => [r.serial, r]));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('provisioning a factory-fresh lab site', () => {
  it('provisions from the survey; a wrong serial and a wrong host key stop exactly those appliances; secrets stay in the vault', async () => {
    const { engine, fleet, vault, dir } = await setup();
    const survey: FactorySurvey = await addFactorySite(fleet, { code: 'fac1', appliances: 4 });
    const [good, wrongSerial, wrongKey, good2] = survey.appliances as Record<string, string | number | null>[];
    const realSerial = String(wrongSerial!['serial']);
    wrongSerial!['serial'] = 'FAC-SOMEONE-ELSE';
    wrongKey!['hostKeyFingerprint'] = good!['hostKeyFingerprint'] ?? null;
    const passwords = survey.appliances.map((a) => String(a['factoryPassword']));

    const client = engine.client({ actor: 'test:engineer' }).api;
    const report = await client.provisioning.importSurvey({ content: JSON.stringify(survey), fileName: 'fac1.json' });
    expect(report).toMatchObject({ site: 'fac1', appliances: 4, created: 4, credentials: 4 });
    expect(engine.inventory.appliance(String(good!['serial'])).status).toBe('awaiting-install');
    expect(await vault.list()).toContain(`provisioning.factory-password.${String(good!['serial'])}`);

    const started = await client.provisioning.start({ site: 'fac1', acceptNew: false });
    const byserial = await results(engine, started.id);
    expect(byserial.get(String(good!['serial']))?.state).toBe('ok');
    expect(byserial.get(String(good2!['serial']))?.state).toBe('ok');
    expect(byserial.get('FAC-SOMEONE-ELSE')).toMatchObject({ state: 'failed', errorCode: 'E_SERIAL_MISMATCH' });
    expect(byserial.get('FAC-SOMEONE-ELSE')?.errorMessage).toContain(realSerial);
    expect(byserial.get(String(wrongKey!['serial']))).toMatchObject({ state: 'failed', errorCode: 'E_HOSTKEY_MISMATCH' });

    // Checklists: the good ones done, the stopped ones stopped at their step with what to do.
    const view = await client.provisioning.site({ site: 'fac1' });
    const row = (serial: string) => view.appliances.find((a) => a.serial === serial)!;
    expect(row(String(good!['serial']))).toMatchObject({ state: 'done', stepsDone: 7, status: 'online' });
    expect(row('FAC-SOMEONE-ELSE')).toMatchObject({ state: 'failed', stepsDone: 0, errorCode: 'E_SERIAL_MISMATCH' });
    expect(row('FAC-SOMEONE-ELSE').hint).toMatch(/survey/);
    expect(row(String(wrongKey!['serial']))).toMatchObject({ state: 'failed', stepsDone: 1, status: 'awaiting-install' });
    expect(view.audit.map((e) => e.action)).toEqual(expect.arrayContaining(['provisioning.survey-import', 'provisioning.start', 'provisioning.online']));

    // The provisioned appliance: inventory online with its key recorded, configured as surveyed, serving.
    const goodSerial = String(good!['serial']);
    const stored = engine.inventory.appliance(goodSerial);
    expect(stored.status).toBe('online');
    expect(stored.hostKeyFingerprint).toBe(good!['hostKeyFingerprint']);
    const lab = fleet.appliance(goodSerial)!;
    expect(lab.configGet().hostname).toBe(good!['hostname']);
    expect(lab.configGet().bgp.neighbor.address).toBe(good!['bgpNeighbor']);
    expect(lab.bgpStatus().state).toBe('Established');
    expect(lab.status().serving).toBe('serving');

    // After provisioning the factory password no longer logs in, and the fleet key does.
    const port = Number(good!['sshPort']);
    expect(await passwordLogsIn(port, passwords[0]!)).toBe(false);
    const fleetKey = (await vault.get(FLEET_KEY))!.toString('utf8');
    const viaKey = await sshExec({ port, privateKey: fleetKey }, 'ocactl access status');
    expect(JSON.parse(viaKey.stdout).result).toMatchObject({ passwordLogin: false });
    // The wrong-key appliance was never logged into: its factory password still works, it has no key.
    expect(await passwordLogsIn(Number(wrongKey!['sshPort']), passwords[2]!)).toBe(true);
    expect(fleet.appliance(String(wrongKey!['serial']))!.state.access?.keys).toEqual([]);

    // No factory password in SQLite (database, WAL) or the logs.
    const files = filesUnder(join(dir, 'data'));
    expect(files.some((f) => f.endsWith('.log'))).toBe(true);
    expect(files.some((f) => /\.(db|sqlite)$/.test(f) || f.includes('.db'))).toBe(true);
    for (const file of files) {
      const text = readFileSync(file).toString('latin1');
      for (const p of passwords) expect(text.includes(p), `${p} found in ${file}`).toBe(false);
    }
  }, 60_000);

  it('without a survey fingerprint: stops for confirmation, continues after it; an expected re-key starts over with a reason', async () => {
    const { engine, fleet } = await setup();
    const survey = await addFactorySite(fleet, { code: 'fac2', appliances: 2, withoutFingerprints: true });
    const client = engine.client({ actor: 'test:engineer' }).api;
    await client.provisioning.importSurvey({ content: JSON.stringify(survey), fileName: 'fac2.json' });
    const [a, b] = survey.appliances.map((x) => String(x['serial']));

    let job = await client.provisioning.start({ site: 'fac2', acceptNew: false });
    let r = await results(engine, job.id);
    expect(r.get(a!)).toMatchObject({ state: 'failed', errorCode: 'E_HOSTKEY_UNKNOWN' });
    const presented = (await client.provisioning.site({ site: 'fac2' })).appliances.find((x) => x.serial === a)!.presentedFingerprint!;
    expect(presented).toMatch(/^SHA256:/);
    // What to do names the command a CLI user types, with this appliance's key.
    expect((await client.provisioning.site({ site: 'fac2' })).appliances.find((x) => x.serial === a)!.hint).toContain(`fleetdeck provision confirm-key ${a!} ${presented}`);
    expect(engine.inventory.appliance(a!).hostKeyFingerprint).toBeNull();

    // Confirming a key other than the one presented is refused.
    await expect(client.provisioning.confirmHostKey({ serial: a!, fingerprint: `SHA256:${'A'.repeat(43)}` })).rejects.toMatchObject({ code: 'E_CONFLICT' });
    await client.provisioning.confirmHostKey({ serial: a!, fingerprint: presented });
    job = await client.provisioning.start({ site: 'fac2', acceptNew: false });
    r = await results(engine, job.id);
    expect(r.get(a!)?.state).toBe('ok');
    // b was not confirmed: still stopped.
    expect(r.get(b!)).toMatchObject({ state: 'failed', errorCode: 'E_HOSTKEY_UNKNOWN' });
    // --accept-new takes it.
    job = await client.provisioning.start({ site: 'fac2', acceptNew: true });
    r = await results(engine, job.id);
    expect([...r.keys()]).toEqual([b]);
    expect(r.get(b!)?.state).toBe('ok');

    // Re-imaged at the site: new host key, factory logins again.
    const lab = fleet.appliance(a!)!;
    lab.setFault('host-key-rotation', true);
    lab.state.access = { password: 'reimaged-factory-pw', passwordLogin: true, keys: [] };
    await expect(client.provisioning.expectRekey({ serial: a!, reason: 'x' })).rejects.toMatchObject({ code: 'E_VALIDATION' });
    await client.provisioning.expectRekey({ serial: a!, reason: 'disk replaced, re-imaged by the vendor' });
    expect(engine.inventory.appliance(a!).hostKeyFingerprint).toBeNull();
    expect(engine.inventory.appliance(a!).status).toBe('awaiting-install');
    // The survey's credential is the old one: the re-imaged box wants the new one, from a new survey.
    const again = structuredClone(survey);
    again.appliances = again.appliances.filter((x) => x['serial'] === a);
    again.appliances[0]!['factoryPassword'] = 'reimaged-factory-pw';
    await client.provisioning.importSurvey({ content: JSON.stringify(again), fileName: 'fac2-again.json' });
    job = await client.provisioning.start({ site: 'fac2', acceptNew: false });
    r = await results(engine, job.id);
    // A re-key still needs the new key confirmed: it is not accepting a mismatch.
    expect(r.get(a!)).toMatchObject({ state: 'failed', errorCode: 'E_HOSTKEY_UNKNOWN' });
    const newKey = (await client.provisioning.site({ site: 'fac2' })).appliances.find((x) => x.serial === a)!.presentedFingerprint!;
    expect(newKey).not.toBe(presented);
    await client.provisioning.confirmHostKey({ serial: a!, fingerprint: newKey });
    job = await client.provisioning.start({ site: 'fac2', acceptNew: false });
    r = await results(engine, job.id);
    expect(r.get(a!)?.state).toBe('ok');
    expect(engine.inventory.appliance(a!).hostKeyFingerprint).toBe(newKey);
    const audit = (await client.provisioning.site({ site: 'fac2' })).audit;
    expect(audit.find((e) => e.action === 'provisioning.expected-rekey')?.details).toMatchObject({ reason: 'disk replaced, re-imaged by the vendor', previous: presented });
  }, 60_000);

  it('the acceptance step runs its checks through diagnostics: results in the history; a failed check stops the appliance with its own what-to-do', async () => {
    const { engine, fleet } = await setup();
    const survey = await addFactorySite(fleet, { code: 'fac4', appliances: 2 });
    const [good, broken] = survey.appliances.map((a) => String(a['serial']));
    const client = engine.client({ actor: 'test:engineer' }).api;
    await client.provisioning.importSurvey({ content: JSON.stringify(survey), fileName: 'fac4.json' });
    fleet.setFault(broken!, 'disk-failure', true);
    const job = await client.provisioning.start({ site: 'fac4', acceptNew: false });
    const r = await results(engine, job.id);
    expect(r.get(good!)?.state).toBe('ok');
    expect(r.get(broken!)).toMatchObject({ state: 'failed', errorCode: 'E_CHECK_FAILED' });

    // The broken one stopped at accept with the disk check's own sentence and action (which disk, which bay).
    const row = (await client.provisioning.site({ site: 'fac4' })).appliances.find((a) => a.serial === broken)!;
    expect(row).toMatchObject({ state: 'failed', stepsDone: 5, errorCode: 'E_CHECK_FAILED' });
    const brokenRuns = await client.diagnostics.history({ serial: broken!, limit: 10 });
    expect(brokenRuns).toHaveLength(1);
    const disk = brokenRuns[0]!.results.find((x) => x.check === 'disk')!;
    expect(disk.status).toBe('Error');
    expect(disk.action).toMatch(/RMA for disk sdc in bay 3/);
    expect(row.hint).toBe(disk.action);
    expect(row.errorMessage).toContain(disk.summary);
    expect(brokenRuns[0]).toMatchObject({ jobId: job.id, status: 'Error', actor: 'test:engineer', checks: ['nic', 'disk', 'bgp', 'reachability'] });

    // The good one: its acceptance run is in its diagnostics history, every check OK with its figure.
    const goodRuns = await client.diagnostics.history({ serial: good!, limit: 10 });
    expect(goodRuns).toHaveLength(1);
    expect(goodRuns[0]).toMatchObject({ jobId: job.id, status: 'OK' });
    expect(goodRuns[0]!.results.map((x) => [x.check, x.status])).toEqual([
      ['nic', 'OK'],
      ['disk', 'OK'],
      ['bgp', 'OK'],
      ['reachability', 'OK'],
    ]);
    expect(goodRuns[0]!.results.find((x) => x.check === 'bgp')?.details['state']).toBe('Established');
  }, 60_000);

  it('configuration drift compares each provisioned appliance with its site survey (hostname, addresses, BGP neighbor and ASN)', async () => {
    const { engine, fleet } = await setup();
    const survey = await addFactorySite(fleet, { code: 'fac5', appliances: 3 });
    const [kept, moved, renumbered] = survey.appliances.map((a) => String(a['serial']));
    const client = engine.client({ actor: 'test:engineer' }).api;
    await client.provisioning.importSurvey({ content: JSON.stringify(survey), fileName: 'fac5.json' });
    const job = await client.provisioning.start({ site: 'fac5', acceptNew: false });
    expect([...(await results(engine, job.id)).values()].map((r) => r.state)).toEqual(['ok', 'ok', 'ok']);

    // Just provisioned: every appliance is as its survey says.
    let report = await client.diagnostics.drift({ selection: { query: { site: ['fac5'] } } });
    expect(report.sources).toContain('survey');
    expect(report.checked).toBe(3);
    expect(report.drifted).toEqual([]);

    // Someone re-pointed one appliance's BGP session, and another's neighbor ASN and service address.
    const row = (serial: string) => survey.appliances.find((a) => a['serial'] === serial)!;
    for (const s of [moved!, renumbered!]) {
      const lab = fleet.appliance(s)!;
      lab.drain();
      await until(() => lab.status().serving === 'drained', `${s} drained`, { timeoutMs: 60_000, intervalMs: 50 });
    }
    fleet.appliance(moved!)!.configSet(['bgp.neighbor=100.64.250.1']);
    fleet.appliance(renumbered!)!.configSet(['bgp.neighbor-asn=65001', 'interface.eth0.ipv4=100.64.250.20/24']);
    report = await client.diagnostics.drift({ selection: { query: { site: ['fac5'] } } });
    const byserial = new Map(report.drifted.map((d) => [d.serial, d.differences.filter((x) => x.source === 'survey')]));
    expect(byserial.has(kept!)).toBe(false);
    expect(byserial.get(moved!)).toEqual([
      expect.objectContaining({ field: 'bgp.neighbor', source: 'survey', expected: String(row(moved!)['bgpNeighbor']), actual: '100.64.250.1' }),
    ]);
    expect(byserial.get(moved!)![0]!.message).toMatch(/site survey expects .*ocactl config set bgp\.neighbor=/);
    const fields = byserial.get(renumbered!)!.map((x) => [x.field, x.expected, x.actual]);
    expect(fields).toEqual(
      expect.arrayContaining([
        ['bgp.neighbor-asn', String(row(renumbered!)['bgpNeighborAsn']), '65001'],
        ['interface.eth0.ipv4', String(row(renumbered!)['serviceIpv4']), '100.64.250.20/24'],
      ]),
    );
    expect(fields).toHaveLength(2);
  }, 60_000);

  it('rotates the factory password into the vault where asked: the old one fails, the new one from the vault logs in, and it is nowhere else', async () => {
    const { engine, fleet, vault, dir } = await setup();
    const survey = await addFactorySite(fleet, { code: 'fac6', appliances: 3 });
    const [bySurvey, byRun, off] = survey.appliances.map((a) => String(a['serial']));
    const factory = new Map(survey.appliances.map((a) => [String(a['serial']), String(a['factoryPassword'])]));
    const port = (serial: string) => Number(survey.appliances.find((a) => a['serial'] === serial)!['sshPort']);
    survey.appliances[0]!['passwordLogin'] = 'rotate';
    survey.appliances[2]!['passwordLogin'] = 'off';
    const client = engine.client({ actor: 'test:engineer' }).api;
    await client.provisioning.importSurvey({ content: JSON.stringify(survey), fileName: 'fac6.json' });
    // The run rotates where the survey does not say; the survey's `off` wins for the third.
    const job = await client.provisioning.start({ site: 'fac6', acceptNew: false, passwordLogin: 'rotate' });
    expect([...(await results(engine, job.id)).values()].map((r) => r.state)).toEqual(['ok', 'ok', 'ok']);
    expect(job.argv).toContain('--rotate-password');

    const fleetKey = (await vault.get(FLEET_KEY))!.toString('utf8');
    const rotated: string[] = [];
    for (const serial of [bySurvey!, byRun!]) {
      const fresh = (await vault.get(`provisioning.login-password.${serial}`))?.toString('utf8');
      expect(fresh).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(fresh).not.toBe(factory.get(serial));
      rotated.push(fresh!);
      // The factory password no longer logs in; the one read from the vault does; so does the fleet key.
      expect(await passwordLogsIn(port(serial), factory.get(serial)!)).toBe(false);
      expect(await passwordLogsIn(port(serial), fresh!)).toBe(true);
      const access = await sshExec({ port: port(serial), privateKey: fleetKey }, 'ocactl access status');
      expect(JSON.parse(access.stdout).result).toMatchObject({ passwordLogin: true, passwordChanged: true });
      // The appliance keeps a hash, never the password.
      expect(JSON.stringify(fleet.appliance(serial)!.state.access)).not.toContain(fresh);
    }
    expect(rotated[0]).not.toBe(rotated[1]);
    // Password login off for the third: nothing in the vault for it.
    expect(await vault.get(`provisioning.login-password.${off!}`)).toBeNull();
    expect(await passwordLogsIn(port(off!), factory.get(off!)!)).toBe(false);

    // Audited without the password; never in SQLite (database, WAL), the engine log or what a window reads.
    const view = await client.provisioning.site({ site: 'fac6' });
    expect(view.audit.filter((e) => e.action === 'provisioning.password-rotated').map((e) => e.target).sort()).toEqual([`appliance:${bySurvey!}`, `appliance:${byRun!}`].sort());
    // The view says where each rotated password is (the vault entry's name), nothing for the third;
    // no rotation is left pending in the vault.
    const whereIs = Object.fromEntries(view.appliances.map((a) => [a.serial, a.passwordVault]));
    expect(whereIs).toEqual({ [bySurvey!]: `provisioning.login-password.${bySurvey!}`, [byRun!]: `provisioning.login-password.${byRun!}`, [off!]: null });
    expect((await vault.list()).filter((n) => n.includes('pending'))).toEqual([]);
    const windowSees = JSON.stringify([view, await client.jobs.results({ id: job.id, offset: 0, limit: 10 }), await client.provisioning.sites({})]);
    for (const file of filesUnder(join(dir, 'data'))) {
      const text = readFileSync(file).toString('latin1');
      for (const p of rotated) expect(text.includes(p), `${p} found in ${file}`).toBe(false);
    }
    for (const p of rotated) expect(windowSees.includes(p)).toBe(false);
  }, 60_000);

  it('after the engine stops mid-job, the next engine reconciles each appliance with what it reports and finishes; no change is made twice', async () => {
    // Replies slowed by half a second: a window a loaded machine's polling below cannot miss.
    const { engine, fleet, vault, dir } = await setup(500);
    const survey = await addFactorySite(fleet, { code: 'fac3', appliances: 3 });
    const serials = survey.appliances.map((a) => String(a['serial']));
    const client = engine.client({ actor: 'test:engineer' }).api;
    await client.provisioning.importSurvey({ content: JSON.stringify(survey), fileName: 'fac3.json' });
    // Every ocactl reply is slowed, so the engine stops between a change and its reply.
    for (const s of serials) fleet.setFault(s, 'slow', true);
    const job = await client.provisioning.start({ site: 'fac3', acceptNew: false });
    const stepsDone = (serial: string) => engine.provisioning.repo.row(serial)!.steps_done;
    // Stop the engine once an appliance took the survey's configuration but its reply is still on the way.
    const changedNotReplied = () => serials.some((s) => stepsDone(s) === 4 && fleet.appliance(s)!.state.config.hostname !== 'localhost');
    await until(changedNotReplied, 'a change whose reply is still on the way', { timeoutMs: 45_000, intervalMs: 5 });
    engine.close();
    for (const s of serials) fleet.setFault(s, 'slow', false);

    const next = createEngine({ dataDir: join(dir, 'data'), host: 'test', vault, checkOutputs: true });
    cleanups.push(() => next.close());
    const ended = await next.client({ actor: 'test:engineer' }).api.jobs.wait({ id: job.id, timeoutMs: 120_000 });
    expect(ended.state).toBe('done');
    expect(ended.progress.ok).toBe(3);
    for (const s of serials) {
      const lab = fleet.appliance(s)!;
      expect(next.inventory.appliance(s).status).toBe('online');
      expect(lab.state.access?.keys).toHaveLength(1);
      // The survey's configuration went in exactly once.
      expect(lab.logs({ limit: 200 }).filter((e) => e.component === 'config')).toHaveLength(1);
    }
  }, 90_000);

  it('an SSH address that reaches another factory appliance (same batch password, no fingerprint) is stopped before anything is sent to it', async () => {
    const { engine, fleet } = await setup();
    const survey: FactorySurvey = await addFactorySite(fleet, { code: 'fac4', appliances: 2, withoutFingerprints: true });
    const [misrouted, reached] = survey.appliances as Record<string, string | number | null>[];
    // The survey's SSH port of the first leads to the second; the vendor used one password for the batch.
    misrouted!['sshPort'] = reached!['sshPort']!;
    misrouted!['factoryPassword'] = reached!['factoryPassword']!;
    const client = engine.client({ actor: 'test:engineer' }).api;
    await client.provisioning.importSurvey({ content: JSON.stringify(survey), fileName: 'fac4.json' });
    const started = await client.provisioning.start({ site: 'fac4', acceptNew: true });
    const byserial = await results(engine, started.id);
    expect(byserial.get(String(misrouted!['serial']))).toMatchObject({ state: 'failed', errorCode: 'E_SERIAL_MISMATCH' });
    expect(byserial.get(String(misrouted!['serial']))?.errorMessage).toContain(String(reached!['serial']));
    expect(byserial.get(String(reached!['serial']))?.state).toBe('ok');
    // The appliance reached carries its own survey's configuration, never the misrouted one's.
    const view = await client.provisioning.site({ site: 'fac4' });
    expect(view.appliances.find((a) => a.serial === String(misrouted!['serial']))).toMatchObject({ state: 'failed', errorCode: 'E_SERIAL_MISMATCH' });
    const hostname = fleet.appliance(String(reached!['serial']))!.status().hostname;
    expect(hostname).toBe(String(reached!['hostname']));
    // Identity per appliance: the other box's host key was never recorded for the surveyed serial
    // (nor audited as its first contact), and the surveyed appliance is still awaiting install.
    const stored = engine.inventory.appliance(String(misrouted!['serial']));
    expect(stored.hostKeyFingerprint).toBeNull();
    expect(stored.status).toBe('awaiting-install');
    const keyChanges = engine.deps.audit.list({ target: `appliance:${String(misrouted!['serial'])}`, limit: 100 }).filter((e) => JSON.stringify(e.details).includes('hostKeyFingerprint'));
    expect(keyChanges).toEqual([]);
    // A retry (the box reached is provisioned now: the batch password no longer logs in) stops
    // before any command, says the address may reach another appliance, and still records nothing.
    const again = await results(engine, (await client.provisioning.start({ site: 'fac4', acceptNew: true })).id);
    expect(again.get(String(misrouted!['serial']))).toMatchObject({ state: 'failed', errorCode: 'E_AUTH' });
    const retried = (await client.provisioning.site({ site: 'fac4' })).appliances.find((a) => a.serial === String(misrouted!['serial']))!;
    expect(retried.hint).toMatch(/reaches an appliance already provisioned/);
    expect(engine.inventory.appliance(String(misrouted!['serial'])).hostKeyFingerprint).toBeNull();
    expect(engine.inventory.appliance(String(misrouted!['serial'])).status).toBe('awaiting-install');
  }, 180_000);
});
