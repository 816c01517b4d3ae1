/**
 * Reading catalog and demand files: CSV (header first, columns in any order) or JSON lines (one
 * object per line), told apart by the first character. Rows stream in, are checked one by one
 * against the contract's schemas and come out as valid items or line-numbered problems; the
 * service stages them and commits all or nothing.
 *
 * Shared with the inventory importer, not copied: the CSV record reader (main/kit/csv-records.ts:
 * each record tagged with its line), the hostile-value check (control characters, bidi
 * overrides, overlong values) and the zod-problem wording. Bounds: a record or a JSON line is at most 64 KiB, a JSON
 * line nests at most 8 levels, and a file has at most MAX_IMPORT_ROWS rows.
 */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { z } from 'zod';
import { readCsvRecords } from '../kit/csv-records';
import { hostileValue, problemsOf, type RowProblem } from '../inventory/import-items';
import { CatalogRow, DemandRow } from './contract';

export const MAX_RECORD_CHARS = 64 * 1024;
export const MAX_JSON_DEPTH = 8;
/** More rows than this is not a catalog or a few weeks of demand logs; the import stops there. */
export const MAX_IMPORT_ROWS = 50_000_000;

export type RowResult<T> = { line: number; item: T } | { line: number; problems: RowProblem[] };

interface Column {
  name: string;
  field: string;
  type: 'text' | 'number';
  required: boolean;
}

const CATALOG_COLUMNS: readonly Column[] = [
  { name: 'content_id', field: 'contentId', type: 'text', required: true },
  { name: 'title', field: 'title', type: 'text', required: true },
  { name: 'bytes', field: 'bytes', type: 'number', required: true },
  { name: 'kind', field: 'kind', type: 'text', required: true },
  { name: 'release_date', field: 'releaseDate', type: 'text', required: true },
];

const DEMAND_COLUMNS: readonly Column[] = [
  { name: 'site', field: 'site', type: 'text', required: false },
  { name: 'region', field: 'region', type: 'text', required: false },
  { name: 'day', field: 'day', type: 'text', required: true },
  { name: 'content_id', field: 'contentId', type: 'text', required: true },
  { name: 'bytes', field: 'bytes', type: 'number', required: false },
  { name: 'plays', field: 'plays', type: 'number', required: false },
];

export type FileKind = 'catalog' | 'demand';
const COLUMNS: Record<FileKind, readonly Column[]> = { catalog: CATALOG_COLUMNS, demand: DEMAND_COLUMNS };
const SCHEMAS = { catalog: CatalogRow, demand: DemandRow };
export const HEADERS: Record<FileKind, string> = {
  catalog: CATALOG_COLUMNS.map((c) => c.name).join(','),
  demand: DEMAND_COLUMNS.map((c) => c.name).join(','),
};

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function headerProblems(kind: FileKind, header: readonly string[]): RowProblem[] {
  const known = new Map(COLUMNS[kind].map((c) => [c.name, c]));
  const problems: RowProblem[] = [];
  const seen = new Set<string>();
  for (const name of header) {
    if (!known.has(name)) problems.push({ field: name.slice(0, 40), reason: `unknown column "${name.slice(0, 40)}"; a ${kind} file has: ${HEADERS[kind]}` });
    else if (seen.has(name)) problems.push({ field: name, reason: `column "${name}" appears twice` });
    seen.add(name);
  }
  for (const c of COLUMNS[kind]) if (c.required && !seen.has(c.name)) problems.push({ field: c.name, reason: `missing column "${c.name}"` });
  if (kind === 'demand' && !seen.has('bytes') && !seen.has('plays')) problems.push({ field: 'bytes', reason: 'a demand file needs a bytes or a plays column' });
  if (kind === 'demand' && !seen.has('site') && !seen.has('region')) problems.push({ field: 'site', reason: 'a demand file needs a site or a region column' });
  return problems;
}

/** Camel-case field -> the name the file uses (CSV column or JSON key). */
function fileName(kind: FileKind, field: PropertyKey): string {
  return COLUMNS[kind].find((c) => c.field === field)?.name ?? String(field);
}

function validate<K extends FileKind>(kind: K, line: number, input: Record<string, unknown>, problems: RowProblem[]): RowResult<z.output<(typeof SCHEMAS)[K]>> {
  const result = SCHEMAS[kind].safeParse(input);
  if (!result.success) {
    const already = new Set(problems.map((p) => p.field));
    for (const p of problemsOf(result.error, input, (path) => fileName(kind, path[0] ?? ''))) if (!already.has(p.field)) problems.push(p);
  }
  if (problems.length || !result.success) return { line, problems };
  return { line, item: result.data as z.output<(typeof SCHEMAS)[K]> };
}

async function* readCsvRows<K extends FileKind>(kind: K, source: Readable): AsyncGenerator<RowResult<z.output<(typeof SCHEMAS)[K]>>> {
  let columns: (Column | undefined)[] | null = null;
  for await (const r of readCsvRecords(source, { maxRecordChars: MAX_RECORD_CHARS, expected: `a ${kind} file` })) {
    if ('problems' in r) {
      yield r;
      continue;
    }
    const { line, cells: record } = r;
    if (columns === null) {
      const header = record.map((h) => h.trim().toLowerCase());
      const problems = headerProblems(kind, header);
      if (problems.length) {
        yield { line, problems };
        return;
      }
      const byName = new Map(COLUMNS[kind].map((c) => [c.name, c]));
      columns = header.map((h) => byName.get(h));
      continue;
    }
    if (record.every((cell) => cell.trim() === '')) continue;
    if (record.length !== columns.length) {
      yield { line, problems: [{ reason: `expected ${columns.length} columns like the header, found ${record.length}` }] };
      continue;
    }
    const input: Record<string, unknown> = {};
    const problems: RowProblem[] = [];
    columns.forEach((column, i) => {
      if (!column) return;
      const raw = record[i]!;
      const hostile = hostileValue(raw);
      const cell = raw.trim();
      if (hostile) problems.push({ field: column.name, reason: hostile });
      else if (cell === '') {
        if (column.required) problems.push({ field: column.name, reason: 'missing' });
      } else if (column.type === 'number') {
        if (NUMBER.test(cell)) input[column.field] = Number(cell);
        else problems.push({ field: column.name, reason: `"${cell.slice(0, 40)}" is not a number` });
      } else input[column.field] = cell;
    });
    yield validate(kind, line, input, problems);
  }
  if (columns === null) yield { line: 1, problems: [{ reason: `the file is empty; the first line must be the header (${HEADERS[kind]})` }] };
}

/** Depth of a parsed JSON value (a scalar is 0). */
function depthOf(value: unknown, limit: number): number {
  if (value === null || typeof value !== 'object') return 0;
  if (limit <= 0) return 1;
  let max = 0;
  for (const v of Object.values(value as Record<string, unknown>)) max = Math.max(max, depthOf(v, limit - 1));
  return max + 1;
}

async function* readJsonLines<K extends FileKind>(kind: K, source: Readable): AsyncGenerator<RowResult<z.output<(typeof SCHEMAS)[K]>>> {
  const lines = createInterface({ input: source, crlfDelay: Infinity });
  let line = 0;
  let any = false;
  try {
    for await (const text of lines) {
      line++;
      if (text.trim() === '') continue;
      any = true;
      if (text.length > MAX_RECORD_CHARS) {
        yield { line, problems: [{ reason: `the line is longer than ${MAX_RECORD_CHARS} characters` }] };
        continue;
      }
      // Nesting beyond a few levels is refused before parsing (a deep line could exhaust the stack).
      let open = 0;
      let deepest = 0;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++open);
        else if (c === 0x7d || c === 0x5d) open--;
      }
      if (deepest > MAX_JSON_DEPTH * 4) {
        yield { line, problems: [{ reason: `the line nests more than ${MAX_JSON_DEPTH} levels` }] };
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        yield { line, problems: [{ reason: 'the line is not JSON' }] };
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        yield { line, problems: [{ reason: 'each line must be one JSON object' }] };
        continue;
      }
      if (depthOf(value, MAX_JSON_DEPTH) > 1) {
        yield { line, problems: [{ reason: 'values must be strings or numbers, not objects or arrays' }] };
        continue;
      }
      const input: Record<string, unknown> = {};
      const problems: RowProblem[] = [];
      const known = new Map(COLUMNS[kind].map((c) => [c.name, c]));
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        const column = known.get(key);
        if (!column) {
          problems.push({ field: key.slice(0, 40), reason: `unknown field; a ${kind} line has: ${HEADERS[kind]}` });
          continue;
        }
        if (typeof v === 'string') {
          const hostile = hostileValue(v);
          if (hostile) {
            problems.push({ field: key, reason: hostile });
            continue;
          }
        }
        if (v !== null) input[column.field] = v;
      }
      yield validate(kind, line, input, problems);
    }
    if (!any) yield { line: 1, problems: [{ reason: 'the file is empty' }] };
  } finally {
    lines.close();
    source.destroy();
  }
}

/** The first non-blank character of a stream's first chunk; the chunk is put back. */
async function sniff(source: Readable): Promise<string> {
  const chunk = await new Promise<Buffer | string | null>((resolve, reject) => {
    const done = () => {
      source.off('readable', onReadable);
      source.off('end', onEnd);
      source.off('error', onError);
    };
    const onReadable = () => {
      done();
      resolve(source.read() as Buffer | string | null);
    };
    const onEnd = () => {
      done();
      resolve(null);
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    source.once('readable', onReadable);
    source.once('end', onEnd);
    source.once('error', onError);
  });
  if (chunk === null) return '';
  source.unshift(chunk);
  const text = typeof chunk === 'string' ? chunk : chunk.subarray(0, 4096).toString('utf8');
  return /[^\s\ufeff]/.exec(text)?.[0] ?? '';
}

/** Rows of a catalog or demand file, CSV or JSON lines (told by its first character: `{` is JSON lines). */
export async function* readRows<K extends FileKind>(kind: K, input: Readable | string): AsyncGenerator<RowResult<z.output<(typeof SCHEMAS)[K]>>> {
  const source = typeof input === 'string' ? Readable.from([input]) : input;
  const first = await sniff(source);
  const rows = first === '{' ? readJsonLines(kind, source) : readCsvRows(kind, source);
  let count = 0;
  for await (const row of rows) {
    if (++count > MAX_IMPORT_ROWS) {
      yield { line: row.line, problems: [{ reason: `more than ${MAX_IMPORT_ROWS} rows; split the file` }] };
      return;
    }
    yield row;
  }
}
