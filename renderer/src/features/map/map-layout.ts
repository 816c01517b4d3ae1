/**
 * The fleet map, drawn offline: country shapes shipped with the app (Natural Earth 1:110m through
 * world-atlas), projected with d3-geo (Equal Earth, so areas read true), and each site placed at its
 * coordinates, coloured by its measured-health roll-up and sized by capacity or serving.
 * Pure (no DOM), so it is tested in Node.
 */
import { geoEqualEarth, geoPath, type GeoProjection } from 'd3-geo';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import type { FeatureCollection } from 'geojson';
import countries110m from 'world-atlas/countries-110m.json';
import type { HealthStatus } from '../../../../main/appliance/contract';
import type { Rollup } from '../../../../main/health/contract';
import type { SiteSummary } from '../../../../main/inventory/contract';
import type { MapSize } from '../../route';

export const MAP_WIDTH = 960;
export const MAP_HEIGHT = 470;
/** Circle radius (SVG units) of the smallest and the largest site. */
export const MIN_RADIUS = 4;
export const MAX_RADIUS = 18;

export interface SiteHealth extends Rollup {
  site: string;
}

export interface PlacedSite {
  code: string;
  name: string;
  partner: string;
  city: string;
  country: string;
  x: number;
  y: number;
  r: number;
  /** The site's worst measured status; null when none of its appliances is polled (no roll-up). */
  status: HealthStatus | null;
  appliances: number;
  capacityTb: number;
  servingGbps: number | null;
}

export interface MapShape {
  id: string;
  name: string;
  d: string;
}

export function mapProjection(): GeoProjection {
  return geoEqualEarth().fitExtent(
    [
      [4, 4],
      [MAP_WIDTH - 4, MAP_HEIGHT - 4],
    ],
    { type: 'Sphere' },
  );
}

let shapes: { countries: MapShape[]; sphere: string } | null = null;

/** Every country's outline as an SVG path, and the globe's outline; computed once. */
export function worldShapes(): { countries: MapShape[]; sphere: string } {
  if (shapes) return shapes;
  const topology = countries110m as unknown as Topology<{ countries: GeometryCollection<{ name: string }> }>;
  const collection = feature(topology, topology.objects.countries) as FeatureCollection<GeoJSON.Geometry, { name: string }>;
  const path = geoPath(mapProjection());
  const countries = collection.features
    .map((f, i) => ({ id: String(f.id ?? i), name: f.properties?.name ?? '', d: path(f) ?? '' }))
    .filter((c) => c.d !== '');
  shapes = { countries, sphere: path({ type: 'Sphere' }) ?? '' };
  return shapes;
}

/** Partners that have at least one site, sorted, for the filter. */
export function partnersOf(sites: readonly SiteSummary[]): string[] {
  return [...new Set(sites.map((s) => s.partner))].sort((a, b) => a.localeCompare(b));
}

/**
 * Sites placed on the map: filtered by partner, sized by the square root of capacity or serving
 * (so a circle's area is the quantity), largest first so small sites are drawn on top.
 */
export function placeSites(
  sites: readonly SiteSummary[],
  health: readonly SiteHealth[],
  options: { partner: string | null; size: MapSize },
  projection: GeoProjection = mapProjection(),
): PlacedSite[] {
  const bySite = new Map(health.map((h) => [h.site, h]));
  const shown = sites.filter((s) => options.partner === null || s.partner === options.partner);
  const valueOf = (s: SiteSummary) => (options.size === 'serving' ? (bySite.get(s.code)?.servingGbps ?? 0) : s.capacityTb);
  const max = Math.max(0, ...shown.map(valueOf));
  const placed: PlacedSite[] = [];
  for (const s of shown) {
    const at = projection([s.longitude, s.latitude]);
    if (!at || !Number.isFinite(at[0]) || !Number.isFinite(at[1])) continue;
    const rollup = bySite.get(s.code);
    const value = valueOf(s);
    placed.push({
      code: s.code,
      name: s.name,
      partner: s.partner,
      city: s.city,
      country: s.country,
      x: round(at[0]),
      y: round(at[1]),
      r: round(max > 0 ? MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * Math.sqrt(Math.max(0, value) / max) : MIN_RADIUS),
      status: rollup?.status ?? null,
      appliances: s.appliances,
      capacityTb: s.capacityTb,
      servingGbps: rollup?.servingGbps ?? null,
    });
  }
  return placed.sort((a, b) => b.r - a.r || a.code.localeCompare(b.code));
}

const round = (n: number) => Math.round(n * 10) / 10;

/** Sites per measured status, worst first, for the legend. */
export function statusCounts(placed: readonly PlacedSite[]): Array<{ status: HealthStatus | null; sites: number }> {
  const order: Array<HealthStatus | null> = ['Error', 'Warning', 'Unknown', 'OK', null];
  return order.map((status) => ({ status, sites: placed.filter((p) => p.status === status).length })).filter((c) => c.sites > 0);
}
