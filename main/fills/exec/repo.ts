/** SQL of fill execution: fill runs and each appliance's progress in a run. */
import type { Db } from '../../store/db';
import type { ApplianceProgress, SiteFillPlan } from './contract';

export type RunState = 'planned' | 'running' | 'done' | 'failed' | 'cancelled';
export type Phase = ApplianceProgress['phase'];

export interface RunRow {
  id: number;
  site: string;
  day: string;
  placementId: string | null;
  state: RunState;
  jobId: number | null;
  outOfCycle: boolean;
  plan: SiteFillPlan;
  createdAt: string;
  createdBy: string;
}

interface RawRun {
  id: number;
  site: string;
  day: string;
  placement_id: string | null;
  state: RunState;
  job_id: number | null;
  out_of_cycle: number;
  plan: string;
  created_at: string;
  created_by: string;
}

interface RawProgress {
  serial: string;
  phase: Phase;
  fill_ids: string;
  bytes_total: number;
  bytes_done: number;
  rate_gbps: number;
  retries: number;
  message: string | null;
  updated_at: string;
}

const toRun = (r: RawRun): RunRow => ({
  id: r.id,
  site: r.site,
  day: r.day,
  placementId: r.placement_id,
  state: r.state,
  jobId: r.job_id,
  outOfCycle: r.out_of_cycle === 1,
  plan: JSON.parse(r.plan) as SiteFillPlan,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

export class FillRunsRepo {
  constructor(private readonly db: Db) {}

  /** A new run with every appliance of its plan at `planned`, in one transaction. */
  create(plan: SiteFillPlan, placementId: string | null, at: string, actor: string): number {
    return this.db.transaction(() => {
      const id = Number(
        this.db
          .prepare(
            `INSERT INTO fill_runs (site, day, placement_id, state, out_of_cycle, plan, created_at, created_by)
             VALUES (?, ?, ?, 'planned', ?, ?, ?, ?)`,
          )
          .run(plan.site, plan.day, placementId, plan.outOfCycle ? 1 : 0, JSON.stringify(plan), at, actor).lastInsertRowid,
      );
      const insert = this.db.prepare(
        `INSERT INTO fill_progress (run_id, serial, phase, bytes_total, rate_gbps, updated_at) VALUES (?, ?, 'planned', ?, ?, ?)`,
      );
      for (const a of plan.appliances) insert.run(id, a.serial, a.fillBytes, a.rateGbps, at);
      return id;
    })();
  }

  get(id: number): RunRow | null {
    const r = this.db.prepare('SELECT * FROM fill_runs WHERE id = ?').get(id) as RawRun | undefined;
    return r ? toRun(r) : null;
  }

  byJob(jobId: number): RunRow | null {
    const r = this.db.prepare('SELECT * FROM fill_runs WHERE job_id = ?').get(jobId) as RawRun | undefined;
    return r ? toRun(r) : null;
  }

  list(site: string | undefined, limit: number): RunRow[] {
    const rows = (
      site
        ? this.db.prepare('SELECT * FROM fill_runs WHERE site = ? ORDER BY id DESC LIMIT ?').all(site, limit)
        : this.db.prepare('SELECT * FROM fill_runs ORDER BY id DESC LIMIT ?').all(limit)
    ) as RawRun[];
    return rows.map(toRun);
  }

  /** Runs still marked running (their job decides how they end). */
  running(): RunRow[] {
    return (this.db.prepare(`SELECT * FROM fill_runs WHERE state = 'running'`).all() as RawRun[]).map(toRun);
  }

  setJob(id: number, jobId: number): void {
    this.db.prepare(`UPDATE fill_runs SET job_id = ?, state = 'running' WHERE id = ?`).run(jobId, id);
  }

  setState(id: number, state: RunState): void {
    this.db.prepare('UPDATE fill_runs SET state = ? WHERE id = ?').run(state, id);
  }

  progress(id: number): ApplianceProgress[] {
    const rows = this.db.prepare('SELECT * FROM fill_progress WHERE run_id = ? ORDER BY serial').all(id) as RawProgress[];
    return rows.map((r) => ({
      serial: r.serial,
      phase: r.phase,
      fillIds: JSON.parse(r.fill_ids) as string[],
      bytesTotal: r.bytes_total,
      bytesDone: r.bytes_done,
      rateGbps: r.rate_gbps,
      retries: r.retries,
      message: r.message,
      updatedAt: r.updated_at,
    }));
  }

  totals(id: number): { bytesTotal: number; bytesDone: number; verified: number; failed: number } {
    return this.db
      .prepare(
        `SELECT COALESCE(SUM(bytes_total), 0) AS bytesTotal, COALESCE(SUM(bytes_done), 0) AS bytesDone,
                COALESCE(SUM(phase = 'verified'), 0) AS verified, COALESCE(SUM(phase = 'failed'), 0) AS failed
         FROM fill_progress WHERE run_id = ?`,
      )
      .get(id) as { bytesTotal: number; bytesDone: number; verified: number; failed: number };
  }

  update(
    id: number,
    serial: string,
    patch: { phase?: Phase; fillIds?: string[]; bytesDone?: number; rateGbps?: number; retries?: number; message?: string | null },
    at: string,
  ): void {
    this.db
      .prepare(
        `UPDATE fill_progress SET
           phase = COALESCE(@phase, phase),
           fill_ids = COALESCE(@fillIds, fill_ids),
           bytes_done = COALESCE(@bytesDone, bytes_done),
           rate_gbps = COALESCE(@rateGbps, rate_gbps),
           retries = COALESCE(@retries, retries),
           message = CASE WHEN @setMessage THEN @message ELSE message END,
           updated_at = @at
         WHERE run_id = @id AND serial = @serial`,
      )
      .run({
        id,
        serial,
        at,
        phase: patch.phase ?? null,
        fillIds: patch.fillIds ? JSON.stringify(patch.fillIds) : null,
        bytesDone: patch.bytesDone ?? null,
        rateGbps: patch.rateGbps ?? null,
        retries: patch.retries ?? null,
        setMessage: patch.message !== undefined ? 1 : 0,
        message: patch.message ?? null,
      });
  }
}
