/**
 * Bounded metrics history per appliance: a ring of the last N samples, kept as one Float64Array
 * (nine numbers a sample) rather than N objects, so 1,000 appliances x 360 samples stay a few
 * tens of megabytes and add nothing for the garbage collector to walk.
 */
import type { MetricsSample } from './contract';

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
