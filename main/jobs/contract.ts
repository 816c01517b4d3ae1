/**
 * Jobs contract: long work on many appliances (fan-out exec today; rollouts, fills, provisioning
 * and diagnostics are other kinds), journaled per target in SQLite, with progress events, pause,
 * resume, cancel and retry of the targets that did not succeed.
 */
import { z } from 'zod';
import { method } from '../kit/contract';
import { ApplianceQuery, Serial } from '../inventory/contract';

export const JOB_STATES = ['running', 'done', 'cancelled', 'interrupted'] as const;
export const JobState = z.enum(JOB_STATES);
export type JobState = z.infer<typeof JobState>;

export const RESULT_STATES = ['pending', 'running', 'ok', 'failed', 'cancelled', 'interrupted'] as const;
export const ResultState = z.enum(RESULT_STATES);
export type ResultState = z.infer<typeof ResultState>;

/** A word of a command: any text but NUL, bounded. */
const Word = z.string().max(4096).refine((w) => !w.includes('\0'), 'a command word cannot contain a NUL byte');

export const ExecSelection = z.union([
  z.object({ all: z.literal(true) }),
  z.object({ query: ApplianceQuery.omit({ sort: true, dir: true, offset: true, limit: true }) }),
  z.object({ serials: z.array(Serial).min(1).max(20_000) }),
]);
export type ExecSelection = z.input<typeof ExecSelection>;

/** ocactl actions that change an appliance (serving, boot slot, configuration), not only read it. */
export const CHANGING_OCACTL = ['drain', 'undrain', 'reboot', 'firmware activate', 'firmware commit', 'firmware rollback', 'config set'] as const;

/**
 * A changing action on more appliances than this, or on more than one site, runs only with the
 * count typed back (`confirmCount`): the UI asks for it, the CLI takes `--confirm N`.
 */
export const CONFIRM_ABOVE = 10;

/** The ocactl action argv names, when it changes appliances (see CHANGING_OCACTL); else null. */
export function changingActionOf(argv: readonly string[]): string | null {
  if (argv[0] !== 'ocactl') return null;
  const changing: readonly string[] = CHANGING_OCACTL;
  const two = argv.slice(1, 3).join(' ');
  if (changing.includes(two)) return two;
  const one = argv[1] ?? '';
  return changing.includes(one) ? one : null;
}

/** Whether running argv on this reach needs the count typed back. */
export function needsTypedCount(argv: readonly string[], reach: { total: number; sites: number }): boolean {
  return changingActionOf(argv) !== null && (reach.total > CONFIRM_ABOVE || reach.sites > 1);
}

export const ExecRequest = z.object({
  selection: ExecSelection,
  /** argv; `ocactl <command> ...` replies are validated against the appliance API. */
  argv: z.array(Word).min(1, 'give a command to run').max(256),
  concurrency: z.number().int().min(1).max(1000).default(50),
  /** Per appliance: connect and command. */
  timeoutMs: z.number().int().min(100).max(3_600_000).optional(),
  /** Trust the host key of appliances met for the first time (as StrictHostKeyChecking=accept-new). */
  acceptNew: z.boolean().default(false),
  /**
   * The number of appliances the user typed to confirm a large change (see needsTypedCount). It
   * must equal what the selection reaches when the job starts, else E_CONFIRM and nothing runs.
   */
  confirmCount: z.number().int().min(0).optional(),
});
export type ExecRequest = z.input<typeof ExecRequest>;

export const JobProgress = z.object({
  id: z.number().int(),
  state: JobState,
  total: z.number().int(),
  ok: z.number().int(),
  failed: z.number().int(),
  /** ok + failed (+ cancelled and interrupted once the job ends). */
  done: z.number().int(),
  running: z.number().int(),
  remaining: z.number().int(),
  /** Appliances finished per second since the job started. */
  rate: z.number(),
  /** Seconds until all are done at this rate; null before the first result. */
  etaSeconds: z.number().nullable(),
});
export type JobProgress = z.infer<typeof JobProgress>;

export const Job = z.object({
  id: z.number().int(),
  kind: z.string(),
  state: JobState,
  actor: z.string(),
  argv: z.array(z.string()),
  concurrency: z.number().int(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  retryOf: z.number().int().nullable(),
  /** A running job that starts no new target until resumed (targets under way finish). */
  paused: z.boolean().optional(),
  progress: JobProgress,
});
export type Job = z.infer<typeof Job>;

export const JobResult = z.object({
  serial: z.string(),
  state: ResultState,
  ok: z.boolean(),
  exitCode: z.number().int().nullable(),
  output: z.string().nullable(),
  stderr: z.string().nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  /** The error's details as its code defines them (ERROR_DETAILS): read these, not the sentence. */
  errorDetails: z.record(z.string(), z.unknown()).nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type JobResult = z.infer<typeof JobResult>;

export const JobSummary = z.object({
  passed: z.array(z.string()),
  failed: z.array(z.object({ serial: z.string(), errorCode: z.string().nullable(), errorMessage: z.string().nullable(), errorDetails: z.record(z.string(), z.unknown()).nullable() })),
  notRun: z.array(z.object({ serial: z.string(), state: ResultState })),
  /** Appliances that gave the same reply, largest group first. */
  groups: z.array(z.object({ count: z.number().int(), state: ResultState, exitCode: z.number().int().nullable(), errorCode: z.string().nullable(), output: z.string().nullable(), serials: z.array(z.string()) })),
});
export type JobSummary = z.infer<typeof JobSummary>;

/** Blast radius of a selection: how many appliances, per partner and site, before anything runs. */
export const JobPreview = z.object({
  total: z.number().int(),
  /** Largest partner first; sites of a partner largest first. */
  byPartner: z.array(
    z.object({ partner: z.string(), count: z.number().int(), sites: z.array(z.object({ site: z.string(), count: z.number().int() })) }),
  ),
});
export type JobPreview = z.infer<typeof JobPreview>;

/**
 * Fields a job's replies can be grouped by: a name below, or a dotted path into the `ocactl` reply's
 * result (`firmware.active`). Replies that are not `ocactl` JSON group by their state and error code.
 */
export const GROUP_FIELDS = {
  firmware: 'firmware.runningVersion',
  health: 'health',
  serving: 'serving',
  model: 'model',
  slot: 'firmware.active',
  trial: 'firmware.trial',
} as const;
export type GroupFieldName = keyof typeof GROUP_FIELDS;
const GroupField = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, 'a field name (firmware, health, serving, model, slot, trial) or a dotted path such as firmware.active');

export const JobGroups = z.object({
  by: z.array(z.string()),
  /** Largest group first. `values` holds one entry per field of `by` (null: the reply has no such field). */
  groups: z.array(
    z.object({
      values: z.array(z.string().nullable()),
      /** ok, or the state and error code of replies that could not be read for these fields. */
      outcome: z.string(),
      count: z.number().int(),
      serials: z.array(z.string()),
    }),
  ),
  total: z.number().int(),
});
export type JobGroups = z.infer<typeof JobGroups>;

export const jobsMethods = {
  preview: method('How many appliances a selection reaches, per partner and site (nothing is run)', z.object({ selection: ExecSelection }), JobPreview, { writes: false }),
  exec: method('Run an ocactl action or a command on a selection of appliances, as a job', ExecRequest, Job, { writes: true }),
  list: method(
    'Jobs, newest first',
    z.object({ limit: z.number().int().min(1).max(500).default(50), state: JobState.optional() }),
    z.array(Job),
    { writes: false },
  ),
  get: method('One job with its summary', z.object({ id: z.number().int() }), z.object({ job: Job, summary: JobSummary }), { writes: false }),
  results: method(
    'Per-appliance results of a job',
    z.object({
      id: z.number().int(),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(20_000).default(1000),
      /** Only results in these states (e.g. `running`: which appliances a job still waits on); total counts those. */
      state: z.array(ResultState).min(1).max(RESULT_STATES.length).optional(),
    }),
    z.object({ total: z.number().int(), items: z.array(JobResult) }),
    { writes: false },
  ),
  cancel: method('Cancel a running job; results already in are kept', z.object({ id: z.number().int() }), Job, { writes: true }),
  wait: method(
    'Resolves when the job has ended (or at the timeout, with the job as it is then): how a command line follows a job',
    z.object({ id: z.number().int(), timeoutMs: z.number().int().min(1).max(86_400_000).optional() }),
    Job,
    { writes: false },
  ),
  groups: method(
    'Group a job\'s replies by chosen fields (firmware version, health, serving state, ...): which appliances differ, at one look',
    z.object({ id: z.number().int(), by: z.array(GroupField).min(1).max(6) }),
    JobGroups,
    { writes: false },
  ),
  pause: method('Pause a running job: no new target starts; targets under way finish their step', z.object({ id: z.number().int() }), Job, { writes: true }),
  resume: method(
    'Resume a paused job, or a job of a resumable kind left running by a process that died (its targets reconciled first)',
    z.object({ id: z.number().int() }),
    Job,
    { writes: true },
  ),
  retry: method(
    'Run a job again on the appliances that did not succeed (failed, unreachable, cancelled, interrupted)',
    z.object({ id: z.number().int(), concurrency: z.number().int().min(1).max(1000).optional(), acceptNew: z.boolean().default(false) }),
    Job,
    { writes: true },
  ),
};

export const jobsEvents = {
  progress: JobProgress,
  /** One appliance's result arrived (journaled before this is sent). */
  result: z.object({ id: z.number().int(), result: JobResult }),
  finished: JobProgress,
};

