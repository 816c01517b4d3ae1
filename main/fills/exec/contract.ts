/**
 * Fill execution's part of the fills contract: fill plans (what each appliance of a site fills,
 * evicts, from where, when and at what rate), fill runs (a plan executed as a `fills` job on the
 * jobs kernel) and their progress. Methods are `fills.<name>` on the wire.
 */
import { z } from 'zod';
import { method } from '../../kit/contract';
import { SitePlacement } from '../placement-contract';

export const FILL_MODELS = ['storage', 'flash'] as const;
export const FillModel = z.enum(FILL_MODELS);
export type FillModel = z.infer<typeof FillModel>;

/** The fill rate cap of each appliance model (Gbps): what one appliance takes in during its window. */
export const FILL_RATE_GBPS: Record<FillModel, number> = { storage: 1.2, flash: 0.3 };

const Iso = z.string();

export const PlannedFill = z.object({
  contentId: z.string(),
  bytes: z.number().int().min(0),
  value: z.number().min(0),
  /** `origin` or `peer:<serial>` (a peer of the same site that holds the item now). */
  source: z.string(),
});
export type PlannedFill = z.infer<typeof PlannedFill>;

export const ApplianceFillPlan = z.object({
  serial: z.string(),
  model: FillModel,
  /** The rate it fills at (its model's cap, or an out-of-cycle cap). */
  rateGbps: z.number(),
  startAt: Iso,
  /** When its fills end at that rate (startAt when it has nothing to fill). */
  endAt: Iso,
  /** Most valuable first. */
  fill: z.array(PlannedFill),
  evict: z.array(z.string()),
  fillBytes: z.number(),
  fromPeersBytes: z.number(),
  fromOriginBytes: z.number(),
  evictBytes: z.number(),
  /** Target items that did not fit (window × rate, or room), dropped lowest value first. */
  dropped: z.object({ items: z.number().int(), bytes: z.number(), value: z.number() }),
  /** Forecast value (bytes/day served) of target items held before the fill, after it, and of the whole target. */
  valueHeld: z.number(),
  valuePlanned: z.number(),
  valueTarget: z.number(),
});
export type ApplianceFillPlan = z.infer<typeof ApplianceFillPlan>;

export const OutOfCycle = z.object({
  /** Rate cap per appliance (Gbps), below the model's. */
  maxGbps: z.number().positive().max(100),
  /** Bytes per appliance at most. */
  maxBytes: z.number().int().positive(),
});

export const SiteFillPlan = z.object({
  site: z.string(),
  day: z.string(),
  timezone: z.string(),
  fillWindow: z.string(),
  outOfCycle: OutOfCycle.nullable(),
  windowStart: Iso,
  /** Null out of cycle. */
  windowEnd: Iso.nullable(),
  appliances: z.array(ApplianceFillPlan),
  totals: z.object({
    fillBytes: z.number(),
    fromPeersBytes: z.number(),
    fromOriginBytes: z.number(),
    evictBytes: z.number(),
    droppedItems: z.number(),
    droppedBytes: z.number(),
    droppedValue: z.number(),
    valueHeld: z.number(),
    valuePlanned: z.number(),
    valueTarget: z.number(),
  }),
});
export type SiteFillPlan = z.infer<typeof SiteFillPlan>;

export const RUN_STATES = ['planned', 'running', 'done', 'failed', 'cancelled'] as const;
export const RunState = z.enum(RUN_STATES);

export const ApplianceProgress = z.object({
  serial: z.string(),
  /** planned, posted, filling, verified, failed. */
  phase: z.enum(['planned', 'posted', 'filling', 'verified', 'failed']),
  fillIds: z.array(z.string()),
  bytesTotal: z.number(),
  bytesDone: z.number(),
  rateGbps: z.number(),
  retries: z.number().int(),
  message: z.string().nullable(),
  updatedAt: Iso,
});
export type ApplianceProgress = z.infer<typeof ApplianceProgress>;

export const FillRun = z.object({
  id: z.number().int(),
  site: z.string(),
  day: z.string(),
  /** The placement plan it came from (the planner's id), when there is one. */
  placementId: z.string().nullable(),
  state: RunState,
  jobId: z.number().int().nullable(),
  createdAt: Iso,
  createdBy: z.string(),
  outOfCycle: z.boolean(),
  plan: SiteFillPlan,
  progress: z.array(ApplianceProgress),
});
export type FillRun = z.infer<typeof FillRun>;

export const FillRunSummary = FillRun.omit({ plan: true, progress: true }).extend({
  appliances: z.number().int(),
  bytesTotal: z.number(),
  bytesDone: z.number(),
  droppedBytes: z.number(),
  verified: z.number().int(),
  failed: z.number().int(),
  windowStart: Iso,
  windowEnd: Iso.nullable(),
});
export type FillRunSummary = z.infer<typeof FillRunSummary>;

export const PrepareInput = z.object({
  /** Target contents per appliance of one site (the placement's output). */
  placement: SitePlacement,
  placementId: z.string().max(128).nullable().default(null),
  outOfCycle: OutOfCycle.nullable().default(null),
});

export const PrepareFromPlanInput = z.object({
  site: z.string().min(1).max(64),
  /** A stored placement plan (`fills plan`); the site's latest when left out. */
  planId: z.number().int().min(1).optional(),
  outOfCycle: OutOfCycle.nullable().default(null),
});

export const RunInput = z.object({
  id: z.number().int().min(1),
  /** Out of cycle: the number of appliances, typed back (E_CONFIRM otherwise). */
  confirm: z.number().int().nullable().default(null),
  /** Poll interval of GET /v1/fill/{id} (ms). */
  pollMs: z.number().int().min(20).max(600_000).default(5000),
  /** Times a failed fill is posted again. */
  retries: z.number().int().min(0).max(20).default(3),
});

export const fillsExecMethods = {
  prepare: method(
    "Read what each appliance of the placement's site holds now (GET /v1/cache) and make its fill plan: stored, not run",
    PrepareInput,
    FillRun, { writes: true },
  ),
  prepareFromPlan: method(
    "Make a site's fill plan from a stored placement plan (the site's latest when none is named) and what its appliances hold now: stored, not run",
    PrepareFromPlanInput,
    FillRun,
    { writes: true },
  ),
  run: method('Run a prepared fill plan as a `fills` job (out of cycle: the appliance count typed back)', RunInput, FillRun, { writes: true }),
  getRun: method('One fill run with its plan and per-appliance progress', z.object({ id: z.number().int().min(1) }), FillRun, { writes: false }),
  listRuns: method(
    'Recent fill runs, newest first',
    z.object({ site: z.string().optional(), limit: z.number().int().min(1).max(500).default(50) }).default({ limit: 50 }),
    z.array(FillRunSummary), { writes: false },
  ),
};

export const fillsExecEvents = {
  /** A run's progress changed (throttled per run). */
  progress: z.object({ runId: z.number().int(), state: RunState, bytesTotal: z.number(), bytesDone: z.number() }),
};
