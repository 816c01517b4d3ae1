/**
 * Provisioning: the site survey and bringing a site's factory-fresh appliances into service as one
 * job (kind.ts). The survey's appliances enter the inventory through the inventory's own import
 * (all or nothing, audited); what only provisioning needs (service addresses, BGP, the factory
 * fingerprint) is kept here, and factory credentials go to the vault only.
 */
import type { CallContext } from '../kit/context';
import type { DomainHandlers } from '../kit/contract';
import { FleetError } from '../kit/errors';
import { isoAt } from '../kit/time';
import type { ServiceDeps } from '../deps';
import type { ImportRowError } from '../inventory/contract';
import type { InventoryService } from '../inventory/service';
import type { JobsKernel } from '../jobs/kernel';
import type { NetService } from '../net/service';
import type { Job } from '../jobs/contract';
import {
  provisioningMethods,
  type provisioningEvents,
  type ProvisioningAppliance,
  type ProvisioningSite,
  type StoredSurveyAppliance,
  type SurveyImportReport,
} from './contract';
import { PROVISION_KIND, surveyConfig } from './kind';
import type { ApplianceConfig } from '../appliance/contract';
import { ProvisioningRepo, type ChecklistUpdate, type ProvisionRow } from './repo';
import { readSurvey } from './survey';
import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import { randomPassword } from '../appliance/password-hash';

export type ProvisioningHandlers = DomainHandlers<typeof provisioningMethods, CallContext>;

export interface SurveyedAppliance {
  serial: string;
  site: string;
  /** Where it is reached: the survey's management address. */
  host: string;
  survey: StoredSurveyAppliance;
  confirmedFingerprint: string | null;
  rekeyReason: string | null;
  /** The provisioning job that last started it. */
  jobId: number | null;
}

const AUDIT_ACTIONS = [
  'provisioning.survey-import',
  'provisioning.start',
  'provisioning.hostkey-confirmed',
  'provisioning.hostkey-accepted',
  'provisioning.expected-rekey',
  'provisioning.password-rotated',
  'provisioning.online',
];

/** The vault entry holding an appliance's factory password. */
export const credentialName = (serial: string) => `provisioning.factory-password.${serial}`;
/** The vault entry holding the password that replaced the factory one (`--rotate-password`). */
export const loginPasswordName = (serial: string) => `provisioning.login-password.${serial}`;
/**
 * The vault entry journaling a rotation under way: the new password, written before the appliance
 * is told, until the appliance is known to take it (then it becomes the login password) — so a
 * crash at any point leaves every password the appliance may have in the vault.
 */
export const pendingPasswordName = (serial: string) => `provisioning.login-password-pending.${serial}`;

/** A rotation journaled in the vault: its id (not secret: it makes the audit entry once) and the new password. */
const PendingRotation = z.object({ rotation: z.string().min(1).max(64), password: z.string().min(1).max(256) });
export type PendingRotation = z.infer<typeof PendingRotation>;

export class ProvisioningService {
  readonly repo: ProvisioningRepo;
  readonly handlers: ProvisioningHandlers;

  constructor(
    private readonly deps: ServiceDeps<typeof provisioningEvents>,
    private readonly inventory: InventoryService,
    private readonly net: NetService,
    private readonly jobs: JobsKernel,
  ) {
    this.repo = new ProvisioningRepo(deps.db);
    this.handlers = {
      importSurvey: (input, ctx) => this.importSurvey(input.content, input.fileName, input.dryRun, ctx.actor),
      sites: () => this.repo.sites(),
      site: ({ site }) => this.site(site),
      start: (input, ctx) => this.start(input, ctx.actor),
      confirmHostKey: ({ serial, fingerprint }, ctx) => this.confirmHostKey(serial, fingerprint, ctx.actor),
      expectRekey: ({ serial, reason }, ctx) => this.expectRekey(serial, reason, ctx.actor),
    };
  }

  private now(): string {
    return isoAt(this.deps.clock);
  }

  // Survey

  async importSurvey(content: string, fileName: string, dryRun: boolean, actor: string): Promise<SurveyImportReport> {
    const survey = readSurvey(content, fileName);
    const lineOf = (i: number): ImportRowError => {
      const a = survey.appliances[i];
      return a ? { line: a.line, ...(a.path ? { path: a.path } : {}), reason: '' } : { line: 1, reason: '' };
    };
    let siteCode = survey.siteItem?.code ?? survey.site;
    if (!survey.siteItem) {
      try {
        siteCode = this.inventory.getSite(survey.site).site.code;
      } catch {
        throw new FleetError('E_IMPORT', '1 row has problems; nothing was imported', {
          errors: [{ ...lineOf(0), field: 'site', reason: `site ${survey.site.slice(0, 40)} is not in the inventory: add it first, or import a JSON survey that carries the site` }],
        });
      }
    }
    const errors: ImportRowError[] = [];
    survey.appliances.forEach((a, i) => {
      if (!this.inventory.has(a.value.serial)) return;
      const stored = this.inventory.appliance(a.value.serial);
      const surveyed = this.repo.row(a.value.serial);
      if (!surveyed && stored.status !== 'awaiting-install') {
        errors.push({ ...lineOf(i), field: 'serial', reason: `${a.value.serial} is already in the inventory (${stored.status}, site ${stored.site}); a survey brings new appliances` });
      }
    });
    if (errors.length) throw new FleetError('E_IMPORT', `${errors.length} row${errors.length === 1 ? ' has' : 's have'} problems; nothing was imported`, { errors });
    const doc = {
      partners: survey.partner ? [survey.partner] : [],
      sites: survey.siteItem ? [survey.siteItem] : [],
      appliances: survey.appliances.map(({ value: v }) => ({
        serial: v.serial,
        hostname: v.hostname,
        site: siteCode,
        model: v.model,
        ipv4: v.ipv4,
        ipv6: v.ipv6,
        sshPort: v.sshPort,
        apiPort: v.apiPort,
        storageTb: v.storageTb,
        nicGbps: v.nicGbps,
        ...(this.inventory.has(v.serial) ? {} : { status: 'awaiting-install' as const }),
      })),
    };
    // The inventory's own checks (site rules, duplicate serials...) first, its rows mapped back to the survey's lines.
    try {
      await this.inventory.importDocument(doc, actor, { dryRun: true, source: fileName });
    } catch (err) {
      if (err instanceof FleetError && err.code === 'E_IMPORT') {
        const rows = (err.details as { errors: ImportRowError[] }).errors.map((e) => {
          const m = /^appliances\[(\d+)\]$/.exec(e.path ?? '');
          return m ? { ...e, ...lineOf(Number(m[1])), reason: e.reason } : e;
        });
        throw new FleetError('E_IMPORT', err.message, { errors: rows });
      }
      throw err;
    }
    const credentials = survey.appliances.filter((a) => a.value.factoryPassword !== null).length;
    const created = survey.appliances.filter((a) => !this.inventory.has(a.value.serial)).length;
    if (dryRun) return { site: siteCode, dryRun, appliances: survey.appliances.length, created, credentials };
    await this.inventory.importDocument(doc, actor, { source: fileName });
    const at = this.now();
    this.repo.transaction(() => {
      for (const { value } of survey.appliances) {
        const { factoryPassword, ...stored } = value;
        this.repo.upsertSurvey(stored, siteCode, factoryPassword !== null || this.repo.row(value.serial)?.has_credential === 1, actor, at);
      }
      this.deps.audit.append({
        actor,
        action: 'provisioning.survey-import',
        target: `site:${siteCode}`,
        details: { site: siteCode, file: fileName, appliances: survey.appliances.length, created, credentials },
      });
    });
    for (const { value } of survey.appliances) {
      if (value.factoryPassword !== null) await this.deps.vault.set(credentialName(value.serial), Buffer.from(value.factoryPassword, 'utf8'));
    }
    this.deps.log.info('site survey imported', { actor, site: siteCode, appliances: survey.appliances.length, credentials });
    this.deps.events.emit('changed', { site: siteCode, serial: null });
    return { site: siteCode, dryRun, appliances: survey.appliances.length, created, credentials };
  }

  // Views

  /**
   * Where each appliance's login password is, when provisioning rotated it: the vault entry's name
   * (never the password), from the audit (the last rotation since the last expected re-key); one
   * audit query for the whole set, however many appliances the checklist has.
   */
  private rotatedInto(serials: readonly string[]): Map<string, string | null> {
    const last = this.deps.audit.latestByTarget(
      serials.map((s) => `appliance:${s}`),
      ['provisioning.password-rotated', 'provisioning.expected-rekey'],
    );
    return new Map(serials.map((s) => [s, last.get(`appliance:${s}`)?.action === 'provisioning.password-rotated' ? loginPasswordName(s) : null]));
  }

  /** Checklist lines for `rows`, with one audit query for all of them. */
  private views(rows: readonly ProvisionRow[]): ProvisioningAppliance[] {
    const rotated = this.rotatedInto(rows.map((r) => r.serial));
    return rows.map((r) => this.view(r, rotated.get(r.serial) ?? null));
  }

  private view(row: ProvisionRow, passwordVault: string | null): ProvisioningAppliance {
    const survey = JSON.parse(row.survey) as StoredSurveyAppliance;
    const status = this.inventory.has(row.serial) ? this.inventory.appliance(row.serial).status : 'unknown';
    return {
      serial: row.serial,
      hostname: survey.hostname,
      model: survey.model,
      address: `${survey.ipv4 ?? survey.ipv6 ?? ''}`,
      status,
      stepsDone: row.steps_done,
      state: row.state,
      errorCode: row.error_code,
      errorMessage: row.error_message,
      hint: row.hint,
      surveyFingerprint: survey.hostKeyFingerprint,
      presentedFingerprint: row.presented_fingerprint,
      confirmedFingerprint: row.confirmed_fingerprint,
      rekeyReason: row.rekey_reason,
      hasCredential: row.has_credential === 1,
      passwordVault,
      jobId: row.job_id,
      updatedAt: row.updated_at,
    };
  }

  async site(code: string): Promise<ProvisioningSite> {
    const rows = this.repo.bySite(code);
    if (rows.length === 0) throw new FleetError('E_NOT_FOUND', `No survey has been imported for site ${code}.`);
    const site = rows[0]!.site;
    const jobId = rows.reduce<number | null>((max, r) => (r.job_id !== null && (max === null || r.job_id > max) ? r.job_id : max), null);
    let job: Job | null = null;
    if (jobId !== null) {
      try {
        job = (await this.jobs.handlers.get({ id: jobId }, { actor: 'engine', host: 'cli' })).job;
      } catch {
        job = null;
      }
    }
    const audit = this.deps.audit
      .list({ action: AUDIT_ACTIONS, limit: 500 })
      .filter((e) => e.details['site'] === site)
      .slice(0, 100);
    return { site, appliances: this.views(rows), job, audit };
  }

  // Jobs

  async start(input: z.output<typeof provisioningMethods.start.input>, actor: string): Promise<Job> {
    const rows = this.repo.bySite(input.site).filter((r) => r.state !== 'done' && (!input.serials || input.serials.includes(r.serial)));
    if (this.repo.bySite(input.site).length === 0) throw new FleetError('E_NOT_FOUND', `No survey has been imported for site ${input.site}.`);
    if (rows.length === 0) throw new FleetError('E_VALIDATION', `Every surveyed appliance of ${input.site} is already online; nothing to provision.`);
    const targets = rows.map((r) => {
      const a = this.inventory.appliance(r.serial);
      return { serial: a.serial, site: a.site, partner: a.partner };
    });
    const site = rows[0]!.site;
    const job = await this.jobs.start(PROVISION_KIND, { site, acceptNew: input.acceptNew, concurrency: input.concurrency, passwordLogin: input.passwordLogin }, targets, actor);
    const at = this.now();
    this.repo.transaction(() => {
      for (const r of rows) this.repo.update(r.serial, { jobId: job.id, state: 'waiting', error: null }, at);
      this.deps.audit.append({
        actor,
        action: 'provisioning.start',
        target: `site:${site}`,
        details: { site, job: job.id, appliances: rows.map((r) => r.serial), acceptNew: input.acceptNew, passwordLogin: input.passwordLogin },
      });
    });
    this.deps.events.emit('changed', { site, serial: null });
    return job;
  }

  confirmHostKey(serial: string, fingerprint: string, actor: string): ProvisioningAppliance {
    const row = this.mustRow(serial);
    const survey = JSON.parse(row.survey) as StoredSurveyAppliance;
    if (survey.hostKeyFingerprint && !row.rekey_reason && survey.hostKeyFingerprint !== fingerprint) {
      throw new FleetError('E_CONFLICT', `The survey says ${serial}'s host key is ${survey.hostKeyFingerprint}; a different key is a mismatch, not a first contact.`);
    }
    if (row.presented_fingerprint !== fingerprint) {
      throw new FleetError(
        'E_CONFLICT',
        row.presented_fingerprint
          ? `${serial} presented ${row.presented_fingerprint} at its last contact; confirm the key it shows, not another one.`
          : `${serial} has not shown a host key yet: provision it once, then confirm the key it presents.`,
      );
    }
    const at = this.now();
    this.repo.transaction(() => {
      this.repo.setConfirmed(serial, fingerprint, at);
      this.deps.audit.append({ actor, action: 'provisioning.hostkey-confirmed', target: `appliance:${serial}`, details: { site: row.site, fingerprint } });
    });
    this.deps.events.emit('changed', { site: row.site, serial });
    return this.views([this.mustRow(serial)])[0]!;
  }

  expectRekey(serial: string, reason: string, actor: string): ProvisioningAppliance {
    const row = this.mustRow(serial);
    const previous = this.inventory.appliance(serial).hostKeyFingerprint;
    const at = this.now();
    this.repo.transaction(() => {
      this.repo.startOver(serial, reason, at);
      this.deps.audit.append({ actor, action: 'provisioning.expected-rekey', target: `appliance:${serial}`, details: { site: row.site, reason, previous } });
    });
    this.inventory.forgetHostKey(serial, actor, `expected re-key: ${reason}`);
    if (this.inventory.appliance(serial).status !== 'awaiting-install') this.inventory.setStatus(serial, 'awaiting-install', undefined, actor);
    this.deps.events.emit('changed', { site: row.site, serial });
    return this.views([this.mustRow(serial)])[0]!;
  }

  private mustRow(serial: string): ProvisionRow {
    const row = this.repo.row(serial);
    if (!row) throw new FleetError('E_NOT_FOUND', `${serial} is not in any imported site survey.`);
    return row;
  }

  // For configuration drift (the composition hands this to diagnostics as its `survey` source)

  /** What the site survey says this appliance's configuration is; empty when it was not surveyed. */
  surveyExpectations(serial: string, config: ApplianceConfig): { field: string; value: string; why: string }[] {
    if (!this.repo.row(serial)) return [];
    const a = this.surveyed(serial);
    const why = `site ${a.site}'s survey`;
    const out = surveyConfig(a, config).map((kv) => ({ field: kv.key, value: kv.value, why }));
    if (a.survey.ipv4) out.push({ field: 'address.ipv4', value: a.survey.ipv4, why: `${why} finds it at this management address` });
    if (a.survey.ipv6) out.push({ field: 'address.ipv6', value: a.survey.ipv6, why: `${why} finds it at this management address` });
    return out;
  }

  // For the job kind

  surveyed(serial: string): SurveyedAppliance {
    const row = this.mustRow(serial);
    const survey = JSON.parse(row.survey) as StoredSurveyAppliance;
    return {
      serial,
      site: row.site,
      host: survey.ipv4 ?? survey.ipv6 ?? '',
      survey,
      confirmedFingerprint: row.confirmed_fingerprint,
      rekeyReason: row.rekey_reason,
      jobId: row.job_id,
    };
  }

  checklist(serial: string, update: ChecklistUpdate): void {
    this.repo.update(serial, update, this.now());
    this.deps.events.emit('changed', { site: this.mustRow(serial).site, serial });
  }

  notePresented(serial: string, fingerprint: string): void {
    this.repo.update(serial, { presentedFingerprint: fingerprint }, this.now());
  }

  recordedFingerprint(serial: string): string | null {
    return this.inventory.appliance(serial).hostKeyFingerprint;
  }

  auditAcceptNew(serial: string, fingerprint: string, actor: string): void {
    this.deps.audit.append({ actor, action: 'provisioning.hostkey-accepted', target: `appliance:${serial}`, details: { site: this.mustRow(serial).site, fingerprint, via: 'accept-new' } });
  }

  /** Record the verified key in the inventory (audited there), so the fleet pool checks it strictly. */
  trustFingerprint(serial: string, fingerprint: string, actor: string): void {
    if (this.inventory.appliance(serial).hostKeyFingerprint === fingerprint) return;
    this.inventory.recordHostKey(serial, fingerprint, actor, 'first-contact');
    this.repo.clearRekey(serial);
  }

  markProvisioning(serial: string, actor: string): void {
    const a = this.inventory.appliance(serial);
    if (a.status === 'awaiting-install') this.inventory.setStatus(serial, 'provisioning', undefined, actor);
  }

  async markOnline(serial: string, actor: string): Promise<void> {
    const row = this.mustRow(serial);
    if (this.inventory.appliance(serial).status !== 'online') this.inventory.setStatus(serial, 'online', undefined, actor);
    this.deps.audit.append({
      actor,
      action: 'provisioning.online',
      target: `appliance:${serial}`,
      details: { site: row.site, fingerprint: this.inventory.appliance(serial).hostKeyFingerprint },
    });
  }

  /** The rotation journaled for this appliance and not settled yet, or null. */
  async pendingRotation(serial: string): Promise<PendingRotation | null> {
    const raw = await this.deps.vault.get(pendingPasswordName(serial));
    if (!raw) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      parsed = null;
    }
    const pending = PendingRotation.safeParse(parsed);
    if (!pending.success) throw new FleetError('E_INTERNAL', `The vault entry ${pendingPasswordName(serial)} is not a rotation this engine wrote; it was left as it is.`);
    return pending.data;
  }

  /**
   * Journal a rotation before the appliance is told: a new random password in the vault as pending.
   * A pending one already there is returned instead (a previous attempt may have sent it: sending
   * the same password again is harmless, a different one could leave a late command's password
   * unknown).
   */
  async journalRotation(serial: string): Promise<PendingRotation> {
    const existing = await this.pendingRotation(serial);
    if (existing) return existing;
    const pending = { rotation: randomUUID(), password: randomPassword() };
    await this.deps.vault.set(pendingPasswordName(serial), Buffer.from(JSON.stringify(pending), 'utf8'));
    return pending;
  }

  /**
   * The appliance takes the journaled password: it becomes the login password (vault only), the
   * rotation is audited without it (once, however often a crash makes this run again), and the
   * pending entry goes.
   */
  async settleRotation(serial: string, pending: PendingRotation, actor: string): Promise<void> {
    const name = loginPasswordName(serial);
    await this.deps.vault.set(name, Buffer.from(pending.password, 'utf8'));
    const site = this.mustRow(serial).site;
    this.repo.transaction(() => {
      const audited = this.deps.audit
        .list({ target: `appliance:${serial}`, action: ['provisioning.password-rotated'], limit: 20 })
        .some((e) => e.details['rotation'] === pending.rotation);
      if (!audited) this.deps.audit.append({ actor, action: 'provisioning.password-rotated', target: `appliance:${serial}`, details: { site, vault: name, rotation: pending.rotation } });
    });
    await this.deps.vault.delete(pendingPasswordName(serial));
    this.deps.events.emit('changed', { site, serial });
  }

  /** A journaled rotation that no longer matters (password login is off): the pending entry goes. */
  async dropPendingRotation(serial: string): Promise<void> {
    await this.deps.vault.delete(pendingPasswordName(serial));
  }

  /** The password rotated into the vault for this appliance, or null. */
  async loginPassword(serial: string): Promise<string | null> {
    const secret = await this.deps.vault.get(loginPasswordName(serial));
    return secret ? secret.toString('utf8') : null;
  }

  async factoryPassword(serial: string): Promise<string | null> {
    const secret = await this.deps.vault.get(credentialName(serial));
    return secret ? secret.toString('utf8') : null;
  }

  fleetPublicKey(actor: string): Promise<string> {
    return this.net.ensureFleetPublicKey(actor);
  }

  /** ocactl over the fleet key (the engine's shared pool, strict host-key checking). */
  fleetAccess(): { exec(serial: string, argv: string[], timeoutMs: number, signal: AbortSignal): Promise<{ stdout: string }>; close(): void } {
    const route = this.net.router();
    return {
      // The shared pool is taken at each call: it is replaced when the fleet key or the settings change.
      exec: (serial, argv, timeoutMs, signal) =>
        this.net.sharedPool().exec(route(this.inventory.appliance(serial)), argv, { timeoutMs, signal, maxOutputBytes: 1024 * 1024, failOnOverflow: true }),
      close: () => undefined,
    };
  }
}
