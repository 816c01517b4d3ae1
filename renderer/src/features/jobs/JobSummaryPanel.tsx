/**
 * What a job came to: which appliances passed, which failed (with why), which were never run, and
 * identical replies grouped together, largest group first. Retry runs the rest only. Failures get
 * their own full-width row with each message wrapped in full (never cut in a small scroll box).
 */
import { useState } from 'react';
import type { JobSummary } from '../../../../main/net/contract';
import { formatCount } from '../../ui/format';
import { outputPreview, prettyOutput, presentedFingerprint } from './format';
import { hashFor } from '../../route';
import { ResultStateChip } from './JobChips';
import { CompareAndTrust } from '../net/TrustKeyDialog';
import './jobs.css';

const SHOWN_SERIALS = 60;
/** Failures listed before "Show all": each in full, wrapped, so 20 is a screen or two. */
const SHOWN_FAILED = 20;

function SerialLinks({ serials, testId }: { serials: readonly string[]; testId?: string }) {
  const shown = serials.slice(0, SHOWN_SERIALS);
  return (
    <div className="serial-list" data-testid={testId}>
      {shown.map((s) => (
        <a key={s} href={hashFor({ name: 'appliance', serial: s })}>
          {s}
        </a>
      ))}
      {serials.length > shown.length && <span className="muted">and {formatCount(serials.length - shown.length)} more</span>}
    </div>
  );
}

export function JobSummaryPanel({ summary }: { summary: JobSummary }) {
  const [allFailed, setAllFailed] = useState(false);
  const failedShown = allFailed ? summary.failed : summary.failed.slice(0, SHOWN_FAILED);
  // Replies only: never-run appliances are listed under "Not run". Groups come largest first and at
  // most 50, so the one-appliance replies are counted from the totals.
  const answered = summary.groups.filter((g) => g.state === 'ok' || g.state === 'failed');
  const shared = answered.filter((g) => g.count > 1);
  const replies = summary.passed.length + summary.failed.length;
  const singles = replies - shared.reduce((n, g) => n + g.count, 0);
  return (
    <div className="card section" data-testid="job-summary" data-passed={summary.passed.length} data-failed={summary.failed.length} data-notrun={summary.notRun.length}>
      <h2>Summary</h2>
      <div className="summary-cols">
        <div data-testid="summary-passed">
          <h3>
            Passed <span className="muted">{formatCount(summary.passed.length)}</span>
          </h3>
          {summary.passed.length ? <SerialLinks serials={summary.passed} /> : <span className="muted">none</span>}
        </div>
        <div data-testid="summary-failed" className={summary.failed.length ? 'summary-failed-wide' : undefined}>
          <h3>
            Failed <span className="muted">{formatCount(summary.failed.length)}</span>
          </h3>
          {summary.failed.length ? (
            <ul className="failed-list">
              {failedShown.map((f) => {
                const fp = f.errorCode === 'E_HOSTKEY_UNKNOWN' ? presentedFingerprint(f) : null;
                return (
                  <li key={f.serial} data-testid="summary-failed-item" data-serial={f.serial} data-error={f.errorCode ?? undefined}>
                    <a className="mono" href={hashFor({ name: 'appliance', serial: f.serial })}>
                      {f.serial}
                    </a>{' '}
                    {f.errorCode && <span className="err-code">{f.errorCode}</span>}
                    <span className="failed-message" data-testid="summary-failed-message">
                      {f.errorMessage}
                    </span>
                    {fp && (
                      <div>
                        <CompareAndTrust serial={f.serial} fingerprint={fp} />
                      </div>
                    )}
                    {f.errorCode === 'E_HOSTKEY_MISMATCH' && (
                      <div>
                        <a href={hashFor({ name: 'hostkeys' })}>Open the host-key alert</a>
                      </div>
                    )}
                  </li>
                );
              })}
            </ul>
          ) : (
            <span className="muted">none</span>
          )}
          {summary.failed.length > failedShown.length && (
            <button type="button" className="btn link small" onClick={() => setAllFailed(true)} data-testid="summary-failed-all">
              Show all {formatCount(summary.failed.length)} failures
            </button>
          )}
        </div>
        <div data-testid="summary-notrun">
          <h3>
            Not run <span className="muted">{formatCount(summary.notRun.length)}</span>
          </h3>
          {summary.notRun.length ? <SerialLinks serials={summary.notRun.map((n) => n.serial)} /> : <span className="muted">none</span>}
        </div>
      </div>

      {replies > 1 && (
        <>
          <h3 className="section">Identical replies</h3>
          {shared.length === 0 && <p className="muted">Every appliance replied differently; open a result to see its reply.</p>}
          <ul className="groups">
            {shared.map((g, i) => (
              <li key={i} className="group" data-testid="job-group" data-count={g.count} data-state={g.state}>
                <div className="group-count">
                  {formatCount(g.count)}
                  <span className="k">appliance{g.count === 1 ? '' : 's'}</span>
                </div>
                <div>
                  <div className="hk-meta">
                    <ResultStateChip state={g.state} />
                    {g.exitCode !== null && <span>exit {g.exitCode}</span>}
                    {g.errorCode && <span className="err-code">{g.errorCode}</span>}
                  </div>
                  {g.output ? (
                    <details>
                      <summary className="mono">{outputPreview(g.output, 120)}</summary>
                      <pre className="output">{prettyOutput(g.output)}</pre>
                    </details>
                  ) : null}
                  <SerialLinks serials={g.serials} />
                </div>
              </li>
            ))}
          </ul>
          {shared.length > 0 && singles > 0 && (
            <p className="muted">
              and {formatCount(singles)} {singles === 1 ? 'reply' : 'replies'} given by one appliance only.
            </p>
          )}
        </>
      )}
    </div>
  );
}
