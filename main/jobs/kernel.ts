/**
 * The jobs kernel: long, multi-step work on many appliances that survives a crash. A domain
 * registers a job kind (main/jobs/kind.ts); the kernel runs it:
 *   - the job row and every target are written before any appliance is contacted;
 *   - each step is journaled "running" before it acts (batched per turn of the event loop) and its
 *     outcome after (the last step's in small batches, announced only once durable; a middle
 *     step's together with the next step's start, or alone when the target must wait);
 *   - targets run under a global limit and a per-group limit (GroupLimits), waiting for their
 *     not-before time; pause stops new starts, cancel aborts, a failure budget stops new starts;
 *   - progress goes out as jobs.progress / jobs.result / jobs.finished;
 *   - at the next start, a job whose process died is resumed by a host that resumes jobs: each
 *     target whose step was under way is first reconciled by its kind (asks the appliance), then
 *     the job goes on from the journal. Kinds that declare afterCrash 'interrupted' (a one-off
 *     command) are not re-run: their job is closed as interrupted, and retry offers the rest.
 * See docs/jobs.md.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { FleetError } from '../kit/errors';
import type { CallContext } from '../kit/context';
import type { DomainHandlers } from '../kit/contract';
import type { ServiceDeps } from '../deps';
import { isoAt } from '../kit/time';
import { GroupLimits } from '../kit/concurrency';
import { groupResults } from './groups';
import { ExecSelection, type Job, type JobPreview, type JobProgress, type JobResult, type JobSummary, type jobsMethods, type jobsEvents } from './contract';
import type { JobControl, JobKind, KindRun, StepOutcome, Target, TargetState } from './kind';
import { ResultJournal, StartJournal } from './journal';
import { JobsRepo, type FinishedEntry, type JobRow, type JobSpec, type StartEntry, type TargetSeed } from './repo';
import { appliancesBySerial, selectAppliances, type ApplianceSource } from './targets';

const PROGRESS_EVERY_MS = 250;

/** Every jobs method but exec, which the fan-out kind's domain provides. */
export type KernelHandlers = Omit<DomainHandlers<typeof jobsMethods, CallContext>, 'exec'>;

export interface KernelOptions {
  /**
   * Whether this host resumes jobs left running by a process that died. Long-lived hosts (the
   * desktop engine, `fleetdeck serve`) do; a CLI command does not (it opens an engine for one
   * command and must not start a rollout by surprise): it leaves them for the next long-lived host
   * or an explicit `jobs.resume`.
   */
  resume: boolean;
}

interface LiveJob {
  controller: AbortController;
  done: Promise<void>;
  /** Targets whose current step is under way (marked, not yet journaled as ended). */
  running: number;
  paused: boolean;
  journal: ResultJournal<FinishedEntry> | null;
  /** Starts what may start now (after resume, a wait, a slot freed). */
  pump: () => void;
}

/** Whether a running job belongs to another process on this machine that is still alive. */
function runByAnotherProcess(job: { ownerPid: number | null; ownerHost: string | null }): boolean {
  if (job.ownerPid === null || job.ownerPid === process.pid) return false;
  if (job.ownerHost !== null && job.ownerHost !== hostname()) return false; // a data dir moved to this machine
  try {
    process.kill(job.ownerPid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** An error's details as a plain record for the journal (details are objects by their schemas). */
export function detailsRecord(details: unknown): Record<string, unknown> | null {
  return details && typeof details === 'object' ? (details as Record<string, unknown>) : null;
}

function toFleetError(err: unknown): FleetError {
  return err instanceof FleetError ? err : new FleetError('E_INTERNAL', err instanceof Error ? err.message : String(err));
}

export class JobsKernel {
  readonly repo: JobsRepo;
  readonly handlers: KernelHandlers;
  private readonly kinds = new Map<string, JobKind>();
  /** Kinds known by name whose module is loaded when a job of theirs is looked at or started (registerLater). */
  private readonly later = new Map<string, { afterCrash: JobKind['afterCrash']; load: () => Promise<void>; loading?: Promise<void> }>();
  /** Jobs being resumed once their kind has loaded (recover() with a kind registered later). */
  private readonly recovering = new Set<Promise<void>>();
  private readonly live = new Map<number, LiveJob>();
  private stopped = false;

  constructor(
    private readonly deps: ServiceDeps<typeof jobsEvents>,
    private readonly inventory: ApplianceSource,
    private readonly options: KernelOptions,
  ) {
    this.repo = new JobsRepo(deps.db);
    this.handlers = {
      preview: ({ selection }) => this.preview(selection),
      list: async ({ limit, state }) => {
        const jobs = this.repo.list(limit, state);
        await this.loadKinds(jobs.map((j) => j.runner));
        return jobs.map((j) => this.toJob(j));
      },
      get: async ({ id }) => {
        const job = this.mustFind(id);
        await this.loadKinds([job.runner]);
        return { job: this.toJob(job), summary: this.summary(id) };
      },
      results: ({ id, offset, limit, state }) => {
        this.mustFind(id);
        return this.repo.results(id, offset, limit, state);
      },
      cancel: async ({ id }) => (await this.refusedByKind(id, 'cancel'), this.cancel(id)),
      wait: ({ id, timeoutMs }) => this.wait(id, timeoutMs),
      groups: ({ id, by }) => {
        this.mustFind(id);
        return groupResults(this.repo.results(id, 0, 1_000_000).items, by);
      },
      pause: async ({ id }) => (await this.refusedByKind(id, 'pause'), this.pause(id)),
      resume: async ({ id }) => (await this.refusedByKind(id, 'resume'), this.resume(id)),
      retry: ({ id, concurrency, acceptNew }, ctx) => this.retry(id, { concurrency, acceptNew }, ctx.actor),
    };
  }

  /**
   * A domain registers its kind once, before recover(): here, or first by name (registerLater) and
   * then here when its module has loaded.
   */
  register<S extends JobSpec>(kind: JobKind<S>): void {
    if (this.kinds.has(kind.name)) throw new Error(`job kind ${kind.name} is registered twice`);
    const promised = this.later.get(kind.name);
    if (promised && promised.afterCrash !== kind.afterCrash) {
      throw new Error(`job kind ${kind.name} was registered by name as afterCrash '${promised.afterCrash}' but is '${kind.afterCrash}'`);
    }
    this.later.delete(kind.name);
    this.kinds.set(kind.name, kind as unknown as JobKind);
  }

  /**
   * A kind known by name before its module is loaded (the engine builds a domain on first use):
   * recover() needs only its afterCrash; `load` must end with register() of the kind, and runs
   * when a job of the kind is looked at, resumed, retried or started.
   */
  registerLater(name: string, afterCrash: JobKind['afterCrash'], load: () => Promise<void>): void {
    if (this.kinds.has(name) || this.later.has(name)) throw new Error(`job kind ${name} is registered twice`);
    this.later.set(name, { afterCrash, load });
  }

  /** The kind of that name, its module loaded first if it was registered by name; undefined if unknown. */
  async kindNamed(name: string): Promise<JobKind | undefined> {
    const known = this.kinds.get(name);
    if (known) return known;
    const promised = this.later.get(name);
    if (!promised) return undefined;
    // One load per kind, however many calls wait for it.
    promised.loading ??= promised.load().catch((err: unknown) => {
      delete promised.loading;
      throw err;
    });
    await promised.loading;
    const loaded = this.kinds.get(name);
    if (!loaded) throw new Error(`loading job kind ${name} did not register it`);
    return loaded;
  }

  /** Loads the kinds of these names that are known by name only (a job list shows each job's command). */
  private async loadKinds(names: readonly string[]): Promise<void> {
    await Promise.all(
      [...new Set(names)]
        .filter((n) => this.later.has(n))
        .map((n) => this.kindNamed(n).catch((err: unknown) => this.deps.log.error('job kind could not be loaded', { kind: n, error: String(err) }))),
    );
  }

  private async loadKindOf(id: number): Promise<void> {
    const job = this.repo.job(id);
    if (job) await this.loadKinds([job.runner]);
  }

  /**
   * At engine start, after every kind is registered: jobs left running by a process that died.
   * Another live Fleetdeck process's jobs are left alone. A kind that does not reconcile has its
   * job closed as interrupted (in-flight targets: "may have run"); a resumable kind's job is
   * resumed here if this host resumes jobs, else left for one that does. A job of a kind not
   * registered (yet) is left alone: a kind registered later may call recover() again.
   */
  recover(): void {
    for (const job of this.repo.runningJobs()) {
      if (this.live.has(job.id) || runByAnotherProcess(job)) continue;
      const kind = this.kinds.get(job.runner);
      const promised = this.later.get(job.runner);
      if (!kind && !promised) {
        this.deps.log.warn('job of a kind this host does not run is left as it is', { id: job.id, runner: job.runner });
        continue;
      }
      if ((kind ?? promised)!.afterCrash === 'interrupted') {
        this.repo.close(job.id, 'interrupted', isoAt(this.deps.clock));
        this.deps.log.warn('job interrupted by a previous shutdown', { id: job.id });
      } else if (this.options.resume) {
        if (kind) this.adoptAndRun(job.id, kind);
        else this.adoptOnceLoaded(job.id, job.runner);
      } else {
        this.deps.log.info('job left running by a previous process waits for a host that resumes jobs', { id: job.id });
      }
    }
  }

  /** recover() of a job whose kind was registered by name: resumed once its module has loaded. */
  private adoptOnceLoaded(id: number, runner: string): void {
    const resumed: Promise<void> = this.kindNamed(runner)
      .then(
        (kind) => {
          if (kind && !this.stopped && !this.live.has(id)) this.adoptAndRun(id, kind);
        },
        (err: unknown) => this.deps.log.error('job could not be resumed: its kind did not load', { id, runner, error: String(err) }),
      )
      .finally(() => this.recovering.delete(resumed));
    this.recovering.add(resumed);
  }

  /** Targets of a selection, each once, in the order a job runs them. */
  select(raw: unknown): Target[] {
    const selection = ExecSelection.parse(raw);
    const appliances =
      'serials' in selection ? appliancesBySerial(this.inventory, selection.serials) : selectAppliances(this.inventory, 'query' in selection ? selection.query : {});
    return appliances.map((a) => ({ serial: a.serial, site: a.site, partner: a.partner }));
  }

  /** Start a job of a registered kind on the targets (prepareToStart, then run). */
  async start(kindName: string, rawSpec: unknown, targets: readonly Target[], actor: string, retryOf: number | null = null): Promise<Job> {
    const kind = this.mustKind(kindName, await this.kindNamed(kindName));
    const spec = kind.spec.parse(rawSpec);
    if (targets.length === 0) throw new FleetError('E_VALIDATION', 'The selection matches no appliance; nothing was run.');
    const seeds: TargetSeed[] = targets.map((t) => ({ serial: t.serial, group: kind.group?.(t) ?? '' }));
    return this.launch(kind, spec, seeds, actor, retryOf);
  }

  async retry(id: number, options: { concurrency?: number | undefined; acceptNew: boolean }, actor: string): Promise<Job> {
    const job = this.mustFind(id);
    const kind = this.mustKind(job.runner, await this.kindNamed(job.runner));
    const refused = kind.refuseControl?.(kind.spec.parse(job.spec), id, 'retry');
    if (refused) throw new FleetError('E_CONFLICT', refused);
    if (job.state === 'running') throw new FleetError('E_CONFLICT', `Job ${id} is still running; cancel it or wait for it to end.`);
    const left = this.repo.notOkTargets(id);
    if (left.length === 0) throw new FleetError('E_VALIDATION', `Every appliance of job ${id} succeeded; there is nothing to retry.`);
    const spec = kind.spec.parse({ ...job.spec, concurrency: options.concurrency ?? job.spec.concurrency, acceptNew: options.acceptNew });
    // A resumable kind goes on where each target stopped; a target whose step may have run
    // (interrupted, cancelled mid-step) is reconciled first. A one-off command runs again whole.
    const seeds: TargetSeed[] = left.map((t) =>
      kind.afterCrash === 'reconcile'
        ? { serial: t.serial, group: t.group, step: t.step, context: t.context, state: t.state === 'failed' || t.state === 'pending' ? 'pending' : 'running' }
        : { serial: t.serial, group: t.group },
    );
    return this.launch(kind, spec, seeds, actor, id);
  }

  /** Loads the job's kind and throws E_CONFLICT when the kind keeps this control for its own plan (a rollout's job). */
  private async refusedByKind(id: number, action: JobControl): Promise<void> {
    await this.loadKindOf(id);
    const job = this.mustFind(id);
    const kind = this.kinds.get(job.runner);
    const refused = kind?.refuseControl?.(kind.spec.parse(job.spec), id, action);
    if (refused) throw new FleetError('E_CONFLICT', refused);
  }

  cancel(id: number): Job {
    const job = this.mustFind(id);
    const live = this.live.get(id);
    if (!live) {
      if (job.state !== 'running') return this.toJob(job);
      this.refuseIfOtherProcess(id, 'cancel');
      this.repo.close(id, 'cancelled', isoAt(this.deps.clock));
      return this.toJob(this.mustFind(id));
    }
    live.controller.abort(new FleetError('E_CANCELLED', `Job ${id} was cancelled.`));
    live.pump(); // a paused or waiting job ends now
    // Every result received before the cancel is durable when cancel returns.
    live.journal?.flush();
    return this.toJob(this.mustFind(id));
  }

  pause(id: number): Job {
    const job = this.mustFind(id);
    if (job.state !== 'running') throw new FleetError('E_CONFLICT', `Job ${id} has ended (${job.state}); there is nothing to pause.`);
    const live = this.live.get(id);
    if (!live) this.refuseIfOtherProcess(id, 'pause');
    if (live) live.paused = true;
    this.repo.setPaused(id, job.pausedAt ?? isoAt(this.deps.clock));
    return this.toJob(this.mustFind(id));
  }

  resume(id: number): Job {
    const job = this.mustFind(id);
    if (job.state !== 'running') throw new FleetError('E_CONFLICT', `Job ${id} has ended (${job.state}); retry runs the appliances that did not succeed.`);
    const live = this.live.get(id);
    if (live) {
      this.repo.setPaused(id, null);
      live.paused = false;
      live.pump();
    } else {
      this.refuseIfOtherProcess(id, 'resume');
      const kind = this.mustKind(job.runner);
      if (kind.afterCrash !== 'reconcile') throw new FleetError('E_CONFLICT', `Job ${id} runs one-off commands and is not resumed; retry it.`);
      this.repo.setPaused(id, null);
      this.adoptAndRun(id, kind);
    }
    return this.toJob(this.mustFind(id));
  }

  /** Resolves when the job has ended, or stopped running here (tests, the CLI). */
  async wait(id: number, timeoutMs?: number): Promise<Job> {
    // A job being resumed once its kind has loaded is waited for, not reported as it was.
    if (this.recovering.size) await Promise.all([...this.recovering]);
    await this.loadKindOf(id);
    const done = this.live.get(id)?.done;
    if (done && timeoutMs !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]).finally(() => clearTimeout(timer));
    } else await done;
    return this.toJob(this.mustFind(id));
  }

  /**
   * Engine shutdown (synchronous, before the database closes): running jobs are aborted, with every
   * result already received kept. A one-off kind's job is marked interrupted now (retry offers the
   * rest); a resumable kind's job stays running in the journal, for the next host to resume.
   */
  stop(): void {
    this.stopped = true;
    for (const [id, live] of this.live) {
      live.controller.abort(new FleetError('E_UNAVAILABLE', 'Fleetdeck is shutting down.'));
      try {
        live.journal?.flush();
      } catch (err) {
        this.deps.log.error('job results received before shutdown could not be journaled', { id, error: String(err) });
      }
      live.journal?.dispose();
      const job = this.repo.job(id);
      if (job && this.kinds.get(job.runner)?.afterCrash !== 'reconcile') this.repo.close(id, 'interrupted', isoAt(this.deps.clock));
    }
  }

  // -------------------------------------------------------------------------------------------

  private async launch(kind: JobKind, spec: JobSpec, seeds: TargetSeed[], actor: string, retryOf: number | null): Promise<Job> {
    // prepareToStart: a missing key or a locked vault is one error now, not 1000 failures later.
    const run = await kind.open(spec, actor);
    let id: number;
    try {
      id = this.repo.create(kind.label?.(spec) ?? kind.name, actor, spec, seeds, isoAt(this.deps.clock), retryOf, kind.name);
    } catch (err) {
      run.close?.();
      throw err;
    }
    this.runLive(id, kind, spec, run);
    this.deps.log.info('job started', { id, kind: kind.name, actor, appliances: seeds.length, concurrency: spec.concurrency, retryOf });
    return this.toJob(this.mustFind(id));
  }

  private adoptAndRun(id: number, kind: JobKind): void {
    const job = this.mustFind(id);
    this.repo.adopt(id);
    const spec = kind.spec.parse(job.spec);
    const controller = new AbortController();
    // Registered now, so wait() and cancel() see it while the kind opens its resources.
    const live: LiveJob = { controller, running: 0, done: Promise.resolve(), journal: null, paused: job.pausedAt !== null, pump: () => undefined };
    this.live.set(id, live);
    live.done = kind
      .open(spec, job.actor)
      .then(
        (run) => this.runWith(id, kind, spec, run, live),
        (err: unknown) => {
          // Not resumable now (a locked vault): the job stays running in the journal for later.
          this.deps.log.error('job could not be resumed', { id, error: String(err) });
        },
      )
      .finally(() => this.live.delete(id));
    this.deps.log.info('job resumed', { id, kind: kind.name });
  }

  private runLive(id: number, kind: JobKind, spec: JobSpec, run: KindRun): void {
    const live: LiveJob = { controller: new AbortController(), running: 0, done: Promise.resolve(), journal: null, paused: false, pump: () => undefined };
    this.live.set(id, live);
    live.done = this.runWith(id, kind, spec, run, live).finally(() => this.live.delete(id));
  }

  private async runWith(id: number, kind: JobKind, spec: JobSpec, run: KindRun, live: LiveJob): Promise<void> {
    try {
      await this.run(id, kind, spec, run, live);
    } finally {
      run.close?.();
    }
  }

  private async run(id: number, kind: JobKind, spec: JobSpec, run: KindRun, live: LiveJob): Promise<void> {
    // Shut down while the kind opened its resources (a resume at start): the journal keeps the job.
    if (this.stopped) return;
    const { clock } = this.deps;
    const steps = kind.steps(spec);
    const rows = this.repo.targets(id);
    const total = rows.length;
    const started = Date.now();
    const counts = { ok: 0, failed: 0 };
    for (const r of rows) {
      if (r.state === 'ok') counts.ok++;
      else if (r.state === 'failed') counts.failed++;
    }
    const signal = live.controller.signal;
    const limits = new GroupLimits(Math.max(1, spec.concurrency), spec.perGroup ?? null);
    // The budget counts failures as soon as they are judged (their journal batch may still be open).
    let judgedFailed = counts.failed;
    const overBudget = () => spec.maxFailures !== undefined && spec.maxFailures !== null && judgedFailed > spec.maxFailures;

    let lastProgress = 0;
    // A throttled update is sent at the end of its window, so the last counts always go out.
    let trailing: NodeJS.Timeout | null = null;
    const progress = (force: boolean) => {
      const now = Date.now();
      if (!force && now - lastProgress < PROGRESS_EVERY_MS) {
        trailing ??= setTimeout(() => {
          trailing = null;
          if (!this.stopped) progress(true);
        }, lastProgress + PROGRESS_EVERY_MS - now).unref();
        return;
      }
      if (trailing) clearTimeout(trailing);
      trailing = null;
      lastProgress = now;
      this.deps.events.emit('progress', this.liveProgress(id, total, counts, live.running, started));
    };

    const startedAt = new Map<string, string>();
    // Results are counted and announced only once their batch has committed.
    const journal = new ResultJournal<FinishedEntry>(
      (batch) => this.repo.finishMany(id, batch),
      (batch) => {
        for (const { serial, outcome, finishedAt } of batch) {
          live.running--;
          if (outcome.state === 'ok') counts.ok++;
          else if (outcome.state === 'failed') counts.failed++;
          const result: JobResult = {
            serial,
            state: outcome.state,
            ok: outcome.state === 'ok',
            exitCode: outcome.exitCode,
            output: outcome.output,
            stderr: outcome.stderr,
            errorCode: outcome.errorCode,
            errorMessage: outcome.errorMessage,
            errorDetails: outcome.errorDetails ?? null,
            startedAt: startedAt.get(serial) ?? null,
            finishedAt,
          };
          startedAt.delete(serial);
          this.deps.events.emit('result', { id, result });
        }
        progress(false);
      },
      (err) => this.deps.log.error('job results could not be journaled yet; retrying with the next batch', { id, error: String(err) }),
    );
    live.journal = journal;
    const halted = () => signal.aborted || this.stopped || live.paused || overBudget();
    const starts = new StartJournal<StartEntry>((batch) => {
      const at = isoAt(clock);
      this.repo.markRunningMany(id, batch, at);
      return at;
    }, halted);

    // Ready targets per group (round robin over groups), and targets waiting for their time.
    const ready = new Map<string, TargetState[]>();
    const groups: string[] = [];
    let turn = 0;
    const sleeping: Array<{ target: TargetState; at: number }> = [];
    let wakeTimer: NodeJS.Timeout | null = null;
    let readyCount = 0;
    const enqueue = (t: TargetState, front = false) => {
      let q = ready.get(t.group);
      if (!q) {
        ready.set(t.group, (q = []));
        groups.push(t.group);
      }
      if (front) q.unshift(t);
      else q.push(t);
      readyCount++;
    };
    const reconcileFirst = new Set<string>();
    for (const r of rows) {
      if (r.state !== 'pending' && r.state !== 'running') continue;
      const t: TargetState = { serial: r.serial, group: r.group, step: r.step, context: r.context };
      if (r.state === 'running') reconcileFirst.add(r.serial);
      const at = r.notBefore ? Date.parse(r.notBefore) : 0;
      if (at > clock.now()) sleeping.push({ target: t, at });
      else enqueue(t);
    }

    let active = 0;
    /** A journal write that failed under a step: the job cannot go on without its journal. */
    let fatal: { err: unknown } | null = null;
    let resolveEnd!: () => void;
    const ended = new Promise<void>((r) => (resolveEnd = r));

    const next = (): TargetState | null => {
      for (let i = 0; i < groups.length; i++) {
        const g = groups[(turn + i) % groups.length]!;
        const q = ready.get(g)!;
        if (q.length === 0 || !limits.canTake(g)) continue;
        turn = (turn + i + 1) % groups.length;
        readyCount--;
        return q.shift()!;
      }
      return null;
    };

    const pump = () => {
      if (this.stopped) return resolveEnd();
      const now = clock.now();
      for (let i = sleeping.length - 1; i >= 0; i--) {
        if (sleeping[i]!.at <= now) {
          enqueue(sleeping[i]!.target);
          sleeping.splice(i, 1);
        }
      }
      if (!signal.aborted && !live.paused && !overBudget()) {
        while (limits.hasRoom && readyCount > 0) {
          const t = next();
          if (!t) break;
          limits.take(t.group);
          active++;
          void runTarget(t)
            .catch((err: unknown) => {
              fatal ??= { err };
              live.controller.abort(toFleetError(err));
            })
            .finally(() => {
              active--;
              limits.release(t.group);
              pump();
            });
        }
      }
      if (wakeTimer) clearTimeout(wakeTimer);
      wakeTimer = null;
      const stillToDo = readyCount + sleeping.length;
      if (active === 0 && (stillToDo === 0 || signal.aborted || overBudget())) return resolveEnd();
      if (sleeping.length && !signal.aborted && !live.paused) {
        const soonest = Math.min(...sleeping.map((s) => s.at));
        wakeTimer = setTimeout(pump, Math.max(0, soonest - clock.now()) + 1);
      }
    };
    live.pump = pump;

    const settle = (err: unknown): StepOutcome => {
      const e = toFleetError(err);
      const state = signal.aborted && (e.code === 'E_CANCELLED' || e.code === 'E_UNAVAILABLE') ? 'cancelled' : 'failed';
      return { state, exitCode: null, output: null, stderr: null, errorCode: e.code, errorMessage: e.message, errorDetails: detailsRecord(e.details) };
    };

    const runTarget = async (t: TargetState): Promise<void> => {
      let mustReconcile = reconcileFirst.delete(t.serial);
      let counted = false;
      for (;;) {
        let outcome: StepOutcome | null = null;
        if (mustReconcile) {
          mustReconcile = false;
          // The step was under way when the last process died: ask the appliance where it is.
          let r: 'done' | 'redo' | StepOutcome;
          try {
            r = run.reconcile ? await run.reconcile(t.step, t, signal) : 'redo';
          } catch (err) {
            r = settle(err);
          }
          if (this.stopped) return;
          if (!counted) {
            live.running++;
            counted = true;
          }
          if (r === 'done') outcome = { state: 'ok', exitCode: null, output: null, stderr: null, errorCode: null, errorMessage: null };
          else if (r !== 'redo') outcome = r;
        }
        if (outcome === null) {
          // Written before the step acts (with the step before it done and its context).
          const at = await starts.mark({ serial: t.serial, step: t.step, context: t.context });
          if (at === null) {
            // Halted before the mark was written: the target was not contacted for this step.
            if (counted) live.running--;
            if (live.paused && !signal.aborted && !this.stopped) enqueue(t, true);
            return;
          }
          if (!counted) {
            live.running++;
            counted = true;
            if (!startedAt.has(t.serial)) startedAt.set(t.serial, at);
          }
          try {
            outcome = await run.act(t.step, t, signal);
          } catch (err) {
            outcome = settle(err);
          }
        }
        // Shutdown: the database may be gone; the journal says where this target was.
        if (this.stopped) return;
        const context = outcome.context === undefined ? t.context : outcome.context;
        if (outcome.state !== 'ok' || t.step + 1 >= steps) {
          if (outcome.state === 'failed') judgedFailed++;
          journal.add({ serial: t.serial, outcome, finishedAt: isoAt(clock), context: outcome.context });
          return;
        }
        // A middle step ended ok.
        t.step++;
        t.context = context;
        const waitUntil = outcome.notBefore ?? 0;
        if (waitUntil > clock.now() || signal.aborted || live.paused || overBudget()) {
          this.repo.defer(id, t.serial, t.step, context, waitUntil > clock.now() ? isoAt({ now: () => waitUntil }) : null);
          live.running--;
          if (signal.aborted || overBudget()) {
            // Ends as cancelled when the job closes (it had not started its next step).
            return;
          }
          if (waitUntil > clock.now()) sleeping.push({ target: t, at: waitUntil });
          else enqueue(t, true);
          return;
        }
      }
    };

    try {
      pump();
      await ended;
      if (wakeTimer) clearTimeout(wakeTimer);
      if (!this.stopped) journal.flush();
    } finally {
      journal.dispose();
    }
    if (fatal) throw (fatal as { err: unknown }).err;
    if (trailing) clearTimeout(trailing);
    if (this.stopped) return;
    const reason = signal.reason as FleetError | undefined;
    if (!signal.aborted && overBudget()) {
      this.repo.close(id, 'cancelled', isoAt(clock), {
        code: 'E_BUDGET',
        message: `Not started: more than ${spec.maxFailures} appliances failed, the job's failure budget.`,
      });
    } else {
      const final = !signal.aborted ? 'done' : reason?.code === 'E_UNAVAILABLE' ? 'interrupted' : 'cancelled';
      this.repo.close(id, final, isoAt(clock));
    }
    const job = this.mustFind(id);
    this.deps.log.info('job ended', { id, state: job.state, ok: counts.ok, failed: counts.failed, seconds: (Date.now() - started) / 1000 });
    progress(true);
    this.deps.events.emit('finished', this.progressOf(job));
  }

  // ------------------------------------------------------------------------------------------- reading

  private liveProgress(id: number, total: number, counts: { ok: number; failed: number }, running: number, started: number): JobProgress {
    const done = counts.ok + counts.failed;
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    const rate = done / seconds;
    const remaining = total - done - running;
    return {
      id,
      state: 'running',
      total,
      ok: counts.ok,
      failed: counts.failed,
      done,
      running,
      remaining,
      rate: Math.round(rate * 100) / 100,
      etaSeconds: done === 0 ? null : Math.round(((total - done) / rate) * 10) / 10,
    };
  }

  /** getProgress: counts from the journal (the live count of targets under way while it runs here). */
  progressOf(job: JobRow): JobProgress {
    const c = this.repo.counts(job.id);
    const live = this.live.get(job.id);
    const done = c.ok + c.failed + (job.state === 'running' ? 0 : c.cancelled + c.interrupted);
    const end = job.finishedAt ? Date.parse(job.finishedAt) : this.deps.clock.now();
    const seconds = Math.max((end - Date.parse(job.createdAt)) / 1000, 0.001);
    const rate = (c.ok + c.failed) / seconds;
    const running = live ? live.running : c.running;
    return {
      id: job.id,
      state: job.state,
      total: job.total,
      ok: c.ok,
      failed: c.failed,
      done,
      running,
      remaining: job.total - done - running,
      rate: Math.round(rate * 100) / 100,
      etaSeconds: job.state !== 'running' ? 0 : rate > 0 ? Math.round(((job.total - done) / rate) * 10) / 10 : null,
    };
  }

  private toJob(job: JobRow): Job {
    const kind = this.kinds.get(job.runner);
    const spec = kind?.spec.safeParse(job.spec);
    return {
      id: job.id,
      kind: job.kind,
      state: job.state,
      actor: job.actor,
      argv: kind && spec?.success ? kind.describe(spec.data) : [],
      concurrency: job.spec.concurrency,
      createdAt: job.createdAt,
      finishedAt: job.finishedAt,
      retryOf: job.retryOf,
      paused: job.state === 'running' && job.pausedAt !== null,
      progress: this.progressOf(job),
    };
  }

  /** getSummary: passed, failed, not run, and the replies grouped, largest group first. */
  summary(id: number): JobSummary {
    const { items } = this.repo.results(id, 0, 1_000_000);
    const passed: string[] = [];
    const failed: JobSummary['failed'] = [];
    const notRun: JobSummary['notRun'] = [];
    const groups = new Map<string, JobSummary['groups'][number]>();
    for (const r of items) {
      if (r.state === 'ok') passed.push(r.serial);
      else if (r.state === 'failed') failed.push({ serial: r.serial, errorCode: r.errorCode, errorMessage: r.errorMessage, errorDetails: r.errorDetails });
      else notRun.push({ serial: r.serial, state: r.state });
      const output = r.state === 'ok' ? r.output : null;
      const key = createHash('sha256')
        .update(JSON.stringify([r.state, r.exitCode, r.errorCode, output]))
        .digest('hex');
      const g = groups.get(key);
      if (g) {
        g.count++;
        g.serials.push(r.serial);
      } else {
        groups.set(key, { count: 1, state: r.state, exitCode: r.exitCode, errorCode: r.errorCode, output, serials: [r.serial] });
      }
    }
    return { passed, failed, notRun, groups: [...groups.values()].sort((a, b) => b.count - a.count).slice(0, 50) };
  }

  /** The blast radius of a selection: the same appliances a job would run on, counted per partner and site. */
  preview(raw: unknown): JobPreview {
    const partners = new Map<string, Map<string, number>>();
    const targets = this.select(raw);
    for (const a of targets) {
      const sites = partners.get(a.partner) ?? new Map<string, number>();
      partners.set(a.partner, sites);
      sites.set(a.site, (sites.get(a.site) ?? 0) + 1);
    }
    const largestFirst = <T extends { count: number }>(key: (x: T) => string) => (x: T, y: T) =>
      y.count - x.count || key(x).localeCompare(key(y));
    const byPartner = [...partners].map(([partner, sites]) => {
      const list = [...sites].map(([site, count]) => ({ site, count })).sort(largestFirst((x) => x.site));
      return { partner, count: list.reduce((n, s) => n + s.count, 0), sites: list };
    });
    return { total: targets.length, byPartner: byPartner.sort(largestFirst((x) => x.partner)) };
  }

  private refuseIfOtherProcess(id: number, what: string): void {
    const owner = this.repo.runningJobs().find((j) => j.id === id);
    if (owner && runByAnotherProcess(owner)) {
      throw new FleetError('E_CONFLICT', `Job ${id} runs in another Fleetdeck process (pid ${owner.ownerPid}); ${what} it there.`);
    }
  }

  private mustKind(name: string, loaded?: JobKind): JobKind {
    const kind = loaded ?? this.kinds.get(name);
    if (!kind) throw new FleetError('E_UNAVAILABLE', `Jobs of kind ${name} are not run by this Fleetdeck.`);
    return kind;
  }

  private mustFind(id: number): JobRow {
    const job = this.repo.job(id);
    if (!job) throw new FleetError('E_NOT_FOUND', `There is no job ${id}.`);
    return job;
  }
}
