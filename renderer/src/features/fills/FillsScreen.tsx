/**
 * The fills screen of a site: its fill runs, and for the run looked at the planned vs current
 * offload vs the target, the bytes to move and from where, the window timeline (when each
 * appliance fills, at what rate) and each appliance's live progress. Without a site: the savings
 * report per partner (SavingsPanel).
 */
import { useEffect, useState } from 'react';
import type { FillRun, SitePlanSummary } from './types';
import type { SiteSummary } from '../../../../main/inventory/contract';
import { callEngine } from '../../stores/engine';
import { hashFor } from '../../route';
import { FillTimeline } from './FillTimeline';
import { FillsPlanPanel } from './FillsPlanPanel';
import { StartRunDialog } from './StartRunDialog';
import { SavingsPanel } from './SavingsPanel';
import { formatBytes } from '../../ui/format';
import { percent } from './format';
import { followFills, useFills } from './store';

export function FillsScreen({ site, run: runId }: { site: string | null; run: number | null }) {
  const { runs, run, error, loading } = useFills();
  const [sites, setSites] = useState<SiteSummary[]>([]);

  useEffect(() => {
    void callEngine((c) => c.api.inventory.listSites({})).then(setSites, () => setSites([]));
  }, []);
  useEffect(() => {
    void useFills.getState().load(site, runId);
  }, [site, runId]);
  useEffect(() => followFills(), []);

  return (
    <div className="page" data-testid="fills-screen">
      <header className="page-head">
        <h1>Fills{site ? ` · ${site}` : ''}</h1>
        <label>
          Site{' '}
          <select
            className="input"
            data-testid="fills-site"
            value={site ?? ''}
            onChange={(e) => (window.location.hash = hashFor({ name: 'fills', site: e.target.value || null, run: null }))}
          >
            <option value="">All sites</option>
            {sites.map((s) => (
              <option key={s.code} value={s.code}>
                {s.code} — {s.name}
              </option>
            ))}
          </select>
        </label>
      </header>
      {error && (
        <p className="error" role="alert" data-testid="fills-error">
          {error}
        </p>
      )}
      {site && <FillsPlanPanel site={site} />}
      {site === null && <SavingsPanel />}
      {!loading && runs.length === 0 && !error && (
        <p className="muted" data-testid="fills-empty">
          No fill runs{site ? ` for ${site}` : ''} yet.{site ? ' Make one from a plan above.' : ' Choose a site to plan its fills.'}
        </p>
      )}
      {runs.length > 0 && (
        <table className="table" data-testid="fills-runs">
          <thead>
            <tr>
              <th>Run</th>
              <th>Site</th>
              <th>State</th>
              <th>Filled</th>
              <th>Verified</th>
              <th>Starts</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id} data-testid="fills-run-row" data-run={r.id} aria-selected={run?.id === r.id}>
                <td>
                  <a href={hashFor({ name: 'fills', site: r.site, run: r.id })}>#{r.id}</a>
                </td>
                <td>{r.site}</td>
                <td data-testid="fills-run-state">
                  {r.state}
                  {r.outOfCycle ? ' (out of cycle)' : ''}
                </td>
                <td>
                  {formatBytes(r.bytesDone, 'decimal')} of {formatBytes(r.bytesTotal, 'decimal')}
                </td>
                <td>
                  {r.verified}/{r.appliances}
                </td>
                <td>{new Date(r.windowStart).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {run && <RunDetail run={run} />}
    </div>
  );
}

function RunDetail({ run }: { run: FillRun }) {
  const [starting, setStarting] = useState(false);
  const t = run.plan.totals;
  const bar = (label: string, value: number, testId: string) => (
    <div className="offload-row" data-testid={testId} data-value={value}>
      <span className="offload-label">{label}</span>
      <progress max={Math.max(1, t.valueTarget)} value={value} aria-label={label} />
      <span>
        {formatBytes(value, 'decimal')}/day · {percent(value, t.valueTarget)}
      </span>
    </div>
  );
  return (
    <section className="card" data-testid="fills-run" data-run={run.id} data-state={run.state}>
      <h2>
        Run #{run.id} · {run.site} · {run.day} · {run.state}
      </h2>
      {run.state === 'planned' && (
        <div className="form-actions">
          <button type="button" className="btn primary" onClick={() => setStarting(true)} data-testid="fills-start">
            Start…
          </button>
        </div>
      )}
      {starting && <StartRunDialog run={run} onClose={() => setStarting(false)} />}
      <p className="muted">
        {run.plan.outOfCycle
          ? `Out of cycle: from ${new Date(run.plan.windowStart).toLocaleString()}, at most ${run.plan.outOfCycle.maxGbps} Gbps and ${formatBytes(run.plan.outOfCycle.maxBytes, 'decimal')} per appliance.`
          : `Fill window ${run.plan.fillWindow} (${run.plan.timezone}): every appliance starts ${new Date(run.plan.windowStart).toLocaleString()}.`}
      </p>
      <h3>Offload (forecast bytes served per day)</h3>
      {bar('Current', t.valueHeld, 'offload-current')}
      {bar('Planned', t.valuePlanned, 'offload-planned')}
      {bar('Bound (target)', t.valueTarget, 'offload-bound')}
      <PlanQuality run={run} />
      <h3>Bytes to move</h3>
      <dl className="tiles" data-testid="fills-bytes">
        <div>
          <dt>To fill</dt>
          <dd data-testid="fills-bytes-fill">{formatBytes(t.fillBytes, 'decimal')}</dd>
        </div>
        <div>
          <dt>From peers</dt>
          <dd>{formatBytes(t.fromPeersBytes, 'decimal')}</dd>
        </div>
        <div>
          <dt>From the origin</dt>
          <dd>{formatBytes(t.fromOriginBytes, 'decimal')}</dd>
        </div>
        <div>
          <dt>To evict</dt>
          <dd>{formatBytes(t.evictBytes, 'decimal')}</dd>
        </div>
        <div>
          <dt>Dropped (does not fit)</dt>
          <dd data-testid="fills-dropped">
            {t.droppedItems} items · {formatBytes(t.droppedBytes, 'decimal')}
          </dd>
        </div>
      </dl>
      <h3>Window timeline</h3>
      <FillTimeline appliances={run.plan.appliances} windowEnd={run.plan.windowEnd} />
      <h3>Progress</h3>
      <table className="table" data-testid="fills-progress">
        <thead>
          <tr>
            <th>Appliance</th>
            <th>Model</th>
            <th>Rate</th>
            <th>Phase</th>
            <th>Progress</th>
            <th>Note</th>
          </tr>
        </thead>
        <tbody>
          {run.progress.map((p) => {
            const plan = run.plan.appliances.find((a) => a.serial === p.serial);
            return (
              <tr key={p.serial} data-testid="fills-progress-row" data-serial={p.serial} data-phase={p.phase}>
                <td>
                  <a href={hashFor({ name: 'appliance', serial: p.serial })}>{p.serial}</a>
                </td>
                <td>{plan?.model}</td>
                <td>{plan?.rateGbps} Gbps</td>
                <td>{p.phase}</td>
                <td>
                  <progress max={Math.max(1, p.bytesTotal)} value={p.bytesDone} aria-label={`${p.serial} progress`} /> {formatBytes(p.bytesDone, 'decimal')} of{' '}
                  {formatBytes(p.bytesTotal, 'decimal')}
                </td>
                <td>{p.message ?? (p.retries ? `${p.retries} retries` : '')}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

/** For a run made from a stored plan: the placement's offload against its bound, and yesterday's forecast quality. */
function PlanQuality({ run }: { run: FillRun }) {
  const [loaded, setLoaded] = useState<{ key: string; summary: SitePlanSummary | null } | null>(null);
  const planId = run.placementId !== null && /^[1-9]\d*$/.test(run.placementId) ? Number(run.placementId) : null;
  const key = `${planId}/${run.site}`;
  useEffect(() => {
    if (planId === null) return;
    void callEngine((c) => c.api.fills.getPlan({ id: planId })).then(
      (plan) => setLoaded({ key, summary: plan.sites.find((s) => s.site === run.site) ?? null }),
      () => setLoaded({ key, summary: null }),
    );
  }, [planId, run.site, key]);
  const summary = loaded?.key === key ? loaded.summary : null;
  if (planId === null || !summary) return null;
  const q = summary.quality;
  return (
    <div data-testid="fills-plan-quality">
      <h3>Placement (plan #{planId})</h3>
      <p>
        Forecast offload <strong data-testid="plan-offload">{percent(summary.offload, 1)}</strong> of the site&apos;s demand, against a bound of{' '}
        <strong data-testid="plan-bound">{percent(summary.bound, 1)}</strong> (fractional knapsack over the site&apos;s capacity).
      </p>
      {q ? (
        <p data-testid="forecast-quality">
          Yesterday&apos;s forecast ({q.day}): its placement would have served {percent(q.hitRatio, 1)} of the demand, an oracle&apos;s {percent(q.oracleHitRatio, 1)}; churn{' '}
          {formatBytes(q.churnBytes, 'decimal')}.
        </p>
      ) : (
        <p className="muted">No forecast quality yet (it needs a day of history before the plan&apos;s day).</p>
      )}
    </div>
  );
}
