/**
 * A peer's upload shared among its pullers. When several appliances of a site fill from the same
 * peer at once, the peer's fill rate (its uplink for fills) is split evenly among them: two
 * storage appliances pulling from one storage peer (1.2 Gbps) get 0.6 Gbps each, and the peer
 * sends 1.2 Gbps in all, never more. Each puller still moves no faster than its own fill rate.
 *
 * Appliances account fill progress lazily (when asked), each at the rate of the interval's start.
 * So that one appliance's progress sees when another starts or ends pulling, the site brings all
 * its appliances forward together, in steps of at most STEP_MS of lab time, whenever any of them
 * still has an item from a peer to move.
 */
import type { ApplianceState } from './state';

/** Longest lab-time step between two re-divisions of a peer's upload. */
export const STEP_MS = 10_000;
/** At most this many steps per catch-up (a long idle lab: the steps grow instead). */
const MAX_STEPS = 5_000;

export interface UplinkMember {
  readonly state: ApplianceState;
  advance(now?: number): number;
  /** The source of the item it transfers at `now`, or null. */
  currentFillSource(now: number): string | null;
}

export class PeerUplinks {
  private syncing = false;
  private syncedAt: number | null = null;

  constructor(private readonly members: () => Iterable<UplinkMember>) {}

  /** The rate a puller of `peer` gets at `now`: the peer's fill rate over its pullers (it counts itself). */
  shareGbps(peer: string, now: number): number | null {
    let rate: number | null = null;
    let pullers = 0;
    for (const m of this.members()) {
      if (m.state.serial === peer) rate = m.state.fillGbps;
      else if (m.currentFillSource(now) === `peer:${peer}`) pullers++;
    }
    return rate === null ? null : rate / Math.max(1, pullers);
  }

  /** Bring every member up to `now` in short steps while any of them has a peer item to move. */
  sync(now: number): void {
    if (this.syncing) return;
    const from = this.syncedAt;
    this.syncedAt = Math.max(now, from ?? now);
    if (from === null || now <= from || !this.anyPeerWork()) return;
    this.syncing = true;
    try {
      const step = Math.max(STEP_MS, (now - from) / MAX_STEPS);
      for (let t = from + step; ; t += step) {
        const at = Math.min(t, now);
        for (const m of this.members()) m.advance(at);
        if (at >= now || !this.anyPeerWork()) break;
      }
    } finally {
      this.syncing = false;
    }
  }

  private anyPeerWork(): boolean {
    for (const m of this.members()) {
      for (const j of m.state.fills) {
        if (j.state !== 'queued' && j.state !== 'running') continue;
        for (let i = j.itemsDone; i < j.queue.length; i++) if (j.queue[i]![2].startsWith('peer:')) return true;
      }
    }
    return false;
  }
}
