/**
 * A lab site's appliances serving its demand from what they actually hold. The site's demand for a
 * local day (content id → bytes streamed) is steered to the appliances that hold each item, split
 * among them by their peak capacity; what no appliance in the site holds is a miss, fetched over
 * the ISP's transit (origin), shared among all the site's appliances the same way. So an appliance's hit ratio, the
 * traffic it serves and the transit it causes follow its cache and its peers' against the demand:
 * a better placement shows up as more offload in /v1/metrics.
 *
 * Fills between peers go through here too: an item taken from `peer:<serial>` moves at the slower
 * of the puller's fill rate and its share of the peer's (a peer's upload is split among the
 * appliances pulling from it at once, peer-uplink.ts), only from a peer of the same site that
 * holds it, and the peer reports the traffic it sends (`peerFillGbps`).
 *
 * The demand comes from a DemandSource (the lab's demand model, main/lab/model/demand.ts, once it
 * is there; zipfDemand below until then and in unit tests).
 */
import { localDay } from '../../kit/windows';
import { catalogBytes, catalogId } from './catalog';
import { PeerUplinks } from './peer-uplink';
import type { ApplianceState } from './state';

/** The demand of one site for one local day: [contentId, bytes streamed], any order. */
export interface DemandSource {
  siteDay(site: string, day: string): readonly (readonly [string, number])[];
}

/** What the site needs of a member appliance (LabAppliance fits). */
export interface SiteMember {
  readonly state: ApplianceState;
  cachedBytes(contentId: string): number | null;
  /** Bring the member up to `now` (landed fill items count). */
  advance(now?: number): number;
  /** The fill item being transferred now and its rate, or null. */
  currentFillItem(now: number): { source: string; gbps: number } | null;
  /** The source of the fill item being transferred now, or null. */
  currentFillSource(now: number): string | null;
}

/** What an appliance's model asks of its site (ApplianceCore.site). */
export interface SiteHook {
  /** Share (0..1) of this appliance's client demand it serves from its own cache; null: no demand known. */
  hitRatio(serial: string, now: number): number | null;
  /** Fill rate (Gbps) a peer of the site gives, or null when `serial` is not a peer here. */
  peerFillGbps(serial: string): number | null;
  /** Whether the peer holds the item now. */
  peerHolds(serial: string, contentId: string): boolean;
  /** Fill traffic `serial` sends to its peers now (Gbps). */
  peerEgressGbps(serial: string, now: number): number;
  /** The rate one puller of peer `serial` gets at `now`: its fill rate split among its pullers (peer-uplink.ts); null when not a peer here. */
  peerShareGbps(serial: string, now: number): number | null;
  /** Bring the site's appliances forward together to `now` while peer fills run (peer-uplink.ts). */
  syncFills(now: number): void;
}

/** Recompute a site's split at most this often (lab time) while caches change under a fill. */
const RECOMPUTE_MS = 60_000;

interface Split {
  day: string;
  signature: string;
  at: number;
  hit: Map<string, number>;
}

export class SiteServing implements SiteHook {
  private split: Split | null = null;
  private readonly members = new Map<string, SiteMember>();
  private readonly uplinks = new PeerUplinks(() => this.members.values());

  private warming: { day: string; done: Promise<void> } | null = null;

  constructor(
    readonly site: string,
    readonly timeZone: string,
    private readonly demand: DemandSource,
    /** Compute a day's first split in the background (a lab serving requests); tests compute at once. */
    private readonly background = false,
  ) {}

  add(member: SiteMember): void {
    this.members.set(member.state.serial, member);
  }

  hitRatio(serial: string, now: number): number | null {
    if (!this.members.has(serial)) return null;
    const day = localDay(this.timeZone, now);
    const s = this.split;
    if (this.background && (!s || s.day !== day)) {
      // The first split of a day reads the day's whole demand (a few hundred ms): not while a
      // request waits. Until it is there, the appliance reports as if alone (null).
      this.warm(day, now);
      return null;
    }
    for (const m of this.members.values()) if (m.state.serial !== serial) m.advance(now);
    const signature = [...this.members.values()].map((m) => cacheSignature(m.state)).join('|');
    const fresh = s && s.day === day && (s.signature === signature || now - s.at < RECOMPUTE_MS) && now >= s.at;
    if (!fresh) this.split = this.compute(day, now, signature);
    return this.split!.hit.get(serial) ?? null;
  }

  /** Compute the day's split soon (off the current request); resolves when it is there. */
  warm(day: string, now: number): Promise<void> {
    if (this.warming?.day === day) return this.warming.done;
    const done = new Promise<void>((resolve) => {
      setImmediate(() => {
        for (const m of this.members.values()) m.advance(now);
        const signature = [...this.members.values()].map((m) => cacheSignature(m.state)).join('|');
        this.split = this.compute(day, now, signature);
        resolve();
      });
    });
    this.warming = { day, done };
    return done;
  }

  private compute(day: string, now: number, signature: string): Split {
    const members = [...this.members.values()];
    const served = new Map<string, number>(members.map((m) => [m.state.serial, 0]));
    let missed = 0;
    const holders: SiteMember[] = [];
    for (const [contentId, bytes] of this.demand.siteDay(this.site, day)) {
      holders.length = 0;
      let weight = 0;
      for (const m of members) {
        if (m.cachedBytes(contentId) !== null) {
          holders.push(m);
          weight += m.state.peakGbps;
        }
      }
      if (holders.length === 0) missed += bytes;
      else for (const m of holders) served.set(m.state.serial, served.get(m.state.serial)! + (bytes * m.state.peakGbps) / weight);
    }
    const peak = members.reduce((sum, m) => sum + m.state.peakGbps, 0) || 1;
    const hit = new Map<string, number>();
    for (const m of members) {
      const mine = served.get(m.state.serial)!;
      const misses = (missed * m.state.peakGbps) / peak;
      hit.set(m.state.serial, mine + misses === 0 ? 1 : mine / (mine + misses));
    }
    return { day, signature, at: now, hit };
  }

  peerFillGbps(serial: string): number | null {
    return this.members.get(serial)?.state.fillGbps ?? null;
  }

  peerShareGbps(serial: string, now: number): number | null {
    return this.uplinks.shareGbps(serial, now);
  }

  syncFills(now: number): void {
    this.uplinks.sync(now);
  }

  peerHolds(serial: string, contentId: string): boolean {
    return this.members.get(serial)?.cachedBytes(contentId) != null;
  }

  peerEgressGbps(serial: string, now: number): number {
    let gbps = 0;
    for (const m of this.members.values()) {
      if (m.state.serial === serial) continue;
      const item = m.currentFillItem(now);
      if (item && item.source === `peer:${serial}`) gbps += item.gbps;
    }
    return gbps;
  }
}

/** Changes whenever what the appliance holds changes. */
function cacheSignature(s: ApplianceState): string {
  return `${s.cache.usedBytes}:${s.cache.added.length}:${s.cache.evicted.length}`;
}

/**
 * A stand-in demand: Zipf popularity over the lab catalog (rank = catalog index, the order the
 * baseline caches hold), `titles` long, each site's day the same shape. Bytes streamed of an item
 * = its size × its views.
 */
export function zipfDemand(titles = 120_000, exponent = 0.9, viewsAtTop = 50_000): DemandSource {
  let cached: (readonly [string, number])[] | null = null;
  return {
    siteDay() {
      cached ??= Array.from({ length: titles }, (_, i) => [catalogId(i), catalogBytes(i) * (viewsAtTop / Math.pow(i + 1, exponent))] as const);
      return cached;
    },
  };
}
