/**
 * The lab's content catalog: titles' encodes named `c0000000`, `c0000001`, ... in popularity
 * order, each 1-5 GiB by a fixed pattern, so every appliance (and a fill planner) agrees on sizes
 * without storing them. An appliance starts holding the head of the catalog up to some count.
 */
const GIB = 1024 ** 3;
const PERIOD = 97;
const MULT = 7919;
const STEP = Math.floor((4 * GIB) / (PERIOD - 1));

export const CATALOG_MEAN_BYTES = GIB + STEP * ((PERIOD - 1) / 2);

export function catalogId(index: number): string {
  return 'c' + String(index).padStart(7, '0');
}

/** The catalog index of an id, or null when the id is not a catalog id. */
export function catalogIndex(contentId: string): number | null {
  const m = /^c(\d{7,})$/.exec(contentId);
  return m ? Number(m[1]) : null;
}

export function catalogBytes(index: number): number {
  return GIB + ((index * MULT) % PERIOD) * STEP;
}

/** Total bytes of catalog items 0..count-1, in closed form per block of 97. */
export function catalogPrefixBytes(count: number): number {
  const blocks = Math.floor(count / PERIOD);
  let total = blocks * (PERIOD * GIB + STEP * ((PERIOD * (PERIOD - 1)) / 2));
  for (let i = blocks * PERIOD; i < count; i++) total += GIB + ((i * MULT) % PERIOD) * STEP;
  return total;
}
