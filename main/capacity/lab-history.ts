/**
 * Months of plausible daily serving peaks for a lab site: a utilisation that grows through the months,
 * a weekly pattern (weekend evenings peak), a holiday bump at the end of December and a little noise,
 * deterministic from the site's code. One site of a lab (`hot`) grows towards its capacity so the
 * forecast has something to warn about.
 */
import type { DailyPeak } from './contract';
import { addDays } from './forecast';

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Weekly shape by UTC weekday (Sunday first): the weekend is busier. */
const WEEK = [1.1, 0.93, 0.92, 0.94, 0.97, 1.06, 1.12];

export function labPeakHistory(site: string, capacityGbps: number, firstDay: string, days: number, hot: boolean): DailyPeak[] {
  const rnd = random(hash(site));
  const start = hot ? 0.6 : 0.3 + rnd() * 0.25;
  /** Utilisation added over the whole history. */
  const growth = hot ? 0.22 : 0.03 + rnd() * 0.12;
  const out: DailyPeak[] = [];
  for (let i = 0; i < days; i++) {
    const day = addDays(firstDay, i);
    const date = new Date(`${day}T00:00:00Z`);
    const week = WEEK[date.getUTCDay()]!;
    const holiday = date.getUTCMonth() === 11 && date.getUTCDate() >= 20 ? 1.06 : 1;
    const noise = 1 + (rnd() - 0.5) * 0.03;
    const share = (start + (growth * i) / days) * week * holiday * noise;
    out.push({ day, peakGbps: Math.round(capacityGbps * share * 100) / 100, capacityGbps });
  }
  return out;
}
