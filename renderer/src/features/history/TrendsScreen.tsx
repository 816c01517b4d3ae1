/**
 * Trends (`#/trends?partner=P&range=24h`): the fleet's or one partner's serving, cache hit ratio and
 * errors over a range, and availability per partner and site against 99.9 %.
 */
import { useState } from 'react';
import { AVAILABILITY_RANGES, type AvailabilityRange, type SeriesRange } from '../../../../main/history/contract';
import { hashFor } from '../../route';
import { ToggleFilter } from '../../ui/ToggleFilter';
import { HistoryPanel } from './HistoryPanel';
import { AvailabilityTables, useAvailability } from './Availability';
import './history.css';

const go = (partner: string | null, range: SeriesRange) => {
  window.location.hash = hashFor({ name: 'trends', partner, range });
};

export function TrendsScreen({ partner, range }: { partner: string | null; range: SeriesRange }) {
  const [availabilityRange, setAvailabilityRange] = useState<AvailabilityRange>('30d');
  const fleetWide = useAvailability('30d');
  const shown = useAvailability(availabilityRange, partner ? { partner } : {});
  const partners = [...new Set([...(fleetWide?.data?.partners.map((p) => p.partner) ?? []), ...(partner ? [partner] : [])])].sort();
  return (
    <div className="page">
      <div className="page-head">
        <h1>Trends</h1>
        <div className="spacer" />
        <label className="trends-partner-field">
          Partner{' '}
          <select className="input" data-testid="trends-partner" value={partner ?? ''} onChange={(e) => go(e.target.value || null, range)}>
            <option value="">Whole fleet</option>
            {partners.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
      </div>
      <HistoryPanel
        key={partner ?? ''}
        scope={partner ? { kind: 'partner', partner } : { kind: 'fleet' }}
        title={partner ? `${partner}: serving, cache hit ratio, errors` : 'Whole fleet: serving, cache hit ratio, errors'}
        range={range}
        onRange={(r) => go(partner, r)}
      />
      <section className="card section" aria-labelledby="availability-title">
        <div className="history-head">
          <h2 id="availability-title">Availability against 99.9 %</h2>
          <div className="spacer" />
          <ToggleFilter label="Availability range" testId="availability-range" options={AVAILABILITY_RANGES} selected={[availabilityRange]} onToggle={setAvailabilityRange} />
        </div>
        {shown?.error && (
          <p className="error-text" role="alert">
            {shown.error}
          </p>
        )}
        {!shown?.data ? !shown?.error && <p className="muted">Loading…</p> : shown.data.sites.length === 0 ? <p className="muted">Nothing observed in this range yet: availability is recorded as health polls the fleet.</p> : <AvailabilityTables report={shown.data} />}
      </section>
    </div>
  );
}
