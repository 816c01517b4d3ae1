/**
 * The boundary between placement (what each appliance of a site should hold tomorrow) and fill
 * execution (main/fills/exec/: what to move, from where, inside the fill window). Placement
 * writes a SitePlacement per site and day; execution diffs it against what each appliance holds
 * now (GET /v1/cache) and fills or evicts the difference, most valuable first.
 */
import { z } from 'zod';

export const ContentId = z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, 'a content id is letters, digits and . _ : / -');

export const PlacementDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day is YYYY-MM-DD');

export const PlacedItem = z.object({
  contentId: ContentId,
  /** Size of the asset (what a fill moves). */
  bytes: z.number().int().min(0),
  /** Forecast bytes per day this appliance serves from the item (its share of the site's demand). */
  value: z.number().min(0),
});
export type PlacedItem = z.infer<typeof PlacedItem>;

export const PlacedAppliance = z.object({
  serial: z.string().min(1).max(64),
  capacityBytes: z.number().int().min(0),
  /** Target contents, most valuable first (value descending); their bytes fit in capacityBytes. */
  items: z.array(PlacedItem),
});
export type PlacedAppliance = z.infer<typeof PlacedAppliance>;

export const SitePlacement = z.object({
  site: z.string().min(1).max(64),
  /** The local day the placement is for (the site's fill window before it fills it). */
  day: PlacementDay,
  appliances: z.array(PlacedAppliance),
});
export type SitePlacement = z.infer<typeof SitePlacement>;
