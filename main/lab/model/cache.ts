/**
 * Cache and fills: what the appliance holds (a baseline from the catalog, minus evictions, plus
 * what fills added), and fill jobs that transfer content at the appliance's fill rate in lab time.
 */
import type { CachePage, FillJob } from '../../appliance/contract';
import { MAX_CACHE_PAGE } from '../../appliance/contract';
import { catalogBytes, catalogId, catalogIndex } from './catalog';
import { Subsystem } from './core';
import { ApplianceError } from './errors';
import { afterOpenMs, isOpen, openMsBetween, parseWindow, type DailyWindow } from '../../kit/windows';
import type { SiteHook } from './site-serving';
import { fmtTb, iso, MAX_FINISHED_FILLS, round, type FillJobState } from './state';

export interface FillRequestIn {
  manifestId?: string | undefined;
  items: { contentId: string; bytes: number; source: string }[];
  evict: string[];
  outOfWindow?: boolean | undefined;
  maxGbps?: number | undefined;
}

function peerSourceUsable(site: SiteHook | null, source: string, contentId: string): boolean {
  if (!source.startsWith('peer:')) return true;
  // Alone (no site known, as on the reference agent) the appliance trusts the manager's choice.
  if (!site) return true;
  const peer = source.slice(5);
  return site.peerFillGbps(peer) !== null && site.peerHolds(peer, contentId);
}

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

  private reservedBytes(): number {
    let r = 0;
    for (const j of this.state.fills) if (j.state === 'queued' || j.state === 'running') r += j.bytesTotal - j.bytesDone;
    return r;
  }

  startFill(request: FillRequestIn): FillJob {
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
    let fallbacks = 0;
    for (const item of request.items) {
      if ((!evictSet.has(item.contentId) && this.cachedBytes(item.contentId) !== null) || inFlight.has(item.contentId)) skipped++;
      else {
        // A peer that is not in this site, or does not hold the item, cannot send it: the origin does.
        const source = peerSourceUsable(this.core.site, item.source, item.contentId) ? item.source : 'origin';
        if (source !== item.source) fallbacks++;
        queue.push([item.contentId, item.bytes, source]);
      }
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
      ...(request.outOfWindow ? { outOfWindow: true } : {}),
      ...(request.maxGbps !== undefined ? { capGbps: request.maxGbps } : {}),
      doneMs: 0,
    };
    s.fills.push(job);
    this.log(
      now,
      'info',
      'fill',
      `${job.id} accepted: ${queue.length} items, ${fmtTb(need)}, ${evictions.length} evicted${fallbacks ? `, ${fallbacks} from the origin instead of a peer` : ''}${job.outOfWindow ? ', out of cycle' : ''}`,
    );
    this.advanceFills(now);
    this.trimFills();
    return this.fillReply(job, now);
  }

  fillJob(id: string): FillJob {
    const now = this.advance();
    const job = this.state.fills.find((j) => j.id === id);
    if (!job) throw new ApplianceError('E_NOT_FOUND', `There is no fill "${id}" on this appliance (the last ${MAX_FINISHED_FILLS} are kept).`);
    return this.fillReply(job, now);
  }

  private fillReply(job: FillJobState, now: number): FillJob {
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
      rateGbps: job.state === 'running' ? (this.currentItem(job, now)?.gbps ?? 0) : 0,
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

  /**
   * The Gbps one item of a job moves at: the fill rate (or the job's cap), and from a peer no more
   * than the peer's share: a peer's upload is its fill rate, split evenly among the appliances of
   * its site pulling from it at that moment (peer-uplink.ts).
   */
  private itemGbps(job: FillJobState, source: string, now: number): number {
    let gbps = Math.min(this.state.fillGbps, job.capGbps ?? Infinity);
    if (source.startsWith('peer:')) gbps = Math.min(gbps, this.core.site?.peerShareGbps(source.slice(5), now) ?? gbps);
    return gbps;
  }

  /** Open transfer time between two instants: the site's fill window, unless the job is out of cycle. */
  private openMs(job: FillJobState, from: number, to: number): number {
    const w = this.window(job);
    return w ? openMsBetween(this.state.timezone, w, from, to) : Math.max(0, to - from);
  }

  private afterOpen(job: FillJobState, from: number, ms: number): number {
    const w = this.window(job);
    return w ? afterOpenMs(this.state.timezone, w, from, ms) : from + ms;
  }

  private window(job: FillJobState): DailyWindow | null {
    const text = this.state.fillWindow;
    if (job.outOfWindow || !text) return null;
    return parseWindow(text);
  }

  /** The item of a running job being transferred at `now` and its rate; null outside the window or when idle. */
  currentItem(job: FillJobState, now: number): { source: string; gbps: number } | null {
    if (job.state !== 'running') return null;
    const w = this.window(job);
    if (w && !isOpen(this.state.timezone, w, now)) return null;
    const next = job.queue[job.itemsDone];
    return next ? { source: next[2], gbps: this.itemGbps(job, next[2], now) } : null;
  }

  /** The source of the item being transferred at `now` (window open, job running), or null. */
  currentFillSource(now: number): string | null {
    const job = this.state.fills.find((j) => j.state === 'running');
    if (!job) return null;
    const w = this.window(job);
    if (w && !isOpen(this.state.timezone, w, now)) return null;
    return job.queue[job.itemsDone]?.[2] ?? null;
  }

  /** The item being filled now on this appliance (for its peers' egress), or null. */
  currentFillItem(now: number): { source: string; gbps: number } | null {
    const running = this.state.fills.find((j) => j.state === 'running');
    return running ? this.currentItem(running, now) : null;
  }

  /**
   * Fill bytes that have arrived by now land in the cache; finished jobs end. A job transfers only
   * while its site's fill window is open (an out-of-cycle job at any time), one item after another,
   * each at its rate (fill rate, the job's cap, a peer's share). Progress is accounted up to a
   * cursor: the rate of the interval since is the rate at its start (peer shares change when other
   * appliances of the site start or end pulling; the site advances its appliances together in short
   * steps while any of them pulls from a peer, peer-uplink.ts).
   */
  advanceFills(now: number): void {
    this.core.site?.syncFills(now);
    const s = this.state;
    for (const job of s.fills) {
      if (job.state === 'done' || job.state === 'failed') continue;
      if (job.state === 'queued') {
        const ready = Math.max(job.createdAt, s.fillFreeAt, s.bootedAt);
        const start = this.afterOpen(job, ready, 0);
        if (start > now) return;
        job.state = 'running';
        job.startedAt = start;
        job.cursorAt = start;
        job.itemBytesDone = 0;
        this.log(start, 'info', 'fill', `${job.id} started`);
      }
      // (A job saved before progress had a cursor: its landed items took doneMs of open time.)
      let at = job.cursorAt ?? this.afterOpen(job, job.startedAt!, job.doneMs ?? 0);
      let partial = job.itemBytesDone ?? 0;
      while (job.itemsDone < job.queue.length && at < now) {
        const [id, bytes, source] = job.queue[job.itemsDone]!;
        const perMs = (this.itemGbps(job, source, at) * 1e9) / 8 / 1000;
        const open = this.openMs(job, at, now);
        const need = (bytes - partial) / perMs;
        if (need > open) {
          partial += open * perMs;
          at = now;
          break;
        }
        at = this.afterOpen(job, at, need);
        partial = 0;
        this.state.cache.added.push([id, bytes, Math.ceil(at), source]);
        this.addedIndex?.set(id, this.state.cache.added.length - 1);
        this.state.cache.usedBytes += bytes;
        job.itemsDone++;
      }
      job.cursorAt = at;
      job.itemBytesDone = partial;
      let landedBytes = 0;
      for (let i = 0; i < job.itemsDone; i++) landedBytes += job.queue[i]![1];
      job.bytesDone = Math.min(job.bytesTotal, landedBytes + Math.floor(partial));
      if (job.itemsDone < job.queue.length) return;
      job.bytesDone = job.bytesTotal;
      this.endFill(job, Math.ceil(at), 'done', null);
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
