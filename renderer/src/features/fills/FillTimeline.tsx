/**
 * The window timeline: when each appliance of the site fills and at what rate (uPlot, stepped
 * lines on a canvas), with the fill window's end marked in the caption.
 */
import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ApplianceFillPlan } from './types';
import { legendValue, legendX } from '../../ui/chart-legend';
import { timelineData } from './format';

const PALETTE = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#0969da', '#57606a'];
const HEIGHT = 180;

/** The legend with nothing hovered: each appliance's highest fill rate (a rate over a window has no "latest"). */
const legendHighest = legendValue(
  (v) => `${v} Gbps`,
  (u, sidx) => {
    const rates = Array.from(u.data[sidx] ?? []).filter((v): v is number => typeof v === 'number');
    return rates.length ? Math.max(...rates) : null;
  },
);

export function FillTimeline({ appliances, windowEnd }: { appliances: readonly ApplianceFillPlan[]; windowEnd: string | null }) {
  const ref = useRef<HTMLDivElement>(null);
  const data = useMemo(() => timelineData(appliances), [appliances]);
  const filling = appliances.filter((a) => a.fill.length > 0);
  useEffect(() => {
    const el = ref.current;
    if (!el || filling.length === 0) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: HEIGHT,
      legend: { show: true },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(0.1, max * 1.2)] } },
      axes: [{}, { label: 'Gbps', size: 50 }],
      series: [
        { value: legendX((t) => new Date(t * 1000).toLocaleTimeString(), 'highest') },
        ...appliances.map((a, i) => ({
          label: `${a.serial} (${a.model})`,
          stroke: PALETTE[i % PALETTE.length]!,
          width: 1.5,
          paths: uPlot.paths.stepped!({ align: 1 }),
          value: legendHighest,
        })),
      ],
    };
    const chart = new uPlot(opts, data as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [appliances, data, filling.length]);

  if (filling.length === 0) return <p className="muted" data-testid="fills-timeline-empty">Nothing to fill: every appliance holds its target.</p>;
  const last = Math.max(...appliances.map((a) => Date.parse(a.endAt)));
  return (
    <div className="chart" data-testid="fills-timeline" data-series={appliances.length}>
      <div className="plot" ref={ref} role="img" aria-label={`Fill rate of ${appliances.length} appliances over the window`} />
      <p className="muted">
        Fills end {new Date(last).toLocaleString()}
        {windowEnd ? `; the window closes ${new Date(windowEnd).toLocaleString()}` : ' (out of cycle)'}.
      </p>
    </div>
  );
}
