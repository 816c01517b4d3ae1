/**
 * Roll-ups: the worst status per site, per partner and for the whole selection.
 *
 * Only appliances an operator expects to work colour a roll-up: lifecycle `online` or `drained`.
 * An appliance awaiting install, being provisioned, taken offline or sent for RMA is counted (so
 * the numbers add up) but does not turn its site red. A group with none of the former is Unknown.
 */
import { worstHealth } from '../appliance/contract';
import type { LifecycleStatus } from '../inventory/contract';
import type { ApplianceHealth, HealthCounts, HealthStatus, Rollup } from './contract';

export const ROLLUP_LIFECYCLES: readonly LifecycleStatus[] = ['online', 'drained'];

export function rollup(items: readonly ApplianceHealth[]): Rollup {
  const counts: HealthCounts = { OK: 0, Unknown: 0, Warning: 0, Error: 0, unreachable: 0, measured: 0 };
  let servingGbps = 0;
  const watched: HealthStatus[] = [];
  for (const h of items) {
    counts[h.status]++;
    if (h.lastPollAt !== null && !h.reachable) counts.unreachable++;
    if (h.measuredAt !== null) counts.measured++;
    // What is served now: only measurements from the last poll count.
    if (h.reachable && h.metrics) servingGbps += h.metrics.servingGbps;
    if (ROLLUP_LIFECYCLES.includes(h.lifecycle)) watched.push(h.status);
  }
  return { status: watched.length ? worstHealth(watched) : 'Unknown', counts, servingGbps: Math.round(servingGbps * 100) / 100 };
}

export function rollups(items: readonly ApplianceHealth[]) {
  const bySite = new Map<string, ApplianceHealth[]>();
  const byPartner = new Map<string, ApplianceHealth[]>();
  for (const h of items) {
    (bySite.get(h.site) ?? bySite.set(h.site, []).get(h.site)!).push(h);
    (byPartner.get(h.partner) ?? byPartner.set(h.partner, []).get(h.partner)!).push(h);
  }
  return {
    totals: rollup(items),
    bySite: [...bySite]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([site, group]) => ({ site, partner: group[0]!.partner, ...rollup(group) })),
    byPartner: [...byPartner].sort(([a], [b]) => a.localeCompare(b)).map(([partner, group]) => ({ partner, ...rollup(group) })),
  };
}

const WORST_FIRST: Record<HealthStatus, number> = { Error: 0, Warning: 1, Unknown: 2, OK: 3 };

/** Error, Warning, Unknown, OK; within a status the unreachable first; then by serial. */
export function compareWorstFirst(a: ApplianceHealth, b: ApplianceHealth): number {
  return (
    WORST_FIRST[a.status] - WORST_FIRST[b.status] ||
    Number(a.reachable) - Number(b.reachable) ||
    (a.serial < b.serial ? -1 : a.serial > b.serial ? 1 : 0)
  );
}
