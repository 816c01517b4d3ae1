/**
 * Placement: which titles each appliance of a site should hold tomorrow, from the forecast.
 *
 * Pure and fast (typed arrays, no I/O) so a hundred sites of fifty thousand titles plan in well
 * under a second each. The steps, per site:
 *
 *  1. Rank titles by forecast popularity (value / bytes: the views a byte of cache earns), with a
 *     hysteresis boost for titles the site already holds, so a small change in rank does not
 *     churn bytes: a held title is only replaced by one whose popularity beats it by the margin.
 *  2. Replicas: a title whose share of the site's demand is more than an appliance can carry
 *     alone gets more copies, roughly in proportion: ceil(replicaFactor x appliances x share),
 *     at most one per appliance.
 *  3. Select greedily down the ranking while the site has room (a title and all its copies).
 *  4. Tier: flash appliances take the head of the selection (flash serves the hottest titles),
 *     storage appliances the long tail and whatever did not fit on flash.
 *  5. Spread the copies inside a tier by weighted rendezvous hashing (highest random weight,
 *     weight = capacity): each title goes to the appliance with the highest -w / ln(hash(serial,
 *     title)) that has room; a title already on an appliance of the tier stays there. Adding or
 *     removing an appliance therefore moves only the titles whose highest weight it wins or held.
 *
 * Capacity is respected per appliance; a title that fits nowhere in its tier is dropped and counted.
 */

/** Appliance kinds as the inventory names them. */
export type PlacementKind = 'flash' | 'storage';

export interface PlacementAppliance {
  serial: string;
  kind: PlacementKind;
  capacityBytes: number;
}

export interface PlacementInput {
  /** Forecast bytes per day each title will be streamed at the site (index = catalog index). */
  value: Float64Array;
  /** Size of each title. */
  bytes: Float64Array;
  appliances: readonly PlacementAppliance[];
  /** What each appliance holds now (or was planned to hold): serial -> catalog indexes. */
  previous?: ReadonlyMap<string, ReadonlySet<number> | Iterable<number>> | undefined;
  options?: Partial<PlacementOptions>;
}

export interface PlacementOptions {
  /** A held title keeps its place unless a newcomer's popularity is this much higher (0.25 = 25 %). */
  hysteresis: number;
  /** Copies = ceil(replicaFactor x appliances x demand share), capped by the appliances. */
  replicaFactor: number;
}

export const DEFAULT_PLACEMENT_OPTIONS: PlacementOptions = { hysteresis: 0.25, replicaFactor: 2 };

export interface PlacedOnAppliance {
  serial: string;
  kind: PlacementKind;
  capacityBytes: number;
  usedBytes: number;
  /** Catalog indexes of the titles it holds, most valuable first. */
  items: Int32Array;
  /** Forecast bytes per day it serves from each (the title's value over its copies). */
  values: Float64Array;
}

export interface SitePlacementResult {
  appliances: PlacedOnAppliance[];
  /** Forecast demand of the site (bytes per day). */
  totalValue: number;
  /** Forecast demand served from the site's appliances (each title counted once). */
  placedValue: number;
  /** placedValue / totalValue. */
  offload: number;
  /** The fractional-knapsack bound on offload over the site's total capacity (same forecast). */
  bound: number;
  titles: number;
  copies: number;
  /** Bytes of all copies placed. */
  placedBytes: number;
  /** Titles selected that fit on no appliance of their tier. */
  dropped: number;
  /** Copies per title (0 when not placed), by catalog index. */
  replicas: Uint8Array;
}

/** A 31-bit key for a serial (FNV-1a). */
export function serialKey(serial: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < serial.length; i++) {
    h ^= serial.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 1;
}

/** Uniform in (0, 1) for an (appliance, title) pair: the rendezvous hash. */
export function pairHash(applianceKey: number, title: number): number {
  let h = Math.imul(applianceKey ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(title + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return ((h >>> 0) + 0.5) / 4294967296;
}

/** Weighted rendezvous score: the appliance with the highest score for a title owns it. */
export function rendezvousScore(applianceKey: number, weight: number, title: number): number {
  return -weight / Math.log(pairHash(applianceKey, title));
}

const INDEX_SPAN = 2 ** 23;
const HIGH_WORD = new Uint32Array(new Float64Array(1).buffer);
const AS_FLOAT = new Float64Array(HIGH_WORD.buffer);
const BIG_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;

/**
 * A positive double's order as a 29-bit integer, larger first: its high 32 bits (sign, exponent
 * and 20 bits of mantissa) order positive doubles as numbers do; two more bits are dropped, so
 * keys within 4 parts in a million of each other tie (broken by position).
 */
function descendingRank(k: number): number {
  AS_FLOAT[0] = k;
  const high = HIGH_WORD[BIG_ENDIAN ? 0 : 1]!;
  return (0x7fffffff - high) >>> 2;
}

/**
 * Positions of `key` sorted by key descending (ties: lower position first), only those with key
 * above `floor` (default 0). Packs each (key, position) into one float and sorts natively: V8 sorts
 * a Float64Array several times faster than any comparator sort.
 */
export function orderByDescending(key: ArrayLike<number>, floor = 0): Int32Array {
  const n = key.length;
  if (n >= INDEX_SPAN) throw new RangeError(`at most ${INDEX_SPAN - 1} titles`);
  let count = 0;
  for (let i = 0; i < n; i++) if (key[i]! > floor) count++;
  const packed = new Float64Array(count);
  let j = 0;
  for (let i = 0; i < n; i++) {
    const k = key[i]!;
    if (k > floor) packed[j++] = descendingRank(k) * INDEX_SPAN + i;
  }
  packed.sort();
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = packed[i]! % INDEX_SPAN;
  return order;
}

/**
 * A key floor below which titles cannot matter: the titles with key above it weigh at least
 * `budget` bytes (0 when all positive keys together weigh less). Found by bisection in log space,
 * so a site sorts only its candidates, not the whole catalog.
 */
export function keyFloor(key: ArrayLike<number>, bytes: ArrayLike<number>, budget: number): number {
  let lo = Infinity;
  let hi = 0;
  let all = 0;
  for (let i = 0; i < key.length; i++) {
    const k = key[i]!;
    if (k > 0) {
      if (k < lo) lo = k;
      if (k > hi) hi = k;
      all += bytes[i]!;
    }
  }
  if (all <= budget || hi === 0) return 0;
  // Invariant: weight(keys > lo') >= budget at the returned floor.
  let low = Math.log(lo) - 1e-9;
  let high = Math.log(hi);
  for (let it = 0; it < 18; it++) {
    const mid = (low + high) / 2;
    const t = Math.exp(mid);
    let w = 0;
    for (let i = 0; i < key.length; i++) if (key[i]! > t) w += bytes[i]!;
    if (w >= budget) low = mid;
    else high = mid;
  }
  return Math.exp(low);
}

/** Fractional-knapsack bound: the most demand `capacity` bytes can serve, as a share of the total. */
export function fractionalBound(value: Float64Array, bytes: Float64Array, capacity: number): number {
  let total = 0;
  for (let i = 0; i < value.length; i++) total += value[i]!;
  if (total === 0) return 0;
  const density = new Float64Array(value.length);
  for (let i = 0; i < value.length; i++) density[i] = bytes[i]! > 0 ? value[i]! / bytes[i]! : 0;
  // Only titles above the floor can be in the knapsack: together they already fill it.
  const ranked = orderByDescending(density, keyFloor(density, bytes, capacity));
  let left = capacity;
  let served = 0;
  for (const i of ranked) {
    if (left <= 0) break;
    const b = bytes[i]!;
    if (b <= left) {
      served += value[i]!;
      left -= b;
    } else {
      served += (value[i]! * left) / b;
      left = 0;
    }
  }
  return served / total;
}

function asSet(held: ReadonlySet<number> | Iterable<number>): ReadonlySet<number> {
  return held instanceof Set ? (held as ReadonlySet<number>) : new Set(held);
}

/** Places a site's titles on its appliances (see the file comment). */
export function placeSite(input: PlacementInput): SitePlacementResult {
  const opts = { ...DEFAULT_PLACEMENT_OPTIONS, ...input.options };
  const { value, bytes } = input;
  const n = value.length;
  if (bytes.length !== n) throw new RangeError('value and bytes must have one entry per title');
  const apps = input.appliances;
  const m = apps.length;
  const keys = apps.map((a) => serialKey(a.serial));
  const free = apps.map((a) => Math.max(0, a.capacityBytes));
  const lists: number[][] = apps.map(() => []);

  // Who holds what now: per title, the first appliance holding it (-1: none) and any others.
  const holder = new Int32Array(n).fill(-1);
  const moreHolders = new Map<number, number[]>();
  const serialIndex = new Map(apps.map((a, k) => [a.serial, k]));
  if (input.previous) {
    for (const [serial, held] of input.previous) {
      const k = serialIndex.get(serial);
      if (k === undefined) continue;
      for (const i of held) {
        if (!(i >= 0 && i < n)) continue;
        if (holder[i] === -1) holder[i] = k;
        else if (holder[i] !== k) {
          const more = moreHolders.get(i);
          if (more) {
            if (!more.includes(k)) more.push(k);
          } else moreHolders.set(i, [k]);
        }
      }
    }
  }

  let totalValue = 0;
  for (let i = 0; i < n; i++) totalValue += value[i]!;
  const capacity = free.reduce((a, b) => a + b, 0);

  const density = new Float64Array(n);
  for (let i = 0; i < n; i++) density[i] = bytes[i]! > 0 ? value[i]! / bytes[i]! : 0;
  const boost = 1 + opts.hysteresis;
  const ranked = new Float64Array(n);
  for (let i = 0; i < n; i++) ranked[i] = holder[i] !== -1 ? density[i]! * boost : density[i]!;
  // Sort only the candidates: titles whose rank key is above a floor that leaves a third more
  // than the site holds; the rest only when the candidates did not fill it.
  const floor = keyFloor(ranked, bytes, capacity * 1.33);
  const head = orderByDescending(ranked, floor);

  // 2 + 3: replicas and selection down the ranking while the site has room.
  const replicas = new Uint8Array(n);
  const selected: number[] = [];
  let left = capacity;
  const select = (order: Int32Array) => {
    for (const i of order) {
      const b = bytes[i]!;
      if (b > left) continue;
      const share = totalValue > 0 ? value[i]! / totalValue : 0;
      let r = Math.min(m, Math.max(1, Math.ceil(opts.replicaFactor * m * share)), 255);
      while (r > 1 && r * b > left) r--;
      replicas[i] = r;
      selected.push(i);
      left -= r * b;
    }
  };
  select(head);
  // The candidates left more than 1 % of the site empty (many copies, odd sizes): go on down the ranking.
  if (floor > 0 && left > capacity * 0.01) select(orderByDescending(ranked.map((k) => (k > floor ? 0 : k))));

  // 4: tiers. Flash takes the head of the selection, in the hysteresis order (held-on-flash first among equals).
  const flash: number[] = [];
  const storage: number[] = [];
  apps.forEach((a, k) => (a.kind === 'flash' ? flash : storage).push(k));
  let dropped = 0;
  let copies = 0;
  let placedBytes = 0;
  const placedTitle = new Uint8Array(n);

  const inTier = new Uint8Array(m);
  const chosen: number[] = [];
  const takeHeld = (k: number, b: number, want: number): boolean => {
    if (chosen.length >= want || !inTier[k] || free[k]! < b || chosen.includes(k)) return false;
    chosen.push(k);
    free[k] = free[k]! - b;
    return true;
  };
  const place = (i: number, tier: readonly number[], want: number): number => {
    const b = bytes[i]!;
    chosen.length = 0;
    for (const k of tier) inTier[k] = 1;
    // A title stays where it is when its appliance is in this tier and has room.
    if (holder[i] !== -1) {
      takeHeld(holder[i]!, b, want);
      const more = moreHolders.get(i);
      if (more) for (const k of more) takeHeld(k, b, want);
    }
    while (chosen.length < want) {
      let best = -1;
      let bestScore = -Infinity;
      for (const k of tier) {
        if (free[k]! < b || chosen.includes(k)) continue;
        const s = rendezvousScore(keys[k]!, apps[k]!.capacityBytes, i);
        if (s > bestScore) {
          bestScore = s;
          best = k;
        }
      }
      if (best < 0) break;
      chosen.push(best);
      free[best] = free[best]! - b;
    }
    for (const k of tier) inTier[k] = 0;
    for (const k of chosen) lists[k]!.push(i);
    return chosen.length;
  };

  let flashLeft = flash.reduce((s, k) => s + free[k]!, 0);
  for (const i of selected) {
    const b = bytes[i]!;
    const want = replicas[i]!;
    let placed = 0;
    if (flash.length && flashLeft >= b) {
      placed = place(i, flash, Math.min(want, flash.length));
      flashLeft -= placed * b;
    }
    // Flash and storage are different appliances: copies in both tiers never share one.
    if (placed < want && storage.length) placed += place(i, storage, want - placed);
    replicas[i] = placed;
    if (placed === 0) {
      dropped++;
      continue;
    }
    placedTitle[i] = 1;
    copies += placed;
    placedBytes += placed * b;
  }

  let placedValue = 0;
  for (const i of selected) if (placedTitle[i]) placedValue += value[i]!;

  const appliances: PlacedOnAppliance[] = apps.map((a, k) => {
    const list = lists[k]!;
    const values = new Float64Array(list.length);
    for (let j = 0; j < list.length; j++) values[j] = value[list[j]!]! / Math.max(1, replicas[list[j]!]!);
    const order = orderByDescending(values);
    return {
      serial: a.serial,
      kind: a.kind,
      capacityBytes: a.capacityBytes,
      usedBytes: a.capacityBytes - free[k]!,
      items: Int32Array.from(order, (j) => list[j]!),
      values: Float64Array.from(order, (j) => values[j]!),
    };
  });

  return {
    appliances,
    totalValue,
    placedValue,
    offload: totalValue > 0 ? placedValue / totalValue : 0,
    bound: fractionalBound(value, bytes, capacity),
    titles: selected.length - dropped,
    copies,
    placedBytes,
    dropped,
    replicas,
  };
}

/** Bytes a placement adds relative to what was held before (what the fills must move): its churn. */
export function churnBytes(result: SitePlacementResult, bytes: Float64Array, previous?: ReadonlyMap<string, ReadonlySet<number> | Iterable<number>>): number {
  let filled = 0;
  for (const a of result.appliances) {
    const before = previous?.get(a.serial);
    const held = before ? asSet(before) : new Set<number>();
    for (const i of a.items) if (!held.has(i)) filled += bytes[i]!;
  }
  return filled;
}
