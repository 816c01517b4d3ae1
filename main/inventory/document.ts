/**
 * The JSON document: `{ "partners": [...], "sites": [...], "appliances": [...] }` (docs/inventory.md).
 * Reading checks each item on its own and names bad ones by their place (`appliances[41]`);
 * writing streams the appliances in chunks, one item per line.
 */
import { FleetError } from '../kit/errors';
import type { z } from 'zod';
import {
  ApplianceItem,
  hostileValue,
  PartnerItem,
  problemsOf,
  SiteItem,
  type ImportItem,
  type ParsedRow,
  type RowProblem,
} from './import-items';
import { recordOf } from './appliance-record';
import type { InventoryRepo, StoredAppliance, StoredSite } from './repo';

export const DOCUMENT_FORMAT = 'fleetdeck-inventory';
export const DOCUMENT_VERSION = 1;

const SECTIONS = [
  { key: 'partners', kind: 'partner', schema: PartnerItem },
  { key: 'sites', kind: 'site', schema: SiteItem },
  { key: 'appliances', kind: 'appliance', schema: ApplianceItem },
] as const;
const TOP_LEVEL = new Set(['format', 'version', 'exportedAt', ...SECTIONS.map((s) => s.key)]);

/** JSON text to a value; a syntax error becomes an E_IMPORT naming the line. */
export function parseDocumentText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const position = /position (\d+)/.exec(message);
    const line = position ? text.slice(0, Number(position[1])).split('\n').length : 1;
    throw new FleetError('E_IMPORT', '1 row has problems; nothing was imported', {
      errors: [{ line, reason: `not valid JSON: ${message.replace(/\s+/g, ' ').slice(0, 200)}` }],
    });
  }
}

/** Every string inside an item that may not be imported (control characters, over-long values). */
function hostileStrings(value: unknown, path: string[], out: RowProblem[]): void {
  if (typeof value === 'string') {
    const reason = hostileValue(value, path[0] === 'notes');
    if (reason) out.push(path.length ? { field: path.join('.'), reason } : { reason });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => hostileStrings(v, [...path, String(i)], out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) hostileStrings(v, [...path, k], out);
  }
}

/** The rows of a document, partners first, then sites, then appliances. */
export function* readDocument(doc: unknown): Generator<ParsedRow> {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    yield { line: 1, problems: [{ reason: 'the document must be an object with partners, sites and appliances' }] };
    return;
  }
  const top = doc as Record<string, unknown>;
  const headProblems: RowProblem[] = [];
  for (const key of Object.keys(top)) {
    if (!TOP_LEVEL.has(key)) headProblems.push({ field: key, reason: `unknown key "${key.slice(0, 40)}"` });
  }
  if (top['format'] !== undefined && top['format'] !== DOCUMENT_FORMAT) {
    headProblems.push({ field: 'format', reason: `format must be "${DOCUMENT_FORMAT}"` });
  }
  if (top['version'] !== undefined && top['version'] !== DOCUMENT_VERSION) {
    headProblems.push({ field: 'version', reason: `this Fleetdeck reads version ${DOCUMENT_VERSION} documents` });
  }
  for (const { key } of SECTIONS) {
    if (top[key] !== undefined && !Array.isArray(top[key])) headProblems.push({ field: key, reason: `${key} must be a list` });
  }
  if (headProblems.length) {
    yield { line: 1, problems: headProblems };
    return;
  }
  for (const section of SECTIONS) {
    const items = (top[section.key] as unknown[] | undefined) ?? [];
    for (let i = 0; i < items.length; i++) {
      yield itemRow(section, items[i], i);
    }
  }
}

/** How deep values may nest inside one item (an item is flat: its deepest part is the tags list). */
export const MAX_ITEM_DEPTH = 8;

/** The nesting depth of a value, counted without recursion (a deep document cannot overflow the stack), stopping past `limit`. */
function depthOf(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > deepest) deepest = depth + 1;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function itemRow(section: (typeof SECTIONS)[number], raw: unknown, index: number): ParsedRow {
  const line = index + 1;
  const path = `${section.key}[${index}]`;
  if (depthOf(raw, MAX_ITEM_DEPTH) > MAX_ITEM_DEPTH) {
    return { line, path, problems: [{ reason: `values nest more than ${MAX_ITEM_DEPTH} levels deep; an item holds plain fields and a list of tags` }] };
  }
  const hostile: RowProblem[] = [];
  hostileStrings(raw, [], hostile);
  if (hostile.length) return { line, path, problems: hostile };
  const result = (section.schema as z.ZodType).safeParse(raw);
  if (!result.success) return { line, path, problems: problemsOf(result.error, raw, (p) => p.map(String).join('.')) };
  return { line, path, item: { kind: section.kind, value: result.data } as ImportItem };
}

// Writing

export function partnerItem(p: { name: string; asn: number }): z.input<typeof PartnerItem> {
  return { name: p.name, asn: p.asn };
}

export function siteItem(s: StoredSite): z.input<typeof SiteItem> {
  return {
    code: s.code,
    partner: s.partner,
    asn: s.asn,
    name: s.name,
    city: s.city,
    country: s.country,
    latitude: s.latitude,
    longitude: s.longitude,
    timezone: s.timezone,
    maintenanceWindow: s.maintenanceWindow,
    fillWindow: s.fillWindow,
  };
}

/** The appliance as an export item: its record, without the site id and the who/when of its status. */
export function applianceItem(a: StoredAppliance): z.input<typeof ApplianceItem> {
  const { siteId: _siteId, statusChangedBy: _by, statusChangedAt: _at, ...item } = recordOf(a);
  return item;
}

const EXPORT_CHUNK = 2000;

/** The whole inventory as one JSON document, in chunks of text. */
export function* documentChunks(repo: InventoryRepo, exportedAt: string): Generator<string> {
  const list = (items: unknown[]) => (items.length ? `[\n    ${items.map((i) => JSON.stringify(i)).join(',\n    ')}\n  ]` : '[]');
  yield `{\n  "format": "${DOCUMENT_FORMAT}",\n  "version": ${DOCUMENT_VERSION},\n  "exportedAt": ${JSON.stringify(exportedAt)},\n`;
  yield `  "partners": ${list(repo.allPartners().map(partnerItem))},\n`;
  yield `  "sites": ${list(repo.allSites().map(siteItem))},\n`;
  yield `  "appliances": [`;
  let first = true;
  for (let after = ''; ; ) {
    const chunk = repo.appliancesAfter(after, EXPORT_CHUNK);
    if (chunk.length === 0) break;
    after = chunk[chunk.length - 1]!.serial;
    yield (first ? '\n    ' : ',\n    ') + chunk.map((a) => JSON.stringify(applianceItem(a))).join(',\n    ');
    first = false;
  }
  yield first ? ']\n}\n' : '\n  ]\n}\n';
}
