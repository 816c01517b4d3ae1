/**
 * While a job runs: which appliances it still waits on, longest-running first, each a link, with
 * how long it has run. Read every 1.5 s from `jobs.results` (state running); the ETA uses the same
 * list to name a stalled appliance instead of counting down to "0 s".
 */
import { useEffect, useState } from 'react';
import type { JobResult } from '../../../../main/net/contract';
import { formatCount } from '../../ui/format';
import { formatDuration, runningAges, type RunningAge } from './format';
import { hashFor } from '../../route';
import { callEngine } from '../../stores/engine';
import './jobs.css';

const POLL_MS = 1_500;
/** Names shown; the rest are counted. */
const SHOWN = 12;
/** Running rows asked for (longest first is decided here, so ask for more than are shown). */
const ASKED = 200;

/** The appliances a running job waits on now, with their ages (ticking each second); [] once it ends. */
export function useRunningNow(jobId: number, running: boolean): RunningAge[] {
  const [rows, setRows] = useState<Array<Pick<JobResult, 'serial' | 'startedAt'>>>([]);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    let live = true;
    const read = () => {
      callEngine((c) => c.api.jobs.results({ id: jobId, state: ['running'], limit: ASKED })).then(
        (reply) => live && setRows(reply.items.map((r) => ({ serial: r.serial, startedAt: r.startedAt }))),
        () => undefined, // the next read tries again; the page shows the connection's state itself
      );
    };
    read();
    const poll = setInterval(read, POLL_MS);
    const tick = setInterval(() => setNow(Date.now()), 1_000);
    return () => {
      live = false;
      clearInterval(poll);
      clearInterval(tick);
    };
  }, [jobId, running]);
  return running ? runningAges(rows, now) : [];
}

export function RunningNow({ ages, total, stalled }: { ages: readonly RunningAge[]; total: number; stalled: readonly string[] }) {
  if (total === 0 || ages.length === 0) return null;
  const slow = new Set(stalled);
  const shown = ages.slice(0, SHOWN);
  return (
    <div className="running-now" data-testid="job-running-now" data-count={total}>
      <span className="k">Still running on</span>
      {shown.map((a) => (
        <a
          key={a.serial}
          className={`mono${slow.has(a.serial) ? ' stalled' : ''}`}
          href={hashFor({ name: 'appliance', serial: a.serial })}
          data-testid="job-running-serial"
          data-serial={a.serial}
          data-stalled={slow.has(a.serial) ? 'true' : undefined}
          title={slow.has(a.serial) ? 'Much slower than the others: it may run until its timeout' : undefined}
        >
          {a.serial} <span className="muted">{formatDuration(a.seconds)}</span>
        </a>
      ))}
      {total > shown.length && <span className="muted">and {formatCount(total - shown.length)} more</span>}
    </div>
  );
}
