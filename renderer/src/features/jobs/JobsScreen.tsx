/** Jobs, newest first: state, command, who ran it, counts and when; live while they run. */
import { useEffect } from 'react';
import { formatCommand } from './argv';
import { FormError } from '../../ui/FormFooter';
import { JobStateChip } from './JobChips';
import { formatCount, formatDateTime } from '../../ui/format';
import { notRunCount } from './format';
import { EMPTY_QUERY, hashFor } from '../../route';
import { useJobs } from './store';
import { useUi } from '../../stores/ui';
import './jobs.css';

export function JobsScreen() {
  const list = useJobs((s) => s.list);
  const listError = useJobs((s) => s.listError);
  const loadList = useJobs((s) => s.loadList);
  const navigate = useUi((s) => s.navigate);

  useEffect(() => {
    void loadList();
  }, [loadList]);

  return (
    <div className="page">
      <div className="page-head">
        <h1>Jobs</h1>
        <span className="muted">newest first</span>
        <div className="spacer" />
        <a className="btn" href={hashFor({ name: 'appliances', query: EMPTY_QUERY })}>
          Run a command from the appliance table
        </a>
      </div>
      <FormError message={listError} />
      {list === null ? (
        <p className="center-note">Loading…</p>
      ) : list.length === 0 ? (
        <div className="card first-run" data-testid="jobs-empty">
          <h1>No jobs yet</h1>
          <p>
            Filter the appliance table, then “Run command…” runs an ocactl action or a command on every appliance it shows, a number at a
            time. Each run is kept here with every appliance’s result.
          </p>
        </div>
      ) : (
        <div className="card flush">
          <table className="plain jobs-table" data-testid="jobs-table">
            <thead>
              <tr>
                <th>Job</th>
                <th>State</th>
                <th>Command</th>
                <th>By</th>
                <th className="num">Appliances</th>
                <th className="num">OK</th>
                <th className="num">Failed</th>
                <th className="num">Not run</th>
                <th>Started</th>
                <th>Ended</th>
              </tr>
            </thead>
            <tbody>
              {list.map((j) => {
                const open = () => navigate({ name: 'job', id: j.id });
                return (
                  <tr
                    key={j.id}
                    className="clickable"
                    tabIndex={0}
                    data-testid="job-row"
                    data-job={j.id}
                    data-state={j.state}
                    onClick={open}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter') open();
                    }}
                  >
                    <td>
                      <a href={hashFor({ name: 'job', id: j.id })}>{j.id}</a>
                      {j.retryOf !== null && <span className="muted"> (retry of {j.retryOf})</span>}
                    </td>
                    <td>
                      <JobStateChip state={j.state} />
                    </td>
                    <td className="cmd mono" title={formatCommand(j.argv)}>
                      {formatCommand(j.argv)}
                    </td>
                    <td>{j.actor}</td>
                    <td className="num">{formatCount(j.progress.total)}</td>
                    <td className="num">{formatCount(j.progress.ok)}</td>
                    <td className={`num${j.progress.failed ? ' error-text' : ''}`}>{formatCount(j.progress.failed)}</td>
                    <td className="num">{j.state === 'running' ? '—' : formatCount(notRunCount(j.progress))}</td>
                    <td>{formatDateTime(j.createdAt)}</td>
                    <td>{j.state === 'running' ? <span className="muted">{formatCount(j.progress.done)} done…</span> : formatDateTime(j.finishedAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
