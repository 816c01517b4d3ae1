/**
 * Byte sizes, the one way the renderer and the CLI write them (decimal for capacities and transfer
 * volumes, binary for files). A pure leaf module: imports nothing.
 */

/** How byte sizes are counted: decimal (1 KB = 1000 B, as disk vendors print capacities) or binary (1 KiB = 1024 B, file sizes). */
export type ByteUnits = 'decimal' | 'binary';

const BYTE_UNITS: Record<ByteUnits, { base: number; names: readonly string[] }> = {
  decimal: { base: 1000, names: ['B', 'KB', 'MB', 'GB', 'TB', 'PB'] },
  binary: { base: 1024, names: ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] },
};

/**
 * A byte size on screen, the one way every screen writes it: whole bytes, then one decimal below
 * 100 of a unit and none from 100 on. 360e12 decimal → "360 TB", 1536 binary → "1.5 KiB",
 * 999_960 decimal → "1.0 MB" (never "1000.0 KB"). Negative or unknown sizes read as 0 B.
 */
export function formatBytes(n: number, units: ByteUnits): string {
  const { base, names } = BYTE_UNITS[units];
  let v = Number.isFinite(n) ? Math.max(0, n) : 0;
  let u = 0;
  while (v >= base && u < names.length - 1) {
    v /= base;
    u++;
  }
  if (u === 0) return `${Math.round(v)} B`;
  let digits = v >= 100 ? 0 : 1;
  // Rounding can reach the next unit (999.96 KB) or the next width (99.96 MB → "100 MB", not "100.0 MB").
  if (Number(v.toFixed(digits)) >= base && u < names.length - 1) {
    v /= base;
    u++;
    digits = 1;
  } else if (digits === 1 && Number(v.toFixed(1)) >= 100) digits = 0;
  return `${v.toFixed(digits)} ${names[u]}`;
}
