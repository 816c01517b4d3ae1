/**
 * A small time-series chart (uPlot, drawn on a canvas: nothing inline for the CSP to refuse). The
 * header shows the latest value, or the hovered one with its time. Colours come from the theme's CSS
 * variables and follow a theme switch.
 */
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useUi } from '../../stores/ui';
import './health.css';

interface SparklineProps {
  label: string;
  /** data-metric, for tests and styling. */
  metric: string;
  /** Unix seconds, oldest first. */
  times: readonly number[];
  values: readonly (number | null)[];
  format: (v: number) => string;
  /** A CSS variable holding the line colour (a hex colour). */
  colorVar?: string;
  /** Fixed top of the scale (1 for ratios, 100 for percents); otherwise it follows the data. */
  max?: number;
}

const HEIGHT = 64;
const timeOfDay = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

function darkQuery(): MediaQueryList | null {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : null;
}

function subscribeScheme(listener: () => void): () => void {
  const q = darkQuery();
  q?.addEventListener('change', listener);
  return () => q?.removeEventListener('change', listener);
}

/** 'light' or 'dark', as the window shows now (the choice, or the system's when automatic). */
export function useEffectiveTheme(): 'light' | 'dark' {
  const choice = useUi((s) => s.theme);
  const systemDark = useSyncExternalStore(subscribeScheme, () => darkQuery()?.matches ?? false);
  if (choice === 'system') return systemDark ? 'dark' : 'light';
  return choice;
}

export function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/** '#1f6feb' → 'rgba(31,111,235,0.18)'; other notations are returned as they are. */
export function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(color);
  if (!m) return color;
  const n = parseInt(m[1]!, 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

export function Sparkline({ label, metric, times, values, format, colorVar = '--accent', max }: SparklineProps) {
  const plotRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<uPlot | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  const theme = useEffectiveTheme();
  const data = useMemo<uPlot.AlignedData>(() => [Float64Array.from(times), values.slice()], [times, values]);
  const dataRef = useRef(data);
  const hasData = values.some((v) => v !== null);

  // Declared first, so the build below sees the newest data.
  useEffect(() => {
    dataRef.current = data;
  }, [data]);

  // (Re)build the chart when the theme or the scale changes; data updates go through setData below.
  useEffect(() => {
    const el = plotRef.current;
    if (!el || !hasData) return;
    const stroke = cssVar(colorVar, '#1f6feb');
    const opts: uPlot.Options = {
      width: Math.max(80, el.clientWidth),
      height: HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: false, y: false, setScale: false }, points: { size: 5 } },
      select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      axes: [{ show: false }, { show: false }],
      scales: {
        x: { time: true },
        y: { range: (_u, _min, dataMax) => [0, max ?? (dataMax > 0 ? dataMax * 1.15 : 1)] },
      },
      series: [{}, { stroke, fill: withAlpha(stroke, theme === 'dark' ? 0.22 : 0.16), width: 1.5, points: { show: (u) => u.data[0].length < 3, size: 5, fill: stroke }, spanGaps: false }],
      hooks: { setCursor: [(u) => setHover(u.cursor.idx ?? null)] },
    };
    const chart = new uPlot(opts, dataRef.current, el);
    chartRef.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(80, el.clientWidth), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      chartRef.current = null;
    };
  }, [theme, colorVar, max, hasData]);

  useEffect(() => {
    chartRef.current?.setData(data);
  }, [data]);

  const lastIndex = (() => {
    for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return i;
    return -1;
  })();
  const shown = hover !== null && values[hover] !== null && values[hover] !== undefined ? hover : lastIndex;
  const value = shown >= 0 ? values[shown] : null;
  const at = shown >= 0 ? times[shown] : undefined;

  return (
    <div className="chart" data-testid="health-chart" data-metric={metric} data-points={values.length}>
      <div className="chart-head">
        <span>{label}</span>
        <span>
          {value !== null && value !== undefined ? <strong>{format(value)}</strong> : '—'}
          {hover !== null && at !== undefined && <span> · {timeOfDay.format(new Date(at * 1000))}</span>}
        </span>
      </div>
      {hasData ? <div className="plot" ref={plotRef} role="img" aria-label={`${label} over the last ${values.length} samples`} /> : <div className="no-data">No samples yet</div>}
    </div>
  );
}
