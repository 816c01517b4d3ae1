/** The diagnostics domain's SQL: suites, runs per appliance and their check results. */
import type { Db } from '../store/db';
import type { CheckResult, DiagCheck, DiagRun } from './contract';

interface RawRun {
  id: number;
  suite: string;
  serial: string;
  site: string;
  started_at: string;
  finished_at: string | null;
  status: DiagRun['status'];
  job_id: number | null;
  checks: string;
  actor: string;
}

interface RawResult {
  run_id: number;
  check_name: DiagCheck;
  status: CheckResult['status'];
  value: number | null;
  unit: string | null;
  summary: string;
  action: string | null;
  details: string;
  duration_ms: number;
  at: string;
  error_code: string | null;
}

const RUN_SELECT = `SELECT r.id, r.suite, r.serial, r.site, r.started_at, r.finished_at, r.status, s.job_id, s.checks, s.actor
  FROM diag_runs r JOIN diag_suites s ON s.suite = r.suite`;

const toResult = (r: RawResult): CheckResult => ({
  check: r.check_name,
  status: r.status,
  value: r.value,
  unit: r.unit,
  summary: r.summary,
  action: r.action,
  details: JSON.parse(r.details) as CheckResult['details'],
  durationMs: r.duration_ms,
  at: r.at,
  errorCode: r.error_code,
});

export class DiagnosticsRepo {
  constructor(private readonly db: Db) {}

  insertSuite(suite: string, checks: readonly DiagCheck[], actor: string, at: string): void {
    this.db.prepare('INSERT INTO diag_suites (suite, job_id, checks, actor, created_at) VALUES (?, NULL, ?, ?, ?)').run(suite, JSON.stringify(checks), actor, at);
  }

  setSuiteJob(suite: string, jobId: number): void {
    this.db.prepare('UPDATE diag_suites SET job_id = ? WHERE suite = ?').run(jobId, suite);
  }

  /** The run of this suite on this appliance: created on first use, the same one after a crash or a retry. */
  openRun(suite: string, serial: string, site: string, at: string): number {
    this.db.prepare('INSERT INTO diag_runs (suite, serial, site, started_at) VALUES (?, ?, ?, ?) ON CONFLICT (suite, serial) DO NOTHING').run(suite, serial, site, at);
    return (this.db.prepare('SELECT id FROM diag_runs WHERE suite = ? AND serial = ?').get(suite, serial) as { id: number }).id;
  }

  /** Record one check's result (a check run again after a crash replaces its earlier result). */
  putResult(runId: number, position: number, r: CheckResult): void {
    this.db
      .prepare(
        `INSERT INTO diag_results (run_id, position, check_name, status, value, unit, summary, action, details, duration_ms, at, error_code)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, check_name) DO UPDATE SET position = excluded.position, status = excluded.status, value = excluded.value,
           unit = excluded.unit, summary = excluded.summary, action = excluded.action, details = excluded.details,
           duration_ms = excluded.duration_ms, at = excluded.at, error_code = excluded.error_code`,
      )
      .run(runId, position, r.check, r.status, r.value, r.unit, r.summary, r.action, JSON.stringify(r.details), r.durationMs, r.at, r.errorCode);
  }

  finishRun(runId: number, status: NonNullable<DiagRun['status']>, at: string): void {
    this.db.prepare('UPDATE diag_runs SET finished_at = ?, status = ? WHERE id = ?').run(at, status, runId);
  }

  run(id: number): DiagRun | undefined {
    const row = this.db.prepare(`${RUN_SELECT} WHERE r.id = ?`).get(id) as RawRun | undefined;
    return row ? this.withResults([row])[0] : undefined;
  }

  /** Newest first. */
  runs(filter: { serial?: string | undefined; site?: string | undefined; jobId?: number | undefined }, limit: number): DiagRun[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (clause: string, arg: string | number | undefined) => {
      if (arg === undefined) return;
      where.push(clause);
      args.push(arg);
    };
    add('r.serial = ?', filter.serial);
    add('r.site = ?', filter.site);
    add('s.job_id = ?', filter.jobId);
    const rows = this.db.prepare(`${RUN_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY r.id DESC LIMIT ?`).all(...args, limit) as RawRun[];
    return this.withResults(rows);
  }

  /** The newest finished run of the appliance before `beforeId` whose status is OK. */
  lastGood(serial: string, beforeId: number): DiagRun | undefined {
    const row = this.db.prepare(`${RUN_SELECT} WHERE r.serial = ? AND r.id < ? AND r.status = 'OK' ORDER BY r.id DESC LIMIT 1`).get(serial, beforeId) as RawRun | undefined;
    return row ? this.withResults([row])[0] : undefined;
  }

  private withResults(rows: RawRun[]): DiagRun[] {
    if (rows.length === 0) return [];
    const results = this.db
      .prepare(`SELECT * FROM diag_results WHERE run_id IN (${rows.map(() => '?').join(',')}) ORDER BY run_id, position`)
      .all(...rows.map((r) => r.id)) as RawResult[];
    const byRun = new Map<number, CheckResult[]>();
    for (const r of results) {
      let list = byRun.get(r.run_id);
      if (!list) byRun.set(r.run_id, (list = []));
      list.push(toResult(r));
    }
    return rows.map((r) => ({
      id: r.id,
      jobId: r.job_id,
      serial: r.serial,
      site: r.site,
      actor: r.actor,
      checks: JSON.parse(r.checks) as DiagCheck[],
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      status: r.status,
      results: byRun.get(r.id) ?? [],
    }));
  }
}
