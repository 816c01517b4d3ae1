/**
 * Rollouts contract: a firmware image rolled over a frozen set of appliances, canary first (judged
 * against untouched appliances of the same model with a Mann-Whitney U test), then in waves, never
 * taking more of a site out of service than its limit, drain/activate/reboot only inside each
 * site's window (in the site's own time zone), within a failure budget, with per-step timeouts.
 * It runs as one job of the `rollout` kind on the jobs kernel (journaled per appliance, resumed
 * and reconciled after a crash); see docs/rollouts.md.
 */
import { z } from 'zod';
import { method } from '../kit/contract';
import { Serial } from '../kit/fields';
import { ExecSelection } from '../jobs/contract';
import { ImageVersion } from '../firmware/contract';

// ------------------------------------------------------------------------------------------ plan

/** N appliances, or P % (of the targets, or of a site's serving capacity). */
export const CountOrPercent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('count'), value: z.number().int().min(0).max(1_000_000) }),
  z.object({ kind: z.literal('percent'), value: z.number().gt(0, 'a percentage is more than 0').max(100, 'a percentage is at most 100') }),
]);
export type CountOrPercent = z.infer<typeof CountOrPercent>;

/**
 * `12` → count 12, `10%` → percent 10 (what the CLI and forms take). Returns null for anything else.
 */
export function parseCountOrPercent(text: string): CountOrPercent | null {
  const t = text.trim();
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
  if (pct) {
    const value = Number(pct[1]);
    return value > 0 && value <= 100 ? { kind: 'percent', value } : null;
  }
  return /^\d{1,7}$/.test(t) ? { kind: 'count', value: Number(t) } : null;
}

export const formatCountOrPercent = (v: CountOrPercent): string => (v.kind === 'percent' ? `${v.value}%` : String(v.value));

/** The canary: N appliances or P % of the targets picked across different sites, or named serials. */
export const CanaryPlan = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('count'), value: z.number().int().min(0).max(10_000) }),
  z.object({ kind: z.literal('percent'), value: z.number().gt(0).max(50, 'a canary is at most 50 % of the targets') }),
  z.object({ kind: z.literal('serials'), serials: z.array(Serial).min(1).max(1000) }),
]);
export type CanaryPlan = z.infer<typeof CanaryPlan>;

/**
 * Waves after the canary:
 *  - percent: cumulative shares of the targets (`10%,50%,100%`: a wave reaches 10 % of all, the
 *    next 50 %, the last all); the last is raised to 100 when it is less;
 *  - count: appliances per wave (`5,20`); whatever is left is one more wave;
 *  - rate: a steady N appliances per hour (one wave, admitted at that pace).
 */
export const WavePlan = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('percent'),
    steps: z
      .array(z.number().gt(0).max(100))
      .min(1)
      .max(50)
      .refine((s) => s.every((v, i) => i === 0 || v > s[i - 1]!), 'wave percentages go up (10%,50%,100%)'),
  }),
  z.object({ kind: z.literal('count'), sizes: z.array(z.number().int().min(1).max(1_000_000)).min(1).max(50) }),
  z.object({ kind: z.literal('rate'), perHour: z.number().gt(0).max(100_000) }),
]);
export type WavePlan = z.infer<typeof WavePlan>;

export const WINDOW_KINDS = ['maintenance', 'fill', 'now'] as const;
export const WindowKind = z.enum(WINDOW_KINDS, { message: 'a window is maintenance, fill or now' });
export type WindowKind = z.infer<typeof WindowKind>;

export const STEP_NAMES = ['stage', 'wait', 'drain', 'activate', 'reboot', 'verify', 'commit', 'undrain'] as const;
export const StepName = z.enum(STEP_NAMES);
export type StepName = z.infer<typeof StepName>;

/** How long each step may take before the appliance is failed (seconds, engine clock). */
export const StepTimeouts = z.object({
  /** Upload and the appliance's sha256. */
  stage: z.number().int().min(1).max(86_400).default(1800),
  /** Until the appliance stops serving. */
  drain: z.number().int().min(1).max(86_400).default(900),
  activate: z.number().int().min(1).max(3600).default(120),
  reboot: z.number().int().min(1).max(3600).default(60),
  /** From the reboot until it answers healthy on the new version (a box that never comes back fails here). */
  verify: z.number().int().min(1).max(86_400).default(900),
  commit: z.number().int().min(1).max(3600).default(120),
  undrain: z.number().int().min(1).max(3600).default(300),
});
export type StepTimeouts = z.infer<typeof StepTimeouts>;

/** How the canary is judged (Mann-Whitney U per metric, canaries vs untouched same-model appliances). */
export const JudgementPlan = z.object({
  /** How long canaries and baseline are sampled after the last canary is updated (engine clock). */
  observeSeconds: z.number().int().min(0).max(86_400).default(300),
  /** Seconds between samples. */
  sampleEverySeconds: z.number().min(0.05).max(3600).default(15),
  /** A metric worse on the canaries with p below this fails the canary. */
  failP: z.number().gt(0).max(0.5).default(0.01),
  /** A metric worse on the canaries with p below this (and not below failP) makes it marginal. */
  marginalP: z.number().gt(0).max(0.5).default(0.05),
  /** Most untouched appliances sampled as the baseline (per model). */
  baselineMax: z.number().int().min(1).max(500).default(30),
});
export type JudgementPlan = z.infer<typeof JudgementPlan>;

/** What a rollout would do: image, targets and plan (preview takes the same). */
export const PlanInput = z.object({
  image: ImageVersion,
  /** The same selections as everywhere (`all`, a filter query or serials); frozen at create. */
  selection: ExecSelection,
  canary: CanaryPlan.default({ kind: 'count', value: 1 }),
  waves: WavePlan.default({ kind: 'percent', steps: [10, 50, 100] }),
  /** Per site, at once, counted with appliances already drained, offline or unhealthy there. Percent is of the site's serving capacity (NIC Gbps). */
  maxUnavailablePerSite: CountOrPercent.default({ kind: 'percent', value: 25 }),
  window: WindowKind.default('maintenance'),
  /** Failed appliances the whole rollout may have (count, or percent of its targets); one more stops it. */
  failureBudget: CountOrPercent.default({ kind: 'count', value: 0 }),
  stepTimeouts: StepTimeouts.default(StepTimeouts.parse({})),
  judgement: JudgementPlan.default(JudgementPlan.parse({})),
  /** Appliances staging at once. */
  stagingConcurrency: z.number().int().min(1).max(200).default(16),
});
export type PlanInput = z.input<typeof PlanInput>;
export type Plan = z.output<typeof PlanInput>;

export const CreateInput = PlanInput.extend({
  /** A free note shown with the rollout (why, ticket). */
  note: z.string().max(500).optional(),
  /**
   * window `now` ignores the sites' windows (an emergency): it needs the number of target
   * appliances typed back, else E_CONFIRM (details: count, sites, partners) and nothing is created.
   */
  confirmCount: z.number().int().min(0).optional(),
});
export type CreateInput = z.input<typeof CreateInput>;

// ------------------------------------------------------------------------------------------ preview

export const SitePreview = z.object({
  site: z.string(),
  partner: z.string(),
  timezone: z.string(),
  /** The window the plan uses at this site (`HH:MM-HH:MM` local), or null for `now`. */
  window: z.string().nullable(),
  /** Whether that window is open now, and when it next opens (ISO; null for `now` or when open). */
  windowOpen: z.boolean(),
  nextWindowAt: z.string().nullable(),
  /** Target appliances at this site. */
  targets: z.number().int(),
  /** Every appliance at the site (targets or not) and their serving capacity (NIC Gbps). */
  appliances: z.number().int(),
  capacityGbps: z.number(),
  /** Already out of service there now (drained, offline, rma, or unhealthy): count and capacity. */
  alreadyOut: z.object({ count: z.number().int(), gbps: z.number(), serials: z.array(z.string()) }),
  /** The limit: at most this capacity out at once (percent plans), or this many appliances (count plans). */
  limitGbps: z.number().nullable(),
  limitCount: z.number().int().nullable(),
  /** How many targets may be out at once here now, after those already out (0: blocked until some come back). */
  maxAtOnce: z.number().int(),
  blocked: z.boolean(),
});
export type SitePreview = z.infer<typeof SitePreview>;

export const RolloutPreview = z.object({
  image: z.object({ version: z.string(), sizeBytes: z.number().int(), sha256: z.string(), signer: z.string(), trusted: z.boolean() }),
  total: z.number().int(),
  /** Blast radius: largest partner first; sites of a partner largest first. */
  byPartner: z.array(z.object({ partner: z.string(), count: z.number().int(), sites: z.array(z.object({ site: z.string(), count: z.number().int() })) })),
  sites: z.array(SitePreview),
  /** The canary appliances this plan picks (across different sites), and the size of each wave after it. */
  canary: z.array(z.string()),
  waves: z.array(z.object({ index: z.number().int(), size: z.number().int() })),
  /** Failures the whole rollout may have. */
  failureBudget: z.number().int(),
  /** Targets already on this version (they are still verified, nothing is activated on them). */
  alreadyOnVersion: z.number().int(),
  /** create needs the count typed back (window `now`). */
  needsConfirm: z.boolean(),
  /** Sentences about the plan a person should read before creating (blocked sites, ...). */
  warnings: z.array(z.string()),
});
export type RolloutPreview = z.infer<typeof RolloutPreview>;

// ------------------------------------------------------------------------------------------ state

export const ROLLOUT_STATES = ['created', 'running', 'paused', 'awaiting-approval', 'aborting', 'succeeded', 'failed', 'aborted'] as const;
export const RolloutState = z.enum(ROLLOUT_STATES);
export type RolloutState = z.infer<typeof RolloutState>;
/** States a rollout never leaves. */
export const FINAL_ROLLOUT_STATES: readonly RolloutState[] = ['succeeded', 'failed', 'aborted'];

/** Where a rollout is: not started, canary being updated, canary being judged, waves, finished. */
export const RolloutPhase = z.enum(['not-started', 'canary', 'judging', 'waves', 'finished']);
export type RolloutPhase = z.infer<typeof RolloutPhase>;

export const Counts = z.object({
  total: z.number().int(),
  /** Updated and committed (or already on the version). */
  ok: z.number().int(),
  failed: z.number().int(),
  /** Out of service for this rollout now (drained .. undrained). */
  inFlight: z.number().int(),
  /** Staged and waiting for their wave, window or site limit. */
  waiting: z.number().int(),
  /** Not yet staged. */
  pending: z.number().int(),
  cancelled: z.number().int(),
});
export type Counts = z.infer<typeof Counts>;

export const Rollout = z.object({
  id: z.number().int(),
  image: z.string(),
  imageSha256: z.string(),
  state: RolloutState,
  phase: RolloutPhase,
  /** Waves released so far (0: canary only). */
  currentWave: z.number().int(),
  waveCount: z.number().int(),
  plan: z.object({
    canary: CanaryPlan,
    waves: WavePlan,
    maxUnavailablePerSite: CountOrPercent,
    window: WindowKind,
    failureBudget: CountOrPercent,
    stepTimeouts: StepTimeouts,
    judgement: JudgementPlan,
    stagingConcurrency: z.number().int(),
  }),
  /** The selection as given (the targets were frozen from it at create). */
  selection: z.string(),
  note: z.string().nullable(),
  targets: z.number().int(),
  sites: z.number().int(),
  failureBudget: z.number().int(),
  counts: Counts,
  /** The jobs-kernel job running it (null before start). */
  jobId: z.number().int().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** Why it stopped, paused for a person or failed (canary failed, budget spent, aborted by ...). */
  reason: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type Rollout = z.infer<typeof Rollout>;

export const MetricName = z.enum(['servingGbps', 'errorsPerSecond', 'cacheHitRatio', 'health']);
export type MetricName = z.infer<typeof MetricName>;
export const Verdict = z.enum(['pass', 'marginal', 'fail']);
export type Verdict = z.infer<typeof Verdict>;

/** Over one value per appliance (its median over the period): n is the number of appliances. */
const SampleStats = z.object({ n: z.number().int(), median: z.number().nullable(), mean: z.number().nullable() });

export const MetricJudgement = z.object({
  /** errorsPerSecond is compared per Gbps served (errors grow with traffic); the others as measured. */
  metric: MetricName,
  /** Which way is better (errors: lower; the others: higher; health scored OK 1, Unknown 0.75, Warning 0.5, Error 0). */
  better: z.enum(['higher', 'lower']),
  canary: SampleStats,
  baseline: SampleStats,
  /** Mann-Whitney U of the canaries' values (one per appliance: its median over the period), its normal approximation z (tie-corrected) and two-sided p. */
  u: z.number().nullable(),
  z: z.number().nullable(),
  p: z.number().nullable(),
  /** Whether the canary is on the worse side of the baseline. */
  worse: z.boolean(),
  verdict: Verdict,
  note: z.string(),
});
export type MetricJudgement = z.infer<typeof MetricJudgement>;

export const CanaryJudgement = z.object({
  verdict: Verdict,
  decidedAt: z.string(),
  period: z.object({ from: z.string(), to: z.string() }),
  canaries: z.array(z.string()),
  baseline: z.array(z.string()),
  metrics: z.array(MetricJudgement),
  /** Sentences that led to the verdict. */
  reasons: z.array(z.string()),
  /** Raw samples per metric, for a chart: canary and baseline values. */
  samples: z.array(z.object({ metric: MetricName, canary: z.array(z.number()), baseline: z.array(z.number()) })),
  approvedBy: z.string().nullable(),
  approvedAt: z.string().nullable(),
});
export type CanaryJudgement = z.infer<typeof CanaryJudgement>;

export const WaveProgress = Counts.extend({
  /** 0 is the canary. */
  index: z.number().int(),
  label: z.string(),
  state: z.enum(['pending', 'running', 'done']),
});
export type WaveProgress = z.infer<typeof WaveProgress>;

export const SiteProgress = Counts.extend({
  site: z.string(),
  partner: z.string(),
  /** Appliances of the site out of service now (this rollout's and others already out) and the limit. */
  outNow: z.number().int(),
  maxAtOnce: z.number().int(),
  windowOpen: z.boolean(),
  nextWindowAt: z.string().nullable(),
});
export type SiteProgress = z.infer<typeof SiteProgress>;

export const RolloutDetail = z.object({
  rollout: Rollout,
  waves: z.array(WaveProgress),
  sites: z.array(SiteProgress),
  judgement: CanaryJudgement.nullable(),
});
export type RolloutDetail = z.infer<typeof RolloutDetail>;

/** One target's place in a rollout. */
export const APPLIANCE_STATES = ['pending', 'staging', 'waiting', 'in-flight', 'ok', 'failed', 'cancelled'] as const;
export const RolloutApplianceState = z.enum(APPLIANCE_STATES);
export type RolloutApplianceState = z.infer<typeof RolloutApplianceState>;

/** How an appliance ended: updated, already on the version, rolled back by us, fell back by itself, or left as it was. */
export const ApplianceOutcome = z.enum(['updated', 'already-on-version', 'rolled-back', 'fell-back', 'not-changed']);
export type ApplianceOutcome = z.infer<typeof ApplianceOutcome>;

export const RolloutAppliance = z.object({
  serial: z.string(),
  site: z.string(),
  partner: z.string(),
  model: z.string(),
  /** 0 canary, 1.. waves. */
  wave: z.number().int(),
  state: RolloutApplianceState,
  /** The step it is at (or ended at). */
  step: StepName,
  outcome: ApplianceOutcome.nullable(),
  fromVersion: z.string().nullable(),
  errorCode: z.string().nullable(),
  message: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
export type RolloutAppliance = z.infer<typeof RolloutAppliance>;

export const TimelineEntry = z.object({
  step: StepName,
  /** running (journaled before it acted), ok, failed, or waited (a wait for window/limit/wave). */
  state: z.enum(['running', 'ok', 'failed', 'cancelled']),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  errorCode: z.string().nullable(),
  message: z.string().nullable(),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

const Id = z.object({ id: z.number().int().min(1) });
const WithReason = Id.extend({ reason: z.string().max(500).optional() });

export const rolloutsMethods = {
  preview: method('What a rollout plan would do: blast radius per partner and site, each site\'s limit against its capacity, canary and waves (nothing is created)', PlanInput, RolloutPreview, { writes: false }),
  create: method('Create a rollout (targets frozen now; nothing runs until start)', CreateInput, Rollout, { writes: true }),
  list: method(
    'Rollouts, newest first',
    z.object({ limit: z.number().int().min(1).max(500).default(50), state: RolloutState.optional() }).default({ limit: 50 }),
    z.array(Rollout), { writes: false },
  ),
  get: method('One rollout with overall, per-wave and per-site progress and the canary judgement', Id, RolloutDetail, { writes: false }),
  appliances: method(
    'A rollout\'s appliances with where each is',
    Id.extend({
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(20_000).default(1000),
      state: z.array(RolloutApplianceState).min(1).max(APPLIANCE_STATES.length).optional(),
      site: z.string().max(64).optional(),
      wave: z.number().int().min(0).optional(),
    }),
    z.object({ total: z.number().int(), items: z.array(RolloutAppliance) }), { writes: false },
  ),
  timeline: method('One appliance\'s steps in a rollout, oldest first', Id.extend({ serial: Serial }), z.object({ serial: z.string(), entries: z.array(TimelineEntry) }), { writes: false }),
  start: method('Start a created rollout', Id, Rollout, { writes: true }),
  pause: method('Pause: no appliance starts a new step; those under way finish it', WithReason, Rollout, { writes: true }),
  resume: method('Resume a paused rollout', Id, Rollout, { writes: true }),
  abort: method('Abort: start no more appliances; in-flight ones are finished (activated) or rolled back (drained, not activated)', WithReason, Rollout, { writes: true }),
  retryFailed: method('Run the failed appliances of an ended rollout again (a new budget of the same size)', Id, Rollout, { writes: true }),
  approveMarginal: method('Accept a marginal canary judgement and go on with the waves (audited)', Id.extend({ note: z.string().max(500).optional() }), Rollout, { writes: true }),
  wait: method(
    'Resolves when the rollout has ended, paused or awaits approval (or at the timeout): how a command line follows one',
    Id.extend({ timeoutMs: z.number().int().min(1).max(86_400_000).optional() }),
    Rollout, { writes: false },
  ),
};

export const rolloutsEvents = {
  /** Counts changed (throttled). */
  progress: z.object({ id: z.number().int(), state: RolloutState, phase: RolloutPhase, currentWave: z.number().int(), counts: Counts }),
  /** State, phase, wave or judgement changed, or a rollout was created. */
  changed: z.object({ id: z.number().int(), state: RolloutState, what: z.enum(['created', 'state', 'phase', 'wave', 'judgement', 'appliance']) }),
};
