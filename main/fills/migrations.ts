/**
 * The fills domain's schema: the catalog, per-site daily demand, and stored plans (each site's
 * placement: per appliance, the titles it should hold with their forecast value, as packed arrays).
 * Never edit a released migration: add the next version here and list it in main/migrations.ts.
 */
import type { Migration } from '../store/migrations';

export const fillsMigrations: readonly Migration[] = [
  {
    version: 9,
    name: 'fills: catalog, demand logs and placement plans',
    sql: `
      CREATE TABLE fills_catalog (
        id INTEGER PRIMARY KEY,
        content_id TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        bytes INTEGER NOT NULL CHECK (bytes > 0),
        kind TEXT NOT NULL,
        -- days since 1970-01-01
        release_day INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE fills_demand (
        site TEXT NOT NULL,
        -- days since 1970-01-01 (the site's local day)
        day INTEGER NOT NULL,
        title_id INTEGER NOT NULL REFERENCES fills_catalog(id),
        bytes INTEGER NOT NULL CHECK (bytes >= 0),
        plays INTEGER NOT NULL CHECK (plays >= 0),
        PRIMARY KEY (site, day, title_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE fills_plans (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
      ) STRICT;

      CREATE TABLE fills_plan_sites (
        plan_id INTEGER NOT NULL REFERENCES fills_plans(id) ON DELETE CASCADE,
        site TEXT NOT NULL,
        day TEXT NOT NULL,
        -- SitePlanSummary as JSON
        summary TEXT NOT NULL,
        PRIMARY KEY (plan_id, site)
      ) STRICT;
      CREATE INDEX fills_plan_sites_by_site ON fills_plan_sites (site, plan_id);

      CREATE TABLE fills_plan_appliances (
        plan_id INTEGER NOT NULL REFERENCES fills_plans(id) ON DELETE CASCADE,
        site TEXT NOT NULL,
        serial TEXT NOT NULL,
        kind TEXT NOT NULL,
        capacity_bytes INTEGER NOT NULL,
        used_bytes INTEGER NOT NULL,
        -- fills_catalog ids, int32 little-endian, most valuable first
        titles BLOB NOT NULL,
        -- forecast bytes per day served from each, float64 little-endian
        vals BLOB NOT NULL,
        PRIMARY KEY (plan_id, serial)
      ) STRICT;
    `,
  },
];
