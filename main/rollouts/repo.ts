/** The rollouts domain's SQL: rollouts, their frozen targets and the targets' timelines. */
import type { Db } from '../store/db';
import type { Counts, RolloutApplianceState, RolloutPhase, RolloutState, TimelineEntry } from './contract';

export interface RolloutRow {
  id: number;
  image: string;
  image_sha256: string;
  state: RolloutState;
  phase: RolloutPhase;
  current_wave: number;
  wave_count: number;
  wave_started_at: string | null;
  plan: string;
  selection: string;
  note: string | null;
  failure_budget: number;
  job_id: number | null;
  created_at: string;
  created_by: string;
  started_at: string | null;
  finished_at: string | null;
  reason_code: string | null;
  reason_message: string | null;
  judgement: string | null;
}

export type RolloutPatch = Partial<
  Pick<RolloutRow, 'state' | 'phase' | 'current_wave' | 'wave_started_at' | 'job_id' | 'started_at' | 'finished_at' | 'reason_code' | 'reason_message' | 'judgement'>
>;

export interface TargetRow {
  rollout_id: number;
  serial: string;
  site: string;
  partner: string;
  model: string;
  nic_gbps: number;
  wave: number;
  state: RolloutApplianceState;
  step: string;
  outcome: string | null;
  from_version: string | null;
  holding: number;
  cleanup: number;
  admitted_at: string | null;
  error_code: string | null;
  message: string | null;
  updated_at: string | null;
}

export type TargetPatch = Partial<Pick<TargetRow, 'state' | 'step' | 'outcome' | 'from_version' | 'holding' | 'cleanup' | 'admitted_at' | 'error_code' | 'message' | 'updated_at'>>;

const ROLLOUT_COLUMNS = new Set(['state', 'phase', 'current_wave', 'wave_started_at', 'job_id', 'started_at', 'finished_at', 'reason_code', 'reason_message', 'judgement']);
const TARGET_COLUMNS = new Set(['state', 'step', 'outcome', 'from_version', 'holding', 'cleanup', 'admitted_at', 'error_code', 'message', 'updated_at']);

function setClause(patch: Record<string, unknown>, allowed: ReadonlySet<string>): string {
  const keys = Object.keys(patch).filter((k) => patch[k] !== undefined);
  for (const k of keys) if (!allowed.has(k)) throw new Error(`not a column: ${k}`);
  return keys.map((k) => `${k} = @${k}`).join(', ');
}

const COUNT_SQL = `
  COUNT(*) AS total,
  SUM(state = 'ok') AS ok,
  SUM(state = 'failed') AS failed,
  SUM(state = 'in-flight') AS inFlight,
  SUM(state = 'waiting') AS waiting,
  SUM(state IN ('pending', 'staging')) AS pending,
  SUM(state = 'cancelled') AS cancelled`;

const toCounts = (r: Record<string, number | null>): Counts => ({
  total: r['total'] ?? 0,
  ok: r['ok'] ?? 0,
  failed: r['failed'] ?? 0,
  inFlight: r['inFlight'] ?? 0,
  waiting: r['waiting'] ?? 0,
  pending: r['pending'] ?? 0,
  cancelled: r['cancelled'] ?? 0,
});

export const ACTIVE_STATES: readonly RolloutState[] = ['running', 'paused', 'awaiting-approval', 'aborting'];

export class RolloutsRepo {
  constructor(private readonly db: Db) {}

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  insert(row: Omit<RolloutRow, 'id'>, targets: ReadonlyArray<Omit<TargetRow, 'rollout_id'>>): number {
    const id = Number(
      this.db
        .prepare(
          `INSERT INTO rollouts (image, image_sha256, state, phase, current_wave, wave_count, wave_started_at, plan, selection, note, failure_budget,
             job_id, created_at, created_by, started_at, finished_at, reason_code, reason_message, judgement)
           VALUES (@image, @image_sha256, @state, @phase, @current_wave, @wave_count, @wave_started_at, @plan, @selection, @note, @failure_budget,
             @job_id, @created_at, @created_by, @started_at, @finished_at, @reason_code, @reason_message, @judgement)`,
        )
        .run(row).lastInsertRowid,
    );
    const ins = this.db.prepare(
      `INSERT INTO rollout_targets (rollout_id, serial, site, partner, model, nic_gbps, wave, state, step, outcome, from_version, holding, cleanup,
         admitted_at, error_code, message, updated_at)
       VALUES (@rollout_id, @serial, @site, @partner, @model, @nic_gbps, @wave, @state, @step, @outcome, @from_version, @holding, @cleanup,
         @admitted_at, @error_code, @message, @updated_at)`,
    );
    for (const t of targets) ins.run({ ...t, rollout_id: id });
    return id;
  }

  rollout(id: number): RolloutRow | undefined {
    return this.db.prepare('SELECT * FROM rollouts WHERE id = ?').get(id) as RolloutRow | undefined;
  }

  list(limit: number, state?: RolloutState): RolloutRow[] {
    return state
      ? (this.db.prepare('SELECT * FROM rollouts WHERE state = ? ORDER BY id DESC LIMIT ?').all(state, limit) as RolloutRow[])
      : (this.db.prepare('SELECT * FROM rollouts ORDER BY id DESC LIMIT ?').all(limit) as RolloutRow[]);
  }

  active(): RolloutRow[] {
    return this.db.prepare(`SELECT * FROM rollouts WHERE state IN (${ACTIVE_STATES.map(() => '?').join(',')}) ORDER BY id`).all(...ACTIVE_STATES) as RolloutRow[];
  }

  byJob(jobId: number): RolloutRow | undefined {
    return this.db.prepare('SELECT * FROM rollouts WHERE job_id = ?').get(jobId) as RolloutRow | undefined;
  }

  update(id: number, patch: RolloutPatch): void {
    const set = setClause(patch, ROLLOUT_COLUMNS);
    if (!set) return;
    this.db.prepare(`UPDATE rollouts SET ${set} WHERE id = @id`).run({ ...patch, id });
  }

  targets(id: number): TargetRow[] {
    return this.db.prepare('SELECT * FROM rollout_targets WHERE rollout_id = ? ORDER BY wave, serial').all(id) as TargetRow[];
  }

  target(id: number, serial: string): TargetRow | undefined {
    return this.db.prepare('SELECT * FROM rollout_targets WHERE rollout_id = ? AND serial = ?').get(id, serial) as TargetRow | undefined;
  }

  updateTarget(id: number, serial: string, patch: TargetPatch): void {
    const set = setClause(patch, TARGET_COLUMNS);
    if (!set) return;
    this.db.prepare(`UPDATE rollout_targets SET ${set} WHERE rollout_id = @rollout_id AND serial = @serial`).run({ ...patch, rollout_id: id, serial });
  }

  /** Targets not ended yet become cancelled (an aborted or stopped rollout). */
  cancelUnfinished(id: number, at: string, code: string, message: string): number {
    return this.db
      .prepare(
        `UPDATE rollout_targets SET state = 'cancelled', error_code = ?, message = ?, updated_at = ?
         WHERE rollout_id = ? AND state IN ('pending', 'staging', 'waiting') AND holding = 0`,
      )
      .run(code, message, at, id).changes;
  }

  /** Failed targets start over (retry): pending at the first step. */
  resetFailed(id: number, at: string): string[] {
    const serials = (this.db.prepare(`SELECT serial FROM rollout_targets WHERE rollout_id = ? AND state IN ('failed', 'cancelled')`).all(id) as { serial: string }[]).map((r) => r.serial);
    this.db
      .prepare(
        `UPDATE rollout_targets SET state = 'pending', step = 'stage', outcome = NULL, cleanup = 0, error_code = NULL, message = NULL, updated_at = ?
         WHERE rollout_id = ? AND state IN ('failed', 'cancelled')`,
      )
      .run(at, id);
    return serials;
  }

  counts(id: number): Counts {
    return toCounts(this.db.prepare(`SELECT ${COUNT_SQL} FROM rollout_targets WHERE rollout_id = ?`).get(id) as Record<string, number | null>);
  }

  /** Targets not ended yet (for the wave gates): wave, site, and whether work on it is under way. */
  unended(id: number): Array<{ wave: number; site: string; admitted: boolean }> {
    return (
      this.db
        .prepare(`SELECT wave, site, holding, cleanup, state FROM rollout_targets WHERE rollout_id = ? AND state NOT IN ('ok', 'failed', 'cancelled')`)
        .all(id) as Array<{ wave: number; site: string; holding: number; cleanup: number; state: string }>
    ).map((r) => ({ wave: r.wave, site: r.site, admitted: r.holding === 1 || r.cleanup === 1 || r.state === 'in-flight' }));
  }

  countsByWave(id: number): Array<Counts & { wave: number }> {
    return (this.db.prepare(`SELECT wave, ${COUNT_SQL} FROM rollout_targets WHERE rollout_id = ? GROUP BY wave ORDER BY wave`).all(id) as Array<Record<string, number>>).map((r) => ({
      ...toCounts(r),
      wave: r['wave']!,
    }));
  }

  countsBySite(id: number): Array<Counts & { site: string; partner: string }> {
    return (this.db.prepare(`SELECT site, partner, ${COUNT_SQL} FROM rollout_targets WHERE rollout_id = ? GROUP BY site ORDER BY site`).all(id) as Array<Record<string, number | string>>).map((r) => ({
      ...toCounts(r as Record<string, number>),
      site: String(r['site']),
      partner: String(r['partner']),
    }));
  }

  page(id: number, offset: number, limit: number, filter: { state?: readonly string[] | undefined; site?: string | undefined; wave?: number | undefined }): { total: number; items: TargetRow[] } {
    const where = ['rollout_id = @id'];
    const params: Record<string, unknown> = { id, offset, limit };
    if (filter.state) {
      filter.state.forEach((s, i) => (params[`s${i}`] = s));
      where.push(`state IN (${filter.state.map((_, i) => `@s${i}`).join(',')})`);
    }
    if (filter.site !== undefined) {
      params['site'] = filter.site;
      where.push('site = @site COLLATE NOCASE');
    }
    if (filter.wave !== undefined) {
      params['wave'] = filter.wave;
      where.push('wave = @wave');
    }
    const w = where.join(' AND ');
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM rollout_targets WHERE ${w}`).get(params) as { n: number }).n;
    const items = this.db.prepare(`SELECT * FROM rollout_targets WHERE ${w} ORDER BY wave, serial LIMIT @limit OFFSET @offset`).all(params) as TargetRow[];
    return { total, items };
  }

  /** Appliances out of service for an active rollout now (health shows them as expected). */
  inFlight(): Array<{ rollout_id: number; serial: string; step: string }> {
    return this.db
      .prepare(
        `SELECT t.rollout_id, t.serial, t.step FROM rollout_targets t JOIN rollouts r ON r.id = t.rollout_id
         WHERE t.state = 'in-flight' AND r.state IN (${ACTIVE_STATES.map(() => '?').join(',')})`,
      )
      .all(...ACTIVE_STATES) as Array<{ rollout_id: number; serial: string; step: string }>;
  }

  /** Appliances at a site holding a place in its limit for any active rollout. */
  holdingAt(site: string): string[] {
    return (
      this.db
        .prepare(
          `SELECT t.serial FROM rollout_targets t JOIN rollouts r ON r.id = t.rollout_id
           WHERE t.site = ? AND t.holding = 1 AND r.state IN (${ACTIVE_STATES.map(() => '?').join(',')})`,
        )
        .all(site, ...ACTIVE_STATES) as { serial: string }[]
    ).map((r) => r.serial);
  }

  /** Serials of every active rollout's targets that are not ended (a judgement's baseline leaves them out when in flight). */
  admittedInWave(id: number, wave: number): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM rollout_targets WHERE rollout_id = ? AND wave = ? AND admitted_at IS NOT NULL').get(id, wave) as { n: number }).n;
  }

  /** Of these serials, those that are targets of another active rollout (with its id). */
  inActiveRollouts(serials: readonly string[], except: number | null = null): Array<{ serial: string; rollout_id: number }> {
    const active = new Map<string, number>();
    for (const r of this.db
      .prepare(
        `SELECT t.serial, t.rollout_id FROM rollout_targets t JOIN rollouts r ON r.id = t.rollout_id
         WHERE r.state IN ('created', ${ACTIVE_STATES.map(() => '?').join(',')}) AND t.state NOT IN ('ok', 'failed', 'cancelled')`,
      )
      .all(...ACTIVE_STATES) as Array<{ serial: string; rollout_id: number }>) {
      if (r.rollout_id !== except) active.set(r.serial, r.rollout_id);
    }
    return serials.filter((s) => active.has(s)).map((serial) => ({ serial, rollout_id: active.get(serial)! }));
  }

  stepStart(id: number, serial: string, step: string, at: string): number {
    return Number(
      this.db.prepare(`INSERT INTO rollout_steps (rollout_id, serial, step, state, started_at) VALUES (?, ?, ?, 'running', ?)`).run(id, serial, step, at).lastInsertRowid,
    );
  }

  stepEnd(stepId: number, state: 'ok' | 'failed' | 'cancelled', at: string, errorCode: string | null, message: string | null): void {
    this.db.prepare('UPDATE rollout_steps SET state = ?, ended_at = ?, error_code = ?, message = ? WHERE id = ?').run(state, at, errorCode, message, stepId);
  }

  /** A step left running by a process that died: the step's start time (reconcile compares boots with it). */
  lastStep(id: number, serial: string): { id: number; step: string; state: string; started_at: string } | undefined {
    return this.db.prepare('SELECT id, step, state, started_at FROM rollout_steps WHERE rollout_id = ? AND serial = ? ORDER BY id DESC LIMIT 1').get(id, serial) as
      | { id: number; step: string; state: string; started_at: string }
      | undefined;
  }

  timeline(id: number, serial: string): TimelineEntry[] {
    return (
      this.db.prepare('SELECT step, state, started_at, ended_at, error_code, message FROM rollout_steps WHERE rollout_id = ? AND serial = ? ORDER BY id').all(id, serial) as Array<{
        step: TimelineEntry['step'];
        state: TimelineEntry['state'];
        started_at: string;
        ended_at: string | null;
        error_code: string | null;
        message: string | null;
      }>
    ).map((r) => ({ step: r.step, state: r.state, startedAt: r.started_at, endedAt: r.ended_at, errorCode: r.error_code, message: r.message }));
  }
}
