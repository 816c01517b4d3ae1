/**
 * Reading CSV files as a stream of records, each with the physical line of the file it starts on
 * (the header is line 1), so a large file never sits in memory as one string. Text that is not CSV
 * (an unclosed quote, a record over the size limit, a NUL byte) is reported at the line its record
 * starts on as a record of `problems`, and reading goes on with the next record, so a file's every
 * problem is listed in one pass; an over-long record is skipped to its end without being kept, so
 * memory stays bounded by the limit whatever the file. What the columns mean is the caller's (the
 * inventory's sites and appliances files, the fills' catalog and demand files).
 *
 * The reader is this file's own small state machine rather than csv-parse's stream: csv-parse
 * counts a CRLF inside a quoted value as two lines (every later row was then reported one line too
 * low in the file) and stops for good at a record over `max_record_size` even when told to skip
 * records with errors.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** A record of cells, or text the parser could not read as CSV (a row problem, as importers report them), with the line it starts on. */
export type CsvRecord = { line: number; cells: string[] } | { line: number; problems: [{ reason: string }] };

export interface CsvRecordOptions {
  /** A record longer than this many characters is refused (reported as a problem at its line). */
  maxRecordChars: number;
  /** What the file was expected to be, for the sentence on an overlong record: "an inventory file". */
  expected: string;
}

const enum State {
  /** Before the first character of a value (start of a record, or after a comma). */
  FieldStart,
  /** In a value that did not start with a quote: quotes are plain characters. */
  Unquoted,
  /** In a quoted value. */
  Quoted,
  /** In a quoted value, just after a quote: it closes the value, is doubled, or is plain text (relaxed). */
  QuoteInQuoted,
}

const COMMA = 0x2c;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;

/** Where the next \r or \n is in `text` from `from` on (its length when there is none). */
function nextLineBreak(text: string, from: number): number {
  const lf = text.indexOf('\n', from);
  const cr = text.indexOf('\r', from);
  if (lf < 0) return cr < 0 ? text.length : cr;
  return cr < 0 ? lf : Math.min(lf, cr);
}

/** Why a record is not read, in a sentence. */
type Trouble = 'too-long' | 'nul' | null;

/**
 * The records of a CSV stream in file order (a byte-order mark is dropped, empty lines skipped,
 * line breaks \n, \r\n or \r, quotes relaxed: a quote inside an unquoted value, or after a quoted
 * value's closing quote, is kept as text; rows of any length). The source is consumed and destroyed,
 * also when the caller stops early.
 */
export async function* readCsvRecords(source: Readable, options: CsvRecordOptions): AsyncGenerator<CsvRecord> {
  const { maxRecordChars, expected } = options;
  const decoder = new StringDecoder('utf8');
  let first = true;
  let state = State.FieldStart;
  let line = 1; // the physical line of the character being read
  let recordLine = 1;
  let recordChars = 0;
  let inRecord = false; // a record has started (a character other than a line break was read)
  let afterCR = false; // the character before was a \r: a \n now is the same line break
  let trouble: Trouble = null;
  let cells: string[] = [];
  let field = ''; // the current value's text read in earlier chunks (raw: with its quotes)
  let out: CsvRecord[] = [];

  const problem = (reason: string): CsvRecord => ({ line: recordLine, problems: [{ reason }] });
  const troubleReason = (t: Exclude<Trouble, null>) =>
    t === 'too-long'
      ? `a row is longer than ${maxRecordChars} characters; this is not ${expected}`
      : `a row contains a NUL character (a binary file?); this is not ${expected}`;
  /** A value's text as read (with its quotes when it was quoted) to the value it stands for. */
  const value = (raw: string, quoted: boolean) => (quoted ? raw.slice(1, -1).replaceAll('""', '"') : raw);
  const endRecord = () => {
    if (trouble !== null) out.push(problem(troubleReason(trouble)));
    else out.push({ line: recordLine, cells });
    cells = [];
    field = '';
    trouble = null;
    inRecord = false;
    recordChars = 0;
    state = State.FieldStart;
  };

  const read = (text: string) => {
    let start = 0; // where the current value starts in `text` (when it started in this chunk)
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === LF && afterCR) {
        // The \n of a \r\n: the line was counted at the \r; in a quoted value it is text.
        afterCR = false;
        if (inRecord) recordChars++;
        if (state === State.FieldStart && !inRecord) start = i + 1;
        continue;
      }
      afterCR = c === CR;
      const lineBreak = c === LF || c === CR;
      if (!inRecord) {
        if (lineBreak) {
          line++; // an empty line
          start = i + 1;
          continue;
        }
        inRecord = true;
        recordLine = line;
        start = i;
      }
      if (lineBreak) line++;
      if (c === NUL && trouble === null) trouble = 'nul';
      if (++recordChars > maxRecordChars && trouble === null) trouble = 'too-long';
      if (trouble !== null) {
        // Nothing of a refused record is kept: only where it ends matters.
        cells = [];
        field = '';
        if (state === State.Unquoted && !lineBreak) {
          // Straight to the line's end (a 50 MB line is read at the speed of indexOf).
          const next = nextLineBreak(text, i + 1);
          recordChars += next - i - 1;
          i = next - 1;
          continue;
        }
      }
      switch (state) {
        case State.FieldStart:
          if (c === QUOTE) state = State.Quoted;
          else if (c === COMMA) {
            if (trouble === null) cells.push('');
            start = i + 1;
          } else if (lineBreak) {
            if (trouble === null) cells.push('');
            endRecord();
          } else state = State.Unquoted;
          break;
        case State.Unquoted:
          if (c === COMMA || lineBreak) {
            if (trouble === null) cells.push(field + text.slice(start, i));
            field = '';
            start = i + 1;
            if (lineBreak) endRecord();
            else state = State.FieldStart;
          }
          break;
        case State.Quoted:
          if (c === QUOTE) state = State.QuoteInQuoted;
          break;
        case State.QuoteInQuoted:
          if (c === QUOTE) state = State.Quoted;
          else if (c === COMMA || lineBreak) {
            if (trouble === null) cells.push(value(field + text.slice(start, i), true));
            field = '';
            start = i + 1;
            if (lineBreak) endRecord();
            else state = State.FieldStart;
          } else state = State.Unquoted; // relaxed: `"a"b` is the text `"a"b`
          break;
      }
    }
    // A value still open at the chunk's end goes on in the next chunk.
    if (inRecord && trouble === null && state !== State.FieldStart) field += text.slice(start);
  };

  const end = () => {
    if (!inRecord) return;
    if (state === State.Quoted) {
      // The quote opened in this record is never closed: everything after it was read as its value.
      out.push(problem('a quoted value is never closed (a " is missing)'));
      inRecord = false;
      return;
    }
    if (trouble === null) {
      if (state === State.QuoteInQuoted) cells.push(value(field, true));
      else cells.push(field); // Unquoted or FieldStart (after a trailing comma)
    }
    endRecord();
  };

  try {
    for await (const chunk of source as AsyncIterable<string | Buffer>) {
      let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      if (first && text.length > 0) {
        first = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      read(text);
      if (out.length) {
        const ready = out;
        out = [];
        yield* ready;
      }
    }
    read(decoder.end());
    end();
    yield* out;
  } finally {
    source.destroy();
  }
}
