import { describe, expect, it } from 'vitest';
import { csvHeader, inferCsvKind, inferFormat } from './import-file';

describe('import file guesses', () => {
  it('takes the format from the name, else from the first character', () => {
    expect(inferFormat('fleet.JSON', 'serial,x')).toBe('json');
    expect(inferFormat('fleet.csv', '{')).toBe('csv');
    expect(inferFormat('export', '  {"sites": []}')).toBe('json');
    expect(inferFormat('export', 'code,partner')).toBe('csv');
  });

  it('tells a sites CSV from an appliances CSV by its header', () => {
    expect(inferCsvKind('\uFEFF"Serial",hostname,site\r\nA,b,c')).toBe('appliances');
    expect(inferCsvKind('code,partner,asn,name,city,country,latitude,longitude,timezone\n')).toBe('sites');
    expect(inferCsvKind('name,value\n')).toBeNull();
    expect(csvHeader(' Code , ASN\n1,2')).toEqual(['code', 'asn']);
  });
});
