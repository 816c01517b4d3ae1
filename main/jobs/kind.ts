/**
 * A job kind: what a domain registers with the jobs kernel (main/jobs/kernel.ts). The kernel owns
 * the journal, concurrency, pause / resume / cancel, progress and resume after a crash; a kind says
 * only what is particular to its work:
 *   - spec:      its options (zod), stored with the job; the kernel's own (concurrency, perGroup,
 *                maxFailures) live in the same object;
 *   - steps:     how many ordered steps each target runs;
 *   - group:     the group key of a target (a site, ...) for per-group limits;
 *   - open:      prepareToStart: the job's resources (a pool, routes) and its step runner;
 *   - act:       run one step on one target and judge what it means (ok / failed, context, wait);
 *   - reconcile: after a crash, ask the appliance where the target really is for the step that was
 *                under way: 'done' (it took effect), 'redo' (it did not), or an outcome;
 *   - afterCrash: 'reconcile' (resume the job), or 'interrupted' (a one-off command is not re-run by
 *                surprise: its in-flight targets are reported "interrupted, may have run").
 */
import type { z } from 'zod';
import type { FinishedResult, JobSpec } from './repo';

/** One appliance a job runs on. */
export interface Target {
  serial: string;
  site: string;
  partner: string;
}

/** A target as the kernel runs it: where it is (step) and what it carries (context). */
export interface TargetState {
  serial: string;
  group: string;
  /** The step to run (0-based). */
  step: number;
  /** The kind's per-target context (JSON), as the last step left it. */
  context: unknown;
}

/**
 * A judged step. `ok` moves the target to its next step (or ends it ok after the last);
 * anything else ends the target with this result. `context` replaces the target's context;
 * `notBefore` (ms since the epoch, engine clock) makes the next step wait (a window, a reboot).
 */
export interface StepOutcome extends FinishedResult {
  context?: unknown;
  notBefore?: number;
}

/** A kind's runner for one job (prepareToStart's result). */
export interface KindRun {
  act(step: number, target: TargetState, signal: AbortSignal): Promise<StepOutcome>;
  /** Only for afterCrash 'reconcile': the step `step` was under way when the last process died. */
  reconcile?(step: number, target: TargetState, signal: AbortSignal): Promise<'done' | 'redo' | StepOutcome>;
  /** Frees what open() took (an own SSH pool, ...). */
  close?(): void;
}

export interface JobKind<S extends JobSpec = JobSpec> {
  /** Registry name (jobs.runner). */
  name: string;
  spec: z.ZodType<S>;
  /** The label shown as the job's kind (default: name). */
  label?(spec: S): string;
  /** The command line shown for the job (Job.argv). */
  describe(spec: S): string[];
  steps(spec: S): number;
  group?(target: Target): string;
  afterCrash: 'reconcile' | 'interrupted';
  /**
   * A job that is one part of a larger plan (a rollout's) is not retried, paused, resumed or
   * cancelled on its own through `jobs.*`: the sentence saying what to run instead (refused with
   * E_CONFLICT), or null when it may be. The plan's own service still controls its job directly.
   */
  refuseControl?(spec: S, jobId: number, action: JobControl): string | null;
  open(spec: S, actor: string): Promise<KindRun>;
}

/** What a person may do to a job through `jobs.*`. */
export type JobControl = 'retry' | 'pause' | 'resume' | 'cancel';

/** An outcome that ends a target as failed, with a stable code and a sentence. */
export function failed(code: string, message: string, extra: Partial<FinishedResult> = {}): StepOutcome {
  return { state: 'failed', exitCode: null, output: null, stderr: null, errorCode: code, errorMessage: message, ...extra };
}

/** An ok outcome with no output. */
export function ok(extra: Partial<StepOutcome> = {}): StepOutcome {
  return { state: 'ok', exitCode: null, output: null, stderr: null, errorCode: null, errorMessage: null, ...extra };
}
