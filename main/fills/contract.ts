/**
 * Fills contract (model side): the catalog and demand logs a streaming service hands over, and
 * plans: per site and day, what each appliance should hold (placement-contract.ts), with the
 * forecast's offload against its bound and yesterday's forecast quality. Execution of the fills
 * (main/fills/exec/) builds on the plans.
 */
import { z } from 'zod';
import { method } from '../kit/contract';
import { ContentId, PlacementDay, SitePlacement } from './placement-contract';

export { ContentId, PlacementDay, SitePlacement };

export const CATALOG_KINDS = ['video', 'audio', 'subtitles', 'other'] as const;
export const CatalogKind = z.enum(CATALOG_KINDS, { message: `a kind is one of ${CATALOG_KINDS.join(', ')}` });

/** A real calendar day (2026-02-30 is refused). */
export const CalendarDay = PlacementDay.refine((d) => {
  const t = Date.parse(`${d}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === d;
}, 'not a calendar day');

/** Largest asset: 10 TB (an encode is gigabytes; this only refuses nonsense). */
const MAX_ASSET_BYTES = 1e13;

export const CatalogRow = z.strictObject({
  contentId: ContentId,
  title: z.string().min(1, 'title is required').max(300),
  bytes: z.number().int('bytes is a whole number').min(1, 'bytes must be at least 1').max(MAX_ASSET_BYTES, 'bytes is more than 10 TB'),
  kind: CatalogKind,
  releaseDate: CalendarDay,
});
export type CatalogRow = z.output<typeof CatalogRow>;

export const DemandRow = z
  .strictObject({
    /** A site code; or, instead, a region (see region.ts): its bytes are apportioned to the region's sites. */
    site: z.string().min(1).max(64).optional(),
    region: z.string().min(1).max(200).optional(),
    day: CalendarDay,
    contentId: ContentId,
    /** Bytes streamed that day; when left out, plays x the asset's size. */
    bytes: z.number().int('bytes is a whole number').min(0).max(1e18).optional(),
    plays: z.number().int('plays is a whole number').min(0).max(1e12).optional(),
  })
  .refine((r) => r.bytes !== undefined || r.plays !== undefined, { message: 'give bytes or plays', path: ['bytes'] })
  .refine((r) => (r.site === undefined) !== (r.region === undefined), { message: 'give a site or a region (one of them)', path: ['site'] });
export type DemandRow = z.output<typeof DemandRow>;

const LocalPath = z.string().min(1, 'name a file').max(4096);

export const CatalogImportReport = z.object({
  rows: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  titles: z.number().int(),
});
export type CatalogImportReport = z.infer<typeof CatalogImportReport>;

export const DemandImportReport = z.object({
  rows: z.number().int(),
  sites: z.array(z.string()),
  firstDay: z.string().nullable(),
  lastDay: z.string().nullable(),
  /** Site-days the file held: each replaces what was stored for that site and day. */
  siteDays: z.number().int(),
  /** Regions the file named (their rows apportioned to their sites), sorted. */
  regions: z.array(z.string()).default([]),
  bytes: z.number(),
});
export type DemandImportReport = z.infer<typeof DemandImportReport>;

export const ForecastQuality = z.object({
  /** The day judged: the last day of history before the plan's day. */
  day: z.string(),
  /** Share of that day's demand (bytes) the placement made from the forecast would have served. */
  hitRatio: z.number(),
  /** The same for the placement an oracle knowing the day's demand would have made. */
  oracleHitRatio: z.number(),
  /** Bytes that placement would have filled relative to the day before's. */
  churnBytes: z.number(),
});
export type ForecastQuality = z.infer<typeof ForecastQuality>;

export const SitePlanSummary = z.object({
  site: z.string(),
  day: z.string(),
  appliances: z.number().int(),
  capacityBytes: z.number(),
  /** Days of demand history the forecast used. */
  historyDays: z.number().int(),
  titles: z.number().int(),
  copies: z.number().int(),
  placedBytes: z.number(),
  /** Forecast demand of the day (bytes). */
  forecastBytes: z.number(),
  /** Share of the forecast demand the placement serves from the site. */
  offload: z.number(),
  /** Fractional-knapsack bound on that share over the site's capacity. */
  bound: z.number(),
  /** Bytes to fill relative to the site's previous plan (all placed bytes when there is none). */
  churnBytes: z.number(),
  previousPlanId: z.number().int().nullable(),
  dropped: z.number().int(),
  quality: ForecastQuality.nullable(),
});
export type SitePlanSummary = z.infer<typeof SitePlanSummary>;

export const Plan = z.object({
  id: z.number().int(),
  createdAt: z.string(),
  createdBy: z.string(),
  sites: z.array(SitePlanSummary),
});
export type Plan = z.infer<typeof Plan>;

export const PlanRequest = z.object({
  /** One site; all sites with demand history when left out. */
  site: z.string().min(1).max(64).optional(),
  /** The day to plan for; default: tomorrow in each site's time zone. */
  day: CalendarDay.optional(),
});

/**
 * Transit avoided as the appliances measured it (GET /v1/metrics: served from cache and `originGbps`,
 * recorded in the health history per quarter hour) over the last 24 hours, beside the plans' forecast.
 */
export const MeasuredSavings = z.object({
  /** Bytes served from the site's caches over the measured quarter hours (each at its mean): transit avoided. */
  avoidedBytes: z.number(),
  /** Bytes fetched over transit over the same quarter hours. */
  transitBytes: z.number(),
  /** avoided / (avoided + transit). */
  offload: z.number(),
  /** The highest quarter hour's average Gbps served from the caches (a partner's: of its sites' sum). */
  peakGbpsAvoided: z.number(),
  /** Hours of the last 24 with measurements (quarter hours / 4). */
  hours: z.number(),
});
export type MeasuredSavings = z.infer<typeof MeasuredSavings>;

export const SiteSavings = z.object({
  site: z.string(),
  partner: z.string(),
  /** The plan the figures come from (the site's latest) and the day it plans. */
  planId: z.number().int(),
  day: z.string(),
  /** Forecast demand of the day (bytes). */
  demandBytes: z.number(),
  /** Bytes per day the placement serves from inside the site: transit avoided. */
  avoidedBytes: z.number(),
  /** Bytes per day still fetched over transit (demand the placement does not hold). */
  transitBytes: z.number(),
  offload: z.number(),
  bound: z.number(),
  /** Transit avoided at the site's peak hour (Gbps, the hour's average). */
  peakGbpsAvoided: z.number(),
  peakLocalHour: z.number().int(),
  /** The forecast's hit ratio on the last day of history (and the oracle's), when judged. */
  yesterdayHitRatio: z.number().nullable(),
  yesterdayOracleHitRatio: z.number().nullable(),
  /** Measured on the appliances over the last 24 hours; null when none reported transit. */
  measured: MeasuredSavings.nullable(),
});
export type SiteSavings = z.infer<typeof SiteSavings>;

export const PartnerSavings = z.object({
  partner: z.string(),
  demandBytes: z.number(),
  avoidedBytes: z.number(),
  transitBytes: z.number(),
  offload: z.number(),
  /** Transit avoided at the partner's peak hour: the highest hour of its sites' sum (Gbps). */
  peakGbpsAvoided: z.number(),
  peakUtcHour: z.number().int(),
  /** Gbps avoided in each UTC hour 0..23 of the day, summed over the partner's sites. */
  hourlyGbpsAvoided: z.array(z.number()).length(24),
  sites: z.array(SiteSavings),
  /** Its sites' measurements together (of the sites with a plan); null when none has any. */
  measured: MeasuredSavings.nullable(),
});
export type PartnerSavings = z.infer<typeof PartnerSavings>;

export const SavingsReport = z.object({
  partners: z.array(PartnerSavings),
  totals: z.object({ demandBytes: z.number(), avoidedBytes: z.number(), transitBytes: z.number(), offload: z.number(), measured: MeasuredSavings.nullable() }),
  /** Sites (of the partners asked for) with no plan yet: not counted. */
  sitesWithoutPlan: z.array(z.string()),
  /** The assumed share of a day's bytes in each local hour 0..23 (demand logs carry days, not hours). */
  profile: z.array(z.number()).length(24),
});
export type SavingsReport = z.infer<typeof SavingsReport>;

/** What plans are made from: the catalog's size and the demand logs stored (for a site: which days). */
export const FillsInputs = z.object({
  catalogTitles: z.number().int().min(0),
  /** Whether any demand logs are stored. */
  demand: z.boolean(),
  /** The site asked about: its first and last day of demand (null without any) and how many days. */
  site: z.object({ code: z.string(), firstDay: z.string().nullable(), lastDay: z.string().nullable(), days: z.number().int().min(0) }).nullable(),
});
export type FillsInputs = z.infer<typeof FillsInputs>;

export const fillsMethods = {
  importCatalog: method('Import a catalog file (CSV or JSON lines) on the engine machine; all or nothing', z.object({ path: LocalPath }), CatalogImportReport, { writes: true }),
  importDemand: method('Import demand logs (CSV or JSON lines) on the engine machine; all or nothing', z.object({ path: LocalPath }), DemandImportReport, { writes: true }),
  plan: method('Forecast and place tomorrow for one site or all, and store the plan', PlanRequest, Plan, { writes: true }),
  getPlan: method('A stored plan', z.object({ id: z.number().int().min(1) }), Plan, { writes: false }),
  listPlans: method('Stored plans, newest first', z.object({ limit: z.number().int().min(1).max(200).default(20) }).default({ limit: 20 }), z.array(Plan), { writes: false }),
  savings: method(
    "Transit avoided per partner by each site's latest plan: bytes per day and Gbps at the partner's peak hour",
    z.object({ partner: z.string().min(1).max(120).optional() }).default({}),
    SavingsReport,
    { writes: false },
  ),
  inputs: method(
    "What plans are made from: titles in the catalog, whether demand logs are stored, and a site's days of demand",
    z.object({ site: z.string().min(1).max(64).optional() }).default({}),
    FillsInputs,
    { writes: false },
  ),
  placement: method("A site's target contents in a stored plan (the latest plan of the site when no id is given)", z.object({ site: z.string().min(1).max(64), planId: z.number().int().min(1).optional() }), SitePlacement, { writes: false }),
};

export const fillsEvents = {
  /** Catalog, demand or plans changed. */
  changed: z.object({ kind: z.enum(['catalog', 'demand', 'plan']), planId: z.number().int().optional() }),
};
