/**
 * The shape of a lab fleet, decided from (appliances, sites, seed) alone: sites in real cities on
 * several continents (coordinates, IANA timezones), partners with invented names and private ASNs,
 * and appliances spread over the sites, about a third of them flash. Same inputs, same fleet.
 */
import type { ApplianceKind } from '../appliance/contract';
import type { ApplianceSpec } from './model/appliance';

export interface LabCity {
  code: string;
  city: string;
  country: string;
  latitude: number;
  longitude: number;
  timezone: string;
  partner: string;
}

/** Ordered so that the first dozen span every inhabited continent. */
export const LAB_CITIES: readonly LabCity[] = [
  { code: 'gru', city: 'São Paulo', country: 'BR', latitude: -23.55, longitude: -46.63, timezone: 'America/Sao_Paulo', partner: 'Vereda Fibra' },
  { code: 'fra', city: 'Frankfurt', country: 'DE', latitude: 50.11, longitude: 8.68, timezone: 'Europe/Berlin', partner: 'Nordwind Netz' },
  { code: 'nrt', city: 'Tokyo', country: 'JP', latitude: 35.68, longitude: 139.69, timezone: 'Asia/Tokyo', partner: 'Hikari Kaze Net' },
  { code: 'syd', city: 'Sydney', country: 'AU', latitude: -33.87, longitude: 151.21, timezone: 'Australia/Sydney', partner: 'Wattle Broadband' },
  { code: 'jnb', city: 'Johannesburg', country: 'ZA', latitude: -26.2, longitude: 28.05, timezone: 'Africa/Johannesburg', partner: 'Protea Connect' },
  { code: 'bom', city: 'Mumbai', country: 'IN', latitude: 19.08, longitude: 72.88, timezone: 'Asia/Kolkata', partner: 'Monsoon Telenet' },
  { code: 'ord', city: 'Chicago', country: 'US', latitude: 41.88, longitude: -87.63, timezone: 'America/Chicago', partner: 'Prairie Lightwave' },
  { code: 'mex', city: 'Mexico City', country: 'MX', latitude: 19.43, longitude: -99.13, timezone: 'America/Mexico_City', partner: 'Nopal Redes' },
  { code: 'lhr', city: 'London', country: 'GB', latitude: 51.51, longitude: -0.13, timezone: 'Europe/London', partner: 'Tamesis Broadband' },
  { code: 'sin', city: 'Singapore', country: 'SG', latitude: 1.35, longitude: 103.82, timezone: 'Asia/Singapore', partner: 'Merlion Fibre' },
  { code: 'lax', city: 'Los Angeles', country: 'US', latitude: 34.05, longitude: -118.24, timezone: 'America/Los_Angeles', partner: 'Prairie Lightwave' },
  { code: 'nbo', city: 'Nairobi', country: 'KE', latitude: -1.29, longitude: 36.82, timezone: 'Africa/Nairobi', partner: 'Savanna Link' },
  { code: 'mad', city: 'Madrid', country: 'ES', latitude: 40.42, longitude: -3.7, timezone: 'Europe/Madrid', partner: 'Meseta Telecom' },
  { code: 'bog', city: 'Bogotá', country: 'CO', latitude: 4.71, longitude: -74.07, timezone: 'America/Bogota', partner: 'Cordillera Net' },
  { code: 'icn', city: 'Seoul', country: 'KR', latitude: 37.57, longitude: 126.98, timezone: 'Asia/Seoul', partner: 'Hangang Broadband' },
  { code: 'cai', city: 'Cairo', country: 'EG', latitude: 30.04, longitude: 31.24, timezone: 'Africa/Cairo', partner: 'Delta Nile Networks' },
  { code: 'waw', city: 'Warsaw', country: 'PL', latitude: 52.23, longitude: 21.01, timezone: 'Europe/Warsaw', partner: 'Nordwind Netz' },
  { code: 'eze', city: 'Buenos Aires', country: 'AR', latitude: -34.6, longitude: -58.38, timezone: 'America/Argentina/Buenos_Aires', partner: 'Pampa Conecta' },
  { code: 'yyz', city: 'Toronto', country: 'CA', latitude: 43.65, longitude: -79.38, timezone: 'America/Toronto', partner: 'Maple Span' },
  { code: 'cgk', city: 'Jakarta', country: 'ID', latitude: -6.21, longitude: 106.85, timezone: 'Asia/Jakarta', partner: 'Nusantara Serat' },
  { code: 'akl', city: 'Auckland', country: 'NZ', latitude: -36.85, longitude: 174.76, timezone: 'Pacific/Auckland', partner: 'Kiwi Lightpath' },
  { code: 'ist', city: 'Istanbul', country: 'TR', latitude: 41.01, longitude: 28.98, timezone: 'Europe/Istanbul', partner: 'Bosphorus Hat' },
  { code: 'dxb', city: 'Dubai', country: 'AE', latitude: 25.2, longitude: 55.27, timezone: 'Asia/Dubai', partner: 'Falcon Digital' },
  { code: 'los', city: 'Lagos', country: 'NG', latitude: 6.52, longitude: 3.38, timezone: 'Africa/Lagos', partner: 'Lagoon Broadband' },
];

/** The streaming service's own AS on every lab appliance (a documentation ASN, RFC 5398). */
export const LAB_SERVICE_ASN = 64500;
export const FILL_WINDOW = '02:00-14:00';
export const MAINTENANCE_WINDOW = '02:00-06:00';
export const CURRENT_FIRMWARE = '26.1.3';
export const PREVIOUS_FIRMWARE = '26.1.2';
export const OLDER_FIRMWARE = '26.1.1';

export interface PlannedPartner {
  name: string;
  asn: number;
}

export interface PlannedSite {
  code: string;
  partner: string;
  asn: number;
  name: string;
  city: string;
  country: string;
  latitude: number;
  longitude: number;
  timezone: string;
  maintenanceWindow: string;
  fillWindow: string;
}

export interface PlannedAppliance extends ApplianceSpec {
  site: string;
}

export interface FleetPlan {
  partners: PlannedPartner[];
  sites: PlannedSite[];
  appliances: PlannedAppliance[];
}

const slug = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

export function planFleet(appliances: number, siteCount: number, seed: number): FleetPlan {
  const partners = new Map<string, PlannedPartner>();
  const sites: PlannedSite[] = [];
  for (let i = 0; i < siteCount; i++) {
    const city = LAB_CITIES[i % LAB_CITIES.length]!;
    const round = Math.floor(i / LAB_CITIES.length) + 1;
    if (!partners.has(city.partner)) partners.set(city.partner, { name: city.partner, asn: 64512 + partners.size * 7 + (seed % 7) });
    const asn = partners.get(city.partner)!.asn;
    sites.push({
      code: `${city.code}${round}`,
      partner: city.partner,
      asn,
      name: `${city.city} ${round}`,
      city: city.city,
      country: city.country,
      // Later rounds sit a little apart from the first site of a city.
      latitude: Math.round((city.latitude + (round - 1) * 0.05) * 1e4) / 1e4,
      longitude: Math.round((city.longitude + (round - 1) * 0.05) * 1e4) / 1e4,
      timezone: city.timezone,
      maintenanceWindow: MAINTENANCE_WINDOW,
      fillWindow: FILL_WINDOW,
    });
  }

  const planned: PlannedAppliance[] = [];
  const perSite = sites.map((_, i) => Math.floor(appliances / siteCount) + (i < appliances % siteCount ? 1 : 0));
  let serialNo = 0;
  sites.forEach((site, siteIndex) => {
    const partnerSlug = slug(site.partner);
    for (let n = 0; n < perSite[siteIndex]!; n++) {
      serialNo++;
      const applianceSeed = (seed * 1_000_003 + serialNo * 7919) >>> 0;
      const kind: ApplianceKind = n % 3 === 2 ? 'flash' : 'storage';
      const sizes = kind === 'storage' ? [240, 280, 360] : [24, 30, 36];
      const lagging = serialNo % 7 === 0;
      const third = (siteIndex + 1) % 256;
      const second = 64 + (Math.floor(n / 240) % 64);
      const host = (n % 240) + 10;
      planned.push({
        serial: `LAB${String(serialNo).padStart(5, '0')}`,
        site: site.code,
        kind,
        hostname: `oca${String(n + 1).padStart(2, '0')}.${site.code}.${partnerSlug}.test`,
        timezone: site.timezone,
        seed: applianceSeed,
        storageTb: sizes[applianceSeed % 3]!,
        nicGbps: kind === 'storage' ? 100 : 400,
        firmware: lagging ? { current: PREVIOUS_FIRMWARE, previous: OLDER_FIRMWARE } : { current: CURRENT_FIRMWARE, previous: PREVIOUS_FIRMWARE },
        interfaces: [
          { name: 'mgmt0', ipv4: '127.0.0.1/8', ipv6: null, mtu: 1500, speedGbps: 1, up: true },
          {
            name: 'eth0',
            ipv4: `100.${second}.${third}.${host}/24`,
            ipv6: `2001:db8:${(siteIndex + 1).toString(16)}::${(n + 10).toString(16)}/64`,
            mtu: 9000,
            speedGbps: kind === 'storage' ? 100 : 400,
            up: true,
          },
        ],
        bgp: { localAsn: LAB_SERVICE_ASN, neighbor: { address: `100.${second}.${third}.1`, asn: site.asn } },
        fillWindow: site.fillWindow,
      });
    }
  });
  return { partners: [...partners.values()], sites, appliances: planned };
}
