/** The audit log's SQL (the table and its append-only triggers are in migration 1). */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db';
import type { AuditEntry, AuditInput, AuditQuery } from './contract';

export class AuditRepo {
  private readonly insert: Statement<[string, string, string, string, string]>;
  private readonly lists = new Map<string, Statement<unknown[], Omit<AuditEntry, 'details'> & { details: string }>>();
  private readonly latest: Statement<[{ targets: string; actions: string }], Omit<AuditEntry, 'details'> & { details: string }>;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(`INSERT INTO audit_log (at, actor, action, target, details) VALUES (?, ?, ?, ?, ?)`);
    // Each target's newest matching id through the (target, id) index, then that row.
    this.latest = db.prepare(`SELECT a.id, a.at, a.actor, a.action, a.target, a.details FROM audit_log a
      JOIN (SELECT t.value AS target, (SELECT MAX(l.id) FROM audit_log l
              WHERE l.target = t.value AND l.action IN (SELECT value FROM json_each(@actions))) AS id
            FROM json_each(@targets) t) m ON a.id = m.id`);
  }

  append(e: AuditInput): void {
    this.insert.run(e.at, e.actor, e.action, e.target, JSON.stringify(e.details));
  }

  list(q: AuditQuery): AuditEntry[] {
    const where: string[] = [];
    const params: unknown[] = [];
    const inList = (column: string, values: readonly string[], not = false) => {
      where.push(`${column} ${not ? 'NOT IN' : 'IN'} (${values.map(() => '?').join(', ')})`);
      params.push(...values);
    };
    if (q.target !== undefined) {
      where.push('target = ?');
      params.push(q.target);
    }
    if (q.appliance !== undefined) {
      where.push('target = ?');
      params.push(`appliance:${q.appliance}`);
    }
    if (q.actor?.length) inList('actor', q.actor);
    if (q.excludeActor?.length) inList('actor', q.excludeActor, true);
    if (q.action?.length) inList('action', q.action);
    if (q.since !== undefined) {
      where.push('at >= ?');
      params.push(q.since);
    }
    if (q.until !== undefined) {
      where.push('at < ?');
      params.push(q.until);
    }
    if (q.beforeId !== undefined) {
      where.push('id < ?');
      params.push(q.beforeId);
    }
    const sql = `SELECT id, at, actor, action, target, details FROM audit_log
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    let stmt = this.lists.get(sql);
    if (!stmt) this.lists.set(sql, (stmt = this.db.prepare(sql)));
    return stmt.all(...params, q.limit).map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
  }

  /**
   * For each target, its newest entry (highest id) among `actions`, in one statement whatever the
   * number of targets (they go in as one JSON array); targets with none are absent.
   */
  latestPerTarget(targets: readonly string[], actions: readonly string[]): AuditEntry[] {
    if (targets.length === 0 || actions.length === 0) return [];
    return this.latest
      .all({ targets: JSON.stringify(targets), actions: JSON.stringify(actions) })
      .map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
