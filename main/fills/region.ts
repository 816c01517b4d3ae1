/**
 * Demand by region. A streaming service may log demand per region rather than per site: a region is
 * a partner's area holding several sites, named `PARTNER` (all the partner's sites) or
 * `PARTNER/CC` (its sites in country CC), matched without case. A region row's bytes (and plays)
 * are apportioned to the region's sites in proportion to their serving capacity (the sum of their
 * appliances' NIC Gbps; equal shares when none has any): clients are steered to a partner's sites
 * by the size of what serves them. Whole bytes: the rounding remainder goes to the largest site, so
 * the sites' shares add up to the region's row exactly.
 */

export interface RegionSite {
  code: string;
  partner: string;
  country: string;
  /** Serving capacity (Gbps): the weight of the site's share. */
  capacityGbps: number;
}

export interface Region {
  name: string;
  /** Sites with their share (0..1, summing to 1), largest share first. */
  sites: { code: string; share: number }[];
}

/** The region a name stands for, or null when it names no partner (or no site of it in that country). */
export function resolveRegion(name: string, sites: readonly RegionSite[]): Region | null {
  const slash = name.lastIndexOf('/');
  const partner = (slash >= 0 ? name.slice(0, slash) : name).trim().toLowerCase();
  const country = slash >= 0 ? name.slice(slash + 1).trim().toUpperCase() : null;
  const members = sites.filter((s) => s.partner.toLowerCase() === partner && (country === null || s.country.toUpperCase() === country));
  if (members.length === 0) return null;
  const total = members.reduce((sum, s) => sum + Math.max(0, s.capacityGbps), 0);
  const shares = members.map((s) => ({ code: s.code, share: total > 0 ? Math.max(0, s.capacityGbps) / total : 1 / members.length }));
  shares.sort((a, b) => b.share - a.share || a.code.localeCompare(b.code));
  return { name, sites: shares };
}

/** Whole units apportioned by the region's shares; the remainder to the largest site (first). */
export function apportion(region: Region, amount: number): number[] {
  const parts = region.sites.map((s) => Math.floor(amount * s.share));
  parts[0]! += amount - parts.reduce((sum, p) => sum + p, 0);
  return parts;
}
