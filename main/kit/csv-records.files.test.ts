import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCsvRecords, type CsvRecord } from './csv-records';

const options = { maxRecordChars: 200, expected: 'a test file' };
const allOf = async (chunks: Iterable<string | Buffer>, opts = options) => {
  const out: CsvRecord[] = [];
  for await (const r of readCsvRecords(Readable.from(chunks), opts)) out.push(r);
  return out;
};
const all = (text: string) => allOf([text]);
const tooLong = 'a row is longer than 200 characters; this is not a test file';
const unclosed = 'a quoted value is never closed (a " is missing)';

describe('CSV records', () => {
  it('counts a CRLF inside a quoted value as one line, so the rows after it keep their line', async () => {
    expect(await all('a,b\r\n"one\r\ntwo\r\nthree",x\r\nc,d\r\n\r\ne,"f"\r\n')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['one\r\ntwo\r\nthree', 'x'] },
      { line: 5, cells: ['c', 'd'] },
      { line: 7, cells: ['e', 'f'] },
    ]);
    // Old Mac line ends too.
    expect(await all('a,b\r"one\rtwo",x\rc,d')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['one\rtwo', 'x'] },
      { line: 4, cells: ['c', 'd'] },
    ]);
  });

  it('reads the same records however the file is cut into chunks (a CRLF, a doubled quote or a BOM split)', async () => {
    const text = '\ufeffa,b\r\n"q ""x""\r\ny",2\r\n\r\nplain,"",\r\n"a"b,c';
    const whole = await all(text);
    expect(whole).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['q "x"\r\ny', '2'] },
      { line: 5, cells: ['plain', '', ''] },
      { line: 6, problems: [{ reason: expect.stringMatching(/^a quoted value is followed by more text/) }] },
    ]);
    const bytes = Buffer.from(text, 'utf8');
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await allOf([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(whole);
    }
  });

  it('goes on after an over-long record, so every bad row of the file is listed in one pass', async () => {
    const long = (c: string) => c.repeat(250);
    const text = `a,b\n${long('x')}\nok,1\n"${long('y')}\ny",2\nok,2\r\n${long('z')},${long('z')}\r\nlast,3`;
    expect(await all(text)).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, problems: [{ reason: tooLong }] },
      { line: 3, cells: ['ok', '1'] },
      // A quoted value over the limit is skipped to its closing quote, line breaks and all.
      { line: 4, problems: [{ reason: tooLong }] },
      { line: 6, cells: ['ok', '2'] },
      { line: 7, problems: [{ reason: tooLong }] },
      { line: 8, cells: ['last', '3'] },
    ]);
  });

  it('survives hostile files: a quote open to the end, a 50 MB line, NUL bytes, a BOM', async () => {
    // One quote opened on line 2 and never closed, over many lines and far past the limit.
    const openToEnd = ['a,b\nok,1\n"', ...Array.from({ length: 2000 }, (_, i) => `line ${i}\n`)];
    expect(await allOf(openToEnd)).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['ok', '1'] },
      { line: 3, problems: [{ reason: unclosed }] },
    ]);
    // A 50 MB line with the real limit, streamed in 1 MB chunks: refused at its line, the next row read.
    const mb = Buffer.alloc(1024 * 1024, 'x');
    const fifty = function* () {
      yield Buffer.from('a,b\n');
      for (let i = 0; i < 50; i++) yield mb;
      yield Buffer.from('\nok,1\n');
    };
    expect(await allOf(fifty(), { maxRecordChars: 64 * 1024, expected: 'a test file' })).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, problems: [{ reason: 'a row is longer than 65536 characters; this is not a test file' }] },
      { line: 3, cells: ['ok', '1'] },
    ]);
    // A NUL byte (a binary file, UTF-16 text) refuses its row only.
    expect(await allOf([Buffer.from('a,b\nx\u0000y,1\nok,2\n', 'utf8')])).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, problems: [{ reason: 'a row contains a NUL character (a binary file?); this is not a test file' }] },
      { line: 3, cells: ['ok', '2'] },
    ]);
    // A UTF-8 BOM in its own chunk, split across chunks, or as text: dropped; a BOM later in the file is text.
    const expected = [{ line: 1, cells: ['a', 'b'] }, { line: 2, cells: ['\ufeffc', 'd'] }];
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    expect(await allOf([bom, Buffer.from('a,b\n\ufeffc,d\n')])).toEqual(expected);
    expect(await allOf([bom.subarray(0, 1), bom.subarray(1), Buffer.from('a,b\n\ufeffc,d\n')])).toEqual(expected);
    expect(await all('\ufeffa,b\n\ufeffc,d')).toEqual(expected);
   }, 60_000);
});
