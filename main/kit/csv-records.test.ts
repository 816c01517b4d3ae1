import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { seededRng } from './time';
import { CsvSplitter, readCsvRecords, type CsvRecord } from './csv-records';

const options = { maxRecordChars: 200, expected: 'a test file' };
const all = async (text: string | string[], opts = options) => {
  const out: CsvRecord[] = [];
  for await (const r of readCsvRecords(Readable.from(Array.isArray(text) ? text : [text]), opts)) out.push(r);
  return out;
};
/** The same text fed in chunks cut at the given places. */
const inChunks = (text: string, cuts: number[]) => {
  const splitter = new CsvSplitter(options);
  const out: CsvRecord[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    out.push(...splitter.push(text.slice(from, cut)));
    from = cut;
  }
  return [...out, ...splitter.end()];
};

describe('CSV records', () => {
  it('tags each record with the physical line it starts on, across quoted line breaks and blank lines', async () => {
    expect(await all('\ufeffa,b\n"one\ntwo",x\n\nc,"d\ne"\nlast,1\n')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['one\ntwo', 'x'] },
      { line: 5, cells: ['c', 'd\ne'] },
      { line: 7, cells: ['last', '1'] },
    ]);
    expect(await all('a,b\r\nc,d\r\n\r\nlast,1\r\n')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['c', 'd'] },
      { line: 4, cells: ['last', '1'] },
    ]);
  });

  it('counts a quoted \\r\\n as one line in a CRLF file, and old Mac \\r endings as lines', async () => {
    expect(await all('h\r\n"x\r\ny",1\r\nnext,2\r\n')).toEqual([
      { line: 1, cells: ['h'] },
      { line: 2, cells: ['x\r\ny', '1'] },
      { line: 4, cells: ['next', '2'] },
    ]);
    expect(await all('a,b\rc,d\r\re,f')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['c', 'd'] },
      { line: 4, cells: ['e', 'f'] },
    ]);
  });

  it('reads quotes as CSV does: doubled inside quoted values, ordinary inside unquoted ones', async () => {
    expect(await all('"a ""b"", c",x"y,"",\n')).toEqual([{ line: 1, cells: ['a "b", c', 'x"y', '', ''] }]);
  });

  it('gives the same records and lines however the text is cut into chunks (\\r\\n split, "" split, BOM)', () => {
    const text = '\ufeffh1,h2\r\n"q\r\nv ""x""",2\r\n\r\nplain,"a\rb"\r\n"",end';
    const whole = inChunks(text, []);
    expect(whole).toEqual([
      { line: 1, cells: ['h1', 'h2'] },
      { line: 2, cells: ['q\r\nv "x"', '2'] },
      { line: 5, cells: ['plain', 'a\rb'] },
      { line: 7, cells: ['', 'end'] },
    ]);
    for (let cut = 1; cut < text.length; cut++) expect(inChunks(text, [cut]), `cut at ${cut}`).toEqual(whole);
    expect(inChunks(text, Array.from({ length: text.length - 1 }, (_, i) => i + 1))).toEqual(whole);
  });

  it('agrees with csv-parse on random CSV cut into random chunks, and knows each record\'s line', () => {
    const rng = seededRng(20261204);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng.next() * xs.length)]!;
    const pieces = ['a', 'b', 'z9', ' ', ',', '"', '\n', '\r\n', 'é', '🙂', ''];
    for (let round = 0; round < 200; round++) {
      const eol = pick(['\n', '\r\n']);
      const rows: string[][] = [];
      for (let r = 0, nr = 1 + Math.floor(rng.next() * 8); r < nr; r++) {
        rows.push(Array.from({ length: 1 + Math.floor(rng.next() * 4) }, () => Array.from({ length: Math.floor(rng.next() * 4) }, () => pick(pieces)).join('')));
      }
      const quote = (cell: string) => (/[",\r\n]/.test(cell) || cell === '' || rng.next() < 0.2 ? `"${cell.replace(/"/g, '""')}"` : cell);
      const text = rows.map((row) => row.map(quote).join(',')).join(eol) + (rng.next() < 0.5 ? eol : '');
      const cuts = [...new Set(Array.from({ length: Math.floor(rng.next() * 5) }, () => Math.floor(rng.next() * text.length)))].sort((a, b) => a - b);
      const ours = inChunks(text, cuts);
      const theirs = parse(text, { relax_column_count: true, relax_quotes: true, skip_empty_lines: true }) as string[][];
      expect(ours.map((r) => ('cells' in r ? r.cells : r)), text).toEqual(theirs);
      // Each record starts on the line after the previous record's own lines.
      let line = 1;
      rows.forEach((row, k) => {
        expect(ours[k]!.line, text).toBe(line);
        line += 1 + row.join('').split(/\r\n|\r|\n/).length - 1;
      });
    }
  });

  it('reports text that is not CSV at its line, in a sentence, and goes on with the next record', async () => {
    expect(await all(`a,b\n${'x'.repeat(300)},1\nok,2\n`)).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, problems: [{ reason: 'a row is longer than 200 characters; this is not a test file' }] },
      { line: 3, cells: ['ok', '2'] },
    ]);
    // An over-long record with a quoted line break inside: the lines after it keep their numbers.
    expect(await all(`a\n"${'y'.repeat(150)}\n${'y'.repeat(150)}",1\nok,2\n`)).toEqual([
      { line: 1, cells: ['a'] },
      { line: 2, problems: [{ reason: 'a row is longer than 200 characters; this is not a test file' }] },
      { line: 4, cells: ['ok', '2'] },
    ]);
    expect(await all('a,b\nfine,1\n"never closed,2\n')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['fine', '1'] },
      { line: 3, problems: [{ reason: 'a quoted value is never closed (a " is missing)' }] },
    ]);
    expect(await all('a\n"quoted"tail,1\nnext\n')).toEqual([
      { line: 1, cells: ['a'] },
      { line: 2, problems: [{ reason: expect.stringMatching(/^a quoted value is followed by more text before the next comma/) }] },
      { line: 3, cells: ['next'] },
    ]);
  });

  it('reads a hostile 50 MB file (one unclosed quote, then one endless line) in one pass without keeping it', () => {
    const chunk = 'y'.repeat(1 << 20);
    const opts = { maxRecordChars: 65536, expected: 'x' };
    const read = (parts: string[]) => {
      const splitter = new CsvSplitter(opts);
      const out: CsvRecord[] = [];
      let held = 0;
      for (const part of parts) {
        out.push(...splitter.push(part));
        held = Math.max(held, splitter.held);
      }
      return { records: [...out, ...splitter.end()], held };
    };
    const unclosed = read(['h\n"', ...Array.from({ length: 50 }, () => chunk)]);
    expect(unclosed.records).toEqual([
      { line: 1, cells: ['h'] },
      { line: 2, problems: [{ reason: 'a quoted value is never closed (a " is missing)' }] },
    ]);
    expect(unclosed.held).toBeLessThanOrEqual(65536);
    const endless = read(['h\n', ...Array.from({ length: 50 }, () => chunk), '\nlast,1\n']);
    expect(endless.records).toEqual([
      { line: 1, cells: ['h'] },
      { line: 2, problems: [{ reason: 'a row is longer than 65536 characters; this is not x' }] },
      { line: 3, cells: ['last', '1'] },
    ]);
    expect(endless.held).toBeLessThanOrEqual(65536);
  });

  it('keeps UTF-8 characters cut between two chunks of bytes whole, and refuses a row with a NUL (quoted or not)', async () => {
    const bytes = Buffer.from('name\nJoão🙂x\n"a\u0000\nb",1\nlast\n');
    const cut = bytes.indexOf(Buffer.from('🙂')) + 2;
    expect(await all([bytes.subarray(0, cut), bytes.subarray(cut)] as unknown as string[])).toEqual([
      { line: 1, cells: ['name'] },
      { line: 2, cells: ['João🙂x'] },
      { line: 3, problems: [{ reason: 'a row contains a NUL character (a binary file?); this is not a test file' }] },
      { line: 5, cells: ['last'] },
    ]);
  });

  it('destroys its source when the reader stops early', async () => {
    const source = Readable.from(['a,b\n', '1,2\n', '3,4\n']);
    for await (const r of readCsvRecords(source, options)) {
      expect(r).toEqual({ line: 1, cells: ['a', 'b'] });
      break;
    }
    expect(source.destroyed).toBe(true);
  });
});
