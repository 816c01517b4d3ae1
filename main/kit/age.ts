/**
 * How long ago, how long: the one spelling of ages and durations for the engine, the CLI and the
 * renderer ("45 s", "12 min", "3 h 5 min", "2 d 4 h"). A pure leaf module: imports nothing.
 */

/** Two units at most, the larger first; the smaller is left out when it is zero. */
function twoUnits(big: number, bigUnit: string, small: number, smallUnit: string): string {
  return small ? `${big} ${bigUnit} ${small} ${smallUnit}` : `${big} ${bigUnit}`;
}

/**
 * An age, to the minute once it is past 90 s: "45 s", "12 min", "3 h 5 min" (under 48 h), "2 d 4 h".
 * Negative or non-finite input reads as "0 s" (a clock a little ahead of the engine's is not an error).
 */
export function formatAge(seconds: number): string {
  const s = Number.isFinite(seconds) ? Math.max(0, Math.round(seconds)) : 0;
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return twoUnits(h, 'h', m % 60, 'min');
  return twoUnits(Math.floor(h / 24), 'd', h % 24, 'h');
}

/**
 * A duration that is watched as it runs (elapsed, ETA): seconds kept below an hour,
 * "45 s", "3 min 20 s", "1 h 5 min". null or an impossible value (not known yet) reads "—".
 */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return twoUnits(Math.floor(s / 60), 'min', s % 60, 's');
  const m = Math.round(s / 60);
  if (m < 48 * 60) return twoUnits(Math.floor(m / 60), 'h', m % 60, 'min');
  const h = Math.round(m / 60);
  return twoUnits(Math.floor(h / 24), 'd', h % 24, 'h');
}
