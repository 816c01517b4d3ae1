/**
 * The savings report per partner: transit the latest plans keep off each partner's links, in bytes
 * a day and in Gbps at the partner's peak hour (the figure an ISP sizes its transit by). Charts:
 * one bar per partner for the Gbps avoided at its peak; one bar per partner split into the bytes a
 * day served from inside the ISP and the bytes still fetched over transit; and the day's 24 hours
 * of Gbps avoided per partner (UTC), where its peak shows. Beside the forecast, what the appliances
 * measured over the last 24 hours (served from cache vs origin Gbps, from the health history) where
 * they report it. Figures from `fills.savings`.
 */
import { useEffect } from 'react';
import { hashFor } from '../../route';
import { formatBytes } from '../../ui/format';
import { gbps, savingsChart, SAVINGS_CHART } from './format';
import { useFills } from './store';
import type { PartnerSavings, SavingsReport } from './types';

type Measured = SavingsReport['totals']['measured'];

/** The measured columns of a row: offload and the busiest quarter hour's Gbps, or that nothing was measured. */
function MeasuredCells({ measured, testId }: { measured: Measured; testId?: string }) {
  if (!measured) {
    return (
      <td colSpan={2} className="muted" data-testid={testId} data-measured="none">
        not measured
      </td>
    );
  }
  return (
    <>
      <td data-testid={testId} data-offload={measured.offload}>
        {pct(measured.offload)} <span className="muted">({measured.hours} h)</span>
      </td>
      <td>{gbps(measured.peakGbpsAvoided)}</td>
    </>
  );
}

const PALETTE = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#0969da', '#57606a'];
const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;

export function SavingsPanel() {
  const { savings, savingsError } = useFills();
  useEffect(() => {
    void useFills.getState().loadSavings();
  }, []);
  if (savingsError) {
    return (
      <p className="error" role="alert" data-testid="savings-error">
        {savingsError}
      </p>
    );
  }
  if (!savings) return null;
  if (savings.partners.length === 0) {
    return (
      <section className="card" data-testid="savings">
        <h2>Transit savings per partner</h2>
        <p className="muted" data-testid="savings-empty">
          No site has a plan yet: make one with <code>fleetdeck fills plan</code>.
        </p>
      </section>
    );
  }
  const chart = savingsChart(savings.partners);
  const { width, barHeight, gap, label } = SAVINGS_CHART;
  const height = savings.partners.length * (barHeight + gap);
  return (
    <section className="card" data-testid="savings">
      <h2>Transit savings per partner</h2>
      <p className="muted">
        From each site&apos;s latest plan: its forecast demand and the share its placement serves from inside the ISP. All partners:{' '}
        <strong data-testid="savings-total">{formatBytes(savings.totals.avoidedBytes, 'decimal')}</strong> a day kept off transit ({pct(savings.totals.offload)} of the demand).
        {savings.sitesWithoutPlan.length > 0 && ` Not counted (no plan yet): ${savings.sitesWithoutPlan.join(', ')}.`}
      </p>
      <p className="muted" data-testid="savings-measured-total">
        {savings.totals.measured
          ? `Measured on the appliances over ${savings.totals.measured.hours} h of the last 24: ${formatBytes(savings.totals.measured.avoidedBytes, 'decimal')} served from their caches and ${formatBytes(savings.totals.measured.transitBytes, 'decimal')} fetched over transit (${pct(savings.totals.measured.offload)} offload), ${gbps(savings.totals.measured.peakGbpsAvoided)} served from cache at the busiest quarter hour.`
          : 'Not measured yet: no appliance has reported its transit (origin Gbps) to the health polling in the last 24 hours.'}
      </p>
      <h3>Gbps avoided at each partner&apos;s peak hour</h3>
      <svg width={width + label + 90} height={height} role="img" aria-label="Gbps of transit avoided at each partner's peak hour" data-testid="savings-peak-chart">
        {chart.map((c, i) => (
          <g key={c.partner} transform={`translate(0 ${i * (barHeight + gap)})`}>
            <text x={label - 6} y={barHeight / 2} dominantBaseline="middle" textAnchor="end" fontSize="12" fill="currentColor">
              {c.partner}
            </text>
            <rect
              x={label}
              y={0}
              width={c.peakWidth}
              height={barHeight}
              fill={PALETTE[i % PALETTE.length]}
              data-testid="savings-peak-bar"
              data-partner={c.partner}
              data-gbps={c.peakGbps}
            />
            <text x={label + c.peakWidth + 6} y={barHeight / 2} dominantBaseline="middle" fontSize="12" fill="currentColor">
              {gbps(c.peakGbps)}
            </text>
          </g>
        ))}
      </svg>
      <h3>Bytes a day: served inside the ISP vs still over transit</h3>
      <svg width={width + label + 90} height={height} role="img" aria-label="Bytes a day avoided and still over transit per partner" data-testid="savings-bytes-chart">
        {chart.map((c, i) => (
          <g key={c.partner} transform={`translate(0 ${i * (barHeight + gap)})`}>
            <text x={label - 6} y={barHeight / 2} dominantBaseline="middle" textAnchor="end" fontSize="12" fill="currentColor">
              {c.partner}
            </text>
            <rect x={label} y={0} width={c.avoidedWidth} height={barHeight} fill="#1a7f37" data-testid="savings-avoided-bar" data-partner={c.partner} />
            <rect x={label + c.avoidedWidth} y={0} width={c.transitWidth} height={barHeight} fill="#d1242f" opacity={0.6} data-testid="savings-transit-bar" data-partner={c.partner} />
          </g>
        ))}
      </svg>
      <p className="muted">
        <span style={{ color: '#1a7f37' }}>■</span> avoided <span style={{ color: '#d1242f', opacity: 0.6 }}>■</span> still over transit
      </p>
      <h3>Gbps avoided through the day (UTC)</h3>
      <HourlyChart partners={savings.partners} />
      <table className="table" data-testid="savings-table">
        <thead>
          <tr>
            <th>Partner / site</th>
            <th>Avoided a day</th>
            <th>Still over transit</th>
            <th>Offload</th>
            <th>Gbps at peak</th>
            <th>Peak hour</th>
            <th>Measured offload</th>
            <th>Measured peak</th>
          </tr>
        </thead>
        <tbody>
          {savings.partners.flatMap((p) => [
            <tr key={p.partner} data-testid="savings-partner-row" data-partner={p.partner}>
              <td>
                <strong>{p.partner}</strong>
              </td>
              <td data-testid="savings-avoided">{formatBytes(p.avoidedBytes, 'decimal')}</td>
              <td>{formatBytes(p.transitBytes, 'decimal')}</td>
              <td>{pct(p.offload)}</td>
              <td data-testid="savings-peak">{gbps(p.peakGbpsAvoided)}</td>
              <td>{String(p.peakUtcHour).padStart(2, '0')}:00 UTC</td>
              <MeasuredCells measured={p.measured} testId="savings-measured" />
            </tr>,
            ...p.sites.map((s) => (
              <tr key={`${p.partner}/${s.site}`} data-testid="savings-site-row" data-site={s.site}>
                <td>
                  &nbsp;&nbsp;<a href={hashFor({ name: 'fills', site: s.site, run: null })}>{s.site}</a> <span className="muted">(plan #{s.planId}, {s.day})</span>
                </td>
                <td>{formatBytes(s.avoidedBytes, 'decimal')}</td>
                <td>{formatBytes(s.transitBytes, 'decimal')}</td>
                <td>
                  {pct(s.offload)} <span className="muted">(bound {pct(s.bound)})</span>
                </td>
                <td>{gbps(s.peakGbpsAvoided)}</td>
                <td>{String(s.peakLocalHour).padStart(2, '0')}:00 local</td>
                <MeasuredCells measured={s.measured} />
              </tr>
            )),
          ])}
        </tbody>
      </table>
    </section>
  );
}

/** 24 hours of Gbps avoided, one line per partner (SVG polylines, shared scale). */
function HourlyChart({ partners }: { partners: readonly PartnerSavings[] }) {
  const w = 480;
  const h = 140;
  const pad = 30;
  const max = Math.max(1e-9, ...partners.flatMap((p) => p.hourlyGbpsAvoided));
  const x = (hour: number) => pad + (hour / 23) * (w - pad - 10);
  const y = (g: number) => h - pad + 10 - (g / max) * (h - pad);
  return (
    <svg width={w} height={h + 10} role="img" aria-label="Gbps of transit avoided per UTC hour, per partner" data-testid="savings-hourly-chart">
      <line x1={pad} y1={y(0)} x2={w - 10} y2={y(0)} stroke="currentColor" opacity={0.4} />
      {[0, 6, 12, 18, 23].map((hr) => (
        <text key={hr} x={x(hr)} y={h + 6} fontSize="10" textAnchor="middle" fill="currentColor">
          {String(hr).padStart(2, '0')}
        </text>
      ))}
      <text x={4} y={y(max)} fontSize="10" fill="currentColor">
        {gbps(max)}
      </text>
      {partners.map((p, i) => (
        <polyline
          key={p.partner}
          fill="none"
          stroke={PALETTE[i % PALETTE.length]}
          strokeWidth={2}
          points={p.hourlyGbpsAvoided.map((g, hr) => `${x(hr).toFixed(1)},${y(g).toFixed(1)}`).join(' ')}
          data-testid="savings-hourly-line"
          data-partner={p.partner}
        >
          <title>{p.partner}</title>
        </polyline>
      ))}
    </svg>
  );
}
