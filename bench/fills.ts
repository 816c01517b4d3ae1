/**
 * Fills benchmark: would predictive placement beat a reactive cache, and how long does planning take?
 *
 * 1. Replay. A trace from the lab's demand model (main/lab/model/demand.ts): FILLS_BENCH_TITLES
 *    titles (50,000), FILLS_BENCH_SITES sites (8) over four partners, FILLS_BENCH_WARMUP_DAYS (14)
 *    of history then FILLS_BENCH_DAYS (14) replayed. Each site has two storage appliances and one
 *    flash with FILLS_BENCH_CAPACITY (0.2) of the catalog's bytes between them. The same requests
 *    (each play of a title, in a shuffled order over the day) go to:
 *      proactive  the placement made each night from the forecast (main/fills/forecast.ts +
 *                 placement.ts), with hysteresis against the night before; a request is a hit when
 *                 an appliance of the site holds the title;
 *      lru, lfu   one reactive cache per site of the same total capacity, filling a title on its
 *                 first miss (LFU: perfect LFU, request counts kept across evictions);
 *      oracle     the fractional-knapsack bound on the day's actual demand over the same capacity
 *                 (transit), and the integral oracle placement's day-to-day churn (filled).
 *    Per day and policy: transit (origin) bytes = bytes of plays not served from the site, hit
 *    ratio = served bytes / demanded bytes, filled bytes = bytes written into caches (proactive:
 *    the night's fills; reactive: every admission). Warm-up days are run by every policy too
 *    (caches warm, forecasts learn) and not counted.
 *    The gap to the oracle, taken apart (`gapVsOracle`, transit over the oracle bound's): the
 *    integral oracle (whole titles, tiers, no copies, on the actual demand); the proactive
 *    placement fed the actual demand (a perfect forecast) without and with hysteresis; the
 *    forecast's placement without hysteresis, and without copies.
 * 2. Planning time: fold one day of demand into each site's forecast, forecast, place; summed over
 *    all sites, for 50,000 titles x 1,000 appliances x 100 sites and smaller sizes. `planSeconds` is
 *    the CPU time of that work (one thread): on a machine shared with other work the wall clock
 *    (`wallSeconds`, beside it) also counts the time others held the core.
 *
 * Prints per-day lines on stderr and one JSON object as the last line of stdout.
 * Env: FILLS_BENCH_TITLES, FILLS_BENCH_SITES, FILLS_BENCH_DAYS, FILLS_BENCH_WARMUP_DAYS,
 * FILLS_BENCH_CAPACITY, FILLS_BENCH_PLAYS (plays per site per day, 300,000), FILLS_BENCH_SEED (1),
 * FILLS_BENCH_SKIP_PLAN=1 (replay only).
 */
import './loopback-only';
import { cpus } from 'node:os';
import { catalogBytes } from '../main/lab/model/catalog';
import { dayNumber, dayString, DemandModel, type DemandSite } from '../main/lab/model/demand';
import { seededRng } from '../main/kit/time';
import { SiteForecaster } from '../main/fills/forecast';
import { churnBytes, fractionalBound, placeSite, type PlacementAppliance, type SitePlacementResult } from '../main/fills/placement';

const env = (name: string, fallback: number) => {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : Number(v);
};
const TITLES = env('FILLS_BENCH_TITLES', 50_000);
const SITES = env('FILLS_BENCH_SITES', 4);
const DAYS = env('FILLS_BENCH_DAYS', 14);
const WARMUP = env('FILLS_BENCH_WARMUP_DAYS', 14);
const CAPACITY_SHARE = env('FILLS_BENCH_CAPACITY', 0.2);
const PLAYS = env('FILLS_BENCH_PLAYS', 300_000);
const SEED = env('FILLS_BENCH_SEED', 1);
const SKIP_PLAN = process.env['FILLS_BENCH_SKIP_PLAN'] === '1';
const FIRST_DAY = '2026-10-01';

const log = (line: string) => process.stderr.write(line + '\n');
const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
const tb = (bytes: number) => round(bytes / 1e12, 2);

const ZONES = ['America/Sao_Paulo', 'Europe/Berlin', 'Asia/Tokyo', 'America/Chicago'];
const PARTNERS = ['Vereda Fibra', 'Nordwind Netz', 'Hikari Kaze Net', 'Prairie Lightwave'];

type Policy = 'proactive' | 'lru' | 'lfu' | 'oracle';
const POLICIES: Policy[] = ['proactive', 'lru', 'lfu', 'oracle'];
interface DayFigures {
  demandBytes: number;
  transitBytes: number;
  filledBytes: number;
}

function catalogArrays(titles: number, model: DemandModel) {
  const bytes = new Float64Array(titles);
  const releaseDay = new Int32Array(titles);
  for (let i = 0; i < titles; i++) {
    bytes[i] = catalogBytes(i);
    releaseDay[i] = model.releaseDay(i);
  }
  return { bytes, releaseDay };
}

/** LRU over titles: a doubly linked list in typed arrays, most recent at the head. */
class LruCache {
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private readonly cached: Uint8Array;
  private head = -1;
  private tail = -1;
  used = 0;
  constructor(
    titles: number,
    private readonly capacity: number,
    private readonly size: Float64Array,
  ) {
    this.prev = new Int32Array(titles).fill(-1);
    this.next = new Int32Array(titles).fill(-1);
    this.cached = new Uint8Array(titles);
  }
  private unlink(i: number): void {
    const p = this.prev[i]!;
    const n = this.next[i]!;
    if (p >= 0) this.next[p] = n;
    else this.head = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail = p;
    this.prev[i] = -1;
    this.next[i] = -1;
  }
  private pushFront(i: number): void {
    this.prev[i] = -1;
    this.next[i] = this.head;
    if (this.head >= 0) this.prev[this.head] = i;
    this.head = i;
    if (this.tail < 0) this.tail = i;
  }
  /** A request: true on a hit; on a miss the title is admitted. Returns [hit, bytesFilled]. */
  request(i: number): [boolean, number] {
    if (this.cached[i]) {
      this.unlink(i);
      this.pushFront(i);
      return [true, 0];
    }
    const s = this.size[i]!;
    if (s > this.capacity) return [false, 0];
    while (this.used + s > this.capacity && this.tail >= 0) {
      const victim = this.tail;
      this.unlink(victim);
      this.cached[victim] = 0;
      this.used -= this.size[victim]!;
    }
    this.cached[i] = 1;
    this.used += s;
    this.pushFront(i);
    return [false, s];
  }
}

/** Perfect LFU: request counts kept for every title; the cached title with the fewest goes first. */
class LfuCache {
  private readonly count: Uint32Array;
  private readonly cached: Uint8Array;
  /** Min-heap of packed (count, title) with lazy deletion. */
  private heap: Float64Array = new Float64Array(1024);
  private heapSize = 0;
  used = 0;
  constructor(
    private readonly titles: number,
    private readonly capacity: number,
    private readonly size: Float64Array,
  ) {
    this.count = new Uint32Array(titles);
    this.cached = new Uint8Array(titles);
  }
  private push(count: number, title: number): void {
    if (this.heapSize === this.heap.length) {
      const bigger = new Float64Array(this.heap.length * 2);
      bigger.set(this.heap);
      this.heap = bigger;
    }
    const h = this.heap;
    let k = this.heapSize++;
    const v = count * this.titles + title;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (h[parent]! <= v) break;
      h[k] = h[parent]!;
      k = parent;
    }
    h[k] = v;
  }
  private pop(): number {
    const h = this.heap;
    const top = h[0]!;
    const last = h[--this.heapSize]!;
    let k = 0;
    for (;;) {
      const l = 2 * k + 1;
      if (l >= this.heapSize) break;
      const r = l + 1;
      const c = r < this.heapSize && h[r]! < h[l]! ? r : l;
      if (h[c]! >= last) break;
      h[k] = h[c]!;
      k = c;
    }
    if (this.heapSize > 0) h[k] = last;
    return top;
  }
  request(i: number): [boolean, number] {
    const c = ++this.count[i]!;
    if (this.cached[i]) {
      this.push(c, i);
      return [true, 0];
    }
    const s = this.size[i]!;
    if (s > this.capacity) return [false, 0];
    while (this.used + s > this.capacity && this.heapSize > 0) {
      const v = this.pop();
      const title = v % this.titles;
      const count = (v - title) / this.titles;
      if (!this.cached[title] || this.count[title] !== count) continue; // stale entry
      this.cached[title] = 0;
      this.used -= this.size[title]!;
    }
    this.cached[i] = 1;
    this.used += s;
    this.push(c, i);
    return [false, s];
  }
}

/** The day's requests at a site: each play of each title, shuffled (seeded). Returns titles and bytes per play. */
function requestsOf(plays: Uint32Array, bytes: Float64Array, seed: number): { titles: Int32Array; perPlay: Float64Array } {
  let total = 0;
  for (let i = 0; i < plays.length; i++) total += plays[i]!;
  const titles = new Int32Array(total);
  let k = 0;
  for (let i = 0; i < plays.length; i++) for (let p = 0; p < plays[i]!; p++) titles[k++] = i;
  const rng = seededRng(seed);
  for (let j = total - 1; j > 0; j--) {
    const r = Math.floor(rng.next() * (j + 1));
    const t = titles[j]!;
    titles[j] = titles[r]!;
    titles[r] = t;
  }
  const perPlay = new Float64Array(plays.length);
  for (let i = 0; i < plays.length; i++) if (plays[i]! > 0) perPlay[i] = bytes[i]! / plays[i]!;
  return { titles, perPlay };
}

function siteAppliances(code: string, catalogTotal: number, share: number, storageCount: number, flashCount: number): PlacementAppliance[] {
  const capacity = catalogTotal * share;
  // Flash holds a sixth of the site, storage the rest (as a storage box is ~10x a flash box, 2:1 in count).
  const flashCap = flashCount ? capacity / 6 / flashCount : 0;
  const storageCap = (capacity - flashCap * flashCount) / storageCount;
  const out: PlacementAppliance[] = [];
  for (let k = 0; k < storageCount; k++) out.push({ serial: `${code}-s${k}`, kind: 'storage', capacityBytes: Math.floor(storageCap) });
  for (let k = 0; k < flashCount; k++) out.push({ serial: `${code}-f${k}`, kind: 'flash', capacityBytes: Math.floor(flashCap) });
  return out;
}

const holdingsOf = (r: SitePlacementResult) => new Map(r.appliances.map((a) => [a.serial, new Set(a.items)]));

function replay() {
  const sites: DemandSite[] = Array.from({ length: SITES }, (_, s) => ({
    code: `s${String(s + 1).padStart(2, '0')}`,
    partner: PARTNERS[s % PARTNERS.length]!,
    timezone: ZONES[s % ZONES.length]!,
    playsPerDay: PLAYS,
  }));
  const model = new DemandModel({ seed: SEED, titles: TITLES, sites, releaseStart: '2026-01-01', releaseSpanDays: 730 });
  const catalog = catalogArrays(TITLES, model);
  let catalogTotal = 0;
  for (const b of catalog.bytes) catalogTotal += b;
  const first = dayNumber(FIRST_DAY);
  const perDay: Record<Policy, DayFigures[]> = { proactive: [], lru: [], lfu: [], oracle: [] };
  for (let d = 0; d < DAYS; d++) for (const p of POLICIES) perDay[p].push({ demandBytes: 0, transitBytes: 0, filledBytes: 0 });
  const planMs: number[] = [];
  /** Where the gap to the oracle bound comes from (replayed on the same plays, counted days). */
  const gap = { demand: 0, integralOracle: 0, perfectNoHysteresis: 0, perfect: 0, forecastNoHysteresis: 0, forecastNoReplicas: 0 };

  for (const site of sites) {
    const appliances = siteAppliances(site.code, catalogTotal, CAPACITY_SHARE, 2, 1);
    const capacity = appliances.reduce((s, a) => s + a.capacityBytes, 0);
    const forecaster = new SiteForecaster(catalog);
    const lru = new LruCache(TITLES, capacity, catalog.bytes);
    const lfu = new LfuCache(TITLES, capacity, catalog.bytes);
    let previous: Map<string, Set<number>> | undefined;
    let oraclePrevious: Map<string, Set<number>> | undefined;
    let perfectPrevious: Map<string, Set<number>> | undefined;
    let noHystPrevious: Map<string, Set<number>> | undefined;
    let noRepPrevious: Map<string, Set<number>> | undefined;
    for (let d = 0; d < WARMUP + DAYS; d++) {
      const day = first + d;
      const demand = model.siteDay(site.code, dayString(day));
      const counted = d >= WARMUP;
      const fig = counted ? Object.fromEntries(POLICIES.map((p) => [p, perDay[p][d - WARMUP]!])) as Record<Policy, DayFigures> : null;

      // Proactive: plan tonight from the history so far (from the second week of warm-up on).
      let plan: SitePlacementResult | null = null;
      if (forecaster.days >= 3) {
        const t0 = performance.now();
        const value = forecaster.forecastBytes(day);
        plan = placeSite({ value, bytes: catalog.bytes, appliances, previous });
        planMs.push(performance.now() - t0);
      }
      const held = new Uint8Array(TITLES);
      if (plan) for (const a of plan.appliances) for (const i of a.items) held[i] = 1;

      // Replay the day's plays.
      const { titles, perPlay } = requestsOf(demand.plays, demand.bytes, SEED * 7919 + day * 31 + sites.indexOf(site));
      let proactiveMiss = 0;
      let lruMiss = 0;
      let lfuMiss = 0;
      let lruFill = 0;
      let lfuFill = 0;
      for (let k = 0; k < titles.length; k++) {
        const i = titles[k]!;
        const b = perPlay[i]!;
        if (!held[i]) proactiveMiss += b;
        const [lh, lf] = lru.request(i);
        if (!lh) lruMiss += b;
        lruFill += lf;
        const [fh, ff] = lfu.request(i);
        if (!fh) lfuMiss += b;
        lfuFill += ff;
      }
      // Oracle: the day's actual demand, known in advance.
      const oracleBound = fractionalBound(demand.bytes, catalog.bytes, capacity);
      const oracle = placeSite({ value: demand.bytes, bytes: catalog.bytes, appliances, previous: oraclePrevious, options: { hysteresis: 0, replicaFactor: 0 } });
      // The gap's parts: the same placement fed the day's actual demand (a perfect forecast), with
      // and without hysteresis; the forecast's placement without hysteresis, and without copies.
      const perfect = placeSite({ value: demand.bytes, bytes: catalog.bytes, appliances, previous: perfectPrevious });
      const perfectNoHyst = placeSite({ value: demand.bytes, bytes: catalog.bytes, appliances, options: { hysteresis: 0, replicaFactor: 2 } });
      let forecastNoHyst: SitePlacementResult | null = null;
      let forecastNoRep: SitePlacementResult | null = null;
      if (plan && counted) {
        const value = forecaster.forecastBytes(day);
        forecastNoHyst = placeSite({ value, bytes: catalog.bytes, appliances, previous: noHystPrevious, options: { hysteresis: 0, replicaFactor: 2 } });
        forecastNoRep = placeSite({ value, bytes: catalog.bytes, appliances, previous: noRepPrevious, options: { hysteresis: 0.25, replicaFactor: 0 } });
      }
      if (counted && plan && forecastNoHyst && forecastNoRep) {
        const missOf = (p: SitePlacementResult) => {
          const h = new Uint8Array(TITLES);
          for (const a of p.appliances) for (const i of a.items) h[i] = 1;
          let miss = 0;
          for (let k = 0; k < titles.length; k++) if (!h[titles[k]!]) miss += perPlay[titles[k]!]!;
          return miss;
        };
        gap.demand += demand.totalBytes;
        gap.integralOracle += missOf(oracle);
        gap.perfectNoHysteresis += missOf(perfectNoHyst);
        gap.perfect += missOf(perfect);
        gap.forecastNoHysteresis += missOf(forecastNoHyst);
        gap.forecastNoReplicas += missOf(forecastNoRep);
      }
      perfectPrevious = holdingsOf(perfect);
      if (forecastNoHyst) noHystPrevious = holdingsOf(forecastNoHyst);
      if (forecastNoRep) noRepPrevious = holdingsOf(forecastNoRep);
      if (fig) {
        const total = demand.totalBytes;
        for (const p of POLICIES) fig[p].demandBytes += total;
        fig.proactive.transitBytes += plan ? proactiveMiss : total;
        fig.proactive.filledBytes += plan ? churnBytes(plan, catalog.bytes, previous) : 0;
        fig.lru.transitBytes += lruMiss;
        fig.lru.filledBytes += lruFill;
        fig.lfu.transitBytes += lfuMiss;
        fig.lfu.filledBytes += lfuFill;
        fig.oracle.transitBytes += total * (1 - oracleBound);
        fig.oracle.filledBytes += churnBytes(oracle, catalog.bytes, oraclePrevious);
      }
      oraclePrevious = holdingsOf(oracle);
      if (plan) previous = holdingsOf(plan);
      forecaster.observe(day, demand.bytes);
    }
    log(`site ${site.code} (${site.partner}, ${site.timezone}): replayed ${WARMUP + DAYS} days, site capacity ${tb(capacity)} TB of a ${tb(catalogTotal)} TB catalog`);
  }

  const totals = {} as Record<Policy, { transitBytes: number; hitRatio: number; filledBytes: number; demandBytes: number }>;
  for (const p of POLICIES) {
    const sum = (f: keyof DayFigures) => perDay[p].reduce((s, x) => s + x[f], 0);
    const demandBytes = sum('demandBytes');
    const transitBytes = sum('transitBytes');
    totals[p] = { transitBytes, hitRatio: round(1 - transitBytes / demandBytes), filledBytes: sum('filledBytes'), demandBytes };
  }
  for (let d = 0; d < DAYS; d++) {
    const cells = POLICIES.map((p) => {
      const f = perDay[p][d]!;
      return `${p} transit ${tb(f.transitBytes)} TB hit ${round(1 - f.transitBytes / f.demandBytes, 3)} filled ${tb(f.filledBytes)} TB`;
    });
    log(`${dayString(first + WARMUP + d)}  ${cells.join(' | ')}`);
  }
  const days = perDay.proactive.map((_, d) => ({
    day: dayString(first + WARMUP + d),
    ...Object.fromEntries(
      POLICIES.map((p) => {
        const f = perDay[p][d]!;
        return [p, { transitBytes: Math.round(f.transitBytes), hitRatio: round(1 - f.transitBytes / f.demandBytes), filledBytes: Math.round(f.filledBytes) }];
      }),
    ),
  }));
  return { totals, days, gap, catalogBytes: catalogTotal, planMsPerSite: planMs.length ? round(planMs.reduce((a, b) => a + b, 0) / planMs.length, 1) : null };
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Planning time for `titles` x `appliances` over `sites` (appliances spread evenly, a third flash). */
function planningTime(titles: number, appliances: number, sites: number): { seconds: number; observeSeconds: number; placeSeconds: number; wallSeconds: number } {
  const templates = 4;
  const tplSites: DemandSite[] = Array.from({ length: templates }, (_, s) => ({ code: `t${s}`, partner: PARTNERS[s]!, timezone: ZONES[s]!, playsPerDay: 100_000 }));
  const model = new DemandModel({ seed: SEED, titles, sites: tplSites, releaseStart: '2026-01-01', releaseSpanDays: 730 });
  const catalog = catalogArrays(titles, model);
  let catalogTotal = 0;
  for (const b of catalog.bytes) catalogTotal += b;
  const first = dayNumber(FIRST_DAY);
  const history = [0, 1, 2].map((d) => tplSites.map((s) => model.siteDay(s.code, dayString(first + d)).bytes));
  const perSite = appliances / sites;
  const forecasters: SiteForecaster[] = [];
  const fleets: PlacementAppliance[][] = [];
  const previous: Map<string, Set<number>>[] = [];
  for (let s = 0; s < sites; s++) {
    const f = new SiteForecaster(catalog);
    f.observe(first, history[0]![s % templates]!);
    f.observe(first + 1, history[1]![s % templates]!);
    forecasters.push(f);
    const flash = Math.max(1, Math.round(perSite / 3));
    const apps = siteAppliances(`p${s}`, catalogTotal, CAPACITY_SHARE, Math.max(1, perSite - flash), flash);
    fleets.push(apps);
    previous.push(holdingsOf(placeSite({ value: f.forecastBytes(first + 2), bytes: catalog.bytes, appliances: apps })));
  }
  // The nightly run: fold in yesterday, forecast tomorrow, place; every site. CPU time of this
  // (single-threaded) process, and wall time beside it: on a shared machine the wall clock also
  // counts the time other processes had the core.
  let observeCpu = 0;
  let placeCpu = 0;
  const wall0 = performance.now();
  for (let s = 0; s < sites; s++) {
    const c0 = cpuMs();
    forecasters[s]!.observe(first + 2, history[2]![s % templates]!);
    const c1 = cpuMs();
    const value = forecasters[s]!.forecastBytes(first + 3);
    placeSite({ value, bytes: catalog.bytes, appliances: fleets[s]!, previous: previous[s] });
    const c2 = cpuMs();
    observeCpu += c1 - c0;
    placeCpu += c2 - c1;
  }
  const wall = performance.now() - wall0;
  return {
    seconds: round((observeCpu + placeCpu) / 1000, 3),
    observeSeconds: round(observeCpu / 1000, 3),
    placeSeconds: round(placeCpu / 1000, 3),
    wallSeconds: round(wall / 1000, 3),
  };
}

function main(): void {
  const t0 = performance.now();
  log(`fills bench: ${TITLES} titles, ${SITES} sites, ${WARMUP} warm-up + ${DAYS} days, capacity ${CAPACITY_SHARE} of the catalog per site, ${PLAYS} plays per site-day`);
  const r = replay();
  const replaySeconds = round((performance.now() - t0) / 1000, 1);
  const sizes: { titles: number; appliances: number; sites: number; seconds: number; observeSeconds: number; placeSeconds: number; wallSeconds: number }[] = [];
  if (!SKIP_PLAN) {
    for (const [titles, appliances, sites] of [
      [10_000, 1_000, 100],
      [50_000, 100, 10],
      [50_000, 300, 30],
      [50_000, 1_000, 100],
    ] as const) {
      const t = planningTime(titles, appliances, sites);
      sizes.push({ titles, appliances, sites, ...t });
      log(`planning ${titles} titles x ${appliances} appliances x ${sites} sites: ${t.seconds} s of CPU (fold ${t.observeSeconds} s, forecast + placement ${t.placeSeconds} s), ${t.wallSeconds} s wall`);
    }
  }
  const full = sizes.find((s) => s.titles === 50_000 && s.appliances === 1_000 && s.sites === 100);
  const policies = Object.fromEntries(
    POLICIES.map((p) => [p, { transitBytes: Math.round(r.totals[p].transitBytes), hitRatio: r.totals[p].hitRatio, filledBytes: Math.round(r.totals[p].filledBytes) }]),
  );
  const transitVsLru = round(r.totals.proactive.transitBytes / r.totals.lru.transitBytes, 3);
  const transitVsOracle = round(r.totals.proactive.transitBytes / r.totals.oracle.transitBytes, 3);
  const result = {
    bench: 'fills',
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
    trace: { titles: TITLES, sites: SITES, warmupDays: WARMUP, days: DAYS, capacityShare: CAPACITY_SHARE, playsPerSiteDay: PLAYS, seed: SEED, catalogBytes: r.catalogBytes },
    policies,
    demandBytes: Math.round(r.totals.proactive.demandBytes),
    transitVsLru,
    transitVsOracle,
    goals: { transitVsLruAtMost: 0.5, transitVsOracleAtMost: 1.1, planSecondsBelow: 3 },
    met: { transitVsLru: transitVsLru <= 0.5, transitVsOracle: transitVsOracle <= 1.1, planSeconds: full ? full.seconds < 3 : null },
    planSeconds: full?.seconds ?? null,
    planSizes: sizes,
    replayPlanMsPerSite: r.planMsPerSite,
    replaySeconds,
    // Transit of each variant over the oracle bound's (the same plays): what the gap is made of.
    gapVsOracle: Object.fromEntries(
      (['integralOracle', 'perfectNoHysteresis', 'perfect', 'forecastNoHysteresis', 'forecastNoReplicas'] as const).map((k) => [k, round(r.gap[k] / r.totals.oracle.transitBytes, 3)]),
    ),
    days: r.days,
  };
  console.log(JSON.stringify(result));
}

main();
