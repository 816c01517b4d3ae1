import { describe, expect, it } from 'vitest';
import type { Appliance } from '../inventory/contract';
import { selectAppliances } from './targets';

/** An inventory of n appliances, paged as listAppliances pages them (the unit under test is the paging). */
function source(n: number) {
  const all = Array.from({ length: n }, (_, i) => ({ serial: `S${String(i).padStart(6, '0')}`, site: 'GRU1', partner: 'P' }) as Appliance);
  const queries: Array<{ offset: number; limit: number }> = [];
  return {
    queries,
    listAppliances(q: { offset: number; limit: number }) {
      queries.push({ offset: q.offset, limit: q.limit });
      return { total: all.length, items: all.slice(q.offset, q.offset + q.limit) };
    },
  };
}

describe('selectAppliances', () => {
  it('reads every page: 45,001 appliances come back as 45,001 (no silent cap at one page)', () => {
    const s = source(45_001);
    const found = selectAppliances(s, {});
    expect(found).toHaveLength(45_001);
    expect(new Set(found.map((a) => a.serial)).size).toBe(45_001);
    expect(s.queries.map((q) => q.offset)).toEqual([0, 20_000, 40_000]);
  });

  it('stops after one page when it holds everything', () => {
    const s = source(3);
    expect(selectAppliances(s)).toHaveLength(3);
    expect(s.queries).toHaveLength(1);
  });
});
