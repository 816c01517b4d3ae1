/**
 * Bounded metrics history per appliance: a ring of the last N samples, kept as one Float64Array
 * (nine numbers a sample) rather than N objects, so 1,000 appliances x 360 samples stay a few
 * tens of megabytes and add nothing for the garbage collector to walk.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { MetricsSample } from './contract';
import type { Clock } from '../kit/time';
import type { HistoryBlobRow, HistoryRepo } from './history-repo';

const FIELDS = 9;

export class MetricsRing {
  private data: Float64Array;
  private start = 0;
  private count = 0;

  constructor(private cap: number) {
    this.data = new Float64Array(cap * FIELDS);
  }

  get size(): number {
    return this.count;
  }

  get capacity(): number {
    return this.cap;
  }

  push(s: MetricsSample): void {
    const slot = this.count < this.cap ? (this.start + this.count++) % this.cap : this.advanceStart();
    const o = slot * FIELDS;
    const d = this.data;
    d[o] = Date.parse(s.at);
    d[o + 1] = s.servingGbps;
    d[o + 2] = s.connections;
    d[o + 3] = s.cacheHitRatio;
    d[o + 4] = s.diskUsedBytes;
    d[o + 5] = s.diskTotalBytes;
    d[o + 6] = s.fillProgress ?? Number.NaN;
    d[o + 7] = s.fillRateGbps;
    d[o + 8] = s.errorsPerSecond;
  }

  /** Oldest first. */
  toArray(): MetricsSample[] {
    const out: MetricsSample[] = [];
    const d = this.data;
    for (let i = 0; i < this.count; i++) {
      const o = ((this.start + i) % this.cap) * FIELDS;
      out.push({
        at: new Date(d[o]!).toISOString(),
        servingGbps: d[o + 1]!,
        connections: d[o + 2]!,
        cacheHitRatio: d[o + 3]!,
        diskUsedBytes: d[o + 4]!,
        diskTotalBytes: d[o + 5]!,
        fillProgress: Number.isNaN(d[o + 6]!) ? null : d[o + 6]!,
        fillRateGbps: d[o + 7]!,
        errorsPerSecond: d[o + 8]!,
      });
    }
    return out;
  }

  /** Change the capacity, keeping the newest samples that fit. */
  resize(cap: number): void {
    if (cap === this.cap) return;
    const kept = this.toArray().slice(-cap);
    this.cap = cap;
    this.data = new Float64Array(cap * FIELDS);
    this.start = 0;
    this.count = 0;
    for (const s of kept) this.push(s);
  }

  private advanceStart(): number {
    const slot = this.start;
    this.start = (this.start + 1) % this.cap;
    return slot;
  }
}

/**
 * Metrics history in SQLite, bounded and downsampled, so charts work offline and after a restart:
 *
 *   tier 1   one-minute points (the mean of the samples polled in that minute), kept for a day,
 *            one row per appliance and hour (60 slots);
 *   tier 15  fifteen-minute points (the mean of the minute points), kept for 30 days, one row per
 *            appliance and day (96 slots).
 *
 * A row's points are packed column by column (every slot's servingGbps, then every slot's
 * connections, ...) as float32, NaN for a slot with no point, and deflated: a column of a
 * slowly moving metric compresses to little, a constant one to almost nothing. Minute buckets older
 * than a day are folded into their day's fifteen-minute bucket and deleted (compact()); fifteen-minute
 * buckets older than 30 days are deleted. The bench (bench/snapshot.ts) states the size at scale.
 */

const COLUMNS = ['servingGbps', 'connections', 'cacheHitRatio', 'diskUsedBytes', 'diskTotalBytes', 'fillProgress', 'fillRateGbps', 'errorsPerSecond'] as const;
type Column = (typeof COLUMNS)[number];
const NCOL = COLUMNS.length;
const MINUTE_MS = 60_000;

export interface HistoryTier {
  readonly tier: 1 | 15;
  /** Minutes between points. */
  readonly stepMin: number;
  /** Minutes one row covers. */
  readonly bucketMin: number;
  /** Minutes kept. */
  readonly keepMin: number;
}

export const MINUTE_TIER: HistoryTier = { tier: 1, stepMin: 1, bucketMin: 60, keepMin: 24 * 60 };
export const QUARTER_TIER: HistoryTier = { tier: 15, stepMin: 15, bucketMin: 24 * 60, keepMin: 30 * 24 * 60 };

const slotsOf = (t: HistoryTier) => t.bucketMin / t.stepMin;

/** One bucket's points, column-major, NaN where a slot has none. */
export class Bucket {
  readonly values: Float32Array;
  constructor(
    readonly tier: HistoryTier,
    readonly bucket: number,
    values?: Float32Array,
  ) {
    this.values = values ?? new Float32Array(slotsOf(tier) * NCOL).fill(Number.NaN);
  }

  static decode(tier: HistoryTier, bucket: number, blob: Buffer): Bucket {
    const raw = inflateRawSync(blob);
    const expected = slotsOf(tier) * NCOL * 4;
    if (raw.length !== expected) throw new Error(`history bucket ${tier.tier}/${bucket}: ${raw.length} bytes, expected ${expected}`);
    const values = new Float32Array(expected / 4);
    new Uint8Array(values.buffer).set(raw);
    return new Bucket(tier, bucket, values);
  }

  encode(): Buffer {
    return deflateRawSync(Buffer.from(this.values.buffer, this.values.byteOffset, this.values.byteLength), { level: 6 });
  }

  /** The slot's first minute, in minutes since the epoch. */
  slotMinute(slot: number): number {
    return this.bucket * this.tier.bucketMin + slot * this.tier.stepMin;
  }

  has(slot: number): boolean {
    // servingGbps is always measured, so NaN there means "no point".
    return !Number.isNaN(this.values[slot]!);
  }

  get(slot: number, column: Column): number {
    return this.values[COLUMNS.indexOf(column) * slotsOf(this.tier) + slot]!;
  }

  set(slot: number, point: Readonly<Record<Column, number>>): void {
    const n = slotsOf(this.tier);
    COLUMNS.forEach((c, i) => (this.values[i * n + slot] = point[c]));
  }

  sample(slot: number): MetricsSample {
    const v = (c: Column) => this.get(slot, c);
    const fill = v('fillProgress');
    return {
      at: new Date(this.slotMinute(slot) * MINUTE_MS).toISOString(),
      servingGbps: v('servingGbps'),
      connections: Math.round(v('connections')),
      cacheHitRatio: v('cacheHitRatio'),
      diskUsedBytes: v('diskUsedBytes'),
      diskTotalBytes: v('diskTotalBytes'),
      fillProgress: Number.isNaN(fill) ? null : fill,
      fillRateGbps: v('fillRateGbps'),
      errorsPerSecond: v('errorsPerSecond'),
    };
  }

  samples(fromMinute = -Infinity, toMinute = Infinity): MetricsSample[] {
    const out: MetricsSample[] = [];
    for (let s = 0; s < slotsOf(this.tier); s++) {
      const m = this.slotMinute(s);
      if (this.has(s) && m >= fromMinute && m <= toMinute) out.push(this.sample(s));
    }
    return out;
  }
}

/** The mean of some points, column by column; fillProgress the mean of those that have one, else NaN. */
function meanOf(points: readonly Readonly<Record<Column, number>>[]): Record<Column, number> {
  const out = {} as Record<Column, number>;
  for (const c of COLUMNS) {
    const vs = points.map((p) => p[c]).filter((v) => !Number.isNaN(v));
    out[c] = vs.length ? vs.reduce((a, b) => a + b, 0) / vs.length : Number.NaN;
  }
  return out;
}

function pointOf(s: MetricsSample): Record<Column, number> {
  return { ...s, fillProgress: s.fillProgress ?? Number.NaN };
}

/** Fold minute buckets into fifteen-minute points: day bucket → its points by slot. */
function quarterPoints(minuteBuckets: readonly Bucket[]): Map<number, Map<number, Record<Column, number>>> {
  const groups = new Map<number, Record<Column, number>[]>();
  for (const b of minuteBuckets) {
    for (let s = 0; s < slotsOf(MINUTE_TIER); s++) {
      if (!b.has(s)) continue;
      const quarter = Math.floor(b.slotMinute(s) / QUARTER_TIER.stepMin);
      const p = {} as Record<Column, number>;
      for (const c of COLUMNS) p[c] = b.get(s, c);
      let g = groups.get(quarter);
      if (!g) groups.set(quarter, (g = []));
      g.push(p);
    }
  }
  const byDay = new Map<number, Map<number, Record<Column, number>>>();
  for (const [quarter, points] of groups) {
    const minute = quarter * QUARTER_TIER.stepMin;
    const day = Math.floor(minute / QUARTER_TIER.bucketMin);
    const slot = (minute - day * QUARTER_TIER.bucketMin) / QUARTER_TIER.stepMin;
    let d = byDay.get(day);
    if (!d) byDay.set(day, (d = new Map()));
    d.set(slot, meanOf(points));
  }
  return byDay;
}

/** One minute's samples so far, per appliance: the minute point is their mean, rewritten at each sample. */
interface Pending {
  minute: number;
  samples: Record<Column, number>[];
}

export class MetricsHistory {
  /** The current hour bucket per appliance, kept decoded between samples. */
  private readonly open = new Map<string, Bucket>();
  private readonly pending = new Map<string, Pending>();
  private compactedHour = -1;

  constructor(
    private readonly repo: HistoryRepo,
    private readonly clock: Clock,
  ) {}

  /** Record the samples of one sweep (one transaction); once an hour, fold and trim old buckets. */
  record(samples: readonly { serial: string; sample: MetricsSample }[]): void {
    const rows: HistoryBlobRow[] = [];
    for (const { serial, sample } of samples) {
      const at = Date.parse(sample.at);
      if (!Number.isFinite(at)) continue;
      const minute = Math.floor(at / MINUTE_MS);
      let p = this.pending.get(serial);
      if (!p || p.minute !== minute) this.pending.set(serial, (p = { minute, samples: [] }));
      p.samples.push(pointOf(sample));
      const bucketNo = Math.floor(minute / MINUTE_TIER.bucketMin);
      let bucket = this.open.get(serial);
      if (!bucket || bucket.bucket !== bucketNo) {
        const blob = this.repo.blob(serial, MINUTE_TIER.tier, bucketNo);
        bucket = blob ? Bucket.decode(MINUTE_TIER, bucketNo, blob) : new Bucket(MINUTE_TIER, bucketNo);
        this.open.set(serial, bucket);
      }
      bucket.set(minute - bucketNo * MINUTE_TIER.bucketMin, meanOf(p.samples));
      rows.push({ serial, tier: MINUTE_TIER.tier, bucket: bucketNo, points: bucket.encode() });
    }
    if (rows.length) this.repo.save(rows);
    const hour = Math.floor(this.clock.now() / (60 * MINUTE_MS));
    if (hour !== this.compactedHour) {
      this.compactedHour = hour;
      this.compact();
    }
  }

  /**
   * Minute buckets that ended more than a day ago become fifteen-minute points in their day's
   * bucket (merged with what is there) and are deleted; fifteen-minute buckets past 30 days are deleted.
   */
  compact(): { folded: number; dropped: number } {
    const nowMin = Math.floor(this.clock.now() / MINUTE_MS);
    const minuteLimit = Math.floor((nowMin - MINUTE_TIER.keepMin) / MINUTE_TIER.bucketMin);
    let folded = 0;
    for (;;) {
      const old = this.repo.bucketsBefore(MINUTE_TIER.tier, minuteLimit, 2000);
      if (!old.length) break;
      const bySerial = new Map<string, Bucket[]>();
      for (const r of old) {
        let list = bySerial.get(r.serial);
        if (!list) bySerial.set(r.serial, (list = []));
        list.push(Bucket.decode(MINUTE_TIER, r.bucket, r.points));
      }
      const rows: HistoryBlobRow[] = [];
      for (const [serial, buckets] of bySerial) {
        for (const [day, points] of quarterPoints(buckets)) {
          const blob = this.repo.blob(serial, QUARTER_TIER.tier, day);
          const target = blob ? Bucket.decode(QUARTER_TIER, day, blob) : new Bucket(QUARTER_TIER, day);
          for (const [slot, p] of points) target.set(slot, p);
          rows.push({ serial, tier: QUARTER_TIER.tier, bucket: day, points: target.encode() });
        }
      }
      this.repo.save(rows);
      this.repo.delete(old);
      folded += old.length;
      for (const r of old) if (this.open.get(r.serial)?.bucket === r.bucket) this.open.delete(r.serial);
    }
    const dayLimit = Math.floor((nowMin - QUARTER_TIER.keepMin) / QUARTER_TIER.bucketMin);
    const dropped = this.repo.deleteBefore(QUARTER_TIER.tier, dayLimit);
    return { folded, dropped };
  }

  /**
   * The points of one appliance between two instants, oldest first: one-minute points (the last
   * day has them), or fifteen-minute points (older days from their tier, the last day folded on the fly).
   */
  read(serial: string, fromMs: number, toMs: number, step: 'minute' | 'quarter'): MetricsSample[] {
    const from = Math.floor(fromMs / MINUTE_MS);
    const to = Math.floor(toMs / MINUTE_MS);
    const minuteRows = this.repo.buckets(serial, MINUTE_TIER.tier, Math.floor(from / MINUTE_TIER.bucketMin), Math.floor(to / MINUTE_TIER.bucketMin));
    const minutes = minuteRows.map((r) => Bucket.decode(MINUTE_TIER, r.bucket, r.points));
    if (step === 'minute') return minutes.flatMap((b) => b.samples(from, to));
    const days = new Map<number, Bucket>();
    for (const r of this.repo.buckets(serial, QUARTER_TIER.tier, Math.floor(from / QUARTER_TIER.bucketMin), Math.floor(to / QUARTER_TIER.bucketMin))) {
      days.set(r.bucket, Bucket.decode(QUARTER_TIER, r.bucket, r.points));
    }
    for (const [day, points] of quarterPoints(minutes)) {
      let b = days.get(day);
      if (!b) days.set(day, (b = new Bucket(QUARTER_TIER, day)));
      for (const [slot, p] of points) if (!b.has(slot)) b.set(slot, p);
    }
    return [...days.values()].sort((a, b) => a.bucket - b.bucket).flatMap((b) => b.samples(from, to));
  }

  /**
   * Points written where a slot has none yet (a lab's generated history): one-minute points into the
   * minute tier or fifteen-minute points into the quarter tier, in one transaction.
   */
  fill(serial: string, tier: 1 | 15, samples: readonly MetricsSample[]): void {
    const t = tier === 1 ? MINUTE_TIER : QUARTER_TIER;
    const buckets = new Map<number, Bucket>();
    for (const s of samples) {
      const minute = Math.floor(Date.parse(s.at) / MINUTE_MS);
      const no = Math.floor(minute / t.bucketMin);
      let b = buckets.get(no);
      if (!b) {
        const blob = this.repo.blob(serial, t.tier, no);
        buckets.set(no, (b = blob ? Bucket.decode(t, no, blob) : new Bucket(t, no)));
      }
      const slot = Math.floor((minute - no * t.bucketMin) / t.stepMin);
      if (!b.has(slot)) b.set(slot, pointOf(s));
    }
    this.repo.save([...buckets.values()].map((b) => ({ serial, tier: t.tier, bucket: b.bucket, points: b.encode() })));
    this.open.delete(serial);
  }

  forget(serials: readonly string[]): void {
    for (const s of serials) {
      this.open.delete(s);
      this.pending.delete(s);
    }
    this.repo.deleteSerials(serials);
  }
}
