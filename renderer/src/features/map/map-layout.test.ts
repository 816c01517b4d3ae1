import { describe, expect, it } from 'vitest';
import type { SiteSummary } from '../../../../main/inventory/contract';
import { MAP_HEIGHT, MAP_WIDTH, MAX_RADIUS, MIN_RADIUS, mapProjection, partnersOf, placeSites, statusCounts, worldShapes, type SiteHealth } from './map-layout';

function site(code: string, partner: string, latitude: number, longitude: number, capacityTb: number): SiteSummary {
  return {
    code,
    partner,
    asn: 1,
    name: `${code} name`,
    city: 'c',
    country: 'BR',
    latitude,
    longitude,
    timezone: 'UTC',
    maintenanceWindow: '02:00-06:00',
    fillWindow: '02:00-14:00',
    appliances: 2,
    counts: {},
    capacityTb,
  } as SiteSummary;
}
const counts = { OK: 1, Unknown: 0, Warning: 0, Error: 0, unreachable: 0, measured: 1 };
const health = (s: string, status: SiteHealth['status'], servingGbps: number): SiteHealth => ({ site: s, status, counts, servingGbps });

const GRU = site('GRU1', 'Vivo', -23.5, -46.6, 900);
const LHR = site('LHR1', 'BT', 51.5, -0.1, 100);
const NRT = site('NRT1', 'KDDI', 35.7, 139.7, 400);

describe('the fleet map', () => {
  it('draws the countries that ship with the app, inside the map', () => {
    const { countries, sphere } = worldShapes();
    expect(countries.length).toBeGreaterThan(170);
    expect(countries.map((c) => c.name)).toEqual(expect.arrayContaining(['Brazil', 'Japan', 'United Kingdom']));
    expect(sphere).toMatch(/^M/);
    expect(worldShapes()).toBe(worldShapes()); // computed once
  });

  it('places sites where they are: west and south of Greenwich to the left and below', () => {
    const [x0, y0] = mapProjection()([0, 0])!;
    expect(x0).toBeCloseTo(MAP_WIDTH / 2, 0);
    expect(y0).toBeCloseTo(MAP_HEIGHT / 2, 0);
    const placed = placeSites([GRU, LHR, NRT], [], { partner: null, size: 'capacity' });
    const at = Object.fromEntries(placed.map((p) => [p.code, p]));
    expect(at['GRU1']!.x).toBeLessThan(x0);
    expect(at['GRU1']!.y).toBeGreaterThan(y0);
    expect(at['LHR1']!.y).toBeLessThan(y0);
    expect(at['NRT1']!.x).toBeGreaterThan(at['LHR1']!.x);
    for (const p of placed) {
      expect(p.x).toBeGreaterThan(0);
      expect(p.x).toBeLessThan(MAP_WIDTH);
      expect(p.y).toBeGreaterThan(0);
      expect(p.y).toBeLessThan(MAP_HEIGHT);
    }
  });

  it('sizes circles by area: the largest site gets the largest radius, area proportional to capacity', () => {
    const placed = placeSites([GRU, LHR, NRT], [], { partner: null, size: 'capacity' });
    expect(placed.map((p) => p.code)).toEqual(['GRU1', 'NRT1', 'LHR1']); // largest first, small ones drawn on top
    const r = Object.fromEntries(placed.map((p) => [p.code, p.r]));
    expect(r['GRU1']).toBe(MAX_RADIUS);
    const extra = (code: string) => r[code]! - MIN_RADIUS;
    expect(extra('NRT1') / extra('GRU1')).toBeCloseTo(Math.sqrt(400 / 900), 2);
    expect(extra('LHR1') / extra('GRU1')).toBeCloseTo(Math.sqrt(100 / 900), 2);
  });

  it('sizes by serving when asked, and a site that serves nothing is the smallest dot', () => {
    const rollups = [health('GRU1', 'OK', 10), health('LHR1', 'Error', 40)];
    const placed = placeSites([GRU, LHR, NRT], rollups, { partner: null, size: 'serving' });
    const at = Object.fromEntries(placed.map((p) => [p.code, p]));
    expect(at['LHR1']!.r).toBe(MAX_RADIUS);
    expect(at['NRT1']!.r).toBe(MIN_RADIUS);
    expect(at['GRU1']!.r).toBeCloseTo(MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * Math.sqrt(10 / 40), 1);
  });

  it('colours each site by its roll-up; a site with no polled appliance has no status', () => {
    const placed = placeSites([GRU, LHR, NRT], [health('GRU1', 'Warning', 1), health('LHR1', 'Error', 1)], { partner: null, size: 'capacity' });
    const status = Object.fromEntries(placed.map((p) => [p.code, p.status]));
    expect(status).toEqual({ GRU1: 'Warning', LHR1: 'Error', NRT1: null });
    expect(statusCounts(placed)).toEqual([
      { status: 'Error', sites: 1 },
      { status: 'Warning', sites: 1 },
      { status: null, sites: 1 },
    ]);
  });

  it('filters by partner, and scales the circles within what is shown', () => {
    const placed = placeSites([GRU, LHR, NRT], [], { partner: 'BT', size: 'capacity' });
    expect(placed.map((p) => p.code)).toEqual(['LHR1']);
    expect(placed[0]!.r).toBe(MAX_RADIUS);
    expect(partnersOf([GRU, LHR, NRT, site('GRU2', 'Vivo', -23, -46, 1)])).toEqual(['BT', 'KDDI', 'Vivo']);
  });
});
