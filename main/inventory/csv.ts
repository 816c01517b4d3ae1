/**
 * The CSV files: one kind per file (sites or appliances), a header naming the columns, one row
 * per record. Reading streams (main/kit/csv-records.ts), so a 50 MB file never sits in memory as one string.
 * Writing neutralises spreadsheet formulas (csv-stringify's escape_formulas): a cell starting with
 * = + - @ TAB or CR gets a leading apostrophe; reading takes that apostrophe off again.
 */
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import {
  ApplianceItem,
  hostileValue,
  problemsOf,
  SiteItem,
  type ImportItem,
  type ParsedRow,
  type RowProblem,
} from './import-items';
import type { StoredAppliance, StoredSite } from './repo';
import { readCsvRecordBatches } from '../kit/csv-records';

export type CsvKind = 'sites' | 'appliances';

type CellType = 'text' | 'number' | 'list';
interface Column {
  name: string;
  field: string;
  type: CellType;
  required: boolean;
  /** The column's place in its kind's list (a row's values are kept in this order). */
  slot: number;
}
const col = (name: string, field: string, type: CellType = 'text', required = true): Omit<Column, 'slot'> => ({ name, field, type, required });
const numbered = (columns: Omit<Column, 'slot'>[]): readonly Column[] => columns.map((c, slot) => ({ ...c, slot }));

export const CSV_COLUMNS: Record<CsvKind, readonly Column[]> = {
  sites: numbered([
    col('code', 'code'),
    col('partner', 'partner'),
    col('asn', 'asn', 'number'),
    col('name', 'name'),
    col('city', 'city'),
    col('country', 'country'),
    col('latitude', 'latitude', 'number'),
    col('longitude', 'longitude', 'number'),
    col('timezone', 'timezone'),
    col('maintenance_window', 'maintenanceWindow'),
    col('fill_window', 'fillWindow'),
  ]),
  appliances: numbered([
    col('serial', 'serial'),
    col('hostname', 'hostname'),
    col('site', 'site'),
    col('model', 'model'),
    col('ipv4', 'ipv4', 'text', false),
    col('ipv6', 'ipv6', 'text', false),
    col('ssh_port', 'sshPort', 'number', false),
    col('api_port', 'apiPort', 'number', false),
    col('storage_tb', 'storageTb', 'number'),
    col('nic_gbps', 'nicGbps', 'number'),
    col('firmware', 'firmware', 'text', false),
    col('status', 'status', 'text', false),
    col('tags', 'tags', 'list', false),
  ]),
};

export const CSV_HEADER: Record<CsvKind, string> = {
  sites: CSV_COLUMNS.sites.map((c) => c.name).join(','),
  appliances: CSV_COLUMNS.appliances.map((c) => c.name).join(','),
};

/** A CSV file larger than this in one record is not an inventory file; parsing stops there. */
const MAX_RECORD_CHARS = 64 * 1024;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
/** What escape_formulas adds on export, taken off on import so exports round-trip. */
const NEUTRALISED = /^'(?=[=+\-@\t\r\uff1d\uff0b\uff0d\uff20])/;

function inferKind(header: readonly string[]): CsvKind | null {
  if (header.includes('serial')) return 'appliances';
  if (header.includes('code')) return 'sites';
  return null;
}

function headerProblems(kind: CsvKind, header: readonly string[]): RowProblem[] {
  const known = new Map(CSV_COLUMNS[kind].map((c) => [c.name, c]));
  const problems: RowProblem[] = [];
  const seen = new Set<string>();
  for (const name of header) {
    if (!known.has(name)) {
      problems.push({ field: name, reason: `unknown column "${name.slice(0, 40)}"; a ${kind} file has: ${CSV_HEADER[kind]}` });
    } else if (seen.has(name)) {
      problems.push({ field: name, reason: `column "${name}" appears twice` });
    }
    seen.add(name);
  }
  for (const c of CSV_COLUMNS[kind]) {
    if (c.required && !seen.has(c.name)) problems.push({ field: c.name, reason: `missing column "${c.name}"` });
  }
  if (kind === 'appliances' && !seen.has('ipv4') && !seen.has('ipv6')) {
    problems.push({ field: 'ipv4', reason: 'an appliances file needs an ipv4 or an ipv6 column' });
  }
  return problems;
}

const APOSTROPHE = 39;

/** A cell's value for the schema (undefined: left empty), or why it cannot be one. */
class CellProblem {
  constructor(readonly reason: string) {}
}

function cellValue(column: Column, raw: string): unknown {
  const cell = (raw.charCodeAt(0) === APOSTROPHE ? raw.replace(NEUTRALISED, '') : raw).trim();
  if (cell === '') return column.required ? new CellProblem('missing') : undefined;
  if (column.type === 'number') return NUMBER.test(cell) ? Number(cell) : new CellProblem(`"${cell.slice(0, 40)}" is not a number`);
  if (column.type === 'list') return cell.split(';').map((t) => t.trim()).filter(Boolean);
  return cell;
}

const SCHEMA: Record<CsvKind, z.ZodType> = { sites: SiteItem, appliances: ApplianceItem };

/**
 * A row's input for the schema: the kind's fields in one fixed order, an empty cell's field left
 * undefined. Every row then has the same object shape; setting 13 field names one by one on an empty
 * object costs about a fifth of reading a row. Made from CSV_COLUMNS' own field names (identifiers).
 */
const inputOf = (kind: CsvKind): ((values: readonly unknown[]) => Record<string, unknown>) =>
  new Function('v', `return { ${CSV_COLUMNS[kind].map((c, i) => `${c.field}: v[${i}]`).join(', ')} };`) as (
    values: readonly unknown[],
  ) => Record<string, unknown>;
const INPUT_OF: Record<CsvKind, (values: readonly unknown[]) => Record<string, unknown>> = {
  sites: inputOf('sites'),
  appliances: inputOf('appliances'),
};

/** One data record to a row: hostile cells, missing and malformed values, then the contract's rules. */
function rowFrom(kind: CsvKind, columns: readonly Column[], record: readonly string[], line: number): ParsedRow {
  if (record.length !== columns.length) return wrongWidth(columns, record, line);
  // Allocated only for a row with problems (an import reads 100,000 rows that have none).
  let problems: RowProblem[] | null = null;
  let failed: Set<string> | null = null;
  const values: unknown[] = new Array<unknown>(CSV_COLUMNS[kind].length);
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]!;
    const raw = record[i]!;
    const hostile = hostileValue(raw);
    const value = hostile ? new CellProblem(hostile) : cellValue(column, raw);
    if (value instanceof CellProblem) {
      (problems ??= []).push({ field: column.name, reason: value.reason });
      (failed ??= new Set()).add(column.field);
    } else {
      values[column.slot] = value;
    }
  }
  const input = INPUT_OF[kind](values);
  const result = SCHEMA[kind].safeParse(input);
  if (!result.success) {
    const nameOf = (path: PropertyKey[]) => columns.find((c) => c.field === path[0])?.name ?? path.join('.');
    for (const p of problemsOf(result.error, input, nameOf)) {
      // A cell already reported (missing, not a number) is not reported twice.
      const field = columns.find((c) => c.name === p.field)?.field;
      if (!field || !failed?.has(field)) (problems ??= []).push(p);
    }
  }
  if (problems) return { line, problems };
  return itemRow(kind, result.data as Record<string, unknown>, line);
}

function wrongWidth(columns: readonly Column[], record: readonly string[], line: number): ParsedRow {
  return { line, problems: [{ reason: `expected ${columns.length} columns like the header, found ${record.length}` }] };
}

function itemRow(kind: CsvKind, value: Record<string, unknown>, line: number): ParsedRow {
  const item: ImportItem =
    kind === 'sites' ? { kind: 'site', value: value as SiteItem } : { kind: 'appliance', value: value as ApplianceItem };
  return { line, item };
}

const SHAPE: Record<CsvKind, Record<string, z.ZodType>> = { sites: SiteItem.shape, appliances: ApplianceItem.shape };
/** The kind's field rules in CSV_COLUMNS order, and its rules over a whole row (an appliance needs an address). */
const FIELD_RULES: Record<CsvKind, z.ZodType[]> = {
  sites: CSV_COLUMNS.sites.map((c) => SHAPE.sites[c.field]!),
  appliances: CSV_COLUMNS.appliances.map((c) => SHAPE.appliances[c.field]!),
};
/** A schema's rules over the whole object (refinements), without its fields' rules. */
const rowRules = (schema: z.ZodObject): z.ZodType => z.unknown().check(...((schema._zod.def.checks ?? []) as z.core.$ZodCheck<unknown>[]));
const ROW_RULES: Record<CsvKind, z.ZodType> = { sites: rowRules(SiteItem), appliances: rowRules(ApplianceItem) };
/** Checked values remembered per column and file; a column of unique values (serials) stops growing here. */
const REMEMBERED_CELLS = 4096;
/** A remembered cell whose checked value is undefined (an empty optional cell). */
const EMPTY = Symbol('empty cell');

/**
 * Reads one file's data records. Most columns of an inventory repeat a few values (site, model,
 * ports, firmware, status, tags): a cell's checked value is remembered by its text, so the
 * contract's rule for it runs once per distinct text, not once per row (about a third of reading
 * 100,000 appliances). The rules are the contract's own, per field and then over the row; a row with
 * any problem is read again the plain way (rowFrom), so its problems are reported exactly as always.
 */
class RowReader {
  private readonly remembered: Map<string, unknown>[];
  /** Checked values of the kind's columns the file does not have (their defaults); null: read every row the plain way. */
  private readonly absent: { slot: number; value: unknown }[] | null;

  constructor(
    private readonly kind: CsvKind,
    private readonly columns: readonly Column[],
  ) {
    this.remembered = columns.map(() => new Map<string, unknown>());
    const present = new Set(columns.map((c) => c.slot));
    const absent: { slot: number; value: unknown }[] = [];
    let plain = false;
    for (const c of CSV_COLUMNS[kind]) {
      if (present.has(c.slot)) continue;
      const r = FIELD_RULES[kind][c.slot]!.safeParse(undefined);
      if (r.success) absent.push({ slot: c.slot, value: r.data });
      else plain = true;
    }
    this.absent = plain ? null : absent;
  }

  read(record: readonly string[], line: number): ParsedRow {
    const { kind, columns, absent } = this;
    if (absent === null) return rowFrom(kind, columns, record, line);
    if (record.length !== columns.length) return wrongWidth(columns, record, line);
    const values: unknown[] = new Array<unknown>(CSV_COLUMNS[kind].length);
    for (const a of absent) values[a.slot] = a.value;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!;
      const raw = record[i]!;
      const remembered = this.remembered[i]!;
      const known = remembered.get(raw);
      if (known !== undefined) {
        values[column.slot] = known === EMPTY ? undefined : known;
        continue;
      }
      if (hostileValue(raw) !== null) return rowFrom(kind, columns, record, line);
      const cell = cellValue(column, raw);
      if (cell instanceof CellProblem) return rowFrom(kind, columns, record, line);
      const checked = FIELD_RULES[kind][column.slot]!.safeParse(cell);
      if (!checked.success) return rowFrom(kind, columns, record, line);
      // Shared by every row with this text: frozen, so no row can change another's.
      const value: unknown = typeof checked.data === 'object' && checked.data !== null ? Object.freeze(checked.data) : checked.data;
      if (remembered.size < REMEMBERED_CELLS) remembered.set(raw, value === undefined ? EMPTY : value);
      values[column.slot] = value;
    }
    const value = INPUT_OF[kind](values);
    if (!ROW_RULES[kind].safeParse(value).success) return rowFrom(kind, columns, record, line);
    return itemRow(kind, value, line);
  }
}

/**
 * Reads a CSV file as a stream of rows, in batches (the rows of each chunk read). Line numbers are
 * physical lines of the file (the header is line 1). A bad header ends the file with its problems;
 * so does text that is not CSV at all. `kind` is inferred from the header when not given.
 */
export async function* readCsv(
  input: Readable | string,
  kind?: CsvKind,
  options: { rememberCells?: boolean } = {},
): AsyncGenerator<ParsedRow[]> {
  const source = typeof input === 'string' ? Readable.from([input]) : input;
  // Text that is not CSV (an unclosed quote, a runaway record) is reported at its line and
  // parsing goes on, so every problem in the file is listed; the import then fails as a whole.
  let columns: readonly Column[] | null = null;
  let reader: RowReader | null = null;
  let csvKind: CsvKind | null = kind ?? null;
  for await (const records of readCsvRecordBatches(source, { maxRecordChars: MAX_RECORD_CHARS, expected: 'an inventory file' })) {
    const rows: ParsedRow[] = [];
    for (const r of records) {
      if ('problems' in r) {
        rows.push(r);
        continue;
      }
      const { line, cells: record } = r;
      if (columns === null) {
        const header = record.map((h) => h.trim().toLowerCase());
        csvKind ??= inferKind(header);
        if (csvKind === null) {
          const semicolons = header.length === 1 && header[0]!.includes(';');
          const reason = semicolons
            ? 'the columns are separated by ";"; save the file with commas'
            : `the header names neither a sites file (${CSV_HEADER.sites}) nor an appliances file (${CSV_HEADER.appliances})`;
          yield [...rows, { line, problems: [{ reason }] }];
          return;
        }
        const problems = headerProblems(csvKind, header);
        if (problems.length) {
          yield [...rows, { line, problems }];
          return;
        }
        const byName = new Map(CSV_COLUMNS[csvKind].map((c) => [c.name, c]));
        columns = header.map((h) => byName.get(h)!);
        if (options.rememberCells !== false) reader = new RowReader(csvKind, columns);
        continue;
      }
      if (record.every((cell) => cell.trim() === '')) continue;
      rows.push(reader ? reader.read(record, line) : rowFrom(csvKind!, columns, record, line));
    }
    if (rows.length) yield rows;
  }
  if (columns === null) yield [{ line: 1, problems: [{ reason: 'the file is empty; the first line must be the header' }] }];
}

// Writing

function siteCells(s: StoredSite): unknown[] {
  return [s.code, s.partner, s.asn, s.name, s.city, s.country, s.latitude, s.longitude, s.timezone, s.maintenanceWindow, s.fillWindow];
}

function applianceCells(a: StoredAppliance): unknown[] {
  return [
    a.serial, a.hostname, a.site, a.model, a.ipv4 ?? '', a.ipv6 ?? '', a.sshPort, a.apiPort, a.storageTb, a.nicGbps,
    a.firmware, a.status, a.tags.join(';'),
  ];
}

const stringifyOptions = { escape_formulas: true, eof: true, record_delimiter: 'unix' as const };

/** CSV text for a batch of sites (with the header when `header` is set). */
export function sitesCsv(sites: readonly StoredSite[], header: boolean): string {
  return stringify(sites.map(siteCells), { ...stringifyOptions, header, columns: CSV_COLUMNS.sites.map((c) => c.name) });
}

/** CSV text for a batch of appliances (with the header when `header` is set). */
export function appliancesCsv(appliances: readonly StoredAppliance[], header: boolean): string {
  return stringify(appliances.map(applianceCells), {
    ...stringifyOptions,
    header,
    columns: CSV_COLUMNS.appliances.map((c) => c.name),
  });
}
