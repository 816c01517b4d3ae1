/**
 * The capacity domain's schema: each site's daily serving peak and its serving capacity that day.
 * Never edit a released migration: add the next version here and list it in main/migrations.ts.
 */
import type { Migration } from '../store/migrations';

export const capacityMigrations: readonly Migration[] = [
  {
    version: 15,
    name: 'capacity: daily serving peak and serving capacity per site',
    sql: `
      CREATE TABLE site_daily_peaks (
        site TEXT NOT NULL REFERENCES sites(code) ON DELETE CASCADE ON UPDATE CASCADE,
        day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
        peak_gbps REAL NOT NULL CHECK (peak_gbps >= 0),
        capacity_gbps REAL NOT NULL CHECK (capacity_gbps >= 0),
        source TEXT NOT NULL CHECK (source IN ('polled', 'lab')),
        PRIMARY KEY (site, day)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    // A second number for this branch (snap2 was assigned 19 only, used by terminal settings): the lead renumbers at merge.
    version: 18,
    name: 'capacity: each site\'s last forecast, kept by the history it was fitted to',
    sql: `
      CREATE TABLE capacity_forecasts (
        site TEXT PRIMARY KEY REFERENCES sites(code) ON DELETE CASCADE ON UPDATE CASCADE,
        input_key TEXT NOT NULL,
        forecast TEXT NOT NULL CHECK (json_valid(forecast))
      ) STRICT;
    `,
  },
];
