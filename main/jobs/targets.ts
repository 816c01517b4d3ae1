/**
 * The one way to turn a filter into the set of appliances it names: the inventory read page by
 * page (no silent cap: 50,000 appliances come back as 50,000), each appliance once. Used by jobs,
 * health and every later domain.
 */
import type { z } from 'zod';
import { FleetError } from '../kit/errors';
import { ApplianceQuery, type Appliance } from '../inventory/contract';

/** What selection needs of the inventory. */
export interface ApplianceSource {
  listAppliances(query: z.output<typeof ApplianceQuery>): { total: number; items: readonly Appliance[] };
  appliance(serial: string): Appliance;
}

/** A filter: every ApplianceQuery field but paging (sort and direction order the result). */
export type ApplianceFilter = Omit<ApplianceQuery, 'offset' | 'limit'>;

const PAGE = 20_000;

/** Every appliance the filter matches, in the filter's order (serial by default). */
export function selectAppliances(source: Pick<ApplianceSource, 'listAppliances'>, filter: ApplianceFilter = {}): Appliance[] {
  const out: Appliance[] = [];
  const seen = new Set<string>();
  for (let offset = 0; ; offset += PAGE) {
    const page = source.listAppliances(ApplianceQuery.parse({ ...filter, offset, limit: PAGE }));
    for (const a of page.items) {
      if (seen.has(a.serial)) continue; // the inventory changed between two pages
      seen.add(a.serial);
      out.push(a);
    }
    if (page.items.length < PAGE || offset + PAGE >= page.total) return out;
  }
}

/** Appliances named one by one: each once, in the order given; any serial not in the inventory is an error. */
export function appliancesBySerial(source: Pick<ApplianceSource, 'appliance'>, serials: readonly string[]): Appliance[] {
  const found = new Map<string, Appliance>();
  const missing: string[] = [];
  for (const s of serials) {
    if (found.has(s)) continue;
    try {
      const appliance = source.appliance(s);
      found.set(appliance.serial, appliance);
    } catch {
      missing.push(s);
    }
  }
  if (missing.length) throw new FleetError('E_VALIDATION', `Not in the inventory: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}.`);
  return [...found.values()];
}
