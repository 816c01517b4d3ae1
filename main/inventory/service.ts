/**
 * The inventory service: partners, sites, appliances, imports, exports and the audit log.
 *
 * Ways in:
 * - `handlers`: the contract's methods (main/inventory/contract.ts), reached through the dispatcher
 *   by every window and by `engine.client()`.
 * - Plain methods for other domains and the CLI, in-process (the actor names who acts, e.g.
 *   `lab:simulator`, `cli:alice`; it goes into the audit log):
 *     importDocument(doc, actor, { dryRun })  typed JSON document (see InventoryDocument in
 *                                             import-items.ts); the lab seeds its fleet with it.
 *     importData({ format, kind?, content, dryRun }, actor)   the RPC import, CSV or JSON text.
 *     importStream(readable, { kind?, dryRun?, source? }, actor)  CSV from a stream (the CLI's
 *                                             large files; memory stays flat).
 *     exportChunks({ format, kind? })         the export as text chunks, for a file or stdout.
 *     listAppliances(query), getAppliance(serial), setStatus(...), updateAppliance(...), ...
 *   Every import is all-or-nothing and returns { dryRun, rows, created, updated, unchanged };
 *   a bad input throws FleetError('E_IMPORT', ..., { errors: [{ line, path?, field?, reason }] }).
 *
 * Every change and its audit entry are written in one transaction; `inventory.changed` is
 * emitted after the commit.
 */
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import type { CallContext } from '../kit/context';
import { fieldError, FleetError } from '../kit/errors';
import type { DomainHandlers } from '../kit/contract';
import type { ServiceDeps } from '../deps';
import { isoAt } from '../kit/time';
import { applianceChanges, normalizeTags, recordOf, statusChange } from './appliance-record';
import {
  LIFECYCLE_STATUSES,
  type Appliance,
  type ApplianceInput,
  type AppliancePage,
  type ApplianceQuery,
  type AppliancePatch,
  type AuditEntry,
  type Facets,
  type ImportReport,
  type inventoryMethods,
  type LifecycleStatus,
  type Overview,
  type Site,
  type SiteInput,
  type SiteSummary,
  type StatusCounts,
  type inventoryEvents,
} from './contract';
import { readCsv, type CsvKind } from './csv';
import { inBatches } from '../kit/batches';
import { applianceItem, parseDocumentText, readDocument } from './document';
import { EXPORT_MIME, exportChunks, exportFilename, type ExportFormat, type ExportKind } from './exporter';
import type { InventoryDocument } from './import-items';
import { Importer, siteChanges, type ImportRun } from './importer';
import { InventoryRepo, type ApplianceFilter, type ApplianceRecord, type ServingGroup, type StoredAppliance, type StoredSite } from './repo';

export type { InventoryDocument } from './import-items';

type ParsedApplianceInput = z.output<typeof ApplianceInput>;
type ParsedQuery = z.output<typeof ApplianceQuery>;
type InventoryHandlers = DomainHandlers<typeof inventoryMethods, CallContext>;

export interface ImportOptions {
  dryRun?: boolean;
  /** Rows may replace recorded host-key fingerprints (audited); otherwise such rows are refused. */
  replaceHostKeys?: boolean;
  /** For the audit log: the file name, `rpc`, `lab`, ... */
  source?: string;
}

/** JSON document items are handed to the importer this many at a time (CSV rows come a chunk of the file at a time). */
const DOCUMENT_BATCH = 1000;
const RECENT_AUDIT = 50;

function publicAppliance(stored: StoredAppliance): Appliance {
  const { id: _id, siteId: _siteId, ...appliance } = stored;
  return appliance;
}

function publicSite(stored: StoredSite): Site {
  const { id: _id, ...site } = stored;
  return site;
}

const zeroCounts = (): StatusCounts =>
  Object.fromEntries(LIFECYCLE_STATUSES.map((s) => [s, 0])) as Record<LifecycleStatus, number>;

export class InventoryService {
  readonly repo: InventoryRepo;
  readonly handlers: InventoryHandlers;
  private readonly importer: Importer;
  private importTail: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ServiceDeps<typeof inventoryEvents>) {
    this.repo = new InventoryRepo(deps.db);
    this.importer = new Importer(this.repo, deps.audit, deps.clock, deps.checkpoints);
    this.handlers = {
      overview: () => this.overview(),
      facets: () => this.facets(),
      listAppliances: (q) => this.listAppliances(q),
      getAppliance: ({ serial }) => this.getAppliance(serial),
      createAppliance: (input, ctx) => this.createAppliance(input, ctx.actor),
      updateAppliance: ({ serial, patch }, ctx) => this.updateAppliance(serial, patch, ctx.actor),
      setStatus: ({ serial, status, reason }, ctx) => this.setStatus(serial, status, reason, ctx.actor),
      deleteAppliance: ({ serial, reason }, ctx) => this.deleteAppliance(serial, reason, ctx.actor),
      listSites: () => this.listSites(),
      getSite: ({ code }) => this.getSite(code),
      upsertSite: (input, ctx) => this.upsertSite(input, ctx.actor),
      importData: (req, ctx) => this.importData(req, ctx.actor),
      exportData: (req) => this.exportData(req),
      audit: (q) => this.deps.audit.list(q),
    };
  }

  private now(): string {
    return isoAt(this.deps.clock);
  }

  /** Follow inventory changes (health drops its cached selections); returns the function that stops. */
  onChanged(listener: (change: z.output<typeof inventoryEvents.changed>) => void): () => void {
    return this.deps.events.on('changed', listener);
  }

  private changed(kind: 'appliance' | 'site' | 'import', keys: string[]): void {
    this.deps.events.emit('changed', { kind, keys });
  }

  // Queries

  listAppliances(query: ParsedQuery): AppliancePage {
    const { total, items } = this.repo.queryAppliances(query as ApplianceFilter);
    return { total, offset: query.offset, items: items.map(publicAppliance) };
  }

  /** Whether the inventory holds this serial (one indexed lookup). */
  has(serial: string): boolean {
    return this.repo.applianceBySerial(serial) !== undefined;
  }

  /** One appliance alone, without its site and audit trail (hot paths: fan-out, host-key checks). */
  appliance(serial: string): Appliance {
    const appliance = this.repo.applianceBySerial(serial);
    if (!appliance) throw new FleetError('E_NOT_FOUND', `There is no appliance with serial ${serial}.`);
    return publicAppliance(appliance);
  }

  getAppliance(serial: string): { appliance: Appliance; site: Site; audit: AuditEntry[] } {
    const appliance = this.repo.applianceBySerial(serial);
    if (!appliance) throw new FleetError('E_NOT_FOUND', `There is no appliance with serial ${serial}.`);
    const site = this.repo.siteByCode(appliance.site)!;
    const audit = this.deps.audit.list({ target: `appliance:${serial}`, limit: RECENT_AUDIT });
    return { appliance: publicAppliance(appliance), site: publicSite(site), audit };
  }

  listSites(): SiteSummary[] {
    return this.siteSummaries().summaries;
  }

  getSite(code: string): { site: SiteSummary; audit: AuditEntry[] } {
    const site = this.siteSummaries().summaries.find((s) => s.code === code);
    if (!site) throw new FleetError('E_NOT_FOUND', `There is no site with code ${code}.`);
    return { site, audit: this.deps.audit.list({ target: `site:${code}`, limit: RECENT_AUDIT }) };
  }

  overview(): Overview {
    const { summaries, bySite } = this.siteSummaries();
    const totals = { partners: 0, sites: summaries.length, appliances: 0, capacityTb: 0, counts: zeroCounts() };
    const partners = this.repo.allPartners().map((p) => {
      const sites = summaries.filter((s) => s.partnerId === p.id);
      const counts = zeroCounts();
      let appliances = 0;
      let capacityTb = 0;
      for (const s of sites) {
        appliances += s.appliances;
        capacityTb += s.capacityTb;
        for (const status of LIFECYCLE_STATUSES) counts[status] = (counts[status] ?? 0) + (s.counts[status] ?? 0);
      }
      return { id: p.id, name: p.name, asn: p.asn, appliances, capacityTb, counts, sites };
    });
    totals.partners = partners.length;
    for (const row of bySite) {
      totals.appliances += row.appliances;
      totals.capacityTb += row.capacityTb;
      totals.counts[row.status] = (totals.counts[row.status] ?? 0) + row.appliances;
    }
    return { totals, partners };
  }

  facets(): Facets {
    return {
      sites: this.repo.allSites().map((s) => ({ code: s.code, name: s.name, partner: s.partner })),
      partners: this.repo.allPartners().map((p) => p.name),
      tags: this.repo.distinctTags(),
      firmware: this.repo.distinctFirmware(),
    };
  }

  /**
   * Every site's appliances grouped by model, status and NIC speed, with their count: what a serving
   * capacity is made of, in one query (at 100,000 appliances a few thousand groups instead of 100,000
   * appliance records).
   */
  servingGroups(): ServingGroup[] {
    return this.repo.servingGroups();
  }

  private siteSummaries() {
    const bySite = this.repo.statusCounts();
    const summaries = this.repo.allSites().map((stored): SiteSummary => {
      const counts = zeroCounts();
      let appliances = 0;
      let capacityTb = 0;
      for (const row of bySite) {
        if (row.siteId !== stored.id) continue;
        counts[row.status] = row.appliances;
        appliances += row.appliances;
        capacityTb += row.capacityTb;
      }
      return { ...publicSite(stored), appliances, counts, capacityTb };
    });
    return { summaries, bySite };
  }

  // Single changes

  createAppliance(input: ParsedApplianceInput, actor: string): Appliance {
    const at = this.now();
    this.repo.transaction(() => {
      const site = this.repo.siteByCode(input.site);
      if (!site) throw fieldError(['site'], `Site ${input.site} does not exist; add the site first.`);
      if (this.repo.applianceBySerial(input.serial)) {
        throw new FleetError('E_CONFLICT', `An appliance with serial ${input.serial} already exists.`);
      }
      const record: ApplianceRecord = {
        ...input,
        siteId: site.id,
        tags: normalizeTags(input.tags),
        statusReason: null,
        statusChangedBy: actor,
        statusChangedAt: at,
        hostKeyFingerprint: null,
      };
      this.repo.insertAppliance(record, at);
      this.audit(actor, at, 'appliance.create', `appliance:${input.serial}`, { site: site.code, status: input.status });
    });
    this.changed('appliance', [input.serial]);
    return publicAppliance(this.repo.applianceBySerial(input.serial)!);
  }

  updateAppliance(serial: string, patch: AppliancePatch, actor: string): Appliance {
    const at = this.now();
    const changed = this.repo.transaction(() => {
      const current = this.mustFind(serial);
      const before = recordOf(current);
      const next: ApplianceRecord = { ...before };
      for (const [key, value] of Object.entries(patch) as [keyof AppliancePatch, unknown][]) {
        if (value === undefined || key === 'site' || key === 'tags') continue;
        (next as unknown as Record<string, unknown>)[key] = value;
      }
      if (patch.tags) next.tags = normalizeTags(patch.tags);
      if (patch.site !== undefined && patch.site !== current.site) {
        const site = this.repo.siteByCode(patch.site);
        if (!site) throw fieldError(['patch', 'site'], `Site ${patch.site} does not exist.`);
        next.siteId = site.id;
        next.site = site.code;
      }
      if (next.ipv4 === null && next.ipv6 === null) {
        throw new FleetError('E_VALIDATION', 'An appliance needs a management IPv4 or IPv6 address.');
      }
      if (before.hostKeyFingerprint !== null && next.hostKeyFingerprint !== before.hostKeyFingerprint) {
        throw new FleetError(
          'E_CONFLICT',
          `${serial} has the trusted host key ${before.hostKeyFingerprint}; an edit does not change or remove a trusted key. ` +
            'If the appliance was re-installed, connect to it and resolve the host-key alert that raises (fleetdeck net alerts), which records the new key.',
        );
      }
      const changes = applianceChanges(before, next);
      if (Object.keys(changes).length === 0) return false;
      this.repo.updateAppliance(current.id, next, at, 'tags' in changes);
      this.audit(actor, at, 'appliance.update', `appliance:${serial}`, { changes });
      return true;
    });
    if (changed) this.changed('appliance', [serial]);
    return publicAppliance(this.repo.applianceBySerial(serial)!);
  }

  /**
   * The host-key trust flow's way to record an appliance's key (main/net/host-trust.ts): first
   * contact (accept-new, trust) or a resolved mismatch alert. Audited (`appliance.update`, via host-key trust);
   * the only way a recorded key is replaced outside an import that says so.
   */
  recordHostKey(serial: string, fingerprint: string, actor: string, why: 'first-contact' | 'alert-resolved' | 'known-hosts'): Appliance {
    const at = this.now();
    const changed = this.repo.transaction(() => {
      const current = this.mustFind(serial);
      const before = recordOf(current);
      if (before.hostKeyFingerprint === fingerprint) return false;
      if (before.hostKeyFingerprint !== null && why !== 'alert-resolved') {
        throw new FleetError(
          'E_CONFLICT',
          `${serial} already has the trusted host key ${before.hostKeyFingerprint}. A different key is a mismatch: resolve its host-key alert instead.`,
        );
      }
      this.repo.updateAppliance(current.id, { ...before, hostKeyFingerprint: fingerprint }, at, false);
      this.audit(actor, at, 'appliance.update', `appliance:${serial}`, {
        via: 'host-key trust',
        why,
        changes: { hostKeyFingerprint: { from: before.hostKeyFingerprint, to: fingerprint } },
      });
      return true;
    });
    if (changed) this.changed('appliance', [serial]);
    return publicAppliance(this.repo.applianceBySerial(serial)!);
  }

  /**
   * Forget an appliance's recorded host key (in-process only: no window can ask for it), so that its
   * next contact is a first contact again. Audited (`appliance.update`, via host-key trust).
   */
  forgetHostKey(serial: string, actor: string, reason: string): void {
    const at = this.now();
    const changed = this.repo.transaction(() => {
      const current = this.mustFind(serial);
      const before = recordOf(current);
      if (before.hostKeyFingerprint === null) return false;
      this.repo.updateAppliance(current.id, { ...before, hostKeyFingerprint: null }, at, false);
      this.audit(actor, at, 'appliance.update', `appliance:${serial}`, {
        via: 'host-key trust',
        why: reason,
        changes: { hostKeyFingerprint: { from: before.hostKeyFingerprint, to: null } },
      });
      return true;
    });
    if (changed) this.changed('appliance', [serial]);
  }

  /** Drained, offline and rma need a reason (E_VALIDATION otherwise); it is kept with the actor. */
  setStatus(serial: string, status: LifecycleStatus, reason: string | undefined, actor: string): Appliance {
    const at = this.now();
    const changed = this.repo.transaction(() => {
      const current = this.mustFind(serial);
      const before = recordOf(current);
      const change = statusChange(before, status, reason, actor, at);
      if ('refused' in change) throw fieldError(['reason'], `${capitalize(change.refused)}.`);
      if (change.status === before.status) return false;
      this.repo.updateAppliance(current.id, { ...before, ...change }, at, false);
      this.audit(actor, at, 'appliance.status', `appliance:${serial}`, {
        from: before.status,
        to: change.status,
        reason: change.statusReason,
      });
      return true;
    });
    if (changed) this.changed('appliance', [serial]);
    return publicAppliance(this.repo.applianceBySerial(serial)!);
  }

  deleteAppliance(serial: string, reason: string, actor: string): { deleted: boolean } {
    const at = this.now();
    const deleted = this.repo.transaction(() => {
      const current = this.repo.applianceBySerial(serial);
      if (!current) return false;
      this.repo.deleteAppliance(current.id);
      this.audit(actor, at, 'appliance.delete', `appliance:${serial}`, { reason, appliance: applianceItem(current) });
      return true;
    });
    if (deleted) this.changed('appliance', [serial]);
    return { deleted };
  }

  upsertSite(input: SiteInput, actor: string): Site {
    const at = this.now();
    const changed = this.repo.transaction(() => {
      let changed = false;
      const partner = this.repo.partnerByName(input.partner);
      let partnerId: number;
      if (!partner) {
        partnerId = this.repo.insertPartner(input.partner, input.asn, at);
        this.audit(actor, at, 'partner.create', `partner:${input.partner}`, { asn: input.asn });
        changed = true;
      } else {
        partnerId = partner.id;
        if (partner.asn !== input.asn) {
          this.repo.updatePartnerAsn(partner.id, input.asn, at);
          this.audit(actor, at, 'partner.update', `partner:${input.partner}`, {
            changes: { asn: { from: partner.asn, to: input.asn } },
          });
          changed = true;
        }
      }
      const before = this.repo.siteByCode(input.code);
      if (!before) {
        this.repo.insertSite(input, partnerId, at);
        this.audit(actor, at, 'site.create', `site:${input.code}`, { partner: input.partner });
        return true;
      }
      const changes = siteChanges(before, input, partnerId);
      if (Object.keys(changes).length === 0) return changed;
      this.repo.updateSite(before.id, input, partnerId, at);
      this.audit(actor, at, 'site.update', `site:${input.code}`, { changes });
      return true;
    });
    if (changed) this.changed('site', [input.code]);
    return publicSite(this.repo.siteByCode(input.code)!);
  }

  private mustFind(serial: string): StoredAppliance {
    const current = this.repo.applianceBySerial(serial);
    if (!current) throw new FleetError('E_NOT_FOUND', `There is no appliance with serial ${serial}.`);
    return current;
  }

  private audit(actor: string, at: string, action: string, target: string, details: Record<string, unknown>): void {
    this.deps.audit.append({ at, actor, action, target, details });
  }

  // Imports and exports

  /** CSV or JSON text (the RPC import). CSV infers sites/appliances from the header unless `kind` is given. */
  importData(
    req: { format: 'csv' | 'json'; kind?: CsvKind | undefined; content: string; dryRun?: boolean; replaceHostKeys?: boolean },
    actor: string,
  ): Promise<ImportReport> {
    const source = req.format === 'csv' ? `rpc:${req.kind ?? 'csv'}` : 'rpc:json';
    return this.runImport(
      () => (req.format === 'csv' ? readCsv(req.content, req.kind) : inBatches(readDocument(parseDocumentText(req.content)), DOCUMENT_BATCH)),
      { dryRun: req.dryRun ?? false, source, replaceHostKeys: req.replaceHostKeys ?? false },
      actor,
    );
  }

  /** A CSV stream, read as it arrives (the CLI's path for files of any size). */
  importStream(input: Readable, opts: ImportOptions & { kind?: CsvKind | undefined }, actor: string): Promise<ImportReport> {
    return this.runImport(
      () => readCsv(input, opts.kind),
      { dryRun: opts.dryRun ?? false, source: opts.source ?? 'stream.csv', replaceHostKeys: opts.replaceHostKeys ?? false },
      actor,
    );
  }

  /** A typed JSON document (the lab's seeding path); validated item by item like any import. */
  importDocument(doc: InventoryDocument, actor: string, opts: ImportOptions = {}): Promise<ImportReport> {
    return this.runImport(
      () => inBatches(readDocument(doc), DOCUMENT_BATCH),
      { dryRun: opts.dryRun ?? false, source: opts.source ?? 'document', replaceHostKeys: opts.replaceHostKeys ?? false },
      actor,
    );
  }

  /** Imports run one at a time; each is one transaction at the end. */
  private runImport(
    rows: () => ImportRun['rows'],
    opts: { dryRun: boolean; source: string; replaceHostKeys: boolean },
    actor: string,
  ): Promise<ImportReport> {
    const run = async () => {
      const outcome = await this.importer.run({ rows: rows(), actor, ...opts });
      const { report } = outcome;
      if (!report.dryRun && report.created + report.updated > 0) this.changed('import', outcome.changedKeys);
      this.deps.log.info('inventory import', { actor, source: opts.source, ...report });
      return report;
    };
    const result = this.importTail.then(run, run);
    this.importTail = result.catch(() => undefined);
    return result;
  }

  exportData(req: { format: ExportFormat; kind?: ExportKind | undefined }): { filename: string; mime: string; content: string } {
    const at = this.now();
    return {
      filename: exportFilename(req.format, req.kind, at),
      mime: EXPORT_MIME[req.format],
      content: [...exportChunks(this.repo, req.format, req.kind, at)].join(''),
    };
  }

  /** The export as chunks of text, for writing to a file or stdout as they come. */
  exportChunks(req: { format: ExportFormat; kind?: ExportKind | undefined }): Iterable<string> {
    return exportChunks(this.repo, req.format, req.kind, this.now());
  }
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
