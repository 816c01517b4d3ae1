/**
 * The canary against its baseline for one metric: each sample's values at its quantiles (0 % to 100 %),
 * so a shift of the whole distribution (what the rank test detects) shows as one curve above the other.
 * uPlot on a canvas; colours from the theme.
 */
import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffectiveTheme } from '../health/Sparkline';
import { legendValue, legendX } from '../../ui/chart-legend';
import { quantileCurves } from './quantiles';

/** The legend with nothing hovered: each curve's median (its value at the 50 % quantile). */
const legendMedian = legendValue(
  (v) => `${+v.toPrecision(4)}`,
  (u, sidx) => {
    const at = Array.from(u.data[0]).indexOf(50);
    const v = at < 0 ? null : u.data[sidx]?.[at];
    return typeof v === 'number' ? v : null;
  },
);

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

const HEIGHT = 180;

export function CanaryChart({ label, canary, baseline }: { label: string; canary: readonly number[]; baseline: readonly number[] }) {
  const ref = useRef<HTMLDivElement>(null);
  const theme = useEffectiveTheme();
  const curves = useMemo(() => quantileCurves(canary, baseline), [canary, baseline]);
  const hasData = canary.length > 0 || baseline.length > 0;

  useEffect(() => {
    const el = ref.current;
    if (!el || !hasData) return;
    const text = cssVar('--text-muted', '#667085');
    const grid = cssVar('--border', '#d9dde3');
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: HEIGHT,
      legend: { show: true },
      cursor: { drag: { x: false, y: false, setScale: false } },
      scales: { x: { time: false } },
      axes: [
        { stroke: text, grid: { stroke: grid }, values: (_u, ticks) => ticks.map((t) => `${t}%`), label: 'quantile' },
        { stroke: text, grid: { stroke: grid } },
      ],
      series: [
        // Nothing hovered: the medians (a quantile axis has no "latest").
        { label: 'quantile', value: legendX((q) => `${q}%`, 'median') },
        { label: 'canary', stroke: cssVar('--st-drained', '#8a5a00'), width: 2, points: { size: 4 }, value: legendMedian },
        { label: 'baseline', stroke: cssVar('--accent', '#0a58ca'), width: 2, dash: [6, 4], points: { size: 4 }, value: legendMedian },
      ],
    };
    const chart = new uPlot(opts, [curves.q, curves.canary, curves.baseline], el);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [curves, theme, hasData]);

  return (
    <div className="canary-chart" data-testid="canary-chart" data-canary-n={canary.length} data-baseline-n={baseline.length}>
      {hasData ? (
        <div ref={ref} role="img" aria-label={`${label}: canary (${canary.length} samples) against baseline (${baseline.length} samples) by quantile`} />
      ) : (
        <p className="muted">No samples.</p>
      )}
    </div>
  );
}
