/**
 * The fill plan of a site: for each appliance, its target contents (placement) minus what it holds
 * now (GET /v1/cache), as items to fill (most valuable first, each from a peer of the site that
 * already holds it, else the origin) and items to evict (only as many as the fills need room for);
 * scheduled so that all appliances of the site start together inside the site's fill window (in its
 * own time zone), with the bytes bounded by each model's fill rate and the window's length. What
 * does not fit is dropped, lowest value first, and the plan says how much.
 *
 * Pure: the caller reads the appliances and the inventory; tests feed small hand-checked cases.
 */
import { currentOrNext, parseWindow } from '../../kit/windows';
import type { SitePlacement } from '../placement-contract';
import { FILL_RATE_GBPS, type ApplianceFillPlan, type FillModel, type PlannedFill, type SiteFillPlan } from './contract';

export interface HeldItem {
  contentId: string;
  bytes: number;
  /** ms since the epoch. */
  storedAt: number;
}

/** What one appliance is and holds now. */
export interface ApplianceNow {
  serial: string;
  model: FillModel;
  /** Disk size and what is used now (GET /v1/cache totalBytes; capacity from the inventory or status). */
  capacityBytes: number;
  usedBytes: number;
  held: readonly HeldItem[];
}

export interface PlanOptions {
  site: { code: string; timezone: string; fillWindow: string };
  placement: SitePlacement;
  appliances: readonly ApplianceNow[];
  now: number;
  /** Fill rates per model (Gbps); default FILL_RATE_GBPS. */
  rates?: Partial<Record<FillModel, number>>;
  /**
   * Out of cycle (a hot release): start now, outside the window, at most `maxGbps` and `maxBytes`
   * per appliance.
   */
  outOfCycle?: { maxGbps: number; maxBytes: number } | null;
}

const bytesPerMs = (gbps: number) => (gbps * 1e9) / 8 / 1000;

export function planSiteFills(options: PlanOptions): SiteFillPlan {
  const { site, placement, now } = options;
  const rateOf = (model: FillModel) => options.rates?.[model] ?? FILL_RATE_GBPS[model];
  const ooc = options.outOfCycle ?? null;
  let start: number;
  let end: number;
  if (ooc) {
    start = now;
    end = Number.POSITIVE_INFINITY;
  } else {
    const [open, close] = currentOrNext(site.timezone, parseWindow(site.fillWindow), now);
    start = Math.max(open, now);
    end = close;
  }

  const byserial = new Map(options.appliances.map((a) => [a.serial, a]));
  const heldBy = new Map<string, Set<string>>();
  for (const a of options.appliances) for (const h of a.held) (heldBy.get(h.contentId) ?? heldBy.set(h.contentId, new Set()).get(h.contentId)!).add(a.serial);

  /** Per appliance: the Gbps it fills at, and (as a peer) the ms of sending it has left. */
  const gbpsOf = (serial: string) => {
    const a = byserial.get(serial)!;
    return ooc ? Math.min(rateOf(a.model), ooc.maxGbps) : rateOf(a.model);
  };
  const windowMs = ooc ? Number.POSITIVE_INFINITY : end - start;
  const peerLeftMs = new Map(options.appliances.map((a) => [a.serial, windowMs]));

  const plans: ApplianceFillPlan[] = [];
  for (const placed of placement.appliances) {
    const a = byserial.get(placed.serial);
    if (!a) continue;
    const gbps = gbpsOf(a.serial);
    const held = new Set(a.held.map((h) => h.contentId));
    const target = new Set(placed.items.map((i) => i.contentId));
    const missing = placed.items.filter((i) => !held.has(i.contentId)).sort((x, y) => y.value - x.value);
    const budgetMs = ooc ? (ooc.maxBytes / bytesPerMs(gbps)) : windowMs;
    const room = a.capacityBytes - a.usedBytes + a.held.filter((h) => !target.has(h.contentId)).reduce((s, h) => s + h.bytes, 0);

    const fills: PlannedFill[] = [];
    let usedMs = 0;
    let bytes = 0;
    let dropped = { items: 0, bytes: 0, value: 0 };
    let full = false;
    for (const item of missing) {
      if (!full) {
        // From a peer of the site that holds it now and has sending time left, the least busy first.
        let source = 'origin';
        let itemGbps = gbps;
        let best: { serial: string; left: number } | null = null;
        for (const peer of heldBy.get(item.contentId) ?? []) {
          if (peer === a.serial) continue;
          const g = Math.min(gbps, gbpsOf(peer));
          const ms = item.bytes / bytesPerMs(g);
          const left = peerLeftMs.get(peer)!;
          if (left >= ms && (!best || left > best.left)) best = { serial: peer, left };
        }
        if (best) {
          itemGbps = Math.min(gbps, gbpsOf(best.serial));
          source = `peer:${best.serial}`;
        }
        const ms = item.bytes / bytesPerMs(itemGbps);
        if (usedMs + ms <= budgetMs && bytes + item.bytes <= room) {
          usedMs += ms;
          bytes += item.bytes;
          if (best) peerLeftMs.set(best.serial, best.left - ms);
          fills.push({ contentId: item.contentId, bytes: item.bytes, value: item.value, source });
          continue;
        }
        // The first item that does not fit: it and every less valuable one are dropped.
        full = true;
      }
      dropped = { items: dropped.items + 1, bytes: dropped.bytes + item.bytes, value: dropped.value + item.value };
    }

    // Evict only what the kept fills need room for: content outside the target, oldest first.
    const need = bytes - (a.capacityBytes - a.usedBytes);
    const evict: string[] = [];
    let freed = 0;
    if (need > 0) {
      for (const h of [...a.held].filter((x) => !target.has(x.contentId)).sort((x, y) => x.storedAt - y.storedAt || (x.contentId < y.contentId ? -1 : 1))) {
        if (freed >= need) break;
        evict.push(h.contentId);
        freed += h.bytes;
      }
    }
    const valueHeld = placed.items.filter((i) => held.has(i.contentId)).reduce((s, i) => s + i.value, 0);
    const fromPeers = fills.filter((f) => f.source !== 'origin').reduce((s, f) => s + f.bytes, 0);
    plans.push({
      serial: a.serial,
      model: a.model,
      rateGbps: gbps,
      startAt: new Date(start).toISOString(),
      endAt: new Date(start + Math.ceil(usedMs)).toISOString(),
      fill: fills,
      evict,
      fillBytes: bytes,
      fromPeersBytes: fromPeers,
      fromOriginBytes: bytes - fromPeers,
      evictBytes: freed,
      dropped,
      valueHeld,
      valuePlanned: valueHeld + fills.reduce((s, f) => s + f.value, 0),
      valueTarget: placed.items.reduce((s, i) => s + i.value, 0),
    });
  }
  const sum = (f: (p: ApplianceFillPlan) => number) => plans.reduce((s, p) => s + f(p), 0);
  return {
    site: site.code,
    day: placement.day,
    timezone: site.timezone,
    fillWindow: site.fillWindow,
    outOfCycle: ooc,
    windowStart: new Date(start).toISOString(),
    windowEnd: Number.isFinite(end) ? new Date(end).toISOString() : null,
    appliances: plans,
    totals: {
      fillBytes: sum((p) => p.fillBytes),
      fromPeersBytes: sum((p) => p.fromPeersBytes),
      fromOriginBytes: sum((p) => p.fromOriginBytes),
      evictBytes: sum((p) => p.evictBytes),
      droppedItems: sum((p) => p.dropped.items),
      droppedBytes: sum((p) => p.dropped.bytes),
      droppedValue: sum((p) => p.dropped.value),
      valueHeld: sum((p) => p.valueHeld),
      valuePlanned: sum((p) => p.valuePlanned),
      valueTarget: sum((p) => p.valueTarget),
    },
  };
}
