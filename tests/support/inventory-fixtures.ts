/** Inventory files and assertions shared by the inventory tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { ApiError } from '../../main/api/client';
import { detailsOf, FleetError } from '../../main/kit/errors';
import type { ImportRowError } from '../../main/inventory/contract';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SAMPLE_SITES = join(REPO_ROOT, 'resources/samples/sites.csv');
export const SAMPLE_APPLIANCES = join(REPO_ROOT, 'resources/samples/appliances.csv');
export const BAD_APPLIANCES = join(REPO_ROOT, 'tests/fixtures/appliances-bad.csv');

export const sampleSites = () => readFileSync(SAMPLE_SITES, 'utf8');
export const sampleAppliances = () => readFileSync(SAMPLE_APPLIANCES, 'utf8');

export const SITES_HEADER = 'code,partner,asn,name,city,country,latitude,longitude,timezone,maintenance_window,fill_window';
export const APPLIANCES_HEADER = 'serial,hostname,site,model,ipv4,ipv6,ssh_port,api_port,storage_tb,nic_gbps,firmware,status,tags';

/** One site as the inventory forms and upsertSite take it (GRU1, Vivo), for tests that need a site to hang appliances on. */
export const GRU1_SITE = {
  code: 'GRU1',
  partner: 'Vivo',
  asn: 26599,
  name: 'Sao Paulo 1',
  city: 'Sao Paulo',
  country: 'BR',
  latitude: -23.5,
  longitude: -46.6,
  timezone: 'America/Sao_Paulo',
  maintenanceWindow: '02:00-06:00',
  fillWindow: '02:00-14:00',
} as const;

/** A CSV file from a header and rows (each row already comma-joined). */
export const csv = (header: string, ...rows: string[]) => [header, ...rows].join('\n') + '\n';

/** A valid appliances row, with chosen columns replaced. */
export function applianceRow(serial: string, overrides: Partial<Record<string, string>> = {}): string {
  const row: Record<string, string> = {
    serial,
    hostname: `${serial.toLowerCase()}.gru01.example.net`,
    site: 'GRU01',
    model: 'storage',
    ipv4: '192.0.2.10',
    ipv6: '',
    ssh_port: '22',
    api_port: '443',
    storage_tb: '360',
    nic_gbps: '100',
    firmware: '2026.1.2',
    status: 'online',
    tags: 'rack:A1',
    ...overrides,
  };
  return APPLIANCES_HEADER.split(',')
    .map((c) => row[c]!)
    .join(',');
}

/** The error an import (or any call) rejects with, as {code, message, errors}. */
export async function rejectionOf(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; errors: ImportRowError[] }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof FleetError || err instanceof ApiError) {
      return { code: err.code, message: err.message, errors: detailsOf(err, 'E_IMPORT')?.errors ?? [] };
    }
    throw err;
  }
  expect.fail('expected the call to be rejected');
}
