/**
 * Daily windows in a site's own time zone (`HH:MM-HH:MM`, may cross midnight), as instants: when
 * a window is open, how much open time lies between two instants, and when a given amount of open
 * time has passed. The fill planner (main/fills/exec) and the lab's appliances (main/lab/model)
 * share this, so both agree on when a site's fill window opens and closes. Offsets come from the
 * runtime's IANA zone data (Intl), so daylight-saving changes are honoured.
 */

const MINUTE = 60_000;
const DAY = 86_400_000;

export interface DailyWindow {
  /** Minutes after local midnight. */
  startMin: number;
  /** Length in minutes (1..1440). */
  lengthMin: number;
}

/** Parse `HH:MM-HH:MM`; throws a RangeError on anything else. */
export function parseWindow(text: string): DailyWindow {
  const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (!m) throw new RangeError(`"${text}" is not a window (HH:MM-HH:MM)`);
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  const lengthMin = (((end - start) % 1440) + 1440) % 1440 || 1440;
  return { startMin: start, lengthMin };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at instant `at`, in ms. */
export function offsetMs(timeZone: string, at: number): number {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  const whole = Math.floor(at / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(whole))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(parts['year']!, parts['month']! - 1, parts['day']!, parts['hour']!, parts['minute']!, parts['second']!);
  return asUtc - whole;
}

/** The instant of a local wall-clock time (ms since the epoch as if the zone were UTC). */
function instantOfLocal(timeZone: string, local: number): number {
  const first = local - offsetMs(timeZone, local);
  return local - offsetMs(timeZone, first);
}

/** Local wall-clock ms (as if UTC) of an instant. */
export function localMs(timeZone: string, at: number): number {
  return at + offsetMs(timeZone, at);
}

/** The local calendar day (YYYY-MM-DD) of an instant in a zone. */
export function localDay(timeZone: string, at: number): string {
  return new Date(localMs(timeZone, at)).toISOString().slice(0, 10);
}

/** The window's occurrences [open, close) (instants) that overlap [from, to). */
export function windowIntervals(timeZone: string, window: DailyWindow, from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  const firstDay = Math.floor(localMs(timeZone, from) / DAY) - 1;
  const lastDay = Math.floor(localMs(timeZone, to) / DAY);
  for (let d = firstDay; d <= lastDay; d++) {
    const open = instantOfLocal(timeZone, d * DAY + window.startMin * MINUTE);
    const close = instantOfLocal(timeZone, d * DAY + (window.startMin + window.lengthMin) * MINUTE);
    if (close > from && open < to) out.push([open, close]);
  }
  return out;
}

/** Whether the window is open at `at`. */
export function isOpen(timeZone: string, window: DailyWindow, at: number): boolean {
  return windowIntervals(timeZone, window, at, at + 1).some(([o, c]) => o <= at && at < c);
}

/** The window occurrence open at `at`, else the next one: [open, close). */
export function currentOrNext(timeZone: string, window: DailyWindow, at: number): [number, number] {
  const found = windowIntervals(timeZone, window, at, at + 2 * DAY).find(([, c]) => c > at);
  if (!found) throw new RangeError('no window occurrence within two days');
  return found;
}

/** Open milliseconds of the window in [from, to). */
export function openMsBetween(timeZone: string, window: DailyWindow, from: number, to: number): number {
  if (to <= from) return 0;
  let total = 0;
  for (const [o, c] of windowIntervals(timeZone, window, from, to)) total += Math.max(0, Math.min(c, to) - Math.max(o, from));
  return total;
}

/** The instant at which `openMs` of open window time have passed since `from`. */
export function afterOpenMs(timeZone: string, window: DailyWindow, from: number, openMs: number): number {
  let left = openMs;
  let at = from;
  for (;;) {
    const [o, c] = currentOrNext(timeZone, window, at);
    const start = Math.max(o, at);
    if (start + left <= c) return start + left;
    left -= c - start;
    at = c;
  }
}
