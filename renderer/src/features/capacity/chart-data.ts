/** A site's peaks, forecast and capacity as the chart's aligned columns (Unix seconds, Gbps). Pure. */
import type { SiteForecast } from '../../../../main/capacity/contract';

export interface CapacitySeries {
  times: number[];
  /** Measured daily peaks; null on forecast days. */
  peaks: Array<number | null>;
  /** The forecast; it starts on the last measured day so the two lines join. */
  forecast: Array<number | null>;
  capacity: Array<number | null>;
  /** 90 % of capacity: where the advice starts warning. */
  warn: Array<number | null>;
}

const seconds = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;

export function capacitySeries(f: SiteForecast, warnShare = 0.9): CapacitySeries {
  const out: CapacitySeries = { times: [], peaks: [], forecast: [], capacity: [], warn: [] };
  f.history.forEach((p, i) => {
    out.times.push(seconds(p.day));
    out.peaks.push(p.peakGbps);
    out.forecast.push(i === f.history.length - 1 ? p.peakGbps : null);
    out.capacity.push(p.capacityGbps);
    out.warn.push(p.capacityGbps * warnShare);
  });
  for (const p of f.forecast) {
    out.times.push(seconds(p.day));
    out.peaks.push(null);
    out.forecast.push(p.peakGbps);
    out.capacity.push(f.capacityGbps);
    out.warn.push(f.capacityGbps * warnShare);
  }
  return out;
}
