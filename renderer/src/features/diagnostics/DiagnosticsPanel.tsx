/**
 * The diagnostics tab of an appliance or a site page: run checks (all, or the ones chosen), the
 * newest results with the figure measured and what to do, the history, the comparison with the
 * last good run (appliance), the drift report (site), and a bundle to download for a ticket.
 */
import { useEffect, useState } from 'react';
import { DIAG_CHECKS, type CheckResult, type Comparison, type DiagCheck, type DiagRun, type DriftReport } from '../../../../main/diagnostics/contract';
import { HealthBadge } from '../health/HealthBadge';
import { downloadFile } from '../../ui/download';
import { formatDateTime } from '../../ui/format';
import { hashFor } from '../../route';
import { subjectKey, useDiagnostics, type Subject } from './store';
import './diagnostics.css';

type Tab = 'latest' | 'history' | 'compare' | 'drift';

function figure(r: Pick<CheckResult, 'value' | 'unit'>): string {
  return r.value === null ? '—' : `${r.value}${r.unit ? ` ${r.unit}` : ''}`;
}

function Results({ run, focus }: { run: DiagRun; focus?: readonly DiagCheck[] | undefined }) {
  return (
    <table className="plain diag-results" data-testid="diag-results" data-run={run.id}>
      <thead>
        <tr>
          <th>Check</th>
          <th>Status</th>
          <th>Measured</th>
          <th>Found</th>
          <th>What to do</th>
        </tr>
      </thead>
      <tbody>
        {run.results.map((r) => (
          <tr key={r.check} data-testid="diag-check" data-check={r.check} data-status={r.status} className={focus?.includes(r.check) ? 'focus' : undefined}>
            <td className="mono">{r.check}</td>
            <td>
              <HealthBadge status={r.status} small testId="diag-check-status" title={`${r.check}: ${r.status}`} />
            </td>
            <td className="num">{figure(r)}</td>
            <td data-testid="diag-check-summary">
              {r.summary}
              {r.errorCode && <span className="muted"> [{r.errorCode}]</span>}
              <Details details={r.details} />
            </td>
            <td data-testid="diag-check-action">{r.action ?? <span className="muted">—</span>}</td>
          </tr>
        ))}
        {run.checks
          .filter((c) => !run.results.some((r) => r.check === c))
          .map((c) => (
            <tr key={c} data-testid="diag-check" data-check={c} data-status="pending">
              <td className="mono">{c}</td>
              <td colSpan={4} className="muted">
                {run.finishedAt ? 'not run' : 'running…'}
              </td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

function Details({ details }: { details: CheckResult['details'] }) {
  const shown = Object.entries(details).filter(([, v]) => v !== null && v !== 0 && v !== '');
  if (shown.length === 0) return null;
  return (
    <details className="diag-details">
      <summary>details</summary>
      <dl data-testid="diag-check-details">
        {shown.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd className="mono">{String(v)}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

function RunHead({ run, site }: { run: DiagRun; site?: boolean }) {
  return (
    <p className="diag-run-head" data-testid="diag-run-head">
      {site && (
        <a className="mono" href={hashFor({ name: 'appliance', serial: run.serial })}>
          {run.serial}
        </a>
      )}{' '}
      {run.status ? <HealthBadge status={run.status} small testId="diag-run-status" title={`Run ${run.id}: ${run.status}`} /> : <span className="muted">running…</span>} run {run.id}
      {run.jobId !== null && (
        // One flex item: the head's gap would otherwise stand between the brackets and the link.
        <>
          {' '}
          <span>
            (<a href={hashFor({ name: 'job', id: run.jobId })}>job {run.jobId}</a>)
          </span>
        </>
      )}{' '}
      <span className="muted">
        {formatDateTime(run.startedAt)} by {run.actor}
      </span>
    </p>
  );
}

function CompareView({ c }: { c: Comparison }) {
  if (!c.run) return <p className="muted">No run yet.</p>;
  return (
    <div data-testid="diag-compare">
      <p>
        Run {c.run.id} ({formatDateTime(c.run.startedAt)}){' '}
        {c.lastGood ? (
          <>
            against the last good run {c.lastGood.id} ({formatDateTime(c.lastGood.startedAt)})
          </>
        ) : (
          <span className="muted">: no earlier run was all OK, nothing to compare with</span>
        )}
      </p>
      <table className="plain">
        <thead>
          <tr>
            <th>Check</th>
            <th>Last good</th>
            <th>Now</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {c.changes.map((ch) => (
            <tr key={ch.check} data-testid="diag-change" data-check={ch.check} data-changed={String(ch.statusChanged)}>
              <td className="mono">{ch.check}</td>
              <td>{ch.before ? `${ch.before.status} · ${figure(ch.before)}` : '—'}</td>
              <td>{ch.after ? `${ch.after.status} · ${figure(ch.after)}` : '—'}</td>
              <td>{ch.statusChanged ? <strong>changed{ch.after ? `: ${ch.after.summary}` : ''}</strong> : <span className="muted">same</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function DriftView({ report }: { report: DriftReport }) {
  return (
    <div data-testid="drift-report">
      <p>
        {report.checked} appliances read at {formatDateTime(report.at)}, compared with {report.sources.join(', ')}: {report.drifted.length} with drift
        {report.unreachable.length ? `, ${report.unreachable.length} not read` : ''}.
      </p>
      {report.drifted.length === 0 && report.unreachable.length === 0 && <p className="all-clear">No drift.</p>}
      {report.drifted.map((a) => (
        <div key={a.serial} className="drift-appliance" data-testid="drift-appliance" data-serial={a.serial}>
          <h3>
            <a className="mono" href={hashFor({ name: 'appliance', serial: a.serial })}>
              {a.serial}
            </a>
          </h3>
          <ul>
            {a.differences.map((d, i) => (
              <li key={i} data-testid="drift-difference" data-field={d.field} data-source={d.source}>
                <span className="tag">{d.source}</span> {d.message}
              </li>
            ))}
          </ul>
        </div>
      ))}
      {report.unreachable.map((u) => (
        <p key={u.serial} className="error-text">
          {u.serial}: not read ({u.code}) {u.message}
        </p>
      ))}
    </div>
  );
}

export function DiagnosticsPanel({ subject, focus }: { subject: Subject; focus?: readonly DiagCheck[] | undefined }) {
  const key = subjectKey(subject);
  const isSite = 'site' in subject;
  const serial = 'serial' in subject ? subject.serial : null;
  const site = 'site' in subject ? subject.site : null;
  const runs = useDiagnostics((s) => s.runs[key]);
  const comparison = useDiagnostics((s) => (serial ? s.comparisons[serial] : undefined));
  const drift = useDiagnostics((s) => (site ? s.drift[site] : undefined));
  const runningJob = useDiagnostics((s) => s.running[key]);
  const { loadRuns, loadComparison, run, checkDrift, bundle } = useDiagnostics.getState();
  const [tab, setTab] = useState<Tab>('latest');
  const [chosen, setChosen] = useState<DiagCheck[]>(focus?.length ? [...focus] : [...DIAG_CHECKS]);
  const [bundling, setBundling] = useState(false);

  useEffect(() => {
    void loadRuns(subject);
    if (serial) void loadComparison(serial);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the subject is identified by its key
  }, [key]);

  const list = runs?.data ?? [];
  // The newest run per appliance (an appliance: its newest run; a site: each appliance's newest).
  const latest = isSite ? [...new Map([...list].reverse().map((r) => [r.serial, r])).values()].sort((a, b) => a.serial.localeCompare(b.serial)) : list.slice(0, 1);
  const toggle = (c: DiagCheck) => setChosen((now) => (now.includes(c) ? now.filter((x) => x !== c) : DIAG_CHECKS.filter((x) => x === c || now.includes(x))));

  return (
    <section className="card diagnostics" data-testid="diagnostics-panel" aria-label="Diagnostics">
      <div className="diag-head">
        <h2>Diagnostics</h2>
        <div className="diag-tabs" role="tablist">
          {(['latest', 'history', ...(serial ? ['compare'] : []), ...(site ? ['drift'] : [])] as Tab[]).map((t) => (
            <button key={t} type="button" role="tab" aria-selected={tab === t} className="toggle" data-testid={`diag-tab-${t}`} onClick={() => setTab(t)}>
              {t === 'latest' ? 'Latest' : t === 'history' ? 'History' : t === 'compare' ? 'Compare with last good' : 'Configuration drift'}
            </button>
          ))}
        </div>
      </div>

      <div className="diag-run-bar">
        <fieldset className="diag-checks">
          <legend className="sr-only">Checks to run</legend>
          {DIAG_CHECKS.map((c) => (
            <label key={c} className={focus?.includes(c) ? 'focus' : undefined}>
              <input type="checkbox" checked={chosen.includes(c)} onChange={() => toggle(c)} data-testid={`diag-choose-${c}`} /> {c}
            </label>
          ))}
        </fieldset>
        <button
          type="button"
          className="btn primary"
          data-testid="diag-run-button"
          disabled={chosen.length === 0 || runningJob !== undefined}
          onClick={() => {
            setTab('latest');
            void run(subject, chosen);
          }}
        >
          {runningJob !== undefined ? 'Running…' : `Run ${chosen.length === DIAG_CHECKS.length ? 'all checks' : chosen.join(', ')}`}
        </button>
        {runningJob !== undefined && (
          <a href={hashFor({ name: 'job', id: runningJob })} data-testid="diag-running-job">
            job {runningJob}
          </a>
        )}
        <button
          type="button"
          className="btn"
          data-testid="diag-bundle"
          disabled={bundling}
          onClick={() => {
            setBundling(true);
            void bundle(subject)
              .then((b) => b && downloadFile(b.filename, 'application/gzip', b.bytes))
              .finally(() => setBundling(false));
          }}
        >
          {bundling ? 'Preparing bundle…' : 'Download bundle'}
        </button>
      </div>

      {runs?.error && <p className="error-text">{runs.error}</p>}

      {tab === 'latest' &&
        (latest.length === 0 ? (
          <p className="muted" data-testid="diag-none">
            No diagnostics run yet{runs?.loading ? '…' : '.'}
          </p>
        ) : (
          latest.map((r) => (
            <div key={r.id} className="diag-run" data-testid="diag-run" data-serial={r.serial}>
              <RunHead run={r} site={isSite} />
              <Results run={r} focus={focus} />
            </div>
          ))
        ))}

      {tab === 'history' && (
        <table className="plain" data-testid="diag-history">
          <thead>
            <tr>
              <th>Run</th>
              {isSite && <th>Appliance</th>}
              <th>Status</th>
              <th>Checks</th>
              <th>Started</th>
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id} data-testid="diag-history-row">
                <td className="num">{r.id}</td>
                {isSite && (
                  <td className="mono">
                    <a href={hashFor({ name: 'appliance', serial: r.serial })}>{r.serial}</a>
                  </td>
                )}
                <td>{r.status ? <HealthBadge status={r.status} small /> : <span className="muted">running</span>}</td>
                <td>{r.results.map((x) => `${x.check} ${x.status}`).join(', ')}</td>
                <td>{formatDateTime(r.startedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {tab === 'compare' && serial && (comparison?.data ? <CompareView c={comparison.data} /> : <p className="muted">{comparison?.error ?? 'Loading…'}</p>)}

      {tab === 'drift' && site && (
        <div>
          <button type="button" className="btn" data-testid="drift-check" disabled={drift?.loading} onClick={() => void checkDrift(site)}>
            {drift?.loading ? 'Reading configurations…' : drift?.data ? 'Check again' : 'Check configuration drift'}
          </button>
          {drift?.error && <p className="error-text">{drift.error}</p>}
          {drift?.data && <DriftView report={drift.data} />}
        </div>
      )}
    </section>
  );
}
