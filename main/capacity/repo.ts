/** The capacity domain's SQL, and only here. */
import type { Db } from '../store/db';
import type { DailyPeak } from './contract';

export interface PeakWrite {
  site: string;
  day: string;
  peakGbps: number;
  capacityGbps: number;
  source: 'polled' | 'lab';
}

export class CapacityRepo {
  constructor(private readonly db: Db) {}

  /** Keeps the day's highest peak (and the capacity seen with the latest write). */
  recordPeaks(rows: readonly PeakWrite[]): void {
    const upsert = this.db.prepare<[string, string, number, number, string]>(
      `INSERT INTO site_daily_peaks (site, day, peak_gbps, capacity_gbps, source) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (site, day) DO UPDATE SET peak_gbps = max(peak_gbps, excluded.peak_gbps), capacity_gbps = excluded.capacity_gbps`,
    );
    this.db.transaction(() => {
      for (const r of rows) upsert.run(r.site, r.day, r.peakGbps, r.capacityGbps, r.source);
    })();
  }

  /** Generated history replaces what a site had (the lab writes it once per start). */
  replaceHistory(site: string, rows: readonly PeakWrite[]): void {
    this.db.transaction(() => {
      this.db.prepare<[string]>(`DELETE FROM site_daily_peaks WHERE site = ?`).run(site);
      this.recordPeaks(rows);
    })();
  }

  peaks(site: string, fromDay: string): DailyPeak[] {
    return this.db
      .prepare<[string, string], DailyPeak>(
        `SELECT day, peak_gbps AS peakGbps, capacity_gbps AS capacityGbps FROM site_daily_peaks WHERE site = ? AND day >= ? ORDER BY day`,
      )
      .all(site, fromDay);
  }

  /** The forecast kept for a site, if it was fitted to the input `inputKey` names (else undefined). */
  keptForecast(site: string, inputKey: string): string | undefined {
    return this.db
      .prepare<[string, string], { forecast: string }>(`SELECT forecast FROM capacity_forecasts WHERE site = ? AND input_key = ?`)
      .get(site, inputKey)?.forecast;
  }

  /** Keeps a site's latest forecast (one per site: a newer input replaces it). */
  keepForecast(site: string, inputKey: string, forecast: string): void {
    this.db
      .prepare<[string, string, string]>(
        `INSERT INTO capacity_forecasts (site, input_key, forecast) VALUES (?, ?, ?)
         ON CONFLICT (site) DO UPDATE SET input_key = excluded.input_key, forecast = excluded.forecast`,
      )
      .run(site, inputKey, forecast);
  }

  hasHistory(site: string): boolean {
    return this.db.prepare<[string], { n: number }>(`SELECT count(*) AS n FROM site_daily_peaks WHERE site = ?`).get(site)!.n > 0;
  }
}
