/**
 * The lab's demand model: what each site's subscribers watch, per local day and per hour. It is
 * the one source of truth for demand in the lab: `fleetdeck lab demand export` writes it as the
 * files a streaming service would hand over (catalog + per-site daily demand logs), and the lab's
 * serving simulation asks it how many bytes of each title a site wants at a given time.
 *
 * Everything is a pure function of (seed, options, site, day): no state, no randomness from
 * outside, so the export, the lab and the benchmarks agree without sharing anything but the seed.
 *
 * The catalog is the lab catalog (catalog.ts): content ids `c0000000`, `c0000001`, ... whose
 * index is their long-run global popularity rank and whose sizes are catalogBytes(index). On top:
 *
 *  - heavy tail: a title's base weight is Zipf, (rank + 1)^-zipf (zipf 0.85 by default);
 *  - regions: each partner has its own taste (a log-normal factor per partner and title, sigma
 *    0.6) and local favourites (about 2 % of titles five to ten times as popular there); each site
 *    a little of its own (sigma 0.15);
 *  - new releases: about 3 % of titles (outside the head hundred) are released inside the model's
 *    release span, one after another; a title has no demand before its release day, then a spike
 *    of 20-200 times its base weight that decays with a time constant of 3-8 days;
 *  - drift: each title's popularity swings slowly (a sine of 20-90 days, amplitude 0.35 in log)
 *    and jitters day to day (sigma 0.25 global and 0.15 per site), which no forecast can know;
 *  - volume: each site has a number of plays per day (a little more at weekends); the plays of a
 *    title on a day are a Poisson draw around its share, and each play streams a per-title
 *    fraction (40-95 %) of the asset, so bytes streamed / asset size = "views";
 *  - the day: a site's day is its local calendar day; its demand is spread over the hours by the
 *    daily curve in traffic.ts (trough 05:00, peak 21:00 local).
 */
import { catalogBytes, catalogId, catalogIndex } from './catalog';
import { dailyCurve, zoneOffsetMs } from './traffic';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface DemandSite {
  /** Site code, as in the inventory. */
  code: string;
  /** The partner (ISP) the site belongs to: sites of a partner share a regional taste. */
  partner: string;
  /** IANA time zone: the site's days and its daily curve are local. */
  timezone: string;
  /** Mean plays per day (before the weekend lift). */
  playsPerDay: number;
}

export interface DemandModelOptions {
  seed: number;
  /** Titles in the catalog (content ids c0000000 .. c{titles-1}). */
  titles: number;
  sites: readonly DemandSite[];
  /** Zipf exponent of the base popularity (default 0.85). */
  zipf?: number;
  /** First day of the release span, YYYY-MM-DD (default 2026-01-01). */
  releaseStart?: string;
  /** Length of the release span in days (default 1096: three years). */
  releaseSpanDays?: number;
  /** Share of the catalog released inside the span (default 0.03). */
  releaseShare?: number;
}

export type CatalogKind = 'video' | 'audio' | 'subtitles';

export interface CatalogEntry {
  contentId: string;
  title: string;
  bytes: number;
  kind: CatalogKind;
  /** YYYY-MM-DD. */
  releaseDate: string;
}

/** One site's demand on one local day, indexed by catalog index. */
export interface SiteDayDemand {
  site: string;
  day: string;
  /** Plays per title (integers). */
  plays: Uint32Array;
  /** Bytes streamed per title (integers). */
  bytes: Float64Array;
  totalPlays: number;
  totalBytes: number;
}

/** One site's demand over one hour: the bytes of each title, a share of the local day's. */
export interface SiteHourDemand {
  site: string;
  /** The local day the hour belongs to. */
  day: string;
  /** Share of the day's bytes that falls in this hour (the daily curve, normalised over the day). */
  share: number;
  /** Bytes per title in the hour: day.bytes[i] * share. */
  bytesOf(index: number): number;
  totalBytes: number;
  dayDemand: SiteDayDemand;
}

// ---------------------------------------------------------------------------------------------
// Deterministic noise

/** A 32-bit hash of up to four integers (murmur3-style finaliser over a mix). */
export function hash4(a: number, b: number, c = 0, d = 0): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ Math.imul(c, 0x27d4eb2f), 0x165667b1);
  h = Math.imul(h ^ (h >>> 15) ^ Math.imul(d, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Uniform in (0, 1) from four integers. */
export function uniform(a: number, b: number, c = 0, d = 0): number {
  return (hash4(a, b, c, d) + 0.5) / 4294967296;
}

/** Standard normal from four integers (Box-Muller over two hashes). */
export function normal(a: number, b: number, c = 0, d = 0): number {
  const u1 = uniform(a, b, c, d);
  const u2 = uniform(a ^ 0x5bd1e995, b, c + 1, d);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** A 31-bit number for a string (FNV-1a), to key noise by site or partner. */
export function stringKey(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 1) | 0;
}

/** A Poisson draw with mean `lambda` from a uniform `u` (inversion; normal approximation when large). */
export function poisson(lambda: number, u: number, u2: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 40) {
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * u2);
    return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * z));
  }
  let k = 0;
  let p = Math.exp(-lambda);
  let cdf = p;
  while (u > cdf && k < 1000) {
    k++;
    p *= lambda / k;
    cdf += p;
  }
  return k;
}

// ---------------------------------------------------------------------------------------------
// Days

/** Days since 1970-01-01 of a YYYY-MM-DD date. */
export function dayNumber(day: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new RangeError(`"${day}" is not a date (YYYY-MM-DD)`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const back = new Date(ms).toISOString().slice(0, 10);
  if (back !== day) throw new RangeError(`"${day}" is not a date (YYYY-MM-DD)`);
  return Math.round(ms / DAY_MS);
}

/** YYYY-MM-DD of a day number. */
export function dayString(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** The local calendar day (as a day number) of instant `at` in `timeZone`. */
export function localDayNumber(timeZone: string, at: number): number {
  return Math.floor((at + zoneOffsetMs(timeZone, at)) / DAY_MS);
}

/** The instant local midnight starts `day` in `timeZone` (to the hour; zones change on the hour). */
export function localMidnight(timeZone: string, day: number): number {
  let t = day * DAY_MS;
  // Two passes settle the offset even on a day the offset changes.
  t = day * DAY_MS - zoneOffsetMs(timeZone, t);
  t = day * DAY_MS - zoneOffsetMs(timeZone, t);
  return t;
}

// ---------------------------------------------------------------------------------------------
// Titles

const WORDS_A = ['Quiet', 'Last', 'Crimson', 'Hidden', 'Northern', 'Silver', 'Broken', 'Golden', 'Distant', 'Wild', 'Electric', 'Paper', 'Midnight', 'Salt', 'Iron', 'Glass'];
const WORDS_B = ['Harbor', 'Kingdom', 'Signal', 'Orchard', 'Frontier', 'River', 'Garden', 'Empire', 'Lantern', 'Station', 'Summer', 'Witness', 'Tide', 'Circuit', 'Valley', 'Crown'];
const ENCODES = ['2160p HDR', '1080p', '720p', '480p'];

function titleName(seed: number, index: number): string {
  const h = hash4(seed, index, 0x7171);
  const a = WORDS_A[h % WORDS_A.length]!;
  const b = WORDS_B[(h >>> 8) % WORDS_B.length]!;
  const encode = ENCODES[(h >>> 16) % ENCODES.length]!;
  return `The ${a} ${b} ${1 + (index % 997)} (${encode})`;
}

interface SiteTables {
  site: DemandSite;
  key: number;
  /** Log base weight (Zipf + region + site) per title. */
  logBase: Float64Array;
}

/**
 * The demand model for one lab: build once, ask for days and hours. Day results are cached (a
 * handful per site), so the lab's serving simulation can ask every few seconds for nothing.
 */
export class DemandModel {
  readonly seed: number;
  readonly titles: number;
  readonly zipf: number;
  readonly releaseStart: number;
  readonly releaseSpanDays: number;
  readonly releaseShare: number;
  private readonly siteSpecs = new Map<string, DemandSite>();
  private readonly sites = new Map<string, SiteTables>();
  /** Release day per title (day number). */
  private readonly releaseDays: Int32Array;
  /** Spike height (multiple of base) and decay (days) per title; 0 for titles without a spike. */
  private readonly spike: Float32Array;
  private readonly decay: Float32Array;
  private readonly driftPeriod: Float32Array;
  private readonly driftPhase: Float32Array;
  private readonly completion: Float32Array;
  private readonly dayCache = new Map<string, SiteDayDemand>();
  private readonly curveShareCache = new Map<string, number[]>();

  constructor(options: DemandModelOptions) {
    if (!Number.isInteger(options.titles) || options.titles < 1 || options.titles > 10_000_000) {
      throw new RangeError('titles is a whole number from 1 to 10,000,000');
    }
    this.seed = options.seed | 0;
    this.titles = options.titles;
    this.zipf = options.zipf ?? 0.85;
    this.releaseStart = dayNumber(options.releaseStart ?? '2026-01-01');
    this.releaseSpanDays = options.releaseSpanDays ?? 1096;
    this.releaseShare = options.releaseShare ?? 0.03;
    const n = this.titles;
    const seed = this.seed;
    this.releaseDays = new Int32Array(n);
    this.spike = new Float32Array(n);
    this.decay = new Float32Array(n);
    this.driftPeriod = new Float32Array(n);
    this.driftPhase = new Float32Array(n);
    this.completion = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const isRelease = i >= 100 && uniform(seed, i, 0x4e1) < this.releaseShare;
      if (isRelease) {
        this.releaseDays[i] = this.releaseStart + Math.floor(uniform(seed, i, 0x4e2) * this.releaseSpanDays);
        this.spike[i] = 20 * Math.pow(10, uniform(seed, i, 0x4e3)); // 20 .. 200
        this.decay[i] = 3 + 5 * uniform(seed, i, 0x4e4);
      } else {
        // Back catalogue: released one to fifteen years before the span.
        this.releaseDays[i] = this.releaseStart - 365 - Math.floor(uniform(seed, i, 0x4e5) * 14 * 365);
      }
      this.driftPeriod[i] = 20 + 70 * uniform(seed, i, 0xd71);
      this.driftPhase[i] = 2 * Math.PI * uniform(seed, i, 0xd72);
      this.completion[i] = 0.4 + 0.55 * uniform(seed, i, 0xc0e);
    }
    for (const site of options.sites) {
      if (this.siteSpecs.has(site.code)) throw new RangeError(`site ${site.code} is given twice`);
      if (!(site.playsPerDay >= 0)) throw new RangeError(`site ${site.code}: playsPerDay must be a number >= 0`);
      this.siteSpecs.set(site.code, site);
    }
  }

  /** A site's base weights, made on first use (a lab of many sites pays only for those asked about). */
  private tables(code: string): SiteTables {
    const made = this.sites.get(code);
    if (made) return made;
    const site = this.siteSpecs.get(code);
    if (!site) throw new RangeError(`the demand model has no site "${code}"`);
    const n = this.titles;
    const seed = this.seed;
    const key = stringKey(site.code);
    const partnerKey = stringKey(site.partner);
    const logBase = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let w = -this.zipf * Math.log(i + 1);
      w += 0.6 * normal(seed, i, partnerKey, 0x9e1);
      if (uniform(seed, i, partnerKey, 0x10c) < 0.02) w += Math.log(5 + 5 * uniform(seed, i, partnerKey, 0x10d));
      w += 0.15 * normal(seed, i, key, 0x517e);
      logBase[i] = w;
    }
    const tables = { site, key, logBase };
    this.sites.set(code, tables);
    return tables;
  }

  siteCodes(): string[] {
    return [...this.siteSpecs.keys()];
  }

  site(code: string): DemandSite {
    const site = this.siteSpecs.get(code);
    if (!site) throw new RangeError(`the demand model has no site "${code}"`);
    return site;
  }

  /** The catalog entry of a title by index. */
  catalogEntry(index: number): CatalogEntry {
    if (!Number.isInteger(index) || index < 0 || index >= this.titles) throw new RangeError(`no title at index ${index}`);
    return {
      contentId: catalogId(index),
      title: titleName(this.seed, index),
      bytes: catalogBytes(index),
      kind: 'video',
      releaseDate: dayString(this.releaseDays[index]!),
    };
  }

  /** Every catalog entry, in index order. */
  *catalog(): Generator<CatalogEntry> {
    for (let i = 0; i < this.titles; i++) yield this.catalogEntry(i);
  }

  /** Release day (day number) of a title. */
  releaseDay(index: number): number {
    return this.releaseDays[index]!;
  }

  /** The catalog index of a content id in this model, or null. */
  indexOf(contentId: string): number | null {
    const i = catalogIndex(contentId);
    return i !== null && i < this.titles ? i : null;
  }

  /**
   * Expected views weight of title `i` at a site on `day` (unnormalised, log space), or -Infinity
   * before the title's release.
   */
  private logWeight(t: SiteTables, i: number, day: number, globalDayKey: number): number {
    const release = this.releaseDays[i]!;
    if (day < release) return -Infinity;
    let w = t.logBase[i]!;
    const spike = this.spike[i]!;
    if (spike > 0) w += Math.log(1 + spike * Math.exp(-(day - release) / this.decay[i]!));
    w += 0.35 * Math.sin((2 * Math.PI * day) / this.driftPeriod[i]! + this.driftPhase[i]!);
    w += 0.25 * normal(this.seed, i, globalDayKey, 0xda1);
    w += 0.15 * normal(this.seed, i, globalDayKey, t.key);
    return w;
  }

  /** Mean plays at a site on a day (weekends a little busier). */
  playsOn(code: string, day: number): number {
    const t = this.tables(code);
    const weekday = (day + 4) % 7; // 1970-01-01 was a Thursday: 0 = Sunday
    const lift = weekday === 0 || weekday === 6 ? 1.15 : 1;
    return t.site.playsPerDay * lift;
  }

  /** A site's demand on its local day `day` (YYYY-MM-DD): plays and bytes per title. */
  siteDay(code: string, day: string): SiteDayDemand {
    const cacheKey = `${code}\u0000${day}`;
    const cached = this.dayCache.get(cacheKey);
    if (cached) return cached;
    const t = this.tables(code);
    const d = dayNumber(day);
    const n = this.titles;
    const logW = new Float64Array(n);
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const w = this.logWeight(t, i, d, d);
      logW[i] = w;
      if (w > max) max = w;
    }
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const e = logW[i] === -Infinity ? 0 : Math.exp(logW[i]! - max);
      logW[i] = e;
      sum += e;
    }
    const meanPlays = this.playsOn(code, d);
    const plays = new Uint32Array(n);
    const bytes = new Float64Array(n);
    let totalPlays = 0;
    let totalBytes = 0;
    for (let i = 0; i < n; i++) {
      if (logW[i] === 0 || sum === 0) continue;
      const lambda = (meanPlays * logW[i]!) / sum;
      const k = poisson(lambda, uniform(this.seed, i, d, t.key ^ 0x9015), uniform(this.seed, i, d, t.key ^ 0x9016));
      if (k === 0) continue;
      plays[i] = k;
      const b = Math.round(k * catalogBytes(i) * this.completion[i]!);
      bytes[i] = b;
      totalPlays += k;
      totalBytes += b;
    }
    const result: SiteDayDemand = { site: code, day, plays, bytes, totalPlays, totalBytes };
    if (this.dayCache.size >= 4 * Math.max(1, this.siteSpecs.size)) {
      const oldest = this.dayCache.keys().next().value;
      if (oldest !== undefined) this.dayCache.delete(oldest);
    }
    this.dayCache.set(cacheKey, result);
    return result;
  }

  /** The share of a local day's demand in each of its hours (24 numbers summing to 1; 23 or 25 on a DST day). */
  hourShares(code: string, day: string): number[] {
    const cacheKey = `${code}\u0000${day}`;
    const cached = this.curveShareCache.get(cacheKey);
    if (cached) return cached;
    const tz = this.site(code).timezone;
    const d = dayNumber(day);
    const start = localMidnight(tz, d);
    const end = localMidnight(tz, d + 1);
    const hours = Math.max(1, Math.round((end - start) / HOUR_MS));
    const raw: number[] = [];
    for (let h = 0; h < hours; h++) {
      const at = start + h * HOUR_MS + HOUR_MS / 2;
      const local = ((at + zoneOffsetMs(tz, at)) % DAY_MS) / HOUR_MS;
      raw.push(dailyCurve(local));
    }
    const total = raw.reduce((a, b) => a + b, 0);
    const shares = raw.map((r) => r / total);
    if (this.curveShareCache.size > 256) this.curveShareCache.clear();
    this.curveShareCache.set(cacheKey, shares);
    return shares;
  }

  /** A site's demand over the hour that contains instant `at` (hours counted from local midnight). */
  siteHour(code: string, at: number): SiteHourDemand {
    const tz = this.site(code).timezone;
    const d = localDayNumber(tz, at);
    const day = dayString(d);
    const start = localMidnight(tz, d);
    const shares = this.hourShares(code, day);
    const h = Math.min(shares.length - 1, Math.max(0, Math.floor((at - start) / HOUR_MS)));
    const share = shares[h]!;
    const dayDemand = this.siteDay(code, day);
    return {
      site: code,
      day,
      share,
      bytesOf: (index: number) => (dayDemand.bytes[index] ?? 0) * share,
      totalBytes: dayDemand.totalBytes * share,
      dayDemand,
    };
  }

  /** A site's demand rate at instant `at`, in bytes per second (the hour's bytes over 3600 s). */
  bytesPerSecond(code: string, at: number): number {
    return this.siteHour(code, at).totalBytes / 3600;
  }

  /**
   * The share of a site's demand (bytes) on the local day of `at` that `holds` would serve: the
   * hit ratio of a cache holding exactly those titles.
   */
  hitRatio(code: string, at: number, holds: (index: number) => boolean): number {
    const tz = this.site(code).timezone;
    const demand = this.siteDay(code, dayString(localDayNumber(tz, at)));
    if (demand.totalBytes === 0) return 0;
    let hit = 0;
    for (let i = 0; i < demand.bytes.length; i++) if (demand.bytes[i]! > 0 && holds(i)) hit += demand.bytes[i]!;
    return hit / demand.totalBytes;
  }
}

/** Default catalog size of the lab: more than one storage appliance holds, a fraction on flash. */
export const LAB_DEMAND_TITLES = 80_000;
/** Plays per appliance per day in the lab (a site's volume grows with its appliances). */
export const LAB_PLAYS_PER_APPLIANCE = 10_000;

/** The demand sites of a lab fleet plan: each site's partner and zone, plays by appliance count. */
export function labDemandSites(
  sites: readonly { code: string; partner: string; timezone: string }[],
  appliances: readonly { site: string }[],
): DemandSite[] {
  const counts = new Map<string, number>();
  for (const a of appliances) counts.set(a.site, (counts.get(a.site) ?? 0) + 1);
  return sites.map((s) => ({
    code: s.code,
    partner: s.partner,
    timezone: s.timezone,
    playsPerDay: LAB_PLAYS_PER_APPLIANCE * Math.max(1, counts.get(s.code) ?? 0),
  }));
}

/** CSV cell: quoted when it holds a comma, quote or line break. */
function csvCell(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CATALOG_CSV_HEADER = 'content_id,title,bytes,kind,release_date';
export const DEMAND_CSV_HEADER = 'site,day,content_id,bytes,plays';

/** Catalog CSV lines (header first), as a streaming service would hand them over. */
export function* catalogCsvLines(model: DemandModel): Generator<string> {
  yield CATALOG_CSV_HEADER;
  for (const e of model.catalog()) yield [e.contentId, csvCell(e.title), e.bytes, e.kind, e.releaseDate].join(',');
}

/** Demand log CSV lines for a site's day (no header): titles with at least one play. */
export function* demandCsvLines(model: DemandModel, code: string, day: string): Generator<string> {
  const d = model.siteDay(code, day);
  for (let i = 0; i < d.plays.length; i++) {
    if (d.plays[i]! > 0) yield `${csvCell(code)},${day},${catalogId(i)},${d.bytes[i]!},${d.plays[i]!}`;
  }
}

/** JSON-lines form of a catalog entry (snake_case, as the CSV columns). */
export function catalogJsonLine(e: CatalogEntry): string {
  return JSON.stringify({ content_id: e.contentId, title: e.title, bytes: e.bytes, kind: e.kind, release_date: e.releaseDate });
}

/** Demand log JSON lines for a site's day: titles with at least one play. */
export function* demandJsonLines(model: DemandModel, code: string, day: string): Generator<string> {
  const d = model.siteDay(code, day);
  for (let i = 0; i < d.plays.length; i++) {
    if (d.plays[i]! > 0) yield JSON.stringify({ site: code, day, content_id: catalogId(i), bytes: d.bytes[i]!, plays: d.plays[i]! });
  }
}

/**
 * The demand model of a lab fleet (its sites, partners and zones, and plays by appliance count):
 * the lab's serving simulation and `lab demand export` both build it this way, from the lab's seed.
 */
export function labDemandModel(
  fleet: { seed: number; sites: readonly { code: string; partner: string; timezone: string }[]; appliances: readonly { site: string }[] },
  titles = LAB_DEMAND_TITLES,
): DemandModel {
  return new DemandModel({ seed: fleet.seed, titles, sites: labDemandSites(fleet.sites, fleet.appliances) });
}
