/**
 * Per-appliance results of a job: virtualized (only rows in view are in the DOM; pages of rows are
 * fetched as they scroll in), live while the job runs. A row opens its full output; a first-contact
 * refusal offers "Compare and trust", a mismatch links to its alert.
 */
import { useEffect, useRef, useState, type CSSProperties } from 'react';
import type { JobResult } from '../../../../main/net/contract';
import { formatDateTime } from '../../ui/format';
import { prettyOutput, presentedFingerprint, replyPreview } from './format';
import { hashFor } from '../../route';
import { resultAt, useJobs } from './store';
import { ResultStateChip } from './JobChips';
import { Modal } from '../../ui/Modal';
import { CompareAndTrust } from '../net/TrustKeyDialog';
import { HEAD_HEIGHT, ROW_HEIGHT, useVirtualRows } from '../../ui/virtual-rows';
import { GridNotice, VirtualRow } from '../../ui/VirtualRow';
import './jobs.css';

const GRID_VARS = {
  '--grid-cols': '124px 112px 52px minmax(220px, 1.6fr) minmax(200px, 2fr) 150px',
  '--grid-min': '858px',
} as CSSProperties;
/** The grid is as tall as its rows, up to this. */
const MAX_HEIGHT = 420;
const ROW_POLL_MS = 1500;

export function ResultAction({ result }: { result: JobResult }) {
  if (result.errorCode === 'E_HOSTKEY_UNKNOWN') {
    const fp = presentedFingerprint(result);
    return fp ? <CompareAndTrust serial={result.serial} fingerprint={fp} /> : null;
  }
  if (result.errorCode === 'E_HOSTKEY_MISMATCH') {
    return (
      <a href={hashFor({ name: 'hostkeys' })} data-testid="result-hostkey-alert">
        See alert
      </a>
    );
  }
  return null;
}

export function JobResultsTable({ jobId, running }: { jobId: number; running: boolean }) {
  const results = useJobs((s) => (s.view?.id === jobId ? s.view.results : null));
  const ensureResults = useJobs((s) => s.ensureResults);
  const pollRows = useJobs((s) => s.pollRows);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [opened, setOpened] = useState<JobResult | null>(null);
  const total = results?.total ?? 0;

  const { virtualizer, items, first, last } = useVirtualRows(total, scrollRef);
  const generation = results?.generation;

  useEffect(() => {
    if (total > 0) ensureResults(first, last);
  }, [first, last, total, generation, ensureResults]);

  // Appliances start running without an event of their own: look again now and then.
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(pollRows, ROW_POLL_MS);
    return () => clearInterval(timer);
  }, [running, pollRows]);

  return (
    <>
      <div
        ref={scrollRef}
        className="grid-scroll results"
        role="table"
        aria-label="Results per appliance"
        aria-rowcount={total + 1}
        data-testid="job-results"
        data-total={results?.total ?? undefined}
        style={{ ...GRID_VARS, height: Math.min(MAX_HEIGHT, HEAD_HEIGHT + Math.max(total, 3) * ROW_HEIGHT + 2) }}
      >
        <div className="grid-head" role="rowgroup">
          <div className="grid-row" role="row">
            {['Serial', 'State', 'Exit', 'Error', 'Output', ''].map((h, i) => (
              <div key={i} role="columnheader" className={`col-head${h === 'Exit' ? ' num' : ''}`}>
                {h}
              </div>
            ))}
          </div>
        </div>
        <div className="grid-body" role="rowgroup" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const r = results ? resultAt(results, item.index) : undefined;
            if (!r) return <VirtualRow key={item.key} item={item} pending cellRole="cell" />;
            const error = r.errorCode ? `${r.errorCode}${r.errorMessage ? `: ${r.errorMessage}` : ''}` : '';
            return (
              <VirtualRow
                key={item.key}
                item={item}
                cellRole="cell"
                className="result-row"
                data-testid="job-result"
                data-serial={r.serial}
                data-state={r.state}
                data-error={r.errorCode ?? undefined}
              >
                <div className="cell" role="cell">
                  <a className="mono" href={hashFor({ name: 'appliance', serial: r.serial })}>
                    {r.serial}
                  </a>
                </div>
                <div className="cell" role="cell">
                  <ResultStateChip state={r.state} />
                </div>
                <div className="cell num mono" role="cell">
                  {r.exitCode ?? ''}
                </div>
                <div className={`cell${r.state === 'failed' ? ' err' : ' muted'}`} role="cell" title={error}>
                  {r.errorCode && <span className={`err-code${r.state === 'failed' ? '' : ' quiet'}`}>{r.errorCode}</span>}
                  {r.errorMessage}
                </div>
                <div className="cell mono" role="cell" title={replyPreview(r.output, 400)}>
                  {r.output || r.stderr || r.errorMessage ? (
                    // A failure's full sentence is one click away too (the Error cell is one line).
                    <button type="button" className="btn link output-link" onClick={() => setOpened(r)} data-testid="result-open">
                      {replyPreview(r.output ?? r.stderr, 100) || 'full error'}
                    </button>
                  ) : (
                    ''
                  )}
                </div>
                <div className="cell" role="cell">
                  <ResultAction result={r} />
                </div>
              </VirtualRow>
            );
          })}
        </div>
        <GridNotice total={results?.total} error={results?.error} emptyText="No results yet." />
      </div>
      {opened && <ResultDialog result={opened} onClose={() => setOpened(null)} />}
    </>
  );
}

function ResultDialog({ result, onClose }: { result: JobResult; onClose: () => void }) {
  return (
    <Modal title={`Result of ${result.serial}`} onClose={onClose} testId="result-dialog">
      <div className="hk-meta result-meta">
        <ResultStateChip state={result.state} />
        {result.exitCode !== null && <span>exit {result.exitCode}</span>}
        <span>started {formatDateTime(result.startedAt)}</span>
        <span>finished {formatDateTime(result.finishedAt)}</span>
      </div>
      {result.errorCode && (
        <p className="result-error" data-testid="result-error">
          <span className="err-code">{result.errorCode}</span>
          {result.errorMessage}
        </p>
      )}
      {result.output && (
        <>
          <h3>Output</h3>
          <pre className="output tall" data-testid="result-output">
            {prettyOutput(result.output)}
          </pre>
        </>
      )}
      {result.stderr && (
        <>
          <h3>Standard error</h3>
          <pre className="output tall stderr">{result.stderr}</pre>
        </>
      )}
    </Modal>
  );
}
