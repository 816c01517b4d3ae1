import { describe, expect, it } from 'vitest';
import { readCsv, type CsvKind } from './csv';
import { MANAGEMENT_ADDRESS_NEEDED } from './contract';
import type { ParsedRow } from './import-items';
import { seededRng } from '../kit/time';

async function rowsOf(text: string, kind: CsvKind, rememberCells: boolean): Promise<ParsedRow[]> {
  const rows: ParsedRow[] = [];
  for await (const batch of readCsv(text, kind, { rememberCells })) rows.push(...batch);
  return rows;
}

/** A row as plain data: keys sorted, fields left undefined dropped (as absent ones). */
function plain(row: ParsedRow): unknown {
  return JSON.parse(JSON.stringify(row, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  ));
}

/**
 * Reads a file with cells remembered and with every cell checked anew, expects the same rows, and
 * says how many were valid and bad (both kinds in numbers, so the comparison means something).
 */
async function readBothWays(text: string, kind: CsvKind): Promise<{ valid: number; bad: number }> {
  const remembered = await rowsOf(text, kind, true);
  const anew = await rowsOf(text, kind, false);
  expect(remembered.map(plain)).toEqual(anew.map(plain));
  const valid = anew.filter((r) => 'item' in r).length;
  return { valid, bad: anew.length - valid };
}

/**
 * Cells from a seeded generator (the same file every run): one of the good values, or one of the
 * bad ones one time in twelve, so a file has many valid rows and many bad ones.
 */
function cells(seed: number): (good: readonly string[], bad?: readonly string[]) => string {
  const rng = seededRng(seed);
  const one = (options: readonly string[]) => options[Math.floor(rng.next() * options.length)]!;
  return (good, bad = []) => (bad.length && rng.next() < 1 / 12 ? one(bad) : one(good));
}

describe('reading CSV rows with checked cells remembered', () => {
  it('reads every row exactly as checking each cell anew does, valid or not', async () => {
    const cell = cells(7);
    const lines = ['serial,hostname,site,model,ipv4,ipv6,ssh_port,api_port,storage_tb,nic_gbps,firmware,status,tags'];
    for (let i = 0; i < 3000; i++) {
      lines.push(
        [
          cell([`OCA${i}`], ['bad serial!', '']),
          cell([`oca-${i}`, `oca-${i}.example.net`], ['-bad-']),
          cell(['GRU1', 'LHR2'], ['lower case', '']),
          cell(['storage', 'flash', 'global'], ['bogus']),
          cell([`10.0.${i >> 8}.${i & 255}`, ''], ['300.1.1.1']),
          cell(['', '2001:db8::1'], ['not-v6']),
          cell(['', '22', '2222'], ['70000', 'x']),
          cell(['', '443'], ['0']),
          cell(['360', '1e2'], ['-1', 'lots', '']),
          cell(['100', '400'], ['99999']),
          cell(['2026.3.9', ''], ['x'.repeat(65)]),
          cell(['', 'online', 'provisioning'], ['sleeping']),
          cell(['', 'tier2', 'tier2;edge', 'edge;tier2;edge', "'=1+2"], ['bad tag!']),
        ].join(','),
      );
    }
    lines.push('OCA-short,oca-short,GRU1');
    lines.push('OCA-nul,oca\u0007,GRU1,storage,10.9.9.9,,,,1,1,,,');
    const text = lines.join('\n') + '\n';
    const { valid, bad } = await readBothWays(text, 'appliances');
    expect(valid).toBeGreaterThan(300);
    expect(bad).toBeGreaterThan(1000);
  });

  it('still applies the rules over a whole row when every cell of it was seen before', async () => {
    const text = [
      'serial,hostname,site,model,ipv4,ipv6,ssh_port,api_port,storage_tb,nic_gbps,firmware,status,tags',
      'OCA1,oca-1,GRU1,storage,10.0.0.1,,22,443,360,100,2026.3.9,online,tier2',
      'OCA2,oca-2,GRU1,storage,,2001:db8::2,22,443,360,100,2026.3.9,online,tier2',
      // Both addresses empty: each empty cell was checked and remembered on the rows above.
      'OCA1,oca-1,GRU1,storage,,,22,443,360,100,2026.3.9,online,tier2',
    ].join('\n');
    const rows = await rowsOf(text, 'appliances', true);
    expect(rows[2]).toEqual({ line: 4, problems: [{ field: 'ipv4', reason: MANAGEMENT_ADDRESS_NEEDED }] });
  });

  it('gives each row its own item: a remembered list cannot be changed through another row', async () => {
    const text = [
      'serial,hostname,site,model,ipv4,ipv6,ssh_port,api_port,storage_tb,nic_gbps,firmware,status,tags',
      'OCA1,oca-1,GRU1,storage,10.0.0.1,,22,443,360,100,2026.3.9,online,tier2;edge',
      'OCA2,oca-2,GRU1,storage,10.0.0.2,,22,443,360,100,2026.3.9,online,tier2;edge',
    ].join('\n');
    const [first, second] = await rowsOf(text, 'appliances', true);
    if (!first || !second || !('item' in first) || !('item' in second)) throw new Error('expected two valid rows');
    expect(first.item.value).not.toBe(second.item.value);
    expect(() => (first.item.value as { tags: string[] }).tags.push('x')).toThrow(TypeError);
    expect((second.item.value as { tags: string[] }).tags).toEqual(['tier2', 'edge']);
  });

  it('reads sites files the same both ways too', async () => {
    const cell = cells(11);
    const lines = ['code,partner,asn,name,city,country,latitude,longitude,timezone,maintenance_window,fill_window'];
    for (let i = 0; i < 600; i++) {
      lines.push(
        [
          cell([`S${i}`], ['bad code!']),
          cell(['Partner A', 'Partner B'], ['']),
          cell(['64500'], ['0', 'x']),
          `POP ${i}`,
          cell(['Lisbon'], ['']),
          cell(['PT'], ['Portugal']),
          cell(['38.7'], ['91', 'north']),
          cell(['-9.1'], ['181']),
          cell(['Europe/Lisbon', 'UTC'], ['Mars/Olympus']),
          cell(['01:00-03:00'], ['25:00-03:00', '01:00-01:00']),
          cell(['02:00-14:00'], ['all day']),
        ].join(','),
      );
    }
    const text = lines.join('\n');
    const { valid, bad } = await readBothWays(text, 'sites');
    expect(valid).toBeGreaterThan(150);
    expect(bad).toBeGreaterThan(150);
  });
});
