/**
 * Imports are all or nothing. Rows are read and validated as they stream in; appliance rows wait
 * in a temp table (memory stays flat for any file size); then one transaction merges partners,
 * sites and appliances, checking what needs the database (duplicate serials, unknown sites,
 * status changes without a reason). Any bad row anywhere: the transaction rolls back and the
 * error lists every bad row. Upserts are by partner name, site code and serial; an unchanged row
 * writes nothing, not even an audit entry, so importing the same file twice changes nothing.
 */
import { FleetError } from '../kit/errors';
import { isoAt, type Clock } from '../kit/time';
import type { AuditLog } from '../audit/service';
import type { WalCheckpointer } from '../store/checkpoints';
import { applianceChanges, normalizeTags, recordOf, statusChange } from './appliance-record';
import type { ImportReport, ImportRowError, SiteInput } from './contract';
import type { ApplianceItem, ParsedRow, PartnerItem, SiteItem } from './import-items';
import type { ApplianceRecord, ApplianceStage, InventoryRepo, StagedAppliance, StoredPartner, StoredSite } from './repo';

export interface ImportRun {
  /** The rows in file order, a batch at a time. */
  rows: AsyncIterable<readonly ParsedRow[]> | Iterable<readonly ParsedRow[]>;
  dryRun: boolean;
  actor: string;
  /** Where the rows came from, for the audit log: a file name, `rpc`, `document`. */
  source: string;
  /** Rows may replace a recorded host-key fingerprint (else such a row is refused). */
  replaceHostKeys?: boolean;
}

/** What changed, for the `inventory.changed` event (keys are capped; empty means "refetch everything"). */
export interface ImportOutcome {
  report: ImportReport;
  changedKeys: string[];
}

/**
 * Validated appliance rows are staged this many at a time: small enough that the row objects die
 * young (cheap to collect; 2,000 cost about 8 % more CPU at 100,000 rows), large enough that each
 * batch's transaction is noise.
 */
const STAGE_BATCH = 250;
/** Changed rows read back from the stage per chunk. */
const CHANGES_CHUNK = 2000;
const MAX_EVENT_KEYS = 500;
const GROUPS = ['partners', 'sites', 'appliances'];

interface Placed<T> {
  line: number;
  path: string | null;
  value: T;
}

class Rejected extends Error {}
class DryRunDone extends Error {
  constructor(readonly outcome: ImportOutcome) {
    super('dry run');
  }
}

/** Collects bad rows in file order (JSON: partners, then sites, then appliances). */
class Problems {
  private readonly list: (ImportRowError & { order: number })[] = [];
  add(line: number, path: string | null | undefined, reason: string, field?: string): void {
    const group = path ? Math.max(0, GROUPS.indexOf(path.slice(0, path.indexOf('[')))) : 0;
    this.list.push({
      line,
      ...(field === undefined ? {} : { field }),
      ...(path ? { path } : {}),
      reason,
      order: group * 2 ** 32 + line,
    });
  }
  get count(): number {
    return this.list.length;
  }
  sorted(): ImportRowError[] {
    return [...this.list].sort((a, b) => a.order - b.order).map(({ order: _order, ...e }) => e);
  }
  /** Rows with problems (a row can have several). */
  rows(): number {
    return new Set(this.list.map((e) => `${e.path ?? ''}#${e.line}`)).size;
  }
}

export class Importer {
  constructor(
    private readonly repo: InventoryRepo,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly checkpoints: WalCheckpointer,
  ) {}

  async run(run: ImportRun): Promise<ImportOutcome> {
    const problems = new Problems();
    const partners: Placed<PartnerItem>[] = [];
    const sites: Placed<SiteItem>[] = [];
    let rows = 0;
    const stage = this.repo.createApplianceStage();
    try {
      let batch: StagedAppliance[] = [];
      for await (const read of run.rows) {
        for (const row of read) {
          rows++;
          const path = row.path ?? null;
          if ('problems' in row) {
            for (const p of row.problems) problems.add(row.line, path, p.reason, p.field);
            continue;
          }
          const { item } = row;
          if (item.kind === 'partner') partners.push({ line: row.line, path, value: item.value });
          else if (item.kind === 'site') sites.push({ line: row.line, path, value: item.value });
          else {
            // The row's value is ours: its tags are normalised in place.
            const value = item.value;
            value.tags = normalizeTags(value.tags);
            batch.push({ line: row.line, path, item: value });
            if (batch.length >= STAGE_BATCH) {
              stage.add(batch);
              batch = [];
            }
          }
        }
      }
      stage.add(batch);
      stage.seal();
      return this.commit(run, { problems, partners, sites, stage, rows });
    } finally {
      stage.drop();
    }
  }

  private commit(
    run: ImportRun,
    input: { problems: Problems; partners: Placed<PartnerItem>[]; sites: Placed<SiteItem>[]; stage: ApplianceStage; rows: number },
  ): ImportOutcome {
    const { problems } = input;
    const at = isoAt(this.clock);
    const counts = { created: 0, updated: 0, unchanged: 0 };
    const changedKeys: string[] = [];
    let keysOverflow = false;
    const changed = (key: string) => {
      if (changedKeys.length < MAX_EVENT_KEYS) changedKeys.push(key);
      else keysOverflow = true;
    };
    try {
      const write = () => this.repo.transaction(() => {
        const partnerIds = this.mergePartners(run, input.partners, input.sites, problems, counts, changed, at);
        this.mergeSites(run, input.sites, partnerIds, problems, counts, changed, at);
        this.mergeAppliances(run, input.stage, problems, counts, changed, at);
        if (problems.count > 0) throw new Rejected();
        const report: ImportReport = { dryRun: run.dryRun, rows: input.rows, ...counts };
        const outcome = { report, changedKeys: keysOverflow ? [] : changedKeys };
        if (run.dryRun) throw new DryRunDone(outcome);
        if (counts.created + counts.updated > 0) {
          this.audit.append({
            at,
            actor: run.actor,
            action: 'inventory.import',
            target: `import:${run.source}`,
            details: { ...report },
          });
        }
        return outcome;
      });
      // A large import commits tens of MB (100,000 appliances: 87 MB): its checkpoint runs on a background thread.
      return this.checkpoints.bulk(write, input.rows);
    } catch (err) {
      if (err instanceof DryRunDone) return err.outcome;
      if (err instanceof Rejected) {
        const n = problems.rows();
        throw new FleetError('E_IMPORT', `${n} row${n === 1 ? ' has' : 's have'} problems; nothing was imported`, {
          errors: problems.sorted(),
        });
      }
      throw err;
    } finally {
      if (!run.dryRun && counts.created + counts.updated > 100) this.repo.optimize();
    }
  }

  /** Partners listed in the document and those named by site rows; returns name -> id. */
  private mergePartners(
    run: ImportRun,
    listed: Placed<PartnerItem>[],
    sites: Placed<SiteItem>[],
    problems: Problems,
    counts: { created: number; updated: number; unchanged: number },
    changed: (key: string) => void,
    at: string,
  ): Map<string, number> {
    const existing = new Map<string, StoredPartner>(this.repo.allPartners().map((p) => [p.name, p]));
    const wanted = new Map<string, { asn: number; where: string; explicit: boolean }>();
    for (const p of listed) {
      const first = wanted.get(p.value.name);
      if (first) problems.add(p.line, p.path, `partner "${p.value.name}" is listed twice (first at ${first.where})`, 'name');
      else wanted.set(p.value.name, { asn: p.value.asn, where: p.path ?? `line ${p.line}`, explicit: true });
    }
    for (const s of sites) {
      const name = s.value.partner;
      const first = wanted.get(name);
      const asn = s.value.asn;
      if (asn === undefined) {
        if (!first && !existing.has(name)) {
          problems.add(s.line, s.path, `partner "${name}" is new; give its asn here or list it under partners`, 'asn');
        }
      } else if (first && first.asn !== asn) {
        problems.add(s.line, s.path, `partner "${name}" has ASN ${first.asn} at ${first.where}, but ${asn} here`, 'asn');
      } else if (!first) {
        wanted.set(name, { asn, where: s.path ?? `line ${s.line}`, explicit: false });
      }
    }
    const ids = new Map<string, number>([...existing].map(([name, p]) => [name, p.id]));
    for (const [name, want] of wanted) {
      const before = existing.get(name);
      const count = (kind: keyof typeof counts) => {
        if (want.explicit) counts[kind]++;
      };
      if (!before) {
        ids.set(name, this.repo.insertPartner(name, want.asn, at));
        this.audit.append({ at, actor: run.actor, action: 'partner.create', target: `partner:${name}`, details: { via: 'import', source: run.source, asn: want.asn } });
        changed(`partner:${name}`);
        count('created');
      } else if (before.asn !== want.asn) {
        this.repo.updatePartnerAsn(before.id, want.asn, at);
        this.audit.append({ at, actor: run.actor, action: 'partner.update', target: `partner:${name}`, details: { via: 'import', source: run.source, changes: { asn: { from: before.asn, to: want.asn } } } });
        changed(`partner:${name}`);
        count('updated');
      } else {
        count('unchanged');
      }
    }
    return ids;
  }

  private mergeSites(
    run: ImportRun,
    sites: Placed<SiteItem>[],
    partnerIds: Map<string, number>,
    problems: Problems,
    counts: { created: number; updated: number; unchanged: number },
    changed: (key: string) => void,
    at: string,
  ): void {
    const existing = new Map<string, StoredSite>(this.repo.allSites().map((s) => [s.code, s]));
    const seen = new Map<string, string>();
    for (const s of sites) {
      const { value } = s;
      const first = seen.get(value.code);
      if (first) {
        problems.add(s.line, s.path, `site ${value.code} appears twice (first at ${first})`, 'code');
        continue;
      }
      seen.set(value.code, s.path ?? `line ${s.line}`);
      const partnerId = partnerIds.get(value.partner);
      if (partnerId === undefined) continue; // reported by mergePartners
      const site = value;
      const before = existing.get(value.code);
      if (!before) {
        this.repo.insertSite(site, partnerId, at);
        this.audit.append({ at, actor: run.actor, action: 'site.create', target: `site:${value.code}`, details: { via: 'import', source: run.source, partner: value.partner } });
        changed(`site:${value.code}`);
        counts.created++;
        continue;
      }
      const changes = siteChanges(before, site, partnerId);
      if (Object.keys(changes).length === 0) {
        counts.unchanged++;
        continue;
      }
      this.repo.updateSite(before.id, site, partnerId, at);
      this.audit.append({ at, actor: run.actor, action: 'site.update', target: `site:${value.code}`, details: { via: 'import', source: run.source, changes } });
      changed(`site:${value.code}`);
      counts.updated++;
    }
  }

  private mergeAppliances(
    run: ImportRun,
    stage: ApplianceStage,
    problems: Problems,
    counts: { created: number; updated: number; unchanged: number },
    changed: (key: string) => void,
    at: string,
  ): void {
    stage.resolve();
    for (const d of stage.duplicates()) {
      problems.add(d.line, d.path, `serial ${d.value} appears twice (first at ${d.firstPath ?? `line ${d.firstLine}`})`, 'serial');
    }
    for (const u of stage.unknownSites()) problems.add(u.line, u.path, `unknown site "${u.value}"; import the site first`, 'site');
    const { created, unchanged } = stage.counts();
    counts.created += created;
    counts.unchanged += unchanged;
    // Once anything is wrong the import will roll back: keep checking rows, stop writing them.
    const writing = () => !run.dryRun && problems.count === 0;
    for (let after = 0; ; ) {
      const chunk = stage.changes(after, CHANGES_CHUNK);
      if (chunk.length === 0) break;
      for (const row of chunk) {
        after = row.seq;
        const before = recordOf(row.existing);
        const desired = desiredRecord(row.item, before, row.siteId, run.actor, at);
        if ('refused' in desired) {
          problems.add(row.line, row.path, desired.refused, 'status');
          continue;
        }
        const replacesKey = before.hostKeyFingerprint !== null && desired.hostKeyFingerprint !== before.hostKeyFingerprint;
        if (replacesKey && !run.replaceHostKeys) {
          problems.add(
            row.line,
            row.path,
            `${row.item.serial} has the trusted host key ${before.hostKeyFingerprint}; this row would ${desired.hostKeyFingerprint === null ? 'remove it' : `replace it with ${desired.hostKeyFingerprint}`}. ` +
              'A trusted key changes only through the host-key trust flow (resolve the appliance\'s host-key alert), or import with the option to replace host keys',
            'hostKeyFingerprint',
          );
          continue;
        }
        const changes = applianceChanges(before, desired);
        if (Object.keys(changes).length === 0) {
          counts.unchanged++;
          continue;
        }
        counts.updated++;
        if (writing()) {
          this.repo.updateAppliance(row.existing.id, desired, at, 'tags' in changes);
          this.audit.append({
            at,
            actor: run.actor,
            action: 'appliance.update',
            target: `appliance:${row.item.serial}`,
            details: { via: 'import', source: run.source, changes, ...(replacesKey ? { hostKeyReplaced: true } : {}) },
          });
          changed(`appliance:${row.item.serial}`);
        }
      }
    }
    if (created > 0 && writing()) {
      stage.insertNew(at, run.actor, run.source);
      for (const serial of stage.newSerials(MAX_EVENT_KEYS + 1)) changed(`appliance:${serial}`);
    }
  }
}

/** The record an imported row asks for, starting from the stored one (new rows are inserted in SQL). */
function desiredRecord(
  item: ApplianceItem,
  before: ApplianceRecord,
  siteId: number,
  actor: string,
  at: string,
): ApplianceRecord | { refused: string } {
  const status = statusChange(before, item.status ?? before.status, item.statusReason, actor, at);
  if ('refused' in status) {
    const how = 'give statusReason in a JSON import, or use `fleetdeck inventory set-status SERIAL STATUS --reason ...`';
    return { refused: `${status.refused}; ${how}` };
  }
  return {
    serial: item.serial,
    hostname: item.hostname,
    siteId,
    site: item.site,
    model: item.model,
    ipv4: item.ipv4,
    ipv6: item.ipv6,
    sshPort: item.sshPort,
    apiPort: item.apiPort,
    storageTb: item.storageTb,
    nicGbps: item.nicGbps,
    firmware: item.firmware,
    tags: item.tags,
    ...status,
    hostKeyFingerprint: item.hostKeyFingerprint !== undefined ? item.hostKeyFingerprint : before.hostKeyFingerprint,
    notes: item.notes ?? before.notes,
  };
}

const SITE_FIELDS = ['name', 'city', 'country', 'latitude', 'longitude', 'timezone', 'maintenanceWindow', 'fillWindow'] as const;

export function siteChanges(before: StoredSite, after: Omit<SiteInput, 'asn'>, partnerId: number): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  if (before.partnerId !== partnerId) changes['partner'] = { from: before.partner, to: after.partner };
  for (const key of SITE_FIELDS) {
    if (before[key] !== after[key]) changes[key] = { from: before[key], to: after[key] };
  }
  return changes;
}
