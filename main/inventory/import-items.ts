/**
 * One imported row, whatever the file format: a partner, a site or an appliance, validated by the
 * contract's field rules. CSV cells and JSON items both end up here, so both formats accept and
 * refuse exactly the same values.
 */
import { z } from 'zod';
import { problemInWords } from '../kit/validation-words';
import {
  ApplianceFields,
  ApplianceTags,
  Asn,
  HostKeyFingerprint,
  LifecycleStatus,
  ShortText,
  SiteInput,
  withManagementAddress,
} from './contract';

/** Longest value any imported field may hold; longer ones are refused before anything else looks at them. */
export const MAX_FIELD_CHARS = 4096;

export const PartnerItem = z.strictObject({
  name: ShortText(120).min(1, 'name is required'),
  asn: Asn,
});
export type PartnerItem = z.output<typeof PartnerItem>;

/** A site; in JSON the asn may be left out when the partner is listed or already known. */
export const SiteItem = z.strictObject({ ...SiteInput.shape, asn: Asn.optional() });
export type SiteItem = z.output<typeof SiteItem>;

/**
 * An appliance. Fields left out take their defaults (ports 22/443, no tags, ...), except
 * `status`, `statusReason`, `notes` and `hostKeyFingerprint`: left out, they keep what is stored.
 */
export const ApplianceItem = withManagementAddress(
  z.strictObject({
    ...ApplianceFields,
    tags: ApplianceTags,
    status: LifecycleStatus.optional(),
    statusReason: ShortText(500).nullable().optional(),
    notes: ShortText(4000).optional(),
    hostKeyFingerprint: HostKeyFingerprint.nullable().optional(),
  }),
);
export type ApplianceItem = z.output<typeof ApplianceItem>;

/**
 * The JSON document (docs/inventory.md): what `inventory export --format json` writes and what
 * the lab feeds to InventoryService.importDocument(). Items are checked one by one, so a bad item
 * is reported with its position instead of failing the whole document at once.
 */
export interface InventoryDocument {
  format?: 'fleetdeck-inventory';
  version?: 1;
  exportedAt?: string;
  partners?: z.input<typeof PartnerItem>[];
  sites?: z.input<typeof SiteItem>[];
  appliances?: z.input<typeof ApplianceItem>[];
}

export type ImportItem =
  | { kind: 'partner'; value: PartnerItem }
  | { kind: 'site'; value: SiteItem }
  | { kind: 'appliance'; value: ApplianceItem };

export interface RowProblem {
  field?: string;
  reason: string;
}

/** A row as read from the file: a valid item, or what is wrong with it. */
export type ParsedRow =
  | { line: number; path?: string; item: ImportItem }
  | { line: number; path?: string; problems: RowProblem[] };

const HOSTILE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
/** HOSTILE with tab and line breaks too: one test per single-line value (imports check every cell). */
const HOSTILE_SINGLE_LINE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/**
 * Why an imported value is refused before validation, or null: control characters (and the
 * bidirectional overrides that disguise text) and values over MAX_FIELD_CHARS.
 */
export function hostileValue(value: string, allowLineBreaks = false): string | null {
  if (value.length > MAX_FIELD_CHARS) return `too long (${value.length} characters; at most ${MAX_FIELD_CHARS})`;
  if ((allowLineBreaks ? HOSTILE : HOSTILE_SINGLE_LINE).test(value)) {
    return 'control characters are not allowed';
  }
  return null;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * Row problems from a failed zod parse of `input`; `fieldName` maps a schema path to what the
 * file calls the field. A field that is not there at all is reported as "missing".
 */
export function problemsOf(error: z.ZodError, input: unknown, fieldName: (path: PropertyKey[]) => string): RowProblem[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return { field: issue.keys.join(', '), reason: `unknown field${issue.keys.length > 1 ? 's' : ''}` };
    }
    if (issue.path.length === 0) return { reason: issue.message };
    const missing = issue.code !== 'custom' && valueAt(input, issue.path) === undefined;
    // zod's own sentences ("Invalid input: expected number, received string") in a user's words.
    return { field: fieldName(issue.path), reason: missing ? 'missing' : problemInWords(issue) };
  });
}
