/**
 * A made-up fleet at scale for benchmarks that seed SQLite directly: `appliances` appliances
 * (serials OC000000, OC000001, ...) spread round-robin over `sites` sites (S0000, ...) of
 * sites / 10 partners, imported through the inventory's own CSV importer so every row is what a
 * user's file would make. (bench/fleet-gen.ts makes varied files for the import benchmark itself.)
 */
import type { Engine } from '../../main/engine';

export interface ScaleFleet {
  appliances: number;
  sites: number;
}

/** The serial of the i-th appliance. */
export const scaleSerial = (i: number): string => `OC${String(i).padStart(6, '0')}`;

/** How many partners `sites` sites belong to (ten sites each). */
export const scalePartners = (sites: number): number => Math.max(1, Math.round(sites / 10));

const siteCode = (s: number) => `S${String(s).padStart(4, '0')}`;

function sitesCsv({ sites }: ScaleFleet): string {
  const partners = scalePartners(sites);
  const lines = ['code,partner,asn,name,city,country,latitude,longitude,timezone,maintenance_window,fill_window'];
  for (let s = 0; s < sites; s++) {
    const p = s % partners;
    lines.push(`${siteCode(s)},Partner ${p},${64512 + p},Site ${s},City ${s},BR,-23.5,-46.8,America/Sao_Paulo,03:00-05:00,02:00-14:00`);
  }
  return lines.join('\n');
}

function appliancesCsv({ appliances, sites }: ScaleFleet): string {
  const lines = ['serial,hostname,site,model,ipv4,ipv6,ssh_port,api_port,storage_tb,nic_gbps,firmware,status,tags'];
  for (let i = 0; i < appliances; i++) {
    const n = String(i).padStart(6, '0');
    const site = siteCode(i % sites);
    lines.push(`OC${n},oca${n}.${site.toLowerCase()}.isp.example.net,${site},${i % 3 ? 'storage' : 'flash'},10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255},,22,443,360,100,2026.1.0,online,`);
  }
  return lines.join('\n');
}

/** Imports the fleet's sites and appliances into the engine's inventory; returns the serials in order. */
export async function importScaleFleet(engine: Engine, fleet: ScaleFleet, actor: string): Promise<string[]> {
  await engine.inventory.importData({ format: 'csv', kind: 'sites', content: sitesCsv(fleet) }, actor);
  await engine.inventory.importData({ format: 'csv', kind: 'appliances', content: appliancesCsv(fleet) }, actor);
  return Array.from({ length: fleet.appliances }, (_, i) => scaleSerial(i));
}
