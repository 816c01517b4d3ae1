/**
 * Fan-out as a job: run an `ocactl` action or a command on a selection of appliances with a
 * concurrency limit. The job row and every target (pending) are written before any appliance is
 * contacted; each appliance is marked running before it is contacted, and results are journaled in
 * small batches (job-journal.ts) and announced once durable; progress goes out on the event bus.
 * Cancel keeps every result already in. A job left running by a process that died is marked
 * interrupted at the next start, and "retry" runs the appliances that did not succeed.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { z } from 'zod';
import { FleetError } from '../api/errors';
import type { CallContext } from '../api/dispatcher';
import type { DomainHandlers } from '../api/kit';
import { MAX_REPLY_BYTES, OCACTL_RESULTS, type OcactlCommand } from '../appliance/contract';
import { ApplianceReplyError, parseOcactlReply } from '../appliance/replies';
import type { ServiceDeps } from '../deps';
import { ApplianceQuery } from '../inventory/contract';
import type { InventoryService } from '../inventory/service';
import { isoAt } from '../store/clock';
import { ExecRequest, ExecSelection, type Job, type JobPreview, type JobProgress, type JobResult, type JobSummary, type jobsMethods } from './contract';
import { groupResults } from './job-groups';
import { ResultJournal, StartJournal } from './job-journal';
import { JobsRepo, type FinishedEntry, type FinishedResult, type JobRow, type JobSpec } from './jobs-repo';
import type { NetService } from './service';
import type { ExecResult, SshPool } from './ssh-pool';

/** Output kept per appliance in the journal. */
export const MAX_STORED_OUTPUT = 64 * 1024;
const PROGRESS_EVERY_MS = 250;

export type JobsHandlers = DomainHandlers<typeof jobsMethods, CallContext>;

interface LiveJob {
  controller: AbortController;
  done: Promise<void>;
  /** Appliances contacted whose result is not journaled yet. */
  running: number;
  journal: ResultJournal<FinishedEntry> | null;
}

/** The ocactl command named by argv (`ocactl firmware activate x` -> `firmware activate`), if it is one. */
export function ocactlCommandOf(argv: readonly string[]): OcactlCommand | null {
  if (argv[0] !== 'ocactl') return null;
  const two = argv.slice(1, 3).join(' ');
  if (Object.hasOwn(OCACTL_RESULTS, two)) return two as OcactlCommand;
  const one = argv[1] ?? '';
  return Object.hasOwn(OCACTL_RESULTS, one) ? (one as OcactlCommand) : null;
}

function cut(text: string): string {
  return text.length > MAX_STORED_OUTPUT ? text.slice(0, MAX_STORED_OUTPUT) + '\n[output cut at 64 KiB]' : text;
}

/** What one appliance's run means, from its exec result. */
export function judge(argv: readonly string[], r: ExecResult): FinishedResult {
  const command = ocactlCommandOf(argv);
  const base = { exitCode: r.exitCode, output: cut(r.stdout), stderr: r.stderr ? cut(r.stderr) : null };
  if (command) {
    try {
      parseOcactlReply(command, r.stdout);
      return { ...base, output: r.stdout.trim(), state: 'ok', errorCode: null, errorMessage: null };
    } catch (err) {
      if (err instanceof ApplianceReplyError) return { ...base, state: 'failed', errorCode: err.code, errorMessage: err.message };
      if (err instanceof FleetError) return { ...base, state: 'failed', errorCode: err.code, errorMessage: err.message };
      throw err;
    }
  }
  if (r.truncated) {
    return { ...base, state: r.exitCode === 0 ? 'ok' : 'failed', errorCode: r.exitCode === 0 ? null : 'E_EXIT', errorMessage: r.exitCode === 0 ? null : `exited with status ${r.exitCode}` };
  }
  if (r.exitCode === 0) return { ...base, state: 'ok', errorCode: null, errorMessage: null };
  return {
    ...base,
    state: 'failed',
    errorCode: 'E_EXIT',
    errorMessage: r.exitCode === null ? `killed by signal ${r.signal ?? 'unknown'}` : `exited with status ${r.exitCode}`,
  };
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

export class JobsService {
  readonly repo: JobsRepo;
  readonly handlers: JobsHandlers;
  private readonly live = new Map<number, LiveJob>();
  private stopped = false;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly inventory: InventoryService,
    private readonly net: NetService,
  ) {
    this.repo = new JobsRepo(deps.db);
    // Jobs whose process died while they ran: nothing runs them now. A job another live
    // Fleetdeck process runs (the desktop app while the CLI looks) is left alone.
    for (const job of this.repo.runningJobs()) {
      if (runByAnotherProcess(job)) continue;
      this.repo.close(job.id, 'interrupted', isoAt(deps.clock));
      deps.log.warn('job interrupted by a previous shutdown', { id: job.id });
    }
    this.handlers = {
      preview: ({ selection }) => this.preview(selection),
      exec: (req, ctx) => this.exec(req, ctx.actor),
      list: ({ limit, state }) => this.repo.list(limit, state).map((j) => this.toJob(j)),
      get: ({ id }) => {
        const job = this.mustFind(id);
        return { job: this.toJob(job), summary: this.summary(id) };
      },
      results: ({ id, offset, limit }) => {
        this.mustFind(id);
        return this.repo.results(id, offset, limit);
      },
      cancel: ({ id }) => this.cancel(id),
      wait: ({ id, timeoutMs }) => this.wait(id, timeoutMs),
      groups: ({ id, by }) => {
        this.mustFind(id);
        return groupResults(this.repo.results(id, 0, 1_000_000).items, by);
      },
      retry: ({ id, concurrency, acceptNew }, ctx) => this.retry(id, { concurrency, acceptNew }, ctx.actor),
    };
  }

  async exec(raw: unknown, actor: string): Promise<Job> {
    const req = ExecRequest.parse(raw);
    const serials = this.select(req.selection).map((a) => a.serial);
    if (serials.length === 0) throw new FleetError('E_VALIDATION', 'The selection matches no appliance; nothing was run.');
    const spec: JobSpec = { argv: req.argv, concurrency: req.concurrency, timeoutMs: req.timeoutMs ?? null, acceptNew: req.acceptNew };
    return this.start(spec, serials, actor, null);
  }

  async retry(id: number, options: { concurrency?: number | undefined; acceptNew: boolean }, actor: string): Promise<Job> {
    const job = this.mustFind(id);
    if (job.state === 'running') throw new FleetError('E_CONFLICT', `Job ${id} is still running; cancel it or wait for it to end.`);
    const serials = this.repo.notOkSerials(id);
    if (serials.length === 0) throw new FleetError('E_VALIDATION', `Every appliance of job ${id} succeeded; there is nothing to retry.`);
    const spec: JobSpec = { ...job.spec, concurrency: options.concurrency ?? job.spec.concurrency, acceptNew: options.acceptNew };
    return this.start(spec, serials, actor, id);
  }

  cancel(id: number): Job {
    const job = this.mustFind(id);
    const live = this.live.get(id);
    if (!live) {
      if (job.state !== 'running') return this.toJob(job);
      const owner = this.repo.runningJobs().find((j) => j.id === id);
      if (owner && runByAnotherProcess(owner)) {
        throw new FleetError('E_CONFLICT', `Job ${id} runs in another Fleetdeck process (pid ${owner.ownerPid}); cancel it there.`);
      }
      this.repo.close(id, 'cancelled', isoAt(this.deps.clock));
      return this.toJob(this.mustFind(id));
    }
    live.controller.abort(new FleetError('E_CANCELLED', `Job ${id} was cancelled.`));
    // Every result received before the cancel is durable when cancel returns.
    live.journal?.flush();
    return this.toJob(this.mustFind(id));
  }

  /** Resolves when the job has ended (tests, the CLI). */
  async wait(id: number, timeoutMs?: number): Promise<Job> {
    const done = this.live.get(id)?.done;
    if (done && timeoutMs !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]).finally(() => clearTimeout(timer));
    } else await done;
    return this.toJob(this.mustFind(id));
  }

  /**
   * Engine shutdown (synchronous, before the database closes): running jobs are aborted and
   * marked interrupted now, with every result already received kept; retry offers the rest.
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
      this.repo.close(id, 'interrupted', isoAt(this.deps.clock));
    }
  }

  private async start(spec: JobSpec, serials: string[], actor: string, retryOf: number | null): Promise<Job> {
    const kind = ocactlCommandOf(spec.argv) ? 'ocactl' : 'exec';
    // A missing fleet key, a locked vault or no agent is one error now, not 1000 failures later.
    await this.net.checkCredentials();
    // accept-new records keys as this actor: its own pool. Otherwise the engine's warm pool.
    const own = spec.acceptNew;
    const pool = own ? this.net.openPool({ actor, acceptNew: true, maxConcurrent: spec.concurrency }) : this.net.sharedPool();
    const id = this.repo.create(kind, actor, spec, serials, isoAt(this.deps.clock), retryOf);
    // Every worker's operation follows this one signal (through one listener per pool: see SshPool).
    const controller = new AbortController();
    const live: LiveJob = { controller, running: 0, done: Promise.resolve(), journal: null };
    this.live.set(id, live);
    live.done = this.run(id, spec, serials, pool, live).finally(() => {
      if (own) pool.close();
      this.live.delete(id);
    });
    this.deps.log.info('job started', { id, kind, actor, appliances: serials.length, concurrency: spec.concurrency, retryOf });
    return this.toJob(this.mustFind(id));
  }

  private async run(id: number, spec: JobSpec, serials: string[], pool: SshPool, live: LiveJob): Promise<void> {
    const { clock } = this.deps;
    const settings = this.net.settings();
    const routeFor = this.net.router(settings);
    const timeoutMs = spec.timeoutMs ?? settings.commandTimeoutMs;
    const started = Date.now();
    const counts = { ok: 0, failed: 0 };
    let lastProgress = 0;
    // A throttled update is sent at the end of its window, so the last counts always go out: a
    // bar never sits on an old count while the slowest appliances are still running.
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
      this.deps.events.emit('jobs.progress', this.liveProgress(id, serials.length, counts, live.running, started));
    };
    const isOcactl = ocactlCommandOf(spec.argv) !== null;
    const queue = [...serials];
    const signal = live.controller.signal;
    const startedAt = new Map<string, string>();
    // Results are counted and announced only once their batch has committed.
    live.journal = new ResultJournal<FinishedEntry>(
      (batch) => this.repo.finishMany(id, batch),
      (batch) => {
        for (const { serial, outcome, finishedAt } of batch) {
          live.running--;
          if (outcome.state === 'ok') counts.ok++;
          else if (outcome.state === 'failed') counts.failed++;
          // The row as journaled, without reading it back.
          const result: JobResult = {
            serial,
            state: outcome.state,
            ok: outcome.state === 'ok',
            exitCode: outcome.exitCode,
            output: outcome.output,
            stderr: outcome.stderr,
            errorCode: outcome.errorCode,
            errorMessage: outcome.errorMessage,
            startedAt: startedAt.get(serial) ?? null,
            finishedAt,
          };
          startedAt.delete(serial);
          this.deps.events.emit('jobs.result', { id, result });
        }
        progress(false);
      },
      (err) => this.deps.log.error('job results could not be journaled yet; retrying with the next batch', { id, error: String(err) }),
    );
    const journal = live.journal;
    const starts = new StartJournal(
      (batch) => {
        const at = isoAt(clock);
        this.repo.markRunningMany(id, batch, at);
        return at;
      },
      () => signal.aborted || this.stopped,
    );

    const worker = async () => {
      for (;;) {
        if (signal.aborted || this.stopped) return;
        const serial = queue.shift();
        if (serial === undefined) return;
        const at = await starts.mark(serial);
        // Cancelled or shutting down before the mark was written: it stays pending, never contacted.
        if (at === null) return;
        live.running++;
        startedAt.set(serial, at);
        let outcome: FinishedResult;
        try {
          const appliance = this.inventory.appliance(serial);
          const result = await pool.exec(routeFor(appliance), spec.argv, {
            timeoutMs,
            signal,
            maxOutputBytes: isOcactl ? MAX_REPLY_BYTES : MAX_STORED_OUTPUT,
            failOnOverflow: isOcactl,
          });
          outcome = judge(spec.argv, result);
        } catch (err) {
          const e = err instanceof FleetError ? err : new FleetError('E_INTERNAL', err instanceof Error ? err.message : String(err));
          const state = signal.aborted && (e.code === 'E_CANCELLED' || e.code === 'E_UNAVAILABLE') ? 'cancelled' : 'failed';
          outcome = { state, exitCode: null, output: null, stderr: null, errorCode: e.code, errorMessage: e.message };
        }
        // Shutdown: stop() already closed the job as interrupted, and the database may be gone.
        if (this.stopped) return;
        journal.add({ serial, outcome, finishedAt: isoAt(clock) });
      }
    };

    try {
      await Promise.all(Array.from({ length: Math.min(spec.concurrency, serials.length) }, worker));
      if (!this.stopped) journal.flush();
    } finally {
      journal.dispose();
    }
    if (trailing) clearTimeout(trailing);
    if (this.stopped) return;
    const reason = signal.reason as FleetError | undefined;
    const final = !signal.aborted ? 'done' : reason?.code === 'E_UNAVAILABLE' ? 'interrupted' : 'cancelled';
    this.repo.close(id, final, isoAt(clock));
    this.deps.log.info('job ended', { id, state: final, ok: counts.ok, failed: counts.failed, seconds: (Date.now() - started) / 1000 });
    progress(true);
    this.deps.events.emit('jobs.finished', this.progressOf(this.mustFind(id)));
  }

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

  private progressOf(job: JobRow): JobProgress {
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
    return {
      id: job.id,
      kind: job.kind,
      state: job.state,
      actor: job.actor,
      argv: job.spec.argv,
      concurrency: job.spec.concurrency,
      createdAt: job.createdAt,
      finishedAt: job.finishedAt,
      retryOf: job.retryOf,
      progress: this.progressOf(job),
    };
  }

  summary(id: number): JobSummary {
    const { items } = this.repo.results(id, 0, 1_000_000);
    const passed: string[] = [];
    const failed: JobSummary['failed'] = [];
    const notRun: JobSummary['notRun'] = [];
    const groups = new Map<string, JobSummary['groups'][number]>();
    for (const r of items) {
      if (r.state === 'ok') passed.push(r.serial);
      else if (r.state === 'failed') failed.push({ serial: r.serial, errorCode: r.errorCode, errorMessage: r.errorMessage });
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

  /** The blast radius of a selection: the same appliances exec would run on, counted per partner and site. */
  preview(raw: unknown): JobPreview {
    const partners = new Map<string, Map<string, number>>();
    const targets = this.select(ExecSelection.parse(raw));
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

  /** The appliances a selection names, each once, in the order a job runs them. */
  private select(selection: z.output<typeof ExecRequest>['selection']): Array<{ serial: string; site: string; partner: string }> {
    if ('serials' in selection) {
      const found = new Map<string, { serial: string; site: string; partner: string }>();
      const missing: string[] = [];
      for (const s of selection.serials) {
        if (found.has(s)) continue;
        try {
          const appliance = this.inventory.appliance(s);
          found.set(appliance.serial, { serial: appliance.serial, site: appliance.site, partner: appliance.partner });
        } catch {
          missing.push(s);
        }
      }
      if (missing.length) throw new FleetError('E_VALIDATION', `Not in the inventory: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}.`);
      return [...found.values()];
    }
    const filter = 'query' in selection ? selection.query : {};
    const targets: Array<{ serial: string; site: string; partner: string }> = [];
    for (let offset = 0; ; offset += 20_000) {
      const page = this.inventory.listAppliances(ApplianceQuery.parse({ ...filter, offset, limit: 20_000 }));
      targets.push(...page.items.map((a) => ({ serial: a.serial, site: a.site, partner: a.partner })));
      if (targets.length >= page.total || page.items.length === 0) return targets;
    }
  }

  private mustFind(id: number): JobRow {
    const job = this.repo.job(id);
    if (!job) throw new FleetError('E_NOT_FOUND', `There is no job ${id}.`);
    return job;
  }
}
