/**
 * A scope's charts (fleet, partner, site or appliance) with a range picker: 1 h, 6 h, 24 h, 7 d, 30 d.
 * The engine picks the resolution (one-minute points up to a day, fifteen-minute points beyond) and
 * averages to at most 360 points; new sweeps refresh the shorter ranges.
 */
import { useEffect, useState } from 'react';
import { SERIES_RANGES, type SeriesRange, type SeriesScope } from '../../../../main/history/contract';
import { useEngine } from '../../stores/engine';
import { ToggleFilter } from '../../ui/ToggleFilter';
import { HistoryCharts } from './HistoryCharts';
import { seriesKey, useHistory } from './store';
import './history.css';

const RANGE_LABEL: Record<SeriesRange, string> = { '1h': '1 h', '6h': '6 h', '24h': '24 h', '7d': '7 d', '30d': '30 d' };
/** At most one refresh per this many ms while sweeps come in. */
const REFRESH_MS = 15_000;

interface HistoryPanelProps {
  scope: SeriesScope;
  title: string;
  /** Controlled range (a screen keeps it in the URL); the panel keeps its own otherwise. */
  range?: SeriesRange;
  onRange?: (range: SeriesRange) => void;
}

export function HistoryPanel({ scope, title, range: controlled, onRange }: HistoryPanelProps) {
  const [own, setOwn] = useState<SeriesRange>('24h');
  const range = controlled ?? own;
  const key = seriesKey(scope, range);
  const entry = useHistory((s) => s.series[key]);
  const loadSeries = useHistory((s) => s.loadSeries);
  const client = useEngine((s) => s.client);

  useEffect(() => {
    void loadSeries(scope, range);
    if (!client || range === '7d' || range === '30d') return;
    let last = Date.now();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = client.on('history.changed', () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        last = Date.now();
        void loadSeries(scope, range);
      }, Math.max(0, last + REFRESH_MS - Date.now()));
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
    // The scope is compared by value (its key).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, client, loadSeries]);

  const choose = (r: SeriesRange) => (onRange ? onRange(r) : setOwn(r));
  const data = entry?.data ?? null;
  return (
    <section className="card section history-panel" data-testid="history-panel" data-range={range} aria-label={title}>
      <div className="history-head">
        <h2>{title}</h2>
        <div className="spacer" />
        <ToggleFilter label="Range" testId="history-range" options={SERIES_RANGES} selected={[range]} onToggle={choose} optionLabel={(r) => RANGE_LABEL[r]} />
      </div>
      {entry?.error && (
        <p className="error-text" role="alert">
          {entry.error}
        </p>
      )}
      {!data ? (
        !entry?.error && <p className="muted">Loading…</p>
      ) : data.range !== range ? null : data.points.length === 0 ? (
        <p className="muted" data-testid="history-empty">
          No history in this range yet: points are recorded as health polls the fleet.
        </p>
      ) : (
        <>
          <HistoryCharts series={data} />
          <p className="muted history-note">
            {data.stepSec < 3600 ? `${data.stepSec / 60}-minute` : `${data.stepSec / 3600}-hour`} points, {data.points.length} with measurements; times in this computer's time zone.
          </p>
        </>
      )}
    </section>
  );
}
