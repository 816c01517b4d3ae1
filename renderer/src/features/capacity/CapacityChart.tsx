/**
 * One site's daily serving peaks, the forecast that follows them (dashed), its serving capacity and
 * the 90 % line where advice starts: uPlot on a canvas, with date and Gbps axes and a legend.
 */
import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { SiteForecast } from '../../../../main/capacity/contract';
import { cssVar, useEffectiveTheme, withAlpha } from '../health/Sparkline';
import { legendValue, legendX } from '../../ui/chart-legend';
import { capacitySeries } from './chart-data';

const HEIGHT = 280;

export function CapacityChart({ forecast }: { forecast: SiteForecast }) {
  const el = useRef<HTMLDivElement>(null);
  const theme = useEffectiveTheme();
  const series = useMemo(() => capacitySeries(forecast), [forecast]);

  useEffect(() => {
    const host = el.current;
    if (!host || series.times.length === 0) return;
    const accent = cssVar('--accent', '#0a58ca');
    const text = cssVar('--text-muted', '#5c6570');
    const grid = cssVar('--border', '#d9dde3');
    const error = cssVar('--h-error', '#cf222e');
    const warn = cssVar('--h-warning', '#9a6700');
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    const opts: uPlot.Options = {
      width: Math.max(200, host.clientWidth),
      height: HEIGHT,
      cursor: { drag: { x: false, y: false, setScale: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max, 1) * 1.08] } },
      axes: [axis, { ...axis, label: 'Gbps', values: (_u, ticks) => ticks.map((v) => `${Math.round(v)}`) }],
      series: [
        // Nothing hovered: the last day of each series (the last peak recorded, the forecast's last day).
        { value: legendX((t) => new Date(t * 1000).toLocaleDateString(), 'last day') },
        { label: 'daily peak', stroke: accent, fill: withAlpha(accent, theme === 'dark' ? 0.2 : 0.12), width: 1.5, value: legendValue((v) => `${v.toFixed(1)} Gbps`) },
        { label: 'forecast', stroke: accent, dash: [6, 4], width: 2, value: legendValue((v) => `${v.toFixed(1)} Gbps`) },
        { label: 'capacity', stroke: error, width: 1.5, value: legendValue((v) => `${v.toFixed(0)} Gbps`) },
        { label: '90 %', stroke: warn, dash: [2, 3], width: 1, value: legendValue((v) => `${v.toFixed(0)} Gbps`) },
      ],
    };
    const chart = new uPlot(opts, [series.times, series.peaks, series.forecast, series.capacity, series.warn], host);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(200, host.clientWidth), height: HEIGHT }));
    resize.observe(host);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [series, theme]);

  return (
    <div
      className="capacity-chart"
      ref={el}
      data-testid="capacity-chart"
      data-points={series.times.length}
      data-forecast-days={forecast.forecast.length}
      role="img"
      aria-label={`${forecast.site}: ${forecast.days} days of daily serving peaks and a ${forecast.forecast.length}-day forecast against ${Math.round(forecast.capacityGbps)} Gbps of capacity`}
    />
  );
}
