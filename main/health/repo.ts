/** The health domain's SQL: the latest state per appliance, thresholds per model. */
import type { Db } from '../store/db';
import type { ApplianceModel } from '../inventory/contract';
import { HealthRecord } from './assess';

interface LatestRow {
  serial: string;
  measured_at: string | null;
  last_poll_at: string | null;
  error_code: string | null;
  error_message: string | null;
  failures: number;
  components: string;
  metrics: string | null;
  since: string;
}

export class HealthRepo {
  private readonly upsert;

  constructor(private readonly db: Db) {
    this.upsert = db.prepare(
      `INSERT INTO health_latest (serial, measured_at, last_poll_at, error_code, error_message, failures, components, metrics, since)
       VALUES (@serial, @measured_at, @last_poll_at, @error_code, @error_message, @failures, @components, @metrics, @since)
       ON CONFLICT(serial) DO UPDATE SET measured_at = excluded.measured_at, last_poll_at = excluded.last_poll_at,
         error_code = excluded.error_code, error_message = excluded.error_message, failures = excluded.failures,
         components = excluded.components, metrics = excluded.metrics, since = excluded.since`,
    );
  }

  /** Changes when another connection (another process on this data dir) commits; not for our own writes. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** Every stored record; rows that no longer parse are skipped and reported by serial. */
  records(): { records: HealthRecord[]; unreadable: string[] } {
    const records: HealthRecord[] = [];
    const unreadable: string[] = [];
    for (const row of this.db.prepare('SELECT * FROM health_latest').all() as LatestRow[]) {
      try {
        const parsed = HealthRecord.safeParse({
          serial: row.serial,
          measuredAt: row.measured_at,
          lastPollAt: row.last_poll_at,
          lastError: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
          failures: row.failures,
          components: JSON.parse(row.components) as unknown,
          metrics: row.metrics === null ? null : (JSON.parse(row.metrics) as unknown),
          since: JSON.parse(row.since) as unknown,
        });
        if (parsed.success) records.push(parsed.data);
        else unreadable.push(row.serial);
      } catch {
        unreadable.push(row.serial);
      }
    }
    return { records, unreadable };
  }

  /** Write the latest state of these appliances in one transaction. */
  saveRecords(records: readonly HealthRecord[]): void {
    this.db.transaction(() => {
      for (const r of records) {
        this.upsert.run({
          serial: r.serial,
          measured_at: r.measuredAt,
          last_poll_at: r.lastPollAt,
          error_code: r.lastError?.code ?? null,
          error_message: r.lastError?.message ?? null,
          failures: r.failures,
          components: JSON.stringify(r.components),
          metrics: r.metrics === null ? null : JSON.stringify(r.metrics),
          since: JSON.stringify(r.since),
        });
      }
    })();
  }

  deleteRecords(serials: readonly string[]): void {
    const del = this.db.prepare('DELETE FROM health_latest WHERE serial = ?');
    this.db.transaction(() => {
      for (const s of serials) del.run(s);
    })();
  }

  thresholds(): { model: ApplianceModel; value: unknown }[] {
    return (this.db.prepare('SELECT model, value FROM health_thresholds ORDER BY model').all() as { model: ApplianceModel; value: string }[]).map((r) => ({
      model: r.model,
      value: JSON.parse(r.value) as unknown,
    }));
  }

  setThresholds(model: ApplianceModel, value: unknown, at: string, actor: string): void {
    this.db
      .prepare(
        `INSERT INTO health_thresholds (model, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
         ON CONFLICT(model) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run(model, JSON.stringify(value), at, actor);
  }

}
