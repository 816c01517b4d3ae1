/**
 * What Fleetdeck knows about one appliance's health (the record: last reply, last poll, failures)
 * and how it is shown (the assessment): the appliance's own components, the threshold components,
 * a reachability component when the last poll failed, and a freshness component when the data is
 * old. Assessed at read time, so ages grow with the clock and new thresholds apply at once.
 */
import { z } from 'zod';
import { HealthComponent, worstHealth, type HealthReply, type MetricsReply } from '../appliance/contract';
import type { Appliance } from '../inventory/contract';
import { MetricsSample, type ApplianceHealth, type ComponentHealth, type HealthStatus, type Thresholds } from './contract';
import { thresholdComponents } from './thresholds';
import { formatAge } from '../kit/age';

/** Consecutive failed polls after which an unreachable appliance is an Error (before: Warning). */
export const UNREACHABLE_ERROR_AFTER = 3;

export const ErrorInfo = z.object({ code: z.string(), message: z.string() });
export type ErrorInfo = z.infer<typeof ErrorInfo>;

export const HealthRecord = z.object({
  serial: z.string(),
  /** When the last health reply arrived (engine clock), null if never. */
  measuredAt: z.string().nullable(),
  lastPollAt: z.string().nullable(),
  /** The last poll's failure: the health call (unreachable) or only the metrics call. */
  lastError: ErrorInfo.nullable(),
  /** Consecutive polls without a usable health reply. */
  failures: z.number().int().min(0),
  /** The appliance's own components from its last health reply. */
  components: z.array(HealthComponent),
  metrics: MetricsSample.nullable(),
  /** Problem (component name) -> when it was first seen in its current run, for action items. */
  since: z.record(z.string(), z.string()),
});
export type HealthRecord = z.infer<typeof HealthRecord>;

export type PollOutcome =
  | { kind: 'reached'; at: string; health: HealthReply; metrics: MetricsReply | null; metricsError: ErrorInfo | null }
  | { kind: 'failed'; at: string; error: ErrorInfo };

export function toSample(m: MetricsReply, at: string): MetricsSample {
  return {
    at,
    servingGbps: m.servingGbps,
    connections: m.connections,
    cacheHitRatio: m.cacheHitRatio,
    diskUsedBytes: m.disk.usedBytes,
    diskTotalBytes: m.disk.totalBytes,
    fillProgress: m.fill.progress,
    fillRateGbps: m.fill.rateGbps,
    errorsPerSecond: m.errorsPerSecond,
    originGbps: m.originGbps ?? null,
  };
}

/** The record after one poll. A failed poll keeps the last known components and metrics. */
export function applyOutcome(prev: HealthRecord | undefined, serial: string, outcome: PollOutcome): HealthRecord {
  const base: HealthRecord = prev ?? { serial, measuredAt: null, lastPollAt: null, lastError: null, failures: 0, components: [], metrics: null, since: {} };
  if (outcome.kind === 'failed') {
    return { ...base, lastPollAt: outcome.at, lastError: outcome.error, failures: base.failures + 1 };
  }
  return {
    ...base,
    measuredAt: outcome.at,
    lastPollAt: outcome.at,
    lastError: outcome.metricsError,
    failures: 0,
    components: outcome.health.components,
    metrics: outcome.metrics ? toSample(outcome.metrics, outcome.at) : base.metrics,
  };
}

/** The one age formatter (main/kit/age.ts); re-exported for the health domain's callers. */
export { formatAge };

const secondsBetween = (from: string, now: number) => Math.max(0, (now - Date.parse(from)) / 1000);

const sameThresholds = (a: Thresholds, b: Thresholds) =>
  a.model === b.model &&
  a.diskWarnPct === b.diskWarnPct &&
  a.diskErrorPct === b.diskErrorPct &&
  a.errorsWarnPerSec === b.errorsWarnPerSec &&
  a.errorsErrorPerSec === b.errorsErrorPerSec &&
  a.cacheHitWarnBelow === b.cacheHitWarnBelow &&
  a.staleAfterSec === b.staleAfterSec;

/**
 * The components one measurement gives (the appliance's own and the thresholds on its metrics),
 * remembered per record: a record is replaced, never changed, when a poll lands, so a fleet read
 * (10,000 appliances, every second while sweeps run) rebuilds only what changed.
 */
const measuredCache = new WeakMap<HealthRecord, { thresholds: Thresholds; components: readonly ComponentHealth[] }>();

function measuredComponents(record: HealthRecord, thresholds: Thresholds): readonly ComponentHealth[] {
  const hit = measuredCache.get(record);
  if (hit && sameThresholds(hit.thresholds, thresholds)) return hit.components;
  const components: ComponentHealth[] = record.components.map((c) => ({ ...c, source: 'appliance' as const }));
  if (record.metrics) components.push(...thresholdComponents(record.metrics, thresholds));
  measuredCache.set(record, { thresholds: { ...thresholds }, components });
  return components;
}

/** The components shown for a record: the appliance's own, thresholds, reachability, freshness. */
export function componentsOf(record: HealthRecord, thresholds: Thresholds, now: number): ComponentHealth[] {
  const out: ComponentHealth[] = [...measuredComponents(record, thresholds)];
  const age = record.measuredAt === null ? null : secondsBetween(record.measuredAt, now);
  if (record.failures > 0 && record.lastError) {
    const e = record.lastError;
    const known = age === null ? 'it has never answered' : `showing the state measured ${formatAge(age)} ago`;
    out.push({
      name: 'reachability',
      status: record.failures >= UNREACHABLE_ERROR_AFTER ? 'Error' : 'Warning',
      message: `No usable health reply for ${record.failures} poll${record.failures === 1 ? '' : 's'} (${e.code}: ${e.message}); ${known}.`,
      source: 'reachability',
    });
  } else if (record.lastError) {
    const metricsAge = record.metrics ? `metrics shown are from ${formatAge(secondsBetween(record.metrics.at, now))} ago` : 'no metrics yet';
    out.push({
      name: 'metrics',
      status: 'Warning',
      message: `The health reply came but /v1/metrics failed (${record.lastError.code}: ${record.lastError.message}); ${metricsAge}.`,
      source: 'reachability',
    });
  }
  if (age !== null && thresholds.staleAfterSec > 0 && age > thresholds.staleAfterSec) {
    out.push({
      name: 'freshness',
      status: 'Unknown',
      message: `Last measured ${formatAge(age)} ago (stale after ${formatAge(thresholds.staleAfterSec)}).`,
      source: 'threshold',
    });
  }
  return out;
}

/**
 * What the last successful measurement said: the worst of the appliance's own components and the
 * threshold checks on its metrics, without the engine's notes on reachability and freshness.
 * Null when it was never measured.
 */
export function lastKnownOf(record: HealthRecord | undefined, components: readonly ComponentHealth[]): HealthStatus | null {
  if (!record || record.measuredAt === null) return null;
  const measured = components.filter((c) => c.source !== 'reachability' && c.name !== 'freshness');
  return measured.length ? worstHealth(measured.map((c) => c.status)) : 'Unknown';
}

/** One appliance as the API shows it. Never polled: Unknown, no components. */
export function assess(appliance: Appliance, record: HealthRecord | undefined, thresholds: Thresholds, now: number): ApplianceHealth {
  const polled = record !== undefined && record.lastPollAt !== null;
  const components = polled ? componentsOf(record, thresholds, now) : [];
  return {
    serial: appliance.serial,
    hostname: appliance.hostname,
    site: appliance.site,
    partner: appliance.partner,
    model: appliance.model,
    lifecycle: appliance.status,
    status: polled ? worstHealth(components.map((c) => c.status)) : 'Unknown',
    lastKnownStatus: lastKnownOf(record, components),
    reachable: polled && record.failures === 0,
    measuredAt: record?.measuredAt ?? null,
    ageSeconds: record?.measuredAt ? Math.round(secondsBetween(record.measuredAt, now)) : null,
    lastPollAt: record?.lastPollAt ?? null,
    lastError: record?.lastError ?? null,
    components,
    metrics: record?.metrics ?? null,
  };
}

/** Keep `since` for problems still present, start it for new ones, drop the solved. */
export function updateSince(record: HealthRecord, components: readonly ComponentHealth[], at: string): HealthRecord {
  const since: Record<string, string> = {};
  for (const c of components) {
    if (c.status === 'OK' || c.name === 'freshness') continue;
    since[c.name] = record.since[c.name] ?? at;
  }
  return { ...record, since };
}
