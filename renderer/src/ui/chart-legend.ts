/**
 * What a chart's legend says for a series. uPlot shows the hovered point's value and, with nothing
 * hovered, "--"; a legend that reads "--" until the mouse finds the chart tells nothing. With
 * nothing hovered these show the series' latest value instead (or nothing when it has none).
 */
import type uPlot from 'uplot';

/** The last value of a series that is a number, or null. */
export function latestValue(values: ArrayLike<number | null | undefined> | undefined): number | null {
  if (!values) return null;
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}

/**
 * A series' `value` for uPlot: the hovered point formatted ("—" where it has no measurement), or
 * with nothing hovered the series' latest value, or what `idle` picks (an x axis where the last
 * point is not "now", such as quantiles); nothing when there is no value to show.
 */
export function legendValue(
  format: (v: number) => string,
  idle: (u: uPlot, sidx: number) => number | null = (u, sidx) => latestValue(u.data[sidx] as ArrayLike<number | null | undefined> | undefined),
): (u: uPlot, v: number | null, sidx: number, idx: number | null) => string {
  return (u, v, sidx, idx) => {
    if (idx === null || idx === undefined) {
      const shown = idle(u, sidx);
      return shown === null ? '' : format(shown);
    }
    return v === null || v === undefined ? '—' : format(v);
  };
}

/** The x series' `value`: the hovered point's x formatted, or with nothing hovered `idleText` (what the other values are). */
export function legendX(format: (x: number) => string, idleText: string): (u: uPlot, v: number | null, sidx: number, idx: number | null) => string {
  return (_u, v, _sidx, idx) => (idx === null || idx === undefined || v === null || v === undefined ? idleText : format(v));
}
