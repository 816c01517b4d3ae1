/**
 * The appliance form's model: what the user typed (strings, never lost on an error), checked with the
 * contract's own schemas before anything is sent, and turned into a create input or an update patch.
 */
import { z } from 'zod';
import {
  ApplianceInput,
  AppliancePatch,
  MANAGEMENT_ADDRESS_NEEDED,
  type Appliance,
  type ApplianceModel,
  type LifecycleStatus,
} from '../../../../main/inventory/contract';
import { fieldErrorsFromZod, type FieldErrors } from '../../ui/field-errors';

export interface ApplianceDraft {
  serial: string;
  hostname: string;
  site: string;
  model: ApplianceModel | '';
  ipv4: string;
  ipv6: string;
  sshPort: string;
  apiPort: string;
  storageTb: string;
  nicGbps: string;
  firmware: string;
  tags: string;
  notes: string;
  hostKeyFingerprint: string;
}

export const APPLIANCE_FIELDS = [
  'serial',
  'hostname',
  'site',
  'model',
  'ipv4',
  'ipv6',
  'sshPort',
  'apiPort',
  'storageTb',
  'nicGbps',
  'firmware',
  'tags',
  'notes',
  'hostKeyFingerprint',
] as const satisfies readonly (keyof ApplianceDraft)[];

const NUMBER_FIELDS = ['sshPort', 'apiPort', 'storageTb', 'nicGbps'] as const;

export function emptyApplianceDraft(site = ''): ApplianceDraft {
  return {
    serial: '',
    hostname: '',
    site,
    model: '',
    ipv4: '',
    ipv6: '',
    sshPort: '22',
    apiPort: '443',
    storageTb: '',
    nicGbps: '',
    firmware: '',
    tags: '',
    notes: '',
    hostKeyFingerprint: '',
  };
}

export function draftFromAppliance(a: Appliance): ApplianceDraft {
  return {
    serial: a.serial,
    hostname: a.hostname,
    site: a.site,
    model: a.model,
    ipv4: a.ipv4 ?? '',
    ipv6: a.ipv6 ?? '',
    sshPort: String(a.sshPort),
    apiPort: String(a.apiPort),
    storageTb: String(a.storageTb),
    nicGbps: String(a.nicGbps),
    firmware: a.firmware,
    tags: a.tags.join(', '),
    notes: a.notes,
    hostKeyFingerprint: a.hostKeyFingerprint ?? '',
  };
}

/** "edge, pop:gru  , edge" → ["edge", "pop:gru"]. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((t) => t.length > 0))];
}

function parseNumber(text: string): number | null {
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

const NUMBER_MESSAGES: Record<(typeof NUMBER_FIELDS)[number], string> = {
  sshPort: 'the SSH port is a number, 1-65535',
  apiPort: 'the API port is a number, 1-65535',
  storageTb: 'storage is a number of TB',
  nicGbps: 'NIC speed is a number of Gbps',
};

function nullable(text: string): string | null {
  const t = text.trim();
  return t === '' ? null : t;
}

/** The draft as the contract's input shape (numbers parsed; blank addresses are null). */
function toInputShape(draft: ApplianceDraft, status: LifecycleStatus) {
  return {
    serial: draft.serial,
    hostname: draft.hostname,
    site: draft.site,
    model: draft.model,
    ipv4: nullable(draft.ipv4),
    ipv6: nullable(draft.ipv6),
    sshPort: parseNumber(draft.sshPort) ?? Number.NaN,
    apiPort: parseNumber(draft.apiPort) ?? Number.NaN,
    storageTb: parseNumber(draft.storageTb) ?? Number.NaN,
    nicGbps: parseNumber(draft.nicGbps) ?? Number.NaN,
    firmware: draft.firmware,
    status,
    tags: parseTags(draft.tags),
    notes: draft.notes,
  };
}

function check(draft: ApplianceDraft, status: LifecycleStatus): { value?: z.output<typeof ApplianceInput>; errors: FieldErrors } {
  const parsed = ApplianceInput.safeParse(toInputShape(draft, status));
  const errors: FieldErrors = parsed.success ? {} : fieldErrorsFromZod(parsed.error);
  for (const field of NUMBER_FIELDS) {
    if (parseNumber(draft[field]) === null) errors[field] = NUMBER_MESSAGES[field];
  }
  // The contract's address rule is an object refinement; zod skips it while other fields fail.
  if (nullable(draft.ipv4) === null && nullable(draft.ipv6) === null) {
    errors.ipv4 ??= MANAGEMENT_ADDRESS_NEEDED;
  }
  if (draft.model === '') errors.model = 'choose a model';
  if (draft.site.trim() === '') errors.site = 'choose a site';
  if (Object.keys(errors).length > 0) return { errors };
  return { value: parsed.success ? parsed.data : undefined, errors };
}

export type DraftCheck<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

/** A new appliance: the whole input, checked with ApplianceInput. */
export function checkNewAppliance(draft: ApplianceDraft): DraftCheck<z.output<typeof ApplianceInput>> {
  const { value, errors } = check(draft, 'awaiting-install');
  return value ? { ok: true, value } : { ok: false, errors };
}

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/** An edit: the full record is checked (so the address rule holds), then only changed fields are sent. */
export function checkAppliancePatch(original: Appliance, draft: ApplianceDraft): DraftCheck<AppliancePatch> {
  const { value, errors } = check({ ...draft, serial: original.serial }, original.status);
  const fingerprint = nullable(draft.hostKeyFingerprint);
  const fp = AppliancePatch.shape.hostKeyFingerprint.safeParse(fingerprint);
  if (!fp.success) errors.hostKeyFingerprint = fp.error.issues[0]?.message ?? 'not a fingerprint';
  if (!value || Object.keys(errors).length > 0) return { ok: false, errors };

  const patch: AppliancePatch = {};
  if (value.hostname !== original.hostname) patch.hostname = value.hostname;
  if (value.site !== original.site) patch.site = value.site;
  if (value.model !== original.model) patch.model = value.model;
  if (value.ipv4 !== original.ipv4) patch.ipv4 = value.ipv4;
  if (value.ipv6 !== original.ipv6) patch.ipv6 = value.ipv6;
  if (value.sshPort !== original.sshPort) patch.sshPort = value.sshPort;
  if (value.apiPort !== original.apiPort) patch.apiPort = value.apiPort;
  if (value.storageTb !== original.storageTb) patch.storageTb = value.storageTb;
  if (value.nicGbps !== original.nicGbps) patch.nicGbps = value.nicGbps;
  if (value.firmware !== original.firmware) patch.firmware = value.firmware;
  if (!sameTags(value.tags, original.tags)) patch.tags = value.tags;
  if (value.notes !== original.notes) patch.notes = value.notes;
  if (fingerprint !== original.hostKeyFingerprint) patch.hostKeyFingerprint = fingerprint;
  return { ok: true, value: patch };
}
