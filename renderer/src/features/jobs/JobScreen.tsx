/**
 * One job: its command and state, live progress, cancel (confirmed), per-appliance results, and
 * once it ends the summary with "Retry the failed and unreachable only" (shown only when something
 * did not succeed). Starting, cancelling and retrying raise no toast: the page says it, and a toast
 * would sit on the results.
 */
import { useEffect, useState } from 'react';
import type { Job, JobSummary } from '../../../../main/net/contract';
import { formatCommand } from './argv';
import { DetailPlaceholder } from '../../ui/DetailPlaceholder';
import { JobStateChip } from './JobChips';
import { JobProgressPanel } from './JobProgressPanel';
import { JobResultsTable } from './JobResultsTable';
import { JobSummaryPanel } from './JobSummaryPanel';
import { JobGroupBy } from './JobGroupBy';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { formatCount, formatDateTime } from '../../ui/format';
import { hashFor } from '../../route';
import { useJobs } from './store';
import { useUi } from '../../stores/ui';
import './jobs.css';

export function JobScreen({ id }: { id: number }) {
  const view = useJobs((s) => (s.view?.id === id ? s.view : null));
  const openJob = useJobs((s) => s.openJob);
  const [cancelling, setCancelling] = useState(false);
  const [retrying, setRetrying] = useState(false);

  useEffect(() => {
    void openJob(id);
  }, [id, openJob]);

  const job = view?.job;
  if (!job) {
    return (
      <DetailPlaceholder
        parent={{ label: 'Jobs', href: hashFor({ name: 'jobs' }) }}
        name={id}
        error={view?.error}
        notFound={`There is no job ${id}.`}
        testId="job-missing"
      />
    );
  }

  const summary = view.summary;
  const running = job.state === 'running';
  const retryable = summary ? summary.failed.length + summary.notRun.length : 0;
  return (
    <div className="page job-page" data-testid="job-detail" data-job={job.id}>
      <div className="crumbs">
        <a href={hashFor({ name: 'jobs' })}>Jobs</a> / {job.id}
      </div>
      <div className="page-head">
        <h1>Job {job.id}</h1>
        <code className="command-line" data-testid="job-command">
          {formatCommand(job.argv)}
        </code>
        <JobStateChip state={job.state} testId="job-state" />
        <div className="spacer" />
        {running && (
          <button type="button" className="btn danger" data-testid="job-cancel" onClick={() => setCancelling(true)}>
            Cancel job…
          </button>
        )}
        {/* Retry only when there is something to retry: nothing failed, no button. */}
        {!running && summary && retryable > 0 && (
          <button type="button" className="btn primary" data-testid="job-retry-failed" onClick={() => setRetrying(true)}>
            Retry the failed and unreachable only ({formatCount(retryable)})
          </button>
        )}
        {!running && summary && retryable === 0 && (
          <span className="muted" data-testid="job-all-passed">
            Every appliance succeeded
          </span>
        )}
      </div>
      <p className="job-head-meta">
        by {job.actor} · started {formatDateTime(job.createdAt)}
        {job.finishedAt && <> · ended {formatDateTime(job.finishedAt)}</>} · {job.concurrency} at a time
        {job.retryOf !== null && (
          <>
            {' '}
            · retry of <a href={hashFor({ name: 'job', id: job.retryOf })}>job {job.retryOf}</a>
          </>
        )}
      </p>

      <JobProgressPanel job={job} />

      {running ? (
        <p className="muted">The summary (passed, failed, identical replies) appears when the job ends; results arrive below as they come in.</p>
      ) : summary ? (
        <JobSummaryPanel summary={summary} />
      ) : null}
      {!running && <JobGroupBy jobId={job.id} />}

      <div className="card section">
        <h2>Results per appliance</h2>
        <JobResultsTable jobId={job.id} running={running} />
      </div>

      {cancelling && <CancelDialog job={job} onClose={() => setCancelling(false)} />}
      {retrying && summary && <RetryDialog job={job} summary={summary} onClose={() => setRetrying(false)} />}
    </div>
  );
}

function CancelDialog({ job, onClose }: { job: Job; onClose: () => void }) {
  const cancel = useJobs((s) => s.cancel);
  const p = job.progress;
  const action = async () => {
    // No toast: the page's state chip and numbers say it, and a toast would sit on the results.
    await cancel(job.id);
    onClose();
  };

  return (
    <ConfirmDialog
      title={`Cancel job ${job.id}?`}
      testId="cancel-dialog"
      narrow
      onClose={onClose}
      action={action}
      label="Cancel the job"
      busyLabel="Cancelling…"
      confirmTestId="job-cancel-confirm"
      tone="danger"
      cancelLabel="Keep running"
    >
      <ul>
        <li>
          The {formatCount(p.done)} result{p.done === 1 ? '' : 's'} already received {p.done === 1 ? 'is' : 'are'} kept.
        </li>
        <li>
          {formatCount(p.running)} appliance{p.running === 1 ? ' is' : 's are'} running the command now: {p.running === 1 ? 'it is' : 'they are'}{' '}
          disconnected, and the command may or may not have completed there.
        </li>
        <li>The other {formatCount(Math.max(0, p.remaining))} are not contacted. “Retry” can run them later.</li>
      </ul>
    </ConfirmDialog>
  );
}

function RetryDialog({ job, summary, onClose }: { job: Job; summary: JobSummary; onClose: () => void }) {
  const retry = useJobs((s) => s.retry);
  const navigate = useUi((s) => s.navigate);
  const [acceptNew, setAcceptNew] = useState(false);
  const n = summary.failed.length + summary.notRun.length;
  const action = async () => {
    // No toast: the new job's page opens, and says "retry of job N".
    const next = await retry(job.id, acceptNew);
    onClose();
    navigate({ name: 'job', id: next.id });
  };

  return (
    <ConfirmDialog
      title={`Retry job ${job.id}?`}
      testId="retry-dialog"
      narrow
      onClose={onClose}
      action={action}
      label={`Run on ${formatCount(n)} appliance${n === 1 ? '' : 's'}`}
      busyLabel="Starting…"
      confirmTestId="job-retry-confirm"
    >
      <p>
        Runs <span className="mono">{formatCommand(job.argv)}</span> again on the {formatCount(n)} appliance{n === 1 ? '' : 's'} that did not
        succeed: {formatCount(summary.failed.length)} failed or unreachable, {formatCount(summary.notRun.length)} never run. The{' '}
        {formatCount(summary.passed.length)} that passed are left alone.
      </p>
      <label className="check-line">
        <input type="checkbox" checked={acceptNew} onChange={(e) => setAcceptNew(e.target.checked)} data-testid="retry-accept-new" />
        <span>
          Trust new host keys
          <span className="hint">Appliances met for the first time are trusted without asking. A changed key is always refused.</span>
        </span>
      </label>
    </ConfirmDialog>
  );
}
