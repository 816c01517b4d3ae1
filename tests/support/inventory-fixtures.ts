/** Inventory files and assertions shared by the inventory tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { ApiError } from '../../main/api/client';
import { FleetError } from '../../main/kit/errors';
import type { ImportRowError } from '../../main/inventory/contract';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SAMPLE_SITES = join(REPO_ROOT, 'resources/samples/sites.csv');
export const SAMPLE_APPLIANCES = join(REPO_ROOT, 'resources/samples/appliances.csv');
export const BAD_APPLIANCES = join(REPO_ROOT, 'tests/fixtures/appliances-bad.csv');

export const sampleSites = () => readFileSync(SAMPLE_SITES, 'utf8');
export const sampleAppliances = () => readFileSync(SAMPLE_APPLIANCES, 'utf8');

export const SITES_HEADER = 'code,partner,asn,name,city,country,latitude,longitude,timezone,maintenance_window,fill_window';
export const APPLIANCES_HEADER = 'serial,hostname,site,model,ipv4,ipv6,ssh_port,api_port,storage_tb,nic_gbps,firmware,status,tags';

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
      const details = err.details as { errors?: ImportRowError[] } | undefined;
      return { code: err.code, message: err.message, errors: details?.errors ?? [] };
    }
    throw err;
  }
  expect.fail('expected the call to be rejected');
}
