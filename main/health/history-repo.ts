/**
 * The metrics history's SQL (main/health/history.ts decides what goes in): one row per appliance,
 * tier and bucket, the bucket's points packed in one compressed blob.
 */
import type { Db } from '../store/db';

export interface HistoryBlobRow {
  serial: string;
  tier: number;
  bucket: number;
  points: Buffer;
}

export class HistoryRepo {
  private readonly getOne;
  private readonly put;
  private readonly range;

  constructor(private readonly db: Db) {
    this.getOne = db.prepare('SELECT points FROM health_history WHERE serial = ? AND tier = ? AND bucket = ?').pluck();
    this.put = db.prepare(
      `INSERT INTO health_history (serial, tier, bucket, points) VALUES (@serial, @tier, @bucket, @points)
       ON CONFLICT(serial, tier, bucket) DO UPDATE SET points = excluded.points`,
    );
    this.range = db.prepare('SELECT serial, tier, bucket, points FROM health_history WHERE serial = ? AND tier = ? AND bucket BETWEEN ? AND ? ORDER BY bucket');
  }

  blob(serial: string, tier: number, bucket: number): Buffer | null {
    return (this.getOne.get(serial, tier, bucket) as Buffer | undefined) ?? null;
  }

  buckets(serial: string, tier: number, from: number, to: number): HistoryBlobRow[] {
    return this.range.all(serial, tier, from, to) as HistoryBlobRow[];
  }

  /** Write these buckets in one transaction. */
  save(rows: readonly HistoryBlobRow[]): void {
    this.db.transaction(() => {
      for (const r of rows) this.put.run(r);
    })();
  }

  /** Buckets of a tier before `bucket` (every appliance), oldest first, a page at a time. */
  bucketsBefore(tier: number, bucket: number, limit: number): HistoryBlobRow[] {
    return this.db
      .prepare('SELECT serial, tier, bucket, points FROM health_history WHERE tier = ? AND bucket < ? ORDER BY bucket, serial LIMIT ?')
      .all(tier, bucket, limit) as HistoryBlobRow[];
  }

  delete(rows: readonly Pick<HistoryBlobRow, 'serial' | 'tier' | 'bucket'>[]): void {
    const del = this.db.prepare('DELETE FROM health_history WHERE serial = ? AND tier = ? AND bucket = ?');
    this.db.transaction(() => {
      for (const r of rows) del.run(r.serial, r.tier, r.bucket);
    })();
  }

  deleteBefore(tier: number, bucket: number): number {
    return this.db.prepare('DELETE FROM health_history WHERE tier = ? AND bucket < ?').run(tier, bucket).changes;
  }

  deleteSerials(serials: readonly string[]): void {
    const del = this.db.prepare('DELETE FROM health_history WHERE serial = ?');
    this.db.transaction(() => {
      for (const s of serials) del.run(s);
    })();
  }

  /** Rows and bytes of the stored blobs (what the history costs on disk, before SQLite's page overhead). */
  size(): { rows: number; blobBytes: number } {
    const r = this.db.prepare('SELECT count(*) AS rows, coalesce(sum(length(points)), 0) AS blobBytes FROM health_history').get() as { rows: number; blobBytes: number };
    return r;
  }
}
