/**
 * A real engine (tests/support/temp-engine.ts) for the renderer's store tests, and the inventory
 * they load into it. No Node imports: the engine is Node code and the renderer's type world stops
 * at the contract, so temp-engine is loaded at run time rather than imported.
 */
import type { ApiClient } from '../../main/api/client';

export interface WindowTestEngine {
  engine: { client(ctx?: { actor?: string }): ApiClient };
  /** Close the engine and remove its directory. */
  dispose(): void;
}

const ENGINE_SUPPORT = './temp-engine';

/** A real engine on a real SQLite file in a fresh temp dir. */
export async function windowTestEngine(): Promise<WindowTestEngine> {
  const { tempEngine } = (await import(/* @vite-ignore */ ENGINE_SUPPORT)) as { tempEngine: () => WindowTestEngine };
  return tempEngine();
}

/** Two sites, GRU01 and FRA01, as a sites CSV. */
export const TWO_SITES_CSV = [
  'code,partner,asn,name,city,country,latitude,longitude,timezone,maintenance_window,fill_window',
  'GRU01,Rio Fibra Telecom,64512,Sao Paulo Barueri DC,Sao Paulo,BR,-23.51,-46.88,America/Sao_Paulo,03:00-05:00,02:00-14:00',
  'FRA01,Mainnetz AG,64513,Frankfurt Kleyerstrasse,Frankfurt am Main,DE,50.1,8.63,Europe/Berlin,01:00-04:00,02:00-14:00',
].join('\n');

/**
 * An appliances CSV of `count` rows OCA00000.., alternating GRU01 and FRA01; `rest(i)` gives the
 * columns after the site (model,ipv4,ipv6,ssh_port,api_port,storage_tb,nic_gbps,firmware,status,tags).
 */
export function twoSiteAppliancesCsv(count: number, rest: (i: number) => string): string {
  const lines = ['serial,hostname,site,model,ipv4,ipv6,ssh_port,api_port,storage_tb,nic_gbps,firmware,status,tags'];
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(5, '0');
    const site = i % 2 ? 'FRA01' : 'GRU01';
    lines.push(`OCA${n},oca${n}.${site.toLowerCase()}.example.net,${site},${rest(i)}`);
  }
  return lines.join('\n');
}
