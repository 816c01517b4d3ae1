/**
 * The audit log as a service every domain shares. `append` writes inside the caller's transaction
 * (same database connection, so the entry commits or rolls back with the change); `record` wraps a
 * change and its entry in one transaction of its own.
 */
import { isoAt, type Clock } from '../kit/time';
import type { Db } from '../store/db';
import type { AuditEntry, AuditInput, AuditQuery } from './contract';
import { AuditRepo } from './repo';

export type AuditRecord = Omit<AuditInput, 'at'>;

export class AuditLog {
  private readonly repo: AuditRepo;

  constructor(
    db: Db,
    private readonly clock: Clock,
  ) {
    this.repo = new AuditRepo(db);
  }

  /** Append one entry; `at` defaults to now. Call it inside the transaction that makes the change. */
  append(entry: AuditRecord & { at?: string }): void {
    this.repo.append({ ...entry, at: entry.at ?? isoAt(this.clock) });
  }

  /**
   * Make a change and its entry in one transaction: `change` runs first (its own SQL through its
   * own repo, on the same database); if it throws, nothing is written. Returns what it returned.
   */
  record<T>(entry: AuditRecord, change: () => T): T {
    const at = isoAt(this.clock);
    return this.repo.transaction(() => {
      const result = change();
      this.repo.append({ ...entry, at });
      return result;
    });
  }

  /** Newest first. */
  list(q: AuditQuery): AuditEntry[] {
    return this.repo.list(q);
  }

  /** Each target's newest entry among `actions` (one query for the whole set), by target; targets with none are absent. */
  latestByTarget(targets: readonly string[], actions: readonly string[]): Map<string, AuditEntry> {
    return new Map(this.repo.latestPerTarget(targets, actions).map((e) => [e.target, e]));
  }
}
