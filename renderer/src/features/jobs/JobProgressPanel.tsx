/**
 * A job's live progress: a bar (ok, failed, not run, running) and its numbers, rate and ETA, and
 * the appliances it still waits on (a stalled one is named in the ETA instead of a false "0 s").
 */
import type { Job } from '../../../../main/net/contract';
import { formatCount } from '../../ui/format';
import { formatDuration, formatRate, honestEta, notRunCount, percentDone } from './format';
import { RunningNow, useRunningNow } from './RunningNow';
import { useNow } from '../../ui/use-now';
import './jobs.css';

function Num({ k, v, tone, testId }: { k: string; v: string; tone?: string; testId: string }) {
  return (
    <div className={`job-number${tone ? ` ${tone}` : ''}`} data-testid={testId}>
      <div className="v">{v}</div>
      <div className="k">{k}</div>
    </div>
  );
}

export function JobProgressPanel({ job }: { job: Job }) {
  const p = job.progress;
  const running = job.state === 'running';
  const now = useNow(running ? 1000 : 60_000);
  const notRun = notRunCount(p);
  const pct = percentDone(p);
  const width = (n: number) => `${p.total > 0 ? (n / p.total) * 100 : 0}%`;
  const end = job.finishedAt ? Date.parse(job.finishedAt) : now.getTime();
  const elapsed = Math.max(0, (end - Date.parse(job.createdAt)) / 1000);
  const ages = useRunningNow(job.id, running);
  const eta = honestEta(p, ages);
  return (
    <div
      className="card"
      data-testid="job-progress"
      data-state={job.state}
      data-total={p.total}
      data-done={p.done}
      data-ok={p.ok}
      data-failed={p.failed}
      data-running={p.running}
      data-notrun={notRun}
    >
      <div
        className="progress-track"
        role="progressbar"
        aria-label={`Job ${job.id} progress`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-valuetext={`${formatCount(p.done)} of ${formatCount(p.total)} appliances answered`}
      >
        <span className="seg-ok" style={{ width: width(p.ok) }} />
        <span className="seg-failed" style={{ width: width(p.failed) }} />
        <span className="seg-notrun" style={{ width: width(notRun) }} />
        {running && <span className="seg-running" style={{ width: width(p.running) }} />}
      </div>
      <div className="progress-line">
        <span data-testid="job-done-line">
          {formatCount(p.done)} of {formatCount(p.total)} done · {pct}%
        </span>
        <span>
          {running ? `elapsed ${formatDuration(elapsed)}` : `took ${formatDuration(elapsed)}`}
        </span>
      </div>
      <div className="job-numbers">
        <Num k="appliances" v={formatCount(p.total)} testId="job-count-total" />
        <Num k="ok" v={formatCount(p.ok)} tone="ok" testId="job-count-ok" />
        <Num k="failed" v={formatCount(p.failed)} tone={p.failed ? 'failed' : undefined} testId="job-count-failed" />
        {running ? (
          <>
            <Num k="running" v={formatCount(p.running)} testId="job-count-running" />
            <Num k="remaining" v={formatCount(Math.max(0, p.remaining))} testId="job-count-remaining" />
          </>
        ) : job.state === 'done' && notRun === 0 ? null : (
          <Num k={job.state === 'interrupted' ? 'interrupted' : 'cancelled'} v={formatCount(notRun)} tone={notRun ? 'notrun' : undefined} testId="job-count-notrun" />
        )}
        <Num k="rate" v={formatRate(p.rate)} testId="job-rate" />
        {running && <Num k="ETA" v={eta.text} tone={eta.stalled.length ? 'stalled' : undefined} testId="job-eta" />}
      </div>
      {running && <RunningNow ages={ages} total={p.running} stalled={eta.stalled} />}
    </div>
  );
}
