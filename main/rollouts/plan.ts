/**
 * A rollout's plan, as pure functions: canary picked across sites, waves, the failure budget, each
 * site's window in its own time zone, and the per-site limit on appliances out of service at once.
 */
import type { CanaryPlan, CountOrPercent, WavePlan } from './contract';

const MINUTE = 60_000;
const DAY_MINUTES = 24 * 60;

export interface PlanAppliance {
  serial: string;
  site: string;
  partner: string;
  model: string;
  nicGbps: number;
}

// ---------------------------------------------------------------------------------------- windows

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Minutes (fractional) since local midnight in `timeZone` at `at` (ms since the epoch). */
export function localMinutes(timeZone: string, at: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(at))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return (parts['hour']! % 24) * 60 + parts['minute']! + parts['second']! / 60;
}

export interface WindowState {
  open: boolean;
  /** When it next opens (ms), or null when open now. */
  nextOpenAt: number | null;
  /** When it closes (ms), or null when closed now. */
  closesAt: number | null;
}

/** Whether a daily `HH:MM-HH:MM` window (site-local, may cross midnight) is open at `at`, and when it opens or closes. */
export function windowState(window: string, timeZone: string, at: number): WindowState {
  const start = Number(window.slice(0, 2)) * 60 + Number(window.slice(3, 5));
  const end = Number(window.slice(6, 8)) * 60 + Number(window.slice(9, 11));
  const m = localMinutes(timeZone, at);
  const open = start < end ? m >= start && m < end : m >= start || m < end;
  const until = (target: number) => at + (((target - m) % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES * MINUTE;
  return open ? { open, nextOpenAt: null, closesAt: until(end) } : { open, nextOpenAt: until(start), closesAt: null };
}

// ---------------------------------------------------------------------------------------- sizes

/** A count or a percent of `of` (rounded down; at least 1 of a non-empty total for a percent > 0 when `atLeastOne`). */
export function amountOf(v: CountOrPercent, of: number, atLeastOne = false): number {
  if (v.kind === 'count') return v.value;
  const n = Math.floor((v.value * of) / 100 + 1e-9);
  return atLeastOne && of > 0 ? Math.max(1, n) : n;
}

/** Appliances in the order that spreads them over sites: one per site in turn (sites with more targets first). */
export function acrossSites<T extends PlanAppliance>(items: readonly T[]): T[] {
  const bySite = new Map<string, T[]>();
  for (const a of [...items].sort((x, y) => x.serial.localeCompare(y.serial))) {
    const list = bySite.get(a.site) ?? [];
    list.push(a);
    bySite.set(a.site, list);
  }
  const sites = [...bySite.entries()].sort((x, y) => y[1].length - x[1].length || x[0].localeCompare(y[0]));
  const out: T[] = [];
  for (let round = 0; out.length < items.length; round++) {
    for (const [, list] of sites) if (round < list.length) out.push(list[round]!);
  }
  return out;
}

/** The canary's serials: named, or N / P % of the targets picked across different sites. */
export function pickCanary(targets: readonly PlanAppliance[], plan: CanaryPlan): string[] {
  if (plan.kind === 'serials') {
    const known = new Set(targets.map((t) => t.serial));
    return [...new Set(plan.serials)].filter((s) => known.has(s));
  }
  const n = Math.min(targets.length, plan.kind === 'count' ? plan.value : amountOf({ kind: 'percent', value: plan.value }, targets.length, true));
  return acrossSites(targets)
    .slice(0, n)
    .map((a) => a.serial);
}

/**
 * Wave of every target: 0 for the canary, 1.. after it. Percent steps are cumulative shares of all
 * targets (canary included); counts are sizes per wave with the rest in one more; rate is one wave.
 */
export function assignWaves(targets: readonly PlanAppliance[], canary: readonly string[], plan: WavePlan): Map<string, number> {
  const waves = new Map<string, number>();
  for (const s of canary) waves.set(s, 0);
  const rest = acrossSites(targets.filter((t) => !waves.has(t.serial)));
  const total = targets.length;
  let i = 0;
  let wave = 1;
  const put = (upTo: number) => {
    let placed = false;
    while (i < rest.length && i < upTo) {
      waves.set(rest[i++]!.serial, wave);
      placed = true;
    }
    if (placed) wave++;
  };
  if (plan.kind === 'percent') {
    const steps = [...plan.steps];
    if (steps[steps.length - 1]! < 100) steps.push(100);
    for (const p of steps) put(Math.ceil((p * total) / 100 - 1e-9) - canary.length);
  } else if (plan.kind === 'count') {
    let upTo = 0;
    for (const size of plan.sizes) put((upTo += size));
  }
  put(rest.length);
  return waves;
}

export function waveCount(waves: ReadonlyMap<string, number>): number {
  let max = 0;
  for (const w of waves.values()) max = Math.max(max, w);
  return max;
}

// ---------------------------------------------------------------------------------------- waves in progress

/** A target that has not ended yet, for the wave gates. */
export interface UnendedTarget {
  wave: number;
  site: string;
  /** Holding a place in its site's limit (drained, updating, being put back): its work is under way. */
  admitted: boolean;
}

/**
 * How far the waves are released, per site: wave w+1 goes once every target of the waves up to w
 * has ended, **or waits only for its own site's window** (closed, not admitted). A site whose window
 * is closed therefore holds back nobody else: its earlier waves' appliances go first (admission
 * takes the lowest wave first) when its window opens, and the other sites go on meanwhile. The gates
 * stay global: the canary judgement comes before wave 1 and the failure budget counts every ended
 * appliance (one more than it stops everything); the per-site limit is applied at admission.
 * Never goes back (`current` is what was released before).
 */
export function releasedWaves(current: number, waveCount: number, unended: readonly UnendedTarget[], windowOpen: (site: string) => boolean): number {
  let released = current;
  const heldByWindow = (t: UnendedTarget) => !t.admitted && !windowOpen(t.site);
  while (released < waveCount && unended.every((t) => t.wave > released || heldByWindow(t))) released++;
  return released;
}

// ---------------------------------------------------------------------------------------- site limit

export interface SiteLimitInput {
  /** Every appliance at the site with its capacity. */
  appliances: ReadonlyArray<{ serial: string; nicGbps: number }>;
  /** Serials out of service now (already out for other reasons, and this rollout's in flight). */
  out: ReadonlySet<string>;
  limit: CountOrPercent;
}

export interface SiteLimit {
  capacityGbps: number;
  outGbps: number;
  outCount: number;
  limitGbps: number | null;
  limitCount: number | null;
}

export function siteLimit(input: SiteLimitInput): SiteLimit {
  let capacityGbps = 0;
  let outGbps = 0;
  let outCount = 0;
  for (const a of input.appliances) {
    capacityGbps += a.nicGbps;
    if (input.out.has(a.serial)) {
      outGbps += a.nicGbps;
      outCount++;
    }
  }
  return {
    capacityGbps,
    outGbps,
    outCount,
    limitGbps: input.limit.kind === 'percent' ? (capacityGbps * input.limit.value) / 100 : null,
    limitCount: input.limit.kind === 'count' ? input.limit.value : null,
  };
}

/** Whether taking `candidate` out too keeps the site within its limit. */
export function fitsLimit(limit: SiteLimit, candidate: { nicGbps: number }, alreadyOut: boolean): boolean {
  if (alreadyOut) return true; // it is counted already: taking it does not add to what is out
  if (limit.limitCount !== null) return limit.outCount + 1 <= limit.limitCount;
  return limit.outGbps + candidate.nicGbps <= limit.limitGbps! + 1e-9;
}

/** How many more appliances (the smallest first) the site can have out now. */
export function maxMoreAtOnce(limit: SiteLimit, candidates: ReadonlyArray<{ nicGbps: number }>): number {
  if (limit.limitCount !== null) return Math.max(0, Math.min(candidates.length, limit.limitCount - limit.outCount));
  let room = limit.limitGbps! - limit.outGbps + 1e-9;
  let n = 0;
  for (const c of [...candidates].sort((a, b) => a.nicGbps - b.nicGbps)) {
    if (c.nicGbps > room) break;
    room -= c.nicGbps;
    n++;
  }
  return n;
}
