/**
 * Capacity: every site's serving capacity, last daily peak and forecast advice (the sites that need
 * attention first); choose a site for its chart of peaks and forecast, with how well each forecasting
 * method did on the last four weeks it did not see.
 */
import { useEffect } from 'react';
import { hashFor } from '../../route';
import { formatCount } from '../../ui/format';
import { useCapacity } from './store';
import { CapacityChart } from './CapacityChart';
import './capacity.css';

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${Math.round(x * 100)} %`);
const METHOD = { sarima: 'SARIMA(1,1,1)(0,1,1)₇', 'seasonal-naive': 'same weekday last week' } as const;

export function CapacityScreen({ site }: { site: string | null }) {
  const sites = useCapacity((s) => s.sites);
  const error = useCapacity((s) => s.sitesError);
  const open = useCapacity((s) => s.open);
  const loadSites = useCapacity((s) => s.loadSites);
  const openSite = useCapacity((s) => s.openSite);

  useEffect(() => {
    void loadSites();
  }, [loadSites]);
  useEffect(() => {
    void openSite(site ?? null);
  }, [site, openSite]);

  const data = open?.site === site ? open.data : null;
  return (
    <div className="page">
      <div className="page-head">
        <h1>Capacity</h1>
        {sites && <span className="row-count">{formatCount(sites.length)} sites</span>}
      </div>
      {site && (
        <section className="card section" data-testid="capacity-site" aria-labelledby="capacity-site-title">
          <h2 id="capacity-site-title">
            <a href={hashFor({ name: 'site', code: site })}>{site}</a>: daily peaks and forecast
          </h2>
          {open?.error ? (
            <p className="error-text" role="alert">
              {open.error}
            </p>
          ) : !data ? (
            <p className="muted">Forecasting…</p>
          ) : data.days === 0 ? (
            <p className="muted">No history yet: a site's daily peak is recorded as health polls it.</p>
          ) : (
            <>
              <p data-testid="capacity-advice" className={data.advice?.crossesOn ? 'capacity-warn' : undefined}>
                {data.advice?.sentence}
              </p>
              <CapacityChart forecast={data} />
              <p className="muted" data-testid="capacity-scores">
                Forecast by {data.method ? METHOD[data.method] : '—'}. Scored on the last 28 days it did not see (mean absolute error): same weekday last week{' '}
                {pct(data.scores.seasonalNaive)}, SARIMA {pct(data.scores.sarima)}. {data.days} days of history.
              </p>
            </>
          )}
        </section>
      )}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {!sites ? (
        !error && <p className="center-note">Loading…</p>
      ) : (
        <div className="card flush">
          <table className="plain" data-testid="capacity-table">
            <thead>
              <tr>
                <th>Site</th>
                <th>Partner</th>
                <th className="num">Capacity</th>
                <th className="num">Last peak</th>
                <th>Advice</th>
              </tr>
            </thead>
            <tbody>
              {sites.map((c) => (
                <tr key={c.site} data-testid="capacity-row" data-site={c.site} data-crosses={c.advice?.crossesOn ?? ''} aria-current={c.site === site ? 'true' : undefined}>
                  <td>
                    <a href={hashFor({ name: 'capacity', site: c.site })}>{c.site}</a>
                  </td>
                  <td>{c.partner}</td>
                  <td className="num">{Math.round(c.capacityGbps)} Gbps</td>
                  <td className="num">{c.lastPeak ? `${Math.round(c.lastPeak.peakGbps)} Gbps (${pct(c.capacityGbps ? c.lastPeak.peakGbps / c.capacityGbps : null)})` : '—'}</td>
                  <td className={c.advice?.crossesOn ? 'capacity-warn' : undefined}>{c.advice ? c.advice.sentence : <span className="muted">no history yet</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
