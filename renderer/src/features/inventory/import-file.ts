/** Guesses what an import file holds, so the dialog can preselect format and kind. Pure. */

export type ImportFormat = 'csv' | 'json';
export type ImportKind = 'sites' | 'appliances';

export function inferFormat(filename: string, content: string): ImportFormat {
  const lower = filename.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.csv')) return 'csv';
  const first = content.trimStart()[0];
  return first === '{' || first === '[' ? 'json' : 'csv';
}

/** The header row's column names, lowercased, quotes and a byte-order mark removed. */
export function csvHeader(content: string): string[] {
  const firstLine = content.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  return firstLine.split(',').map((c) => c.trim().replace(/^"|"$/g, '').toLowerCase());
}

/** A CSV holds one kind: appliances have a serial column, sites a code (and timezone or ASN). */
export function inferCsvKind(content: string): ImportKind | null {
  const header = csvHeader(content);
  if (header.includes('serial')) return 'appliances';
  if (header.includes('code') || (header.includes('timezone') && header.includes('asn'))) return 'sites';
  return null;
}

