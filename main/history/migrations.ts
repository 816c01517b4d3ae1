/**
 * The history domain's schema: each site's summed metrics per minute and per fifteen minutes (the
 * series charts of sites, partners and the fleet are aggregated from it in SQL), and each installed
 * appliance's seconds serving, down and in maintenance per hour (availability).
 * Never edit a released migration: add the next version here and list it in main/migrations.ts.
 */
import type { Migration } from '../store/migrations';

/**
 * Assigned number 18 for this session. Written as the next consecutive number of this branch (16) because
 * gatherMigrations refuses gaps; the lead renumbers at merge.
 */
export const HISTORY_MIGRATION_VERSION = 16;

/** Origin traffic per site slot (session 5). */
const HISTORY_ORIGIN_MIGRATION_VERSION = 20;

export const historyMigrations: readonly Migration[] = [
  {
    version: HISTORY_MIGRATION_VERSION,
    name: 'history: site series per minute and quarter hour, availability seconds per appliance and hour',
    sql: `
      CREATE TABLE site_series (
        site TEXT NOT NULL REFERENCES sites(code) ON DELETE CASCADE ON UPDATE CASCADE,
        tier INTEGER NOT NULL CHECK (tier IN (1, 15)),
        -- The slot's first minute since the epoch.
        minute INTEGER NOT NULL,
        -- Every column below is a sum over the samples (sweeps) taken in the slot; divided by sweeps it is the slot's mean.
        sweeps INTEGER NOT NULL CHECK (sweeps > 0),
        serving_gbps REAL NOT NULL,
        -- Serving times hit ratio, summed over appliances: divided by serving it is the byte-weighted hit ratio.
        hit_gbps REAL NOT NULL,
        errors_per_sec REAL NOT NULL,
        appliances REAL NOT NULL,
        PRIMARY KEY (site, tier, minute)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE availability_hours (
        serial TEXT NOT NULL,
        site TEXT NOT NULL REFERENCES sites(code) ON DELETE CASCADE ON UPDATE CASCADE,
        -- Hours since the epoch.
        hour INTEGER NOT NULL,
        -- The appliance's serving capacity in that hour (its link times its model's serving share).
        capacity_gbps REAL NOT NULL CHECK (capacity_gbps >= 0),
        serving_sec REAL NOT NULL DEFAULT 0 CHECK (serving_sec >= 0),
        down_sec REAL NOT NULL DEFAULT 0 CHECK (down_sec >= 0),
        maintenance_sec REAL NOT NULL DEFAULT 0 CHECK (maintenance_sec >= 0),
        -- The last observation counted (ms since the epoch): the next one counts the time since.
        last_ms INTEGER NOT NULL,
        PRIMARY KEY (serial, hour)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX availability_hours_by_hour ON availability_hours (hour, site);
    `,
  },
  {
    version: HISTORY_ORIGIN_MIGRATION_VERSION,
    name: 'history: transit (origin Gbps) and the serving of the appliances that report it, per site slot',
    sql: `
      -- Sums over the slot's sweeps, like the columns before, of the appliances that report originGbps only.
      ALTER TABLE site_series ADD COLUMN origin_gbps REAL NOT NULL DEFAULT 0;
      ALTER TABLE site_series ADD COLUMN origin_serving_gbps REAL NOT NULL DEFAULT 0;
      -- How many appliance samples reported originGbps (0: transit not measured in this slot).
      ALTER TABLE site_series ADD COLUMN origin_reports REAL NOT NULL DEFAULT 0;
    `,
  },
];
