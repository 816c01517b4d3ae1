/** What an appliance change is: the stored record before and after, and the fields that differ. */
import { STATUSES_NEEDING_REASON, type LifecycleStatus } from './contract';
import type { ApplianceRecord, StoredAppliance } from './repo';

/**
 * The stored record of an appliance. Its keys come in the order of the export's items (document.ts
 * derives the item from it), with siteId and the who/when of the status where the item has none.
 */
export function recordOf(a: StoredAppliance): ApplianceRecord {
  return {
    serial: a.serial,
    hostname: a.hostname,
    siteId: a.siteId,
    site: a.site,
    model: a.model,
    ipv4: a.ipv4,
    ipv6: a.ipv6,
    sshPort: a.sshPort,
    apiPort: a.apiPort,
    storageTb: a.storageTb,
    nicGbps: a.nicGbps,
    firmware: a.firmware,
    tags: a.tags,
    status: a.status,
    statusReason: a.statusReason,
    statusChangedBy: a.statusChangedBy,
    statusChangedAt: a.statusChangedAt,
    notes: a.notes,
    hostKeyFingerprint: a.hostKeyFingerprint,
  };
}

export type FieldChanges = Record<string, { from: unknown; to: unknown }>;

/** Fields a person edits; who/when of a status change follow the status and are not compared. */
const COMPARED = [
  'hostname',
  'model',
  'ipv4',
  'ipv6',
  'sshPort',
  'apiPort',
  'storageTb',
  'nicGbps',
  'firmware',
  'status',
  'statusReason',
  'hostKeyFingerprint',
  'notes',
] as const satisfies readonly (keyof ApplianceRecord)[];

/** The fields that differ, for the audit log; empty when nothing changes. */
export function applianceChanges(before: ApplianceRecord, after: ApplianceRecord): FieldChanges {
  const changes: FieldChanges = {};
  if (before.siteId !== after.siteId) changes['site'] = { from: before.site, to: after.site };
  for (const key of COMPARED) {
    if (before[key] !== after[key]) changes[key] = { from: before[key], to: after[key] };
  }
  if (before.tags.join(';') !== after.tags.join(';')) changes['tags'] = { from: before.tags, to: after.tags };
  return changes;
}

/** Tags as stored: trimmed, without duplicates, sorted. */
export function normalizeTags(tags: readonly string[]): string[] {
  if (tags.length === 0) return [];
  if (tags.length === 1) return tags[0]!.trim() ? [tags[0]!.trim()] : [];
  return [...new Set(tags.map((t) => t.trim()).filter(Boolean))].sort();
}

type StatusFields = Pick<ApplianceRecord, 'status' | 'statusReason' | 'statusChangedBy' | 'statusChangedAt'>;

/**
 * The lifecycle rule: moving an appliance to drained, offline or rma needs a reason, recorded with
 * who and when. Staying in the same status changes nothing. Returns the new status fields, or why not.
 */
export function statusChange(
  current: ApplianceRecord,
  to: LifecycleStatus,
  reason: string | null | undefined,
  actor: string,
  at: string,
): StatusFields | { refused: string } {
  if (to === current.status) {
    const { status, statusReason, statusChangedBy, statusChangedAt } = current;
    return { status, statusReason, statusChangedBy, statusChangedAt };
  }
  const why = reason?.trim() || null;
  if (STATUSES_NEEDING_REASON.includes(to) && why === null) {
    return { refused: `moving ${current.serial} from ${current.status} to ${to} needs a reason (what happened, who asked)` };
  }
  return { status: to, statusReason: why, statusChangedBy: actor, statusChangedAt: at };
}
