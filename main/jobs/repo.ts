/**
 * SQL of the jobs kernel: the job row and one row per target that is both its result and its step
 * journal (the step it is at, whether that step is under way, its not-before time, its group and
 * its context as JSON), journaled in small batches as they arrive.
 */
import { hostname } from 'node:os';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db';
import type { JobResult, JobState, ResultState } from './contract';

/** A job's spec as stored: the kernel's options and the kind's own fields, one JSON object. */
export interface JobSpec {
  /** Targets under way at once. */
  concurrency: number;
  /** Targets under way at once in one group (a site, ...); null or absent: no group limit. */
  perGroup?: number | null;
  /** Failed targets allowed before no new target starts; null or absent: no budget. */
  maxFailures?: number | null;
  [field: string]: unknown;
}

/** Where one target is, as journaled: the kernel resumes from this. */
export interface TargetRow {
  serial: string;
  group: string;
  state: ResultState;
  step: number;
  notBefore: string | null;
  context: unknown;
}

/** How a target enters a new job (retry carries its step and context over). */
export interface TargetSeed {
  serial: string;
  group: string;
  step?: number;
  context?: unknown;
  /** 'running': its step may have run (reconciled before anything is done again). */
  state?: 'pending' | 'running';
}

export interface JobRow {
  id: number;
  kind: string;
  /** The registered kind that runs it (the label in `kind` may differ: ocactl is run by exec). */
  runner: string;
  state: JobState;
  actor: string;
  spec: JobSpec;
  total: number;
  createdAt: string;
  finishedAt: string | null;
  retryOf: number | null;
  pausedAt: string | null;
}

export type ResultCounts = Record<ResultState, number>;

interface RawJob {
  id: number;
  kind: string;
  state: JobState;
  actor: string;
  spec: string;
  total: number;
  created_at: string;
  finished_at: string | null;
  retry_of: number | null;
  runner: string;
  paused_at: string | null;
}

interface RawResult {
  serial: string;
  state: ResultState;
  exit_code: number | null;
  output: string | null;
  stderr: string | null;
  error_code: string | null;
  error_message: string | null;
  error_details: string | null;
  started_at: string | null;
  finished_at: string | null;
}

const toJob = (r: RawJob): JobRow => ({
  id: r.id,
  kind: r.kind,
  state: r.state,
  actor: r.actor,
  spec: JSON.parse(r.spec) as JobSpec,
  total: r.total,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
  retryOf: r.retry_of,
  runner: r.runner,
  pausedAt: r.paused_at,
});

const toResult = (r: RawResult): JobResult => ({
  serial: r.serial,
  state: r.state,
  ok: r.state === 'ok',
  exitCode: r.exit_code,
  output: r.output,
  stderr: r.stderr,
  errorCode: r.error_code,
  errorMessage: r.error_message,
  errorDetails: r.error_details === null ? null : (JSON.parse(r.error_details) as Record<string, unknown>),
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

export interface FinishedResult {
  state: 'ok' | 'failed' | 'cancelled';
  exitCode: number | null;
  output: string | null;
  stderr: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** The error's typed details (ERROR_DETAILS of its code), when it has them. */
  errorDetails?: Record<string, unknown> | null;
}

/** One appliance's journaled end, as finishMany writes it. */
export interface FinishedEntry {
  serial: string;
  outcome: FinishedResult;
  finishedAt: string;
  /** The target's context after its last step (undefined: unchanged). */
  context?: unknown;
}

/** A step about to act, as markRunningMany writes it (the step before it is done). */
export interface StartEntry {
  serial: string;
  step: number;
  /** The context the step starts from (undefined: unchanged). */
  context?: unknown;
}

const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));

export class JobsRepo {
  /** Statements of the per-appliance hot path, prepared once (preparing costs more than running them). */
  private readonly stmts: {
    markRunning: Statement<[number, string | null, string, number, string]>;
    finish: Statement<[Record<string, unknown>]>;
  };

  constructor(private readonly db: Db) {
    this.stmts = {
      markRunning: db.prepare(
        `UPDATE job_results SET state = 'running', step = ?, context = COALESCE(?, context), not_before = NULL,
           started_at = COALESCE(started_at, ?) WHERE job_id = ? AND serial = ?`,
      ),
      finish: db.prepare(
        `UPDATE job_results SET state = @state, exit_code = @exitCode, output = @output, stderr = @stderr,
           error_code = @errorCode, error_message = @errorMessage, error_details = @errorDetails, finished_at = @at, context = COALESCE(@context, context)
         WHERE job_id = @id AND serial = @serial`,
      ),
    };
  }

  /**
   * The job and every target (pending, or as seeded by a retry), in one transaction, before
   * anything is contacted. `targets` are serials (group '') or seeds.
   */
  create(
    kind: string,
    actor: string,
    spec: JobSpec,
    targets: readonly (string | TargetSeed)[],
    at: string,
    retryOf: number | null,
    runner = 'exec',
  ): number {
    return this.db.transaction(() => {
      const id = Number(
        this.db
          .prepare(
            'INSERT INTO jobs (kind, runner, state, actor, spec, total, created_at, retry_of, owner_pid, owner_host) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(kind, runner, 'running', actor, JSON.stringify(spec), targets.length, at, retryOf, process.pid, hostname()).lastInsertRowid,
      );
      const insert = this.db.prepare('INSERT INTO job_results (job_id, seq, serial, state, grp, step, context) VALUES (?, ?, ?, ?, ?, ?, ?)');
      targets.forEach((t, i) => {
        if (typeof t === 'string') insert.run(id, i, t, 'pending', '', 0, null);
        else insert.run(id, i, t.serial, t.state ?? 'pending', t.group, t.step ?? 0, json(t.context));
      });
      return id;
    })();
  }

  /** Every target of a job as journaled, in the job's order. */
  targets(id: number): TargetRow[] {
    const rows = this.db
      .prepare('SELECT serial, grp, state, step, not_before, context FROM job_results WHERE job_id = ? ORDER BY seq')
      .all(id) as Array<{ serial: string; grp: string; state: ResultState; step: number; not_before: string | null; context: string | null }>;
    return rows.map((r) => ({
      serial: r.serial,
      group: r.grp,
      state: r.state,
      step: r.step,
      notBefore: r.not_before,
      context: r.context === null ? undefined : (JSON.parse(r.context) as unknown),
    }));
  }

  /** A target finished a step and waits for the next one (pending at `step`, not before `notBefore`). */
  defer(id: number, serial: string, step: number, context: unknown, notBefore: string | null): void {
    this.db
      .prepare("UPDATE job_results SET state = 'pending', step = ?, context = COALESCE(?, context), not_before = ? WHERE job_id = ? AND serial = ?")
      .run(step, json(context), notBefore, id, serial);
  }

  setPaused(id: number, at: string | null): void {
    this.db.prepare('UPDATE jobs SET paused_at = ? WHERE id = ?').run(at, id);
  }

  /** This process runs the job from now on (a resume after the process that ran it died). */
  adopt(id: number): void {
    this.db.prepare('UPDATE jobs SET owner_pid = ?, owner_host = ? WHERE id = ?').run(process.pid, hostname(), id);
  }

  job(id: number): JobRow | null {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as RawJob | undefined;
    return row ? toJob(row) : null;
  }

  list(limit: number, state?: JobState): JobRow[] {
    const rows = state
      ? (this.db.prepare('SELECT * FROM jobs WHERE state = ? ORDER BY id DESC LIMIT ?').all(state, limit) as RawJob[])
      : (this.db.prepare('SELECT * FROM jobs ORDER BY id DESC LIMIT ?').all(limit) as RawJob[]);
    return rows.map(toJob);
  }

  counts(id: number): ResultCounts {
    const counts: ResultCounts = { pending: 0, running: 0, ok: 0, failed: 0, cancelled: 0, interrupted: 0 };
    for (const r of this.db.prepare('SELECT state, COUNT(*) AS n FROM job_results WHERE job_id = ? GROUP BY state').all(id) as {
      state: ResultState;
      n: number;
    }[])
      counts[r.state] = r.n;
    return counts;
  }

  /** Serials still to do, in the job's order. */
  pendingSerials(id: number): string[] {
    return (this.db.prepare("SELECT serial FROM job_results WHERE job_id = ? AND state = 'pending' ORDER BY seq").all(id) as { serial: string }[]).map(
      (r) => r.serial,
    );
  }

  /** Serials whose result is not ok (failed, unreachable, cancelled, interrupted, never run). */
  notOkSerials(id: number): string[] {
    return (this.db.prepare("SELECT serial FROM job_results WHERE job_id = ? AND state <> 'ok' ORDER BY seq").all(id) as { serial: string }[]).map(
      (r) => r.serial,
    );
  }

  /** Targets whose result is not ok, where they are (retry of a multi-step kind goes on from there). */
  notOkTargets(id: number): TargetRow[] {
    return this.targets(id).filter((t) => t.state !== 'ok');
  }

  /**
   * Journaled before the appliances are contacted (those starting together, in one transaction):
   * a crash after this leaves them "may or may not have run".
   */
  markRunningMany(id: number, entries: readonly StartEntry[], at: string): void {
    this.db.transaction(() => {
      for (const e of entries) this.stmts.markRunning.run(e.step, json(e.context), at, id, e.serial);
    })();
  }

  /** Journal a batch of results in one transaction: all of them are durable, or none. */
  finishMany(id: number, entries: readonly FinishedEntry[]): void {
    this.db.transaction(() => {
      for (const e of entries) this.stmts.finish.run({ ...e.outcome, errorDetails: e.outcome.errorDetails ? JSON.stringify(e.outcome.errorDetails) : null, at: e.finishedAt, id, serial: e.serial, context: json(e.context) });
    })();
  }

  /** A job ends: what never started is recorded as cancelled (or interrupted). */
  close(id: number, state: Exclude<JobState, 'running'>, at: string, why?: { code: string; message: string }): void {
    this.db.transaction(() => {
      const leftover = state === 'interrupted' ? 'interrupted' : 'cancelled';
      const message =
        why?.message ??
        (state === 'interrupted'
          ? 'Fleetdeck stopped before this appliance finished; it may or may not have run the command.'
          : 'The job was cancelled before this appliance was reached.');
      this.db
        .prepare("UPDATE job_results SET state = ?, error_code = ?, error_message = ?, finished_at = ? WHERE job_id = ? AND state IN ('pending', 'running')")
        .run(leftover, why?.code ?? (state === 'interrupted' ? 'E_UNAVAILABLE' : 'E_CANCELLED'), message, at, id);
      this.db.prepare('UPDATE jobs SET state = ?, finished_at = ?, paused_at = NULL WHERE id = ?').run(state, at, id);
    })();
  }

  /** Jobs marked running, with the process that runs them. */
  runningJobs(): Array<{ id: number; runner: string; ownerPid: number | null; ownerHost: string | null }> {
    return (
      this.db.prepare("SELECT id, runner, owner_pid, owner_host FROM jobs WHERE state = 'running' ORDER BY id").all() as {
        id: number;
        runner: string;
        owner_pid: number | null;
        owner_host: string | null;
      }[]
    ).map((r) => ({ id: r.id, runner: r.runner, ownerPid: r.owner_pid, ownerHost: r.owner_host }));
  }

  /** A page of results in run order; only those in `states` when given (the running ones, say). */
  results(id: number, offset: number, limit: number, states?: readonly ResultState[]): { total: number; items: JobResult[] } {
    const only = states?.length ? ` AND state IN (${states.map(() => '?').join(', ')})` : '';
    const args = states?.length ? [id, ...states] : [id];
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM job_results WHERE job_id = ?${only}`).get(...args) as { n: number }).n;
    const items = (this.db.prepare(`SELECT * FROM job_results WHERE job_id = ?${only} ORDER BY seq LIMIT ? OFFSET ?`).all(...args, limit, offset) as RawResult[]).map(toResult);
    return { total, items };
  }

  result(id: number, serial: string): JobResult | null {
    const row = this.db.prepare('SELECT * FROM job_results WHERE job_id = ? AND serial = ?').get(id, serial) as RawResult | undefined;
    return row ? toResult(row) : null;
  }
}
