/**
 * Live health: the engine polls appliances' /v1/health and /v1/metrics, keeps the last known state
 * (persisted, so an operator offline still sees it, with its age) and a bounded history, applies
 * per-model thresholds, and rolls status up (worst wins) per appliance, site and partner.
 * Measured health is separate from the lifecycle status an operator set (online, drained, ...).
 */
import { z } from 'zod';
import { method } from '../kit/contract';
import { HealthStatus } from '../appliance/contract';
import { ApplianceModel, ApplianceQuery, LifecycleStatus } from '../inventory/contract';
import { Serial, ShortText, SiteCode } from '../kit/fields';

export { HealthStatus };

export const ComponentHealth = z.object({
  name: z.string(),
  status: HealthStatus,
  message: z.string(),
  /** Where the status came from: the appliance's own report, or a Fleetdeck threshold on a metric. */
  source: z.enum(['appliance', 'threshold', 'reachability']),
});
export type ComponentHealth = z.infer<typeof ComponentHealth>;

export const MetricsSample = z.object({
  at: z.string(),
  servingGbps: z.number(),
  connections: z.number().int(),
  cacheHitRatio: z.number(),
  diskUsedBytes: z.number(),
  diskTotalBytes: z.number(),
  /** 0..1 of the running fill, null when none runs. */
  fillProgress: z.number().nullable(),
  fillRateGbps: z.number(),
  errorsPerSecond: z.number(),
  /** Client demand the appliance fetched over transit (not from its cache), when it reports it (GET /v1/metrics `originGbps`). */
  originGbps: z.number().nullable().optional(),
});
export type MetricsSample = z.infer<typeof MetricsSample>;

export const ApplianceHealth = z.object({
  serial: z.string(),
  hostname: z.string(),
  site: z.string(),
  partner: z.string(),
  model: ApplianceModel,
  /** What an operator set (inventory); shown beside the measured status, never mixed with it. */
  lifecycle: LifecycleStatus,
  /** Measured: worst of the components after thresholds; Unknown when never reached. */
  status: HealthStatus,
  /**
   * What the last successful measurement said: the worst of the appliance's own components and the
   * thresholds on its metrics, leaving out what the engine adds about reachability and freshness.
   * Null when never measured. An unreachable appliance shows this (greyed) beside its `status`.
   */
  lastKnownStatus: HealthStatus.nullable().optional(),
  /** The last poll reached the appliance. */
  reachable: z.boolean(),
  /** When the state shown was measured (the last successful poll), null if never. */
  measuredAt: z.string().nullable(),
  /** Seconds since measuredAt at the time of the reply; null if never measured. */
  ageSeconds: z.number().nullable(),
  /** The last poll attempt, successful or not. */
  lastPollAt: z.string().nullable(),
  /** Why the last poll failed (E_TIMEOUT, E_UNREACHABLE, E_BAD_REPLY, ...), null when it succeeded. */
  lastError: z.object({ code: z.string(), message: z.string() }).nullable(),
  components: z.array(ComponentHealth),
  metrics: MetricsSample.nullable(),
  /**
   * Out of service as planned, in words ("rebooting (rollout 12)"): a rollout is updating it. Its
   * status is then never Error or Warning (Unknown until it is back OK) and it has no actionable item.
   */
  expected: z.string().nullable().optional(),
});
export type ApplianceHealth = z.infer<typeof ApplianceHealth>;

export const HealthCounts = z.object({
  OK: z.number().int(),
  Unknown: z.number().int(),
  Warning: z.number().int(),
  Error: z.number().int(),
  /** Of the above, how many could not be reached at the last poll (showing last known state). */
  unreachable: z.number().int(),
  /** Of the above, how many have been measured at least once. */
  measured: z.number().int(),
});
export type HealthCounts = z.infer<typeof HealthCounts>;

export const Rollup = z.object({
  /** The worst status in the group. */
  status: HealthStatus,
  counts: HealthCounts,
  servingGbps: z.number(),
});
export type Rollup = z.infer<typeof Rollup>;

export const Thresholds = z.object({
  model: ApplianceModel,
  /** Disk used, percent of total: Warning at or above, Error at or above. */
  diskWarnPct: z.number().min(1).max(100),
  diskErrorPct: z.number().min(1).max(100),
  /** Errors per second served. */
  errorsWarnPerSec: z.number().min(0),
  errorsErrorPerSec: z.number().min(0),
  /** Cache hit ratio below this is a Warning (0 disables). */
  cacheHitWarnBelow: z.number().min(0).max(1),
  /** A measurement older than this many seconds turns the appliance Unknown (0 disables). */
  staleAfterSec: z.number().int().min(0).max(86_400),
}).refine((t) => t.diskErrorPct >= t.diskWarnPct, { message: 'the disk Error level must be at or above the Warning level', path: ['diskErrorPct'] })
  .refine((t) => t.errorsErrorPerSec >= t.errorsWarnPerSec, { message: 'the errors Error level must be at or above the Warning level', path: ['errorsErrorPerSec'] });
export type Thresholds = z.infer<typeof Thresholds>;

/** Which appliances the monitor polls: any inventory filter. */
export const MonitorSelection = ApplianceQuery.omit({ sort: true, dir: true, offset: true, limit: true });
export type MonitorSelection = z.output<typeof MonitorSelection>;

export const MonitorSettings = z.object({
  enabled: z.boolean(),
  /** Seconds between sweeps. */
  intervalSec: z.number().int().min(2).max(3600),
  /** Which appliances to poll (any inventory filter); empty = every appliance not in rma. */
  selection: MonitorSelection.default({}),
  concurrency: z.number().int().min(1).max(1000),
  /** Per-request deadline. */
  timeoutMs: z.number().int().min(200).max(60_000),
  /** Samples kept per appliance (ring buffer). */
  historySize: z.number().int().min(10).max(10_000),
});
export type MonitorSettings = z.infer<typeof MonitorSettings>;

export const ActionItem = z.object({
  /** Stable across sweeps for the same problem on the same target. */
  id: z.string(),
  severity: z.enum(['Warning', 'Error']),
  serial: z.string().nullable(),
  site: z.string(),
  partner: z.string(),
  /** What is wrong, in one sentence. */
  problem: z.string(),
  /** What to do about it, in one sentence. */
  suggestedFix: z.string(),
  /** The one ocactl command that applies the fix on this appliance (a UI offers to run it), when there is one. */
  fixArgv: z.array(z.string()).nullable().default(null),
  since: z.string(),
});
export type ActionItem = z.infer<typeof ActionItem>;

export const SweepReport = z.object({
  polled: z.number().int(),
  reached: z.number().int(),
  failed: z.number().int(),
  durationMs: z.number(),
});
export type SweepReport = z.infer<typeof SweepReport>;

export const MonitorStatus = z.object({
  /** This engine runs the interval timer (the monitor is enabled here, or `health watch` runs). */
  polling: z.boolean(),
  intervalSec: z.number().int().nullable(),
  /** A sweep is in flight. */
  sweeping: z.boolean(),
  sweeps: z.number().int(),
  /** Interval ticks skipped because the previous sweep was still running (sweeps never overlap). */
  skippedTicks: z.number().int(),
  lastSweep: SweepReport.extend({ at: z.string() }).nullable(),
});
export type MonitorStatus = z.infer<typeof MonitorStatus>;

/** The most serials one `health.fleet` or `health.pollNow` call names. */
export const MAX_SERIALS = 20_000;

export const FleetRequest = z
  .object({
    /** Which appliances: any inventory filter. */
    query: ApplianceQuery.omit({ sort: true, dir: true, offset: true, limit: true }).default({}),
    /**
     * Only these appliances (the rows a table shows): narrows the selection, roll-ups included.
     * Serials not in the inventory are left out, not refused (a row may have just been deleted).
     */
    serials: z.array(Serial).max(MAX_SERIALS).optional(),
    /** Narrows the listed items only; roll-ups and totals cover the whole selection. */
    status: z.array(HealthStatus).optional(),
    /** List the items (default true). False: roll-ups only, a few kilobytes however large the fleet. */
    includeItems: z.boolean().default(true),
    /** The per-site and per-partner roll-ups (default true). False: a page of a list needs none. */
    includeRollups: z.boolean().default(true),
    /** `serial` (inventory order) or `worst`: Error, Warning, Unknown, OK; unreachable first; then serial. */
    sort: z.enum(['serial', 'worst']).default('serial'),
    offset: z.number().int().min(0).default(0),
    /** At most this many items from `offset`; all of them when absent. */
    limit: z.number().int().min(1).max(MAX_SERIALS).optional(),
  })
  .prefault({});
export type FleetRequest = z.output<typeof FleetRequest>;

/** How far back a history chart reaches: up to a day in one-minute points, beyond in fifteen-minute points. */
export const HistoryRange = z.enum(['1h', '6h', '24h', '7d', '30d']);
export type HistoryRange = z.infer<typeof HistoryRange>;
export const HISTORY_RANGE_MS: Record<HistoryRange, number> = { '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

export const healthMethods = {
  fleet: method(
    'Health of the selected appliances with roll-ups per site and partner; the items narrowed, sorted and paged as asked',
    FleetRequest,
    z.object({
      /** Over every selected appliance (query and serials), whatever narrows or pages the items. */
      totals: Rollup,
      /** Empty when includeRollups is false. */
      bySite: z.array(Rollup.extend({ site: z.string(), partner: z.string() })),
      byPartner: z.array(Rollup.extend({ partner: z.string() })),
      /** Items matching `status`, before offset and limit (0 when includeItems is false). */
      total: z.number().int(),
      offset: z.number().int(),
      items: z.array(ApplianceHealth),
    }),
    { writes: false },
  ),
  appliance: method(
    'One appliance: last known health and its bounded metrics history, oldest first',
    z.object({ serial: Serial }),
    z.object({ health: ApplianceHealth, history: z.array(MetricsSample) }),
    { writes: false },
  ),
  actionable: method(
    'What needs attention, worst first, each with a suggested fix',
    z.object({ site: z.array(SiteCode).optional(), partner: z.array(ShortText(120)).optional() }).default({}),
    z.array(ActionItem),
    { writes: false },
  ),
  monitor: method('Polling settings', z.object({}).default({}), MonitorSettings, { writes: false }),
  // selection without its default here, so a patch that does not name it keeps the stored one.
  setMonitor: method('Change polling settings (starts or stops polling)', MonitorSettings.extend({ selection: MonitorSelection }).partial(), MonitorSettings, { writes: true }),
  monitorStatus: method('Is this engine polling now; sweeps run and ticks skipped since it started', z.object({}).default({}), MonitorStatus, { writes: false }),
  pollNow: method(
    'Poll now, outside the interval (all selected, or the given serials)',
    z.object({ serials: z.array(Serial).max(MAX_SERIALS).optional() }).default({}),
    SweepReport,
    { writes: true },
  ),
  history: method(
    'Metrics history of one appliance from SQLite: one-minute points up to a day back, fifteen-minute points up to 30 days',
    z.object({ serial: Serial, range: HistoryRange.default('24h') }),
    z.object({ step: z.enum(['minute', 'quarter']), from: z.string(), to: z.string(), points: z.array(MetricsSample) }),
    { writes: false },
  ),
  thresholds: method('Thresholds per model', z.object({}).default({}), z.array(Thresholds), { writes: false }),
  setThresholds: method('Change the thresholds of one model', Thresholds, z.array(Thresholds), { writes: true }),
};

export const healthEvents = {
  /** New measurements for these appliances (one event per sweep, batched). */
  updated: z.object({ serials: z.array(z.string()), at: z.string() }),
  /** A sweep ended. */
  swept: SweepReport.extend({ at: z.string() }),
};
