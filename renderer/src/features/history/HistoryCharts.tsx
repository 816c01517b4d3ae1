/**
 * Serving, cache hit ratio and errors per second over a range: one uPlot chart per metric on a shared
 * time axis (UTC-aware local time, as uPlot shows it), a gap where a step has no measurement.
 */
import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Series } from '../../../../main/history/contract';
import { cssVar, useEffectiveTheme, withAlpha } from '../health/Sparkline';
import { legendValue, legendX } from '../../ui/chart-legend';
import { seriesColumns, type ChartColumns } from './series-data';

const HEIGHT = 150;

interface MetricChart {
  metric: 'serving' | 'hit' | 'errors';
  label: string;
  unit: string;
  colorVar: string;
  fallback: string;
  format: (v: number) => string;
  /** y from zero (amounts) or from the data (a ratio near its top). */
  fromZero: boolean;
}

const CHARTS: readonly MetricChart[] = [
  { metric: 'serving', label: 'serving', unit: 'Gbps', colorVar: '--accent', fallback: '#0a58ca', format: (v) => `${v.toFixed(1)} Gbps`, fromZero: true },
  { metric: 'hit', label: 'cache hit ratio', unit: '%', colorVar: '--h-ok', fallback: '#1a7f37', format: (v) => `${v.toFixed(1)} %`, fromZero: false },
  { metric: 'errors', label: 'errors per second', unit: '/s', colorVar: '--h-error', fallback: '#cf222e', format: (v) => `${v.toFixed(2)} /s`, fromZero: true },
];

function Chart({ chart, columns, from, to }: { chart: MetricChart; columns: ChartColumns; from: number; to: number }) {
  const el = useRef<HTMLDivElement>(null);
  const theme = useEffectiveTheme();
  const values = columns[chart.metric];

  useEffect(() => {
    const host = el.current;
    if (!host) return;
    const color = cssVar(chart.colorVar, chart.fallback);
    const text = cssVar('--text-muted', '#5c6570');
    const grid = cssVar('--border', '#d9dde3');
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    const opts: uPlot.Options = {
      width: Math.max(200, host.clientWidth),
      height: HEIGHT,
      cursor: { drag: { x: false, y: false, setScale: false } },
      scales: {
        x: { time: true, range: () => [from, to] },
        y: { range: (_u, min, max) => (chart.fromZero ? [0, Math.max(max, 0.01) * 1.1] : [Math.max(0, min - (max - min) * 0.2 - 0.5), Math.min(100, max + (max - min) * 0.2 + 0.5)]) },
      },
      axes: [axis, { ...axis, label: chart.unit, size: 56, values: (_u, ticks) => ticks.map((v) => (Math.abs(v) >= 10 ? `${Math.round(v)}` : `${+v.toFixed(2)}`)) }],
      series: [{ value: legendX((t) => new Date(t * 1000).toLocaleString(), 'latest') }, { label: chart.label, stroke: color, fill: withAlpha(color, theme === 'dark' ? 0.2 : 0.1), width: 1.5, spanGaps: false, value: legendValue(chart.format) }],
    };
    const plot = new uPlot(opts, [columns.times, values], host);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, host.clientWidth), height: HEIGHT }));
    resize.observe(host);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [chart, columns, values, from, to, theme]);

  const shown = values.filter((v) => v !== null).length;
  return (
    <div
      className="history-chart"
      ref={el}
      data-testid="history-chart"
      data-metric={chart.metric}
      data-points={shown}
      data-from={from}
      data-to={to}
      role="img"
      aria-label={`${chart.label} (${chart.unit}): ${shown} points from ${new Date(from * 1000).toISOString()} to ${new Date(to * 1000).toISOString()}`}
    />
  );
}

export function HistoryCharts({ series }: { series: Series }) {
  const columns = useMemo(() => seriesColumns(series), [series]);
  const from = Date.parse(series.from) / 1000;
  const to = Date.parse(series.to) / 1000;
  return (
    <div className="history-charts" data-step={series.stepSec}>
      {CHARTS.map((c) => (
        <Chart key={c.metric} chart={c} columns={columns} from={from} to={to} />
      ))}
    </div>
  );
}
