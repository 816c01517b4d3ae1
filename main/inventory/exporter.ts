/** Exports: CSV per kind or the whole JSON document, produced in chunks so any fleet size streams. */
import { appliancesCsv, sitesCsv } from './csv';
import { documentChunks } from './document';
import type { InventoryRepo } from './repo';

export type ExportFormat = 'csv' | 'json';
export type ExportKind = 'sites' | 'appliances';

const CHUNK = 2000;

function* applianceCsvChunks(repo: InventoryRepo): Generator<string> {
  let header = true;
  for (let after = ''; ; ) {
    const chunk = repo.appliancesAfter(after, CHUNK);
    if (chunk.length === 0 && !header) return;
    yield appliancesCsv(chunk, header);
    header = false;
    if (chunk.length === 0) return;
    after = chunk[chunk.length - 1]!.serial;
  }
}

/** The export's text, chunk by chunk. CSV without a kind exports appliances. */
export function exportChunks(repo: InventoryRepo, format: ExportFormat, kind: ExportKind | undefined, at: string): Iterable<string> {
  if (format === 'json') return documentChunks(repo, at);
  return kind === 'sites' ? [sitesCsv(repo.allSites(), true)] : applianceCsvChunks(repo);
}

export function exportFilename(format: ExportFormat, kind: ExportKind | undefined, at: string): string {
  const day = at.slice(0, 10);
  return format === 'json' ? `fleetdeck-inventory-${day}.json` : `fleetdeck-${kind ?? 'appliances'}-${day}.csv`;
}

export const EXPORT_MIME: Record<ExportFormat, string> = { csv: 'text/csv', json: 'application/json' };
