import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCsvRecords, type CsvRecord } from './csv-records';

const options = { maxRecordChars: 200, expected: 'a test file' };
const all = async (text: string) => {
  const out: CsvRecord[] = [];
  for await (const r of readCsvRecords(Readable.from([text]), options)) out.push(r);
  return out;
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

  it('reports text that is not CSV at its line, in a sentence', async () => {
    const records = await all(`a,b\n${'x'.repeat(300)},1\nok,2\n`);
    // A problem can come out before the records parsed in the same chunk: whoever reports them sorts by line.
    expect(records).toContainEqual({ line: 1, cells: ['a', 'b'] });
    expect(records.find((r) => 'problems' in r)).toEqual({ line: 2, problems: [{ reason: 'a row is longer than 200 characters; this is not a test file' }] });
    const unclosed = await all('a,b\nfine,1\n"never closed,2\n');
    expect(unclosed).toContainEqual({ line: 2, cells: ['fine', '1'] });
    expect(unclosed.find((r) => 'problems' in r)).toEqual({ line: 3, problems: [{ reason: 'a quoted value is never closed (a " is missing)' }] });
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
