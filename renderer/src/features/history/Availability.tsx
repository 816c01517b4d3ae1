/**
 * Availability against the 99.9 % partners are promised: a table per site or partner (share of
 * capacity-hours serving, the verdict, down against what the target allows, maintenance apart,
 * hours observed) and a one-line indicator for a site's page.
 */
import { useEffect } from 'react';
import type { Availability, AvailabilityRange, AvailabilityReport } from '../../../../main/history/contract';
import { hashFor } from '../../route';
import { availabilityKey, useHistory, type AvailabilityFilter } from './store';
import { formatAvailability } from './series-data';
import './history.css';

const RANGE_WORDS: Record<AvailabilityRange, string> = { '24h': 'the last 24 hours', '7d': 'the last 7 days', '30d': 'the last 30 days' };
const gbpsH = (x: number) => (x < 10 ? x.toFixed(2) : Math.round(x).toLocaleString('en-US'));
const verdict = (a: Availability) => (a.meetsTarget === null ? 'not observed' : a.meetsTarget ? 'meets 99.9 %' : 'below 99.9 %');
const verdictClass = (a: Availability) => (a.meetsTarget === null ? 'availability-none' : a.meetsTarget ? 'availability-ok' : 'availability-below');

export function useAvailability(range: AvailabilityRange, filter: AvailabilityFilter = {}) {
  const key = availabilityKey(range, filter);
  const entry = useHistory((s) => s.availability[key]);
  const load = useHistory((s) => s.loadAvailability);
  useEffect(() => {
    void load(range, filter);
    // The filter is compared by value (its key).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, load]);
  return entry;
}

function Cells({ a }: { a: Availability }) {
  return (
    <>
      <td className="num">{formatAvailability(a.availability)}</td>
      <td>
        <span className={`availability-verdict ${verdictClass(a)}`}>{verdict(a)}</span>
      </td>
      <td className="num">{gbpsH(a.downGbpsH)}</td>
      <td className="num">{gbpsH(a.allowedDownGbpsH)}</td>
      <td className="num">{gbpsH(a.maintenanceGbpsH)}</td>
      <td className="num">{a.observedHours} h</td>
    </>
  );
}

const HEAD = (
  <>
    <th className="num">Serving</th>
    <th>Against 99.9 %</th>
    <th className="num">Down (Gbps·h)</th>
    <th className="num">Allowed (Gbps·h)</th>
    <th className="num">Maintenance (Gbps·h)</th>
    <th className="num">Observed</th>
  </>
);

export function AvailabilityTables({ report }: { report: AvailabilityReport }) {
  return (
    <div data-testid="availability" data-target={report.target}>
      <p className="muted">
        Share of capacity-hours serving over {RANGE_WORDS[report.range]}: an installed appliance counts its serving capacity for each hour it was reachable
        and not in Error; drained for a rollout or maintenance is shown apart and left out of the share.
      </p>
      <table className="plain availability-table" data-testid="availability-partners">
        <thead>
          <tr>
            <th>Partner</th>
            <th className="num">Sites</th>
            {HEAD}
          </tr>
        </thead>
        <tbody>
          <tr data-testid="availability-row" data-kind="fleet" data-meets={String(report.fleet.meetsTarget)} className="availability-fleet">
            <td>Whole fleet</td>
            <td className="num">{report.sites.length}</td>
            <Cells a={report.fleet} />
          </tr>
          {report.partners.map((p) => (
            <tr key={p.partner} data-testid="availability-row" data-kind="partner" data-partner={p.partner} data-meets={String(p.meetsTarget)}>
              <td>
                <a href={hashFor({ name: 'trends', partner: p.partner, range: '24h' })}>{p.partner}</a>
              </td>
              <td className="num">{p.sites}</td>
              <Cells a={p} />
            </tr>
          ))}
        </tbody>
      </table>
      <table className="plain availability-table" data-testid="availability-sites">
        <thead>
          <tr>
            <th>Site</th>
            <th>Partner</th>
            {HEAD}
          </tr>
        </thead>
        <tbody>
          {report.sites.map((s) => (
            <tr key={s.site} data-testid="availability-row" data-kind="site" data-site={s.site} data-availability={s.availability ?? ''} data-meets={String(s.meetsTarget)}>
              <td>
                <a href={hashFor({ name: 'site', code: s.site })}>{s.site}</a>
              </td>
              <td>{s.partner}</td>
              <Cells a={s} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One site's availability over 30 days in a line, for its page. */
export function SiteAvailability({ site }: { site: string }) {
  const entry = useAvailability('30d', { site });
  const a = entry?.data?.sites.find((s) => s.site === site) ?? null;
  if (entry?.error) return <p className="error-text">{entry.error}</p>;
  if (!entry?.data) return <p className="muted">Availability: loading…</p>;
  if (!a) return <p className="muted" data-testid="site-availability">Availability: nothing observed in the last 30 days yet.</p>;
  return (
    <p data-testid="site-availability" data-availability={a.availability ?? ''} data-meets={String(a.meetsTarget)}>
      Availability over the last 30 days: <strong>{formatAvailability(a.availability)}</strong>{' '}
      <span className={`availability-verdict ${verdictClass(a)}`}>{verdict(a)}</span>{' '}
      <span className="muted">
        (down {gbpsH(a.downGbpsH)} of {gbpsH(a.allowedDownGbpsH)} Gbps·h allowed; maintenance {gbpsH(a.maintenanceGbpsH)} Gbps·h apart; {a.observedHours} h observed)
      </span>
    </p>
  );
}
