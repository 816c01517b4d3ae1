/**
 * Live health of the fleet: what was measured (counts, roll-ups per partner and site, every
 * appliance worst first, filtered by status), the monitor (polling on/off, interval, Poll now with
 * its report), and the thresholds per model. The lifecycle status stays beside it, never mixed in.
 */
import { useState, type FormEvent } from 'react';
import { MonitorSettings, type HealthStatus } from '../../../../main/health/contract';
import { HealthList } from './HealthList';
import { HealthStrip, RollupBadge } from './HealthRollup';
import { useSecondClock } from './HealthBadge';
import { ThresholdForm } from './ThresholdForm';
import { ToggleFilter } from '../../ui/ToggleFilter';
import { formatAge, formatGbps, formatInt, HEALTH_ORDER } from './format';
import { hashFor } from '../../route';
import { asApiError } from '../../stores/engine';
import { useHealth, type FleetHealth, type SweepReport } from './store';
import { useUi } from '../../stores/ui';
import './health.css';

export function HealthTabs({ current }: { current: 'fleet' | 'actionable' }) {
  const count = useHealth((s) => s.actionable?.data.length);
  return (
    <nav className="tabs" aria-label="Health views">
      <a href={hashFor({ name: 'health', status: [] })} aria-current={current === 'fleet' ? 'page' : undefined} data-testid="tab-health">
        Fleet health
      </a>
      <a href={hashFor({ name: 'actionable' })} aria-current={current === 'actionable' ? 'page' : undefined} data-testid="tab-actionable">
        Actionable items
        {count !== undefined && <span className="count">{formatInt(count)}</span>}
      </a>
    </nav>
  );
}

export function HealthScreen({ status }: { status: HealthStatus[] }) {
  const fleet = useHealth((s) => s.fleet);
  const fleetError = useHealth((s) => s.fleetError);
  const list = useHealth((s) => s.list);
  const ensureListRows = useHealth((s) => s.ensureListRows);
  const thresholds = useHealth((s) => s.thresholds);
  const thresholdsError = useHealth((s) => s.thresholdsError);
  const navigate = useUi((s) => s.navigate);

  const toggle = (s: HealthStatus) => {
    const next = status.includes(s) ? status.filter((v) => v !== s) : [...status, s];
    navigate({ name: 'health', status: next }, { replace: true });
  };
  const key = [...status].sort().join(',');
  // The list answers this filter (the store starts it over when the filter changes).
  const shown = list.key === key && list.total !== null ? list : null;

  return (
    <div className="page" data-testid="health-screen">
      <div className="page-head">
        <h1>Health</h1>
        <span className="muted">Measured by polling the appliances; the lifecycle status operators set is shown beside it.</span>
      </div>
      <HealthTabs current="fleet" />

      <div className="health-top">
        <div className="card">
          <div className="pair-label">
            <h2>Measured health</h2>
            <span className="muted">worst component per appliance</span>
          </div>
          {fleet ? (
            <HealthStrip fleet={fleet.data} />
          ) : (
            <p className={fleetError ? 'error-text' : 'muted'} role={fleetError ? 'alert' : undefined}>
              {fleetError ?? 'Loading…'}
            </p>
          )}
        </div>
        <MonitorPanel />
      </div>

      {fleet && <Rollups fleet={fleet.data} />}

      <div className="card section">
        <div className="actionable-head">
          <h2>Appliances</h2>
          <span className="row-count" data-testid="health-list-count" data-count={shown?.total ?? undefined}>
            {shown ? `${formatInt(shown.total ?? 0)} ${status.length ? `${status.join(' or ')}` : 'appliances'}, worst first` : 'Loading…'}
          </span>
          <div className="spacer" />
          <ToggleFilter label="Filter by measured health" testId="health-filter" options={HEALTH_ORDER} selected={status} onToggle={toggle} />
        </div>
        {shown ? (
          <HealthList
            list={shown}
            onRange={ensureListRows}
            onOpen={(serial) => navigate({ name: 'appliance', serial })}
            emptyText={status.length ? `No appliance is ${status.join(' or ')} now.` : 'No appliances are monitored.'}
          />
        ) : (
          <p className="muted">Loading…</p>
        )}
      </div>

      <div className="section">
        <div className="pair-label">
          <h2>Thresholds per model</h2>
          <span className="muted">Fleetdeck turns metrics past these levels into Warning or Error, on top of what the appliance reports.</span>
        </div>
        {thresholds ? (
          <div className="threshold-forms">
            {thresholds.map((t) => (
              <ThresholdForm key={t.model} thresholds={t} />
            ))}
          </div>
        ) : (
          <p className={thresholdsError ? 'error-text' : 'muted'}>{thresholdsError ?? 'Loading…'}</p>
        )}
      </div>
    </div>
  );
}

function Rollups({ fleet }: { fleet: FleetHealth }) {
  const sitesOf = (partner: string) => fleet.bySite.filter((s) => s.partner === partner);
  return (
    <div className="card section flush">
      <div className="table-wrap" style={{ maxHeight: 360, border: 'none' }}>
        <table className="plain rollups" data-testid="health-rollups">
          <thead>
            <tr>
              <th>Partner / site</th>
              <th>Worst</th>
              <th className="num">OK</th>
              <th className="num">Warning</th>
              <th className="num">Error</th>
              <th className="num">Unknown</th>
              <th className="num">Unreachable</th>
              <th className="num">Serving</th>
            </tr>
          </thead>
          <tbody>
            {fleet.byPartner.map((p) => (
              <PartnerRows key={p.partner} partner={p} sites={sitesOf(p.partner)} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function PartnerRows({ partner, sites }: { partner: FleetHealth['byPartner'][number]; sites: FleetHealth['bySite'] }) {
  return (
    <>
      <tr className="partner-row" data-testid="rollup-partner" data-partner={partner.partner} data-status={partner.status}>
        <td>{partner.partner}</td>
        <td>
          <RollupBadge rollup={partner} />
        </td>
        <CountCells rollup={partner} />
      </tr>
      {sites.map((s) => (
        <tr key={s.site} className="site-row-h" data-testid="rollup-site" data-site={s.site} data-status={s.status}>
          <td>
            <a href={hashFor({ name: 'site', code: s.site })} className="mono">
              {s.site}
            </a>
          </td>
          <td>
            <RollupBadge rollup={s} />
          </td>
          <CountCells rollup={s} />
        </tr>
      ))}
    </>
  );
}

function CountCells({ rollup }: { rollup: FleetHealth['totals'] }) {
  const c = rollup.counts;
  const cell = (n: number) => <td className={`num${n === 0 ? ' muted' : ''}`}>{formatInt(n)}</td>;
  return (
    <>
      {cell(c.OK)}
      {cell(c.Warning)}
      {cell(c.Error)}
      {cell(c.Unknown)}
      {cell(c.unreachable)}
      <td className="num">{formatGbps(rollup.servingGbps)}</td>
    </>
  );
}

const INTERVAL_FIELD = MonitorSettings.shape.intervalSec;

function MonitorPanel() {
  const monitor = useHealth((s) => s.monitor);
  const engineStatus = useHealth((s) => s.monitorStatus);
  const monitorError = useHealth((s) => s.monitorError);
  const lastSweep = useHealth((s) => s.lastSweep);
  const setMonitor = useHealth((s) => s.setMonitor);
  const pollNow = useHealth((s) => s.pollNow);
  const [interval, setIntervalText] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState<'toggle' | 'interval' | 'poll' | null>(null);
  /** The switch shows the choice at once; the engine's answer confirms it (or puts it back). */
  const [pendingEnabled, setPendingEnabled] = useState<boolean | null>(null);

  const run = async (what: 'toggle' | 'interval' | 'poll', action: () => Promise<unknown>) => {
    setBusy(what);
    setProblem(null);
    try {
      await action();
    } catch (err) {
      const e = asApiError(err);
      setProblem(`${e.message} [${e.code}]`);
    } finally {
      setBusy(null);
    }
  };

  const applyInterval = (e?: FormEvent) => {
    e?.preventDefault();
    if (interval === null || !monitor) return;
    const parsed = INTERVAL_FIELD.safeParse(Number(interval.trim() === '' ? Number.NaN : interval));
    if (!parsed.success) {
      setProblem('The interval is whole seconds, 2 to 3600.');
      return;
    }
    if (parsed.data === monitor.intervalSec) {
      setIntervalText(null);
      return;
    }
    void run('interval', async () => {
      await setMonitor({ intervalSec: parsed.data });
      setIntervalText(null);
    });
  };

  return (
    <div className="card" data-testid="monitor-panel">
      <div className="pair-label">
        <h2>Monitor</h2>
        {monitor && (
          <span className="muted" data-testid="monitor-state">
            {!monitor.enabled
              ? 'polling is off'
              : engineStatus && !engineStatus.polling
                ? 'on, but this engine does not run the monitor'
                : `polling every ${formatAge(monitor.intervalSec)}${engineStatus?.sweeping ? ' · sweeping now' : ''}`}
          </span>
        )}
      </div>
      {!monitor ? (
        <p className={monitorError ? 'error-text' : 'muted'}>{monitorError ?? 'Loading…'}</p>
      ) : (
        <form className="monitor-row" onSubmit={applyInterval} noValidate>
          <label className="switch">
            <input
              type="checkbox"
              checked={pendingEnabled ?? monitor.enabled}
              disabled={busy !== null}
              data-testid="monitor-toggle"
              onChange={(e) => {
                const enabled = e.target.checked;
                setPendingEnabled(enabled);
                void run('toggle', () => setMonitor({ enabled })).finally(() => setPendingEnabled(null));
              }}
            />
            Poll on an interval
          </label>
          <div className="field">
            <label htmlFor="monitor-interval">Every (seconds)</label>
            <input
              id="monitor-interval"
              className="input"
              style={{ width: 90 }}
              inputMode="numeric"
              data-testid="monitor-interval"
              value={interval ?? String(monitor.intervalSec)}
              aria-invalid={problem !== null && interval !== null}
              onChange={(e) => {
                setIntervalText(e.target.value);
                setProblem(null);
              }}
              onBlur={() => applyInterval()}
            />
          </div>
          <button
            type="button"
            className="btn primary"
            disabled={busy !== null}
            data-testid="poll-now"
            onClick={() =>
              void run('poll', () => pollNow())
            }
          >
            {busy === 'poll' ? 'Polling…' : 'Poll now'}
          </button>
        </form>
      )}
      {problem && (
        <p className="form-error" role="alert" data-testid="monitor-error">
          {problem}
        </p>
      )}
      <SweepLine last={lastSweep} />
      {monitor && (
        <p className="strip-foot">
          {describeSelection(monitor)} · {formatInt(monitor.concurrency)} at a time · {formatInt(monitor.timeoutMs)} ms deadline · {formatInt(monitor.historySize)} samples kept
        </p>
      )}
    </div>
  );
}

function describeSelection(m: MonitorSettings): string {
  const sel = m.selection;
  const parts: string[] = [];
  if (sel.site?.length) parts.push(`sites ${sel.site.join(', ')}`);
  if (sel.partner?.length) parts.push(`partners ${sel.partner.join(', ')}`);
  if (sel.status?.length) parts.push(`lifecycle ${sel.status.join(', ')}`);
  if (sel.model?.length) parts.push(`${sel.model.join(', ')} models`);
  if (sel.tag?.length) parts.push(`tags ${sel.tag.join(', ')}`);
  if (sel.text) parts.push(`matching “${sel.text}”`);
  return parts.length ? `Polls ${parts.join('; ')}` : 'Polls every appliance not in RMA';
}

function SweepLine({ last }: { last: (SweepReport & { at: string }) | null }) {
  const now = useSecondClock();
  const shown = last;
  if (!shown) return <p className="sweep-report muted">No sweep yet in this window.</p>;
  return (
    <p className="sweep-report" data-testid="sweep-report" data-polled={shown.polled} data-reached={shown.reached} data-failed={shown.failed} aria-live="polite">
      Last sweep {formatAge((now - Date.parse(shown.at)) / 1000)} ago: <strong>{formatInt(shown.polled)}</strong> polled,{' '}
      <strong>{formatInt(shown.reached)}</strong> reached,{' '}
      <strong className={shown.failed > 0 ? 'bad' : undefined}>{formatInt(shown.failed)}</strong> failed, in{' '}
      {formatInt(Math.round(shown.durationMs))} ms.
    </p>
  );
}
