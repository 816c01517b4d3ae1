/** How numbers, times and windows read on screen. Pure, so it is tested in Node. */
import { isKnownTimeZone } from '../../../main/inventory/contract';
const countFormat = new Intl.NumberFormat('en-US');
const tbFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** 10000 → "10,000". */
export function formatCount(n: number): string {
  return countFormat.format(n);
}

/** 1234.56 → "1,234.6 TB"; fleets past 10 PB read in PB. */
export function formatTb(tb: number): string {
  if (tb >= 10_000) return `${tbFormat.format(tb / 1000)} PB`;
  return `${tbFormat.format(tb)} TB`;
}

export { formatBytes, type ByteUnits } from '../../../main/kit/bytes';

/** "1 of 10", "1,234 of 10,000". */
export function formatRowCount(shown: number | null, fleet: number | null): string {
  if (shown === null) return 'Loading…';
  if (fleet === null || fleet === shown) return `${formatCount(shown)} appliance${shown === 1 ? '' : 's'}`;
  return `${formatCount(shown)} of ${formatCount(fleet)}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** An ISO instant in this computer's local time: "2025-03-04 14:05". Unparseable input is shown as is. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export interface SiteClock {
  /** "14:05" */
  time: string;
  /** "Tue" */
  weekday: string;
  /** "GMT-3" */
  offset: string;
  /** Minutes since local midnight, for window checks. */
  minutes: number;
}

/** The wall-clock time at a site, or null when the zone is unknown. */
export function siteClock(zone: string, now: Date): SiteClock | null {
  if (!isKnownTimeZone(zone)) return null;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hour: '2-digit',
    minute: '2-digit',
    weekday: 'short',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(now);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const hour = Number(get('hour')) % 24;
  const minute = Number(get('minute'));
  return {
    time: `${pad(hour)}:${pad(minute)}`,
    weekday: get('weekday'),
    offset: get('timeZoneName'),
    minutes: hour * 60 + minute,
  };
}

/** Parses `HH:MM-HH:MM` into minutes since midnight; null when malformed. */
export function parseWindow(window: string): { start: number; end: number } | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/.exec(window.trim());
  if (!m) return null;
  return { start: Number(m[1]) * 60 + Number(m[2]), end: Number(m[3]) * 60 + Number(m[4]) };
}

/** Whether a local minute-of-day lies in a daily window; windows may cross midnight (22:00-04:00). */
export function inWindow(window: string, minutes: number): boolean {
  const w = parseWindow(window);
  if (!w || w.start === w.end) return false;
  if (w.start < w.end) return minutes >= w.start && minutes < w.end;
  return minutes >= w.start || minutes < w.end;
}

/** "12 h", "4 h 30 min": how long a daily window lasts. */
export function windowLength(window: string): string {
  const w = parseWindow(window);
  if (!w) return '';
  const total = (w.end - w.start + 1440) % 1440;
  const h = Math.floor(total / 60);
  const m = total % 60;
  if (m === 0) return `${h} h`;
  if (h === 0) return `${m} min`;
  return `${h} h ${m} min`;
}

/** A coordinate pair as "-23.55, -46.63". */
export function formatCoords(latitude: number, longitude: number): string {
  return `${latitude.toFixed(4).replace(/\.?0+$/, '')}, ${longitude.toFixed(4).replace(/\.?0+$/, '')}`;
}

/** A short human line for an audit entry's details: `status: online → drained; reason: fan`. */
export function describeDetails(details: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(details)) {
    if (value === null || value === undefined || value === '') continue;
    parts.push(`${key}: ${describeValue(value)}`);
  }
  return parts.join('; ');
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(describeValue).join(', ');
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    if ('from' in o && 'to' in o) return `${describeValue(o.from ?? '—')} → ${describeValue(o.to ?? '—')}`;
    // An empty filter or map (a monitor selection of everything) still shows as something.
    if (Object.keys(o).length === 0) return '(none)';
    // A map of changes, `{ hostname: { from, to }, ... }`.
    return Object.entries(o)
      .map(([k, v]) => `${k} ${describeValue(v)}`)
      .join(', ');
  }
  return String(value);
}
