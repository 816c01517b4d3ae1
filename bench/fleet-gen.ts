/** Deterministic inventory files of any size, for benchmarks and scale tests. */
import { seededRng } from '../main/kit/time';

const CITIES: [string, string, number, number, string][] = [
  ['Sao Paulo', 'BR', -23.55, -46.63, 'America/Sao_Paulo'],
  ['Frankfurt', 'DE', 50.11, 8.68, 'Europe/Berlin'],
  ['Tokyo', 'JP', 35.68, 139.69, 'Asia/Tokyo'],
  ['Chicago', 'US', 41.88, -87.63, 'America/Chicago'],
  ['Lagos', 'NG', 6.52, 3.38, 'Africa/Lagos'],
  ['Sydney', 'AU', -33.87, 151.21, 'Australia/Sydney'],
  ['Mumbai', 'IN', 19.08, 72.88, 'Asia/Kolkata'],
  ['Madrid', 'ES', 40.42, -3.7, 'Europe/Madrid'],
];

export function sitesCsv(count: number): { csv: string; codes: string[] } {
  const lines = ['code,partner,asn,name,city,country,latitude,longitude,timezone,maintenance_window,fill_window'];
  const codes: string[] = [];
  for (let i = 0; i < count; i++) {
    const [city, country, lat, lon, tz] = CITIES[i % CITIES.length]!;
    const code = `S${String(i).padStart(4, '0')}`;
    codes.push(code);
    lines.push(
      [code, `Partner ${i % 20}`, 64500 + (i % 20), `${city} POP ${i}`, city, country, lat, lon, tz, '01:00-03:00', '02:00-14:00'].join(','),
    );
  }
  return { csv: lines.join('\n') + '\n', codes };
}

export function appliancesCsv(count: number, siteCodes: string[], seed = 1): string {
  const rng = seededRng(seed);
  const statuses = ['online', 'online', 'online', 'online', 'online', 'provisioning', 'awaiting-install'];
  const rows: string[] = ['serial,hostname,site,model,ipv4,ipv6,ssh_port,api_port,storage_tb,nic_gbps,firmware,status,tags'];
  for (let i = 0; i < count; i++) {
    const site = siteCodes[i % siteCodes.length]!;
    const flash = rng.next() < 0.3;
    const status = statuses[Math.floor(rng.next() * statuses.length)]!;
    const fw = `2026.${1 + Math.floor(rng.next() * 4)}.${Math.floor(rng.next() * 10)}`;
    const a = 10 + (i >> 16);
    const b = (i >> 8) & 255;
    const c = i & 255;
    rows.push(
      [
        `OCA${String(i).padStart(7, '0')}`,
        `oca-${site.toLowerCase()}-${i}`,
        site,
        flash ? 'flash' : 'storage',
        `10.${a}.${b}.${c}`,
        '',
        22,
        443,
        flash ? 24 : 360,
        flash ? 400 : 100,
        fw,
        status,
        flash ? 'edge;tier1' : 'tier2',
      ].join(','),
    );
  }
  return rows.join('\n') + '\n';
}
