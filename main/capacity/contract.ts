/**
 * Capacity: each site's daily serving peak against its serving capacity over the history, a forecast
 * of the next weeks (main/capacity/forecast.ts) and advice such as "GRU1 peaks at 92 % of capacity
 * by about 2027-01-10: add one storage appliance". Peaks come from health polling (the site's summed
 * serving at each sweep, the day's highest kept) and, on the lab, from months of generated history.
 */
import { z } from 'zod';
import { method } from '../kit/contract';

export const SiteCode = z.string().min(1).max(32);
export const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day is YYYY-MM-DD');

export const DailyPeak = z.object({
  day: Day,
  /** The site's highest summed serving seen that day. */
  peakGbps: z.number().nonnegative(),
  /** The site's serving capacity that day (installed appliances' links times their model's serving share). */
  capacityGbps: z.number().nonnegative(),
});
export type DailyPeak = z.infer<typeof DailyPeak>;

export const CapacityAdvice = z.object({
  peakShare: z.number(),
  crossesOn: Day.nullable(),
  addAppliances: z.number().int().nonnegative(),
  sentence: z.string(),
});

export const SiteCapacity = z.object({
  site: SiteCode,
  partner: z.string(),
  /** Serving capacity now, from the inventory. */
  capacityGbps: z.number(),
  /** Days of history on record. */
  days: z.number().int(),
  /** The peak of the last complete day in the site's time zone (today's peak so far is in the history, not here). */
  lastPeak: DailyPeak.nullable(),
  advice: CapacityAdvice.nullable(),
  method: z.enum(['seasonal-naive', 'sarima']).nullable(),
});
export type SiteCapacity = z.infer<typeof SiteCapacity>;

export const SiteForecast = SiteCapacity.extend({
  history: z.array(DailyPeak),
  /**
   * One value per day from the day after the last complete day of history (today, once yesterday is
   * on record): fitted to complete days only, never to today's peak so far.
   */
  forecast: z.array(z.object({ day: Day, peakGbps: z.number() })),
  /** Mean absolute percentage error of each method on the last four weeks it did not see (null: too little history). */
  scores: z.object({ seasonalNaive: z.number().nullable(), sarima: z.number().nullable() }),
});
export type SiteForecast = z.infer<typeof SiteForecast>;

/** How far the forecast reaches by default. */
export const FORECAST_DAYS = 56;

export const capacityMethods = {
  sites: method(
    'Every site: capacity now, its last daily peak and the forecast advice, the sites that need attention first',
    z.object({ partner: z.string().max(200).optional() }).default({}),
    z.array(SiteCapacity), { writes: false },
  ),
  site: method(
    'One site: its daily peaks against capacity, the forecast with both methods scored, and the advice',
    z.object({ site: SiteCode, days: z.number().int().min(7).max(366).default(FORECAST_DAYS) }),
    SiteForecast, { writes: false },
  ),
};

export const capacityEvents = {
  /** New peaks were recorded (a sweep, or generated history). */
  changed: z.object({ sites: z.array(z.string()) }),
};
