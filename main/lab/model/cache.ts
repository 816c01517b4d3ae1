/**
 * Cache and fills: what the appliance holds (a baseline from the catalog, minus evictions, plus
 * what fills added), and fill jobs that transfer content at the appliance's fill rate in lab time.
 */
import type { CachePage, FillJob } from '../../appliance/contract';
import { MAX_CACHE_PAGE } from '../../appliance/contract';
import { catalogBytes, catalogId, catalogIndex } from './catalog';
import { Subsystem } from './core';
import { ApplianceError } from './errors';
import { fmtTb, iso, MAX_FINISHED_FILLS, round, type FillJobState } from './state';

export class CacheAndFills extends Subsystem {
  private addedIndex: Map<string, number> | null = null;

  private index(): Map<string, number> {
    if (!this.addedIndex) {
      this.addedIndex = new Map();
      this.state.cache.added.forEach(([id], i) => this.addedIndex!.set(id, i));
    }
    return this.addedIndex;
  }

  private baselineHolds(index: number): boolean {
    const c = this.state.cache;
    return index < c.baselineCount && !sortedHas(c.evicted, index);
  }

  /** Bytes of a cached item, or null when the appliance does not hold it. */
  cachedBytes(contentId: string): number | null {
    const idx = catalogIndex(contentId);
    if (idx !== null && this.baselineHolds(idx)) return catalogBytes(idx);
    const at = this.index().get(contentId);
    return at === undefined ? null : this.state.cache.added[at]![1];
  }

  cacheList(offset = 0, limit = 100): CachePage {
    this.advance();
    const c = this.state.cache;
    const lim = Math.min(Math.max(1, limit), MAX_CACHE_PAGE);
    const baseline = c.baselineCount - c.evicted.length;
    const total = baseline + c.added.length;
    const items: CachePage['items'] = [];
    let i = offset;
    if (i < baseline) {
      // The i-th baseline item not evicted: walk past evicted indexes below it.
      let idx = i;
      for (const e of c.evicted) {
        if (e <= idx) idx++;
        else break;
      }
      for (; items.length < lim && idx < c.baselineCount; idx++) {
        if (sortedHas(c.evicted, idx)) continue;
        items.push({ contentId: catalogId(idx), bytes: catalogBytes(idx), storedAt: iso(c.baselineStoredAt), source: 'origin' });
        i++;
      }
    }
    for (let j = i - baseline; items.length < lim && j < c.added.length; j++) {
      const [contentId, bytes, storedAt, source] = c.added[j]!;
      items.push({ contentId, bytes, storedAt: iso(storedAt), source });
    }
    return { total, totalBytes: c.usedBytes, offset, limit: lim, items };
  }

  private fillBytesPerMs(): number {
    return (this.state.fillGbps * 1e9) / 8 / 1000;
  }

  private reservedBytes(): number {
    let r = 0;
    for (const j of this.state.fills) if (j.state === 'queued' || j.state === 'running') r += j.bytesTotal - j.bytesDone;
    return r;
  }

  startFill(request: { manifestId?: string | undefined; items: { contentId: string; bytes: number; source: string }[]; evict: string[] }): FillJob {
    const now = this.advance();
    const s = this.state;
    if (this.hasFault('disk-failure')) {
      throw new ApplianceError('E_UNAVAILABLE', 'A cache disk has failed; the appliance refuses fills until it is replaced.');
    }
    // Plan without changing anything, so a refused fill leaves the cache as it was.
    const evictions: { id: string; bytes: number }[] = [];
    const evictSet = new Set<string>();
    for (const id of request.evict) {
      const bytes = this.cachedBytes(id);
      if (bytes !== null && !evictSet.has(id)) {
        evictions.push({ id, bytes });
        evictSet.add(id);
      }
    }
    const inFlight = new Set<string>();
    for (const j of s.fills) if (j.state === 'queued' || j.state === 'running') for (const [id] of j.queue) inFlight.add(id);
    const queue: [string, number, string][] = [];
    let skipped = 0;
    for (const item of request.items) {
      if ((!evictSet.has(item.contentId) && this.cachedBytes(item.contentId) !== null) || inFlight.has(item.contentId)) skipped++;
      else queue.push([item.contentId, item.bytes, item.source]);
    }
    const need = queue.reduce((sum, [, b]) => sum + b, 0);
    const freed = evictions.reduce((sum, e) => sum + e.bytes, 0);
    const free = s.storageBytes - s.cache.usedBytes - this.reservedBytes() + freed;
    if (need > free) {
      throw new ApplianceError(
        'E_NO_SPACE',
        `The fill needs ${fmtTb(need)} but only ${fmtTb(Math.max(0, free))} would be free; evict content or send a smaller manifest.`,
      );
    }
    for (const e of evictions) this.evict(e.id, e.bytes);
    const job: FillJobState = {
      id: `fill-${++s.fillSeq}`,
      manifestId: request.manifestId ?? null,
      state: 'queued',
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      queue,
      items: request.items.length,
      itemsDone: 0,
      itemsSkipped: skipped,
      evicted: evictions.length,
      bytesTotal: need,
      bytesDone: 0,
      error: null,
    };
    s.fills.push(job);
    this.log(now, 'info', 'fill', `${job.id} accepted: ${queue.length} items, ${fmtTb(need)}, ${evictions.length} evicted`);
    this.advanceFills(now);
    this.trimFills();
    return this.fillReply(job);
  }

  fillJob(id: string): FillJob {
    this.advance();
    const job = this.state.fills.find((j) => j.id === id);
    if (!job) throw new ApplianceError('E_NOT_FOUND', `There is no fill "${id}" on this appliance (the last ${MAX_FINISHED_FILLS} are kept).`);
    return this.fillReply(job);
  }

  private fillReply(job: FillJobState): FillJob {
    return {
      id: job.id,
      manifestId: job.manifestId,
      state: job.state,
      createdAt: iso(job.createdAt),
      startedAt: job.startedAt === null ? null : iso(job.startedAt),
      finishedAt: job.finishedAt === null ? null : iso(job.finishedAt),
      items: job.items,
      itemsDone: job.itemsDone,
      itemsSkipped: job.itemsSkipped,
      evicted: job.evicted,
      bytesTotal: job.bytesTotal,
      bytesDone: job.bytesDone,
      progress: job.bytesTotal === 0 ? (job.state === 'done' ? 1 : 0) : round(job.bytesDone / job.bytesTotal, 4),
      rateGbps: job.state === 'running' ? this.state.fillGbps : 0,
      error: job.error,
    };
  }

  private evict(id: string, bytes: number): void {
    const c = this.state.cache;
    const idx = catalogIndex(id);
    if (idx !== null && this.baselineHolds(idx)) {
      sortedInsert(c.evicted, idx);
    } else {
      const at = this.index().get(id);
      if (at === undefined) return;
      c.added.splice(at, 1);
      this.addedIndex = null;
    }
    c.usedBytes -= bytes;
  }

  /** Fill bytes that have arrived by now land in the cache; finished jobs end. */
  advanceFills(now: number): void {
    const s = this.state;
    const rate = this.fillBytesPerMs();
    for (const job of s.fills) {
      if (job.state === 'done' || job.state === 'failed') continue;
      if (job.state === 'queued') {
        const start = Math.max(job.createdAt, s.fillFreeAt, s.bootedAt);
        if (start > now) return;
        job.state = 'running';
        job.startedAt = start;
        this.log(start, 'info', 'fill', `${job.id} started`);
      }
      const started = job.startedAt!;
      const done = Math.min(job.bytesTotal, Math.floor((now - started) * rate));
      let cumulative = 0;
      for (let i = 0; i < job.queue.length; i++) {
        const [id, bytes, source] = job.queue[i]!;
        cumulative += bytes;
        if (i < job.itemsDone) continue;
        if (cumulative > done) break;
        this.state.cache.added.push([id, bytes, started + Math.ceil(cumulative / rate), source]);
        this.addedIndex?.set(id, this.state.cache.added.length - 1);
        this.state.cache.usedBytes += bytes;
        job.itemsDone = i + 1;
      }
      job.bytesDone = done;
      if (done < job.bytesTotal) return;
      this.endFill(job, started + Math.ceil(job.bytesTotal / rate), 'done', null);
    }
  }

  endFill(job: FillJobState, at: number, state: 'done' | 'failed', error: string | null): void {
    job.state = state;
    job.finishedAt = at;
    job.error = error;
    job.queue = [];
    if (state === 'failed') job.startedAt ??= at;
    this.state.fillFreeAt = Math.max(this.state.fillFreeAt, at);
    this.log(at, state === 'done' ? 'info' : 'error', 'fill', state === 'done' ? `${job.id} done: ${job.itemsDone} items` : `${job.id} failed: ${error}`);
  }

  private trimFills(): void {
    const fills = this.state.fills;
    let finished = fills.filter((j) => j.state === 'done' || j.state === 'failed').length;
    for (let i = 0; i < fills.length && finished > MAX_FINISHED_FILLS; ) {
      const j = fills[i]!;
      if (j.state === 'done' || j.state === 'failed') {
        fills.splice(i, 1);
        finished--;
      } else i++;
    }
  }
}

function sortedHas(list: readonly number[], value: number): boolean {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = list[mid]!;
    if (v === value) return true;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

function sortedInsert(list: number[], value: number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo] !== value) list.splice(lo, 0, value);
}
