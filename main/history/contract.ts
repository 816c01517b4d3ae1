/**
 * History: time series of what the fleet served (serving Gbps, cache hit ratio, errors per second) per
 * fleet, partner, site and appliance over a chosen range, aggregated in the engine to a bounded number
 * of points, and availability per site and partner (the share of capacity-hours an installed appliance
 * was serving, maintenance shown apart) against the 99.9 % partners are promised. See
 * docs/fleet-at-a-glance.md.
 */
import { z } from 'zod';
import { method } from '../kit/contract';
import { Serial, ShortText, SiteCode } from '../kit/fields';

export const SERIES_RANGES = ['1h', '6h', '24h', '7d', '30d'] as const;
export const SeriesRange = z.enum(SERIES_RANGES, { message: `a range is one of ${SERIES_RANGES.join(', ')}` });
export type SeriesRange = z.infer<typeof SeriesRange>;

/**
 * How each range is read: the stored tier (one-minute points for a day, fifteen-minute points for 30
 * days) and the step the points are averaged to, so a chart never gets more than 360 points.
 */
export const SERIES_RESOLUTION: Record<SeriesRange, { tier: 1 | 15; stepMin: number; spanMin: number }> = {
  '1h': { tier: 1, stepMin: 1, spanMin: 60 },
  '6h': { tier: 1, stepMin: 2, spanMin: 6 * 60 },
  '24h': { tier: 1, stepMin: 5, spanMin: 24 * 60 },
  '7d': { tier: 15, stepMin: 30, spanMin: 7 * 24 * 60 },
  '30d': { tier: 15, stepMin: 120, spanMin: 30 * 24 * 60 },
};

export const SeriesScope = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fleet') }),
  z.object({ kind: z.literal('partner'), partner: ShortText(120).pipe(z.string().min(1)) }),
  z.object({ kind: z.literal('site'), site: SiteCode }),
  z.object({ kind: z.literal('appliance'), serial: Serial }),
]);
export type SeriesScope = z.infer<typeof SeriesScope>;

export const SeriesPoint = z.object({
  /** The step's first instant. */
  at: z.string(),
  /** Summed over the scope's appliances, averaged over the step. */
  servingGbps: z.number(),
  /** Bytes served from cache over bytes served (weighted by serving); null when nothing was served. */
  cacheHitRatio: z.number().nullable(),
  /** Summed over the scope's appliances, averaged over the step. */
  errorsPerSecond: z.number(),
  /** Appliances measured, averaged over the step. */
  appliances: z.number(),
});
export type SeriesPoint = z.infer<typeof SeriesPoint>;

export const Series = z.object({
  scope: SeriesScope,
  range: SeriesRange,
  /** Seconds between points; a step with no measurement has no point (a gap in the chart). */
  stepSec: z.number().int(),
  from: z.string(),
  to: z.string(),
  points: z.array(SeriesPoint),
});
export type Series = z.infer<typeof Series>;

export const AVAILABILITY_RANGES = ['24h', '7d', '30d'] as const;
export const AvailabilityRange = z.enum(AVAILABILITY_RANGES, { message: `a range is one of ${AVAILABILITY_RANGES.join(', ')}` });
export type AvailabilityRange = z.infer<typeof AvailabilityRange>;
export const AVAILABILITY_RANGE_HOURS: Record<AvailabilityRange, number> = { '24h': 24, '7d': 7 * 24, '30d': 30 * 24 };

/** What partners are promised: the share of capacity-hours serving, maintenance excluded. */
export const AVAILABILITY_TARGET = 0.999;

export const Availability = z.object({
  /** Capacity-hours (Gbps x hours) installed appliances were observed serving. */
  servingGbpsH: z.number(),
  /** Capacity-hours observed not serving: unreachable, or measured in Error. */
  downGbpsH: z.number(),
  /** Capacity-hours drained for a rollout or maintenance: excluded from the share, shown apart. */
  maintenanceGbpsH: z.number(),
  /** serving / (serving + down); null when nothing was observed. */
  availability: z.number().nullable(),
  /** availability >= target; null when nothing was observed. */
  meetsTarget: z.boolean().nullable(),
  /** Down capacity-hours the target allows over what was observed (0.1 % of serving + down). */
  allowedDownGbpsH: z.number(),
  /** Hours of the range with at least one observation (the rest was not watched: neither up nor down). */
  observedHours: z.number().int(),
});
export type Availability = z.infer<typeof Availability>;

export const SiteAvailability = Availability.extend({ site: z.string(), partner: z.string() });
export type SiteAvailability = z.infer<typeof SiteAvailability>;
export const PartnerAvailability = Availability.extend({ partner: z.string(), sites: z.number().int() });
export type PartnerAvailability = z.infer<typeof PartnerAvailability>;

export const AvailabilityReport = z.object({
  range: AvailabilityRange,
  from: z.string(),
  to: z.string(),
  target: z.number(),
  fleet: Availability,
  /** Worst first; sites with nothing observed last. */
  partners: z.array(PartnerAvailability),
  sites: z.array(SiteAvailability),
});
export type AvailabilityReport = z.infer<typeof AvailabilityReport>;

export const historyMethods = {
  series: method(
    'Serving, cache hit ratio and errors per second of the fleet, a partner, a site or an appliance over a range, at most 360 points',
    z.object({ scope: SeriesScope, range: SeriesRange.default('24h') }),
    Series,
    { writes: false },
  ),
  availability: method(
    'Availability per site and partner over a range: capacity-hours serving against the 99.9 % target, maintenance apart',
    z
      .object({ partner: ShortText(120).optional(), site: SiteCode.optional(), range: AvailabilityRange.default('30d') })
      .default({ range: '30d' }),
    AvailabilityReport,
    { writes: false },
  ),
};

export const historyEvents = {
  /** New points were recorded (a sweep, or a lab's generated history). */
  changed: z.object({ sites: z.array(z.string()) }),
};
