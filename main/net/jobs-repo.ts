/** SQL of jobs: the job row and its per-appliance results, journaled in small batches as they arrive. */
import { hostname } from 'node:os';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db';
import type { JobResult, JobState, ResultState } from './contract';

export interface JobSpec {
  argv: string[];
  concurrency: number;
  timeoutMs: number | null;
  acceptNew: boolean;
}

export interface JobRow {
  id: number;
  kind: string;
  state: JobState;
  actor: string;
  spec: JobSpec;
  total: number;
  createdAt: string;
  finishedAt: string | null;
  retryOf: number | null;
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
}

interface RawResult {
  serial: string;
  state: ResultState;
  exit_code: number | null;
  output: string | null;
  stderr: string | null;
  error_code: string | null;
  error_message: string | null;
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
}

/** One appliance's journaled end, as finishMany writes it. */
export interface FinishedEntry {
  serial: string;
  outcome: FinishedResult;
  finishedAt: string;
}

export class JobsRepo {
  /** Statements of the per-appliance hot path, prepared once (preparing costs more than running them). */
  private readonly stmts: { markRunning: Statement<[string, number, string]>; finish: Statement<[Record<string, unknown>]> };

  constructor(private readonly db: Db) {
    this.stmts = {
      markRunning: db.prepare("UPDATE job_results SET state = 'running', started_at = ? WHERE job_id = ? AND serial = ?"),
      finish: db.prepare(
        `UPDATE job_results SET state = @state, exit_code = @exitCode, output = @output, stderr = @stderr,
           error_code = @errorCode, error_message = @errorMessage, finished_at = @at
         WHERE job_id = @id AND serial = @serial`,
      ),
    };
  }

  /** The job and every target as pending, in one transaction, before anything is contacted. */
  create(kind: string, actor: string, spec: JobSpec, serials: readonly string[], at: string, retryOf: number | null): number {
    return this.db.transaction(() => {
      const id = Number(
        this.db
          .prepare(
            'INSERT INTO jobs (kind, state, actor, spec, total, created_at, retry_of, owner_pid, owner_host) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(kind, 'running', actor, JSON.stringify(spec), serials.length, at, retryOf, process.pid, hostname()).lastInsertRowid,
      );
      const insert = this.db.prepare("INSERT INTO job_results (job_id, seq, serial, state) VALUES (?, ?, ?, 'pending')");
      serials.forEach((serial, i) => insert.run(id, i, serial));
      return id;
    })();
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

  /**
   * Journaled before the appliances are contacted (those starting together, in one transaction):
   * a crash after this leaves them "may or may not have run".
   */
  markRunningMany(id: number, serials: readonly string[], at: string): void {
    this.db.transaction(() => {
      for (const serial of serials) this.stmts.markRunning.run(at, id, serial);
    })();
  }

  /** Journal a batch of results in one transaction: all of them are durable, or none. */
  finishMany(id: number, entries: readonly FinishedEntry[]): void {
    this.db.transaction(() => {
      for (const e of entries) this.stmts.finish.run({ ...e.outcome, at: e.finishedAt, id, serial: e.serial });
    })();
  }

  /** A job ends: what never started is recorded as cancelled (or interrupted). */
  close(id: number, state: Exclude<JobState, 'running'>, at: string): void {
    this.db.transaction(() => {
      const leftover = state === 'interrupted' ? 'interrupted' : 'cancelled';
      const message =
        state === 'interrupted'
          ? 'Fleetdeck stopped before this appliance finished; it may or may not have run the command.'
          : 'The job was cancelled before this appliance was reached.';
      this.db
        .prepare("UPDATE job_results SET state = ?, error_code = ?, error_message = ?, finished_at = ? WHERE job_id = ? AND state IN ('pending', 'running')")
        .run(leftover, state === 'interrupted' ? 'E_UNAVAILABLE' : 'E_CANCELLED', message, at, id);
      this.db.prepare('UPDATE jobs SET state = ?, finished_at = ? WHERE id = ?').run(state, at, id);
    })();
  }

  /** Jobs marked running, with the process that runs them. */
  runningJobs(): Array<{ id: number; ownerPid: number | null; ownerHost: string | null }> {
    return (
      this.db.prepare("SELECT id, owner_pid, owner_host FROM jobs WHERE state = 'running'").all() as {
        id: number;
        owner_pid: number | null;
        owner_host: string | null;
      }[]
    ).map((r) => ({ id: r.id, ownerPid: r.owner_pid, ownerHost: r.owner_host }));
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
