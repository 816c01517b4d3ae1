/**
 * Reading a site survey file: CSV (one appliance per row; a `site` column naming a site already in
 * the inventory) or JSON (`{format: "fleetdeck-site-survey", version: 1, partner?, site?, appliances}`,
 * as `fleetdeck lab add-site --survey-out` writes it). Every bad row is reported with its line
 * (JSON: the appliance's position, as the inventory's documents do) and nothing is imported.
 * Built from the inventory importer's pieces: its hostile-value check, its zod problem wording,
 * its JSON syntax errors, and its item schemas for the site and the partner.
 */
import { parse } from 'csv-parse/sync';
import { FleetError } from '../kit/errors';
import type { ImportRowError } from '../inventory/contract';
import { parseDocumentText } from '../inventory/document';
import { hostileValue, PartnerItem, problemsOf, SiteItem } from '../inventory/import-items';
import { SURVEY_CSV_REQUIRED, SurveyAppliance } from './contract';

export const SURVEY_FORMAT = 'fleetdeck-site-survey';

export interface ParsedSurvey {
  site: string;
  partner: PartnerItem | null;
  /** The site itself when the survey carries it (JSON). */
  siteItem: SiteItem | null;
  appliances: { line: number; path: string | null; value: SurveyAppliance }[];
}

const CSV_COLUMNS: Record<string, { field: string; number?: boolean }> = {
  site: { field: 'site' },
  serial: { field: 'serial' },
  model: { field: 'model' },
  hostname: { field: 'hostname' },
  ipv4: { field: 'ipv4' },
  ipv6: { field: 'ipv6' },
  ssh_port: { field: 'sshPort', number: true },
  api_port: { field: 'apiPort', number: true },
  storage_tb: { field: 'storageTb', number: true },
  nic_gbps: { field: 'nicGbps', number: true },
  service_ipv4: { field: 'serviceIpv4' },
  service_ipv6: { field: 'serviceIpv6' },
  bgp_neighbor: { field: 'bgpNeighbor' },
  bgp_neighbor_asn: { field: 'bgpNeighborAsn', number: true },
  local_asn: { field: 'localAsn', number: true },
  host_key_fingerprint: { field: 'hostKeyFingerprint' },
  password_login: { field: 'passwordLogin' },
  factory_password: { field: 'factoryPassword' },
};
export const SURVEY_CSV_HEADER = Object.keys(CSV_COLUMNS).join(',');
const REQUIRED: readonly string[] = SURVEY_CSV_REQUIRED;

function fail(errors: ImportRowError[]): never {
  const rows = new Set(errors.map((e) => `${e.path ?? ''}#${e.line}`)).size;
  throw new FleetError('E_IMPORT', `${rows} row${rows === 1 ? ' has' : 's have'} problems; nothing was imported`, { errors });
}

/** A survey appliance from raw fields: hostile values first, then the contract's rules. */
function applianceRow(raw: Record<string, unknown>, line: number, path: string | null, errors: ImportRowError[], fieldName: (p: PropertyKey[]) => string) {
  const at = path ? { path } : {};
  let bad = false;
  for (const [key, value] of Object.entries(raw)) {
    const reason = typeof value === 'string' ? hostileValue(value) : null;
    if (reason) {
      errors.push({ line, ...at, field: fieldName([key]), reason });
      bad = true;
    }
  }
  if (bad) return null;
  const parsed = SurveyAppliance.safeParse(raw);
  if (!parsed.success) {
    for (const p of problemsOf(parsed.error, raw, fieldName)) errors.push({ line, ...at, ...p });
    return null;
  }
  return parsed.data;
}

function readCsvSurvey(text: string): ParsedSurvey {
  const errors: ImportRowError[] = [];
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true, max_record_size: 64 * 1024 }) as unknown as typeof records;
  } catch (err) {
    const line = (err as { lines?: number }).lines ?? 1;
    fail([{ line, reason: `the file is not valid CSV here: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}` }]);
  }
  const [head, ...rows] = records;
  if (!head) fail([{ line: 1, reason: `the file is empty; the first line must be the header (${SURVEY_CSV_HEADER})` }]);
  const header = head.record.map((h) => h.trim().toLowerCase());
  for (const name of header) if (!CSV_COLUMNS[name]) errors.push({ line: 1, field: name, reason: `unknown column "${name.slice(0, 40)}"; a survey has: ${SURVEY_CSV_HEADER}` });
  for (const name of REQUIRED) if (!header.includes(name)) errors.push({ line: 1, field: name, reason: `missing column "${name}"` });
  if (errors.length) fail(errors);
  const toColumn = (p: PropertyKey[]) => Object.entries(CSV_COLUMNS).find(([, c]) => c.field === p[0])?.[0] ?? p.map(String).join('.');
  const out: ParsedSurvey['appliances'] = [];
  const sites = new Set<string>();
  for (const { record, info } of rows) {
    const line = info.lines - (record.join('').match(/\r\n|\r|\n/g)?.length ?? 0);
    if (record.length !== header.length) {
      errors.push({ line, reason: `expected ${header.length} columns like the header, found ${record.length}` });
      continue;
    }
    const raw: Record<string, unknown> = {};
    let site = '';
    header.forEach((name, i) => {
      const cell = record[i]!.trim();
      const column = CSV_COLUMNS[name]!;
      if (name === 'site') site = cell;
      else if (cell !== '') raw[column.field] = column.number && /^\d+(\.\d+)?$/.test(cell) ? Number(cell) : cell;
    });
    if (!site) errors.push({ line, field: 'site', reason: 'missing' });
    else sites.add(site.toLowerCase());
    const value = applianceRow(raw, line, null, errors, toColumn);
    if (value && site) out.push({ line, path: null, value });
  }
  duplicateSerials(out, errors);
  if (sites.size > 1) errors.push({ line: 2, field: 'site', reason: `a survey is for one site; this file names ${sites.size} different sites` });
  if (out.length === 0 && errors.length === 0) errors.push({ line: 1, reason: 'the survey lists no appliances' });
  if (errors.length) fail(errors);
  const first = rows[0]!.record[header.indexOf('site')]!.trim();
  return { site: first, partner: null, siteItem: null, appliances: out };
}

function readJsonSurvey(text: string): ParsedSurvey {
  const doc = parseDocumentText(text);
  const errors: ImportRowError[] = [];
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) fail([{ line: 1, reason: 'a JSON survey is an object with site and appliances' }]);
  const top = doc as Record<string, unknown>;
  for (const key of Object.keys(top)) {
    if (!['format', 'version', 'partner', 'site', 'appliances'].includes(key)) errors.push({ line: 1, field: key, reason: `unknown key "${key.slice(0, 40)}"` });
  }
  if (top['format'] !== undefined && top['format'] !== SURVEY_FORMAT) errors.push({ line: 1, field: 'format', reason: `format must be "${SURVEY_FORMAT}"` });
  if (top['version'] !== undefined && top['version'] !== 1) errors.push({ line: 1, field: 'version', reason: 'this Fleetdeck reads version 1 surveys' });
  let partner: PartnerItem | null = null;
  if (top['partner'] !== undefined) {
    const p = PartnerItem.safeParse(top['partner']);
    if (p.success) partner = p.data;
    else for (const pr of problemsOf(p.error, top['partner'], (x) => `partner.${x.map(String).join('.')}`)) errors.push({ line: 1, path: 'partner', ...pr });
  }
  let siteItem: SiteItem | null = null;
  let site = '';
  if (typeof top['site'] === 'string') site = top['site'];
  else if (top['site'] !== undefined) {
    const s = SiteItem.safeParse(top['site']);
    if (s.success) {
      siteItem = s.data;
      site = s.data.code;
    }
    else for (const pr of problemsOf(s.error, top['site'], (x) => `site.${x.map(String).join('.')}`)) errors.push({ line: 1, path: 'site', ...pr });
  } else errors.push({ line: 1, field: 'site', reason: 'missing: the site code, or the site itself' });
  const list = top['appliances'];
  if (!Array.isArray(list) || list.length === 0) errors.push({ line: 1, field: 'appliances', reason: 'appliances must be a non-empty list' });
  const out: ParsedSurvey['appliances'] = [];
  if (Array.isArray(list)) {
    list.forEach((raw, i) => {
      const path = `appliances[${i}]`;
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return void errors.push({ line: i + 1, path, reason: 'an appliance is an object' });
      const value = applianceRow(raw as Record<string, unknown>, i + 1, path, errors, (p) => p.map(String).join('.'));
      if (value) out.push({ line: i + 1, path, value });
    });
  }
  duplicateSerials(out, errors);
  if (errors.length) fail(errors);
  return { site, partner, siteItem, appliances: out };
}

/** Parse a survey; throws E_IMPORT listing every bad row (a serial listed twice is a bad row too). */
export function readSurvey(text: string, fileName: string): ParsedSurvey {
  const json = /\.json$/i.test(fileName) || /^\s*[{[]/.test(text);
  return json ? readJsonSurvey(text) : readCsvSurvey(text);
}

/** A serial listed twice: the second and later rows are bad rows. */
function duplicateSerials(appliances: ParsedSurvey['appliances'], errors: ImportRowError[]): void {
  const seen = new Map<string, number>();
  for (const a of appliances) {
    const key = a.value.serial.toUpperCase();
    const first = seen.get(key);
    if (first !== undefined) errors.push({ line: a.line, ...(a.path ? { path: a.path } : {}), field: 'serial', reason: `serial ${a.value.serial} is listed twice (first on line ${first})` });
    else seen.set(key, a.line);
  }
}
