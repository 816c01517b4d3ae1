/**
 * Reading CSV files as a stream of records, each with the physical line of the file it starts on
 * (the header is line 1): csv-parse does the parsing, so a large file never sits in memory as one
 * string. Text that is not CSV (an unclosed quote, a record over the size limit) is reported at its
 * line as a record of `problems` and parsing goes on, so a file's every problem can be listed. What the
 * columns mean is the caller's (the inventory's sites and appliances files, the fills' catalog and
 * demand files).
 */
import type { Readable } from 'node:stream';
import { Parser } from 'csv-parse';

/** A record of cells, or text the parser could not read as CSV (a row problem, as importers report them), with the line it starts on. */
export type CsvRecord = { line: number; cells: string[] } | { line: number; problems: [{ reason: string }] };

export interface CsvRecordOptions {
  /** A record longer than this many characters is refused (reported as a problem at its line). */
  maxRecordChars: number;
  /** What the file was expected to be, for the sentence on an overlong record: "an inventory file". */
  expected: string;
}

/**
 * csv-parse's stream, each record tagged with the parser's line count as the record completes: what
 * its `info` option reports, without the two objects `info` builds per record (a third of the parse).
 */
class LineTaggingParser extends Parser {
  override push(record: unknown, encoding?: BufferEncoding): boolean {
    return super.push(record === null ? null : { record, lines: this.info.lines }, encoding);
  }
}

/** Why the parser stopped reading a record, in a sentence. */
function notCsvReason(err: Error | undefined, options: CsvRecordOptions): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (code === 'CSV_MAX_RECORD_SIZE') return `a row is longer than ${options.maxRecordChars} characters; this is not ${options.expected}`;
  if (code === 'CSV_QUOTE_NOT_CLOSED') return 'a quoted value is never closed (a " is missing)';
  return `the file is not valid CSV here: ${err?.message ?? 'unknown error'}`;
}

const lineBreaks = (cells: readonly string[]) => cells.reduce((n, cell) => n + (cell.match(/\r\n|\r|\n/g)?.length ?? 0), 0);

/**
 * The records of a CSV stream in file order (a byte-order mark is dropped, empty lines skipped,
 * quotes relaxed, rows of any length). The source is consumed and destroyed, also when the caller
 * stops early.
 */
export async function* readCsvRecords(source: Readable, options: CsvRecordOptions): AsyncGenerator<CsvRecord> {
  const broken: CsvRecord[] = [];
  const parser = new LineTaggingParser({
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: options.maxRecordChars,
    skip_records_with_error: true,
    on_skip: (err) => {
      const line = (err as { lines?: unknown } | undefined)?.lines;
      broken.push({ line: typeof line === 'number' ? line : parser.info.lines, problems: [{ reason: notCsvReason(err, options) }] });
    },
  });
  source.on('error', (err) => parser.destroy(err));
  source.pipe(parser);
  try {
    for await (const { record, lines } of parser as AsyncIterable<{ record: string[]; lines: number }>) {
      yield* broken.splice(0);
      // The parser counts the lines read so far: the record started that many lines back.
      yield { line: lines - lineBreaks(record), cells: record };
    }
    yield* broken.splice(0);
  } finally {
    source.unpipe(parser);
    source.destroy();
    parser.destroy();
  }
}
