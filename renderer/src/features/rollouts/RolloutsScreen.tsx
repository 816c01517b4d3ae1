/** Every rollout, newest first: image, state and phase, progress, reach, when and by whom. */
import { useEffect } from 'react';
import { formatCount, formatDateTime } from '../../ui/format';
import { hashFor } from '../../route';
import { ProgressBar } from './ProgressBar';
import { PHASE_LABEL, STATE_LABEL, STATE_TONE } from './format';
import { useRollouts } from './store';
import '../jobs/jobs.css';
import './rollouts.css';

export function RolloutsScreen() {
  const list = useRollouts((s) => s.list);
  const load = useRollouts((s) => s.loadList);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <div className="page">
      <div className="page-head">
        <h1>Rollouts</h1>
        <span className="spacer" />
        <a className="btn" href={hashFor({ name: 'firmware' })}>
          Firmware images
        </a>
        <a className="btn primary" href={hashFor({ name: 'rolloutNew' })} data-testid="rollout-new">
          New rollout
        </a>
      </div>
      <section className="card">
        {list === null ? (
          <p className="muted">Loading…</p>
        ) : list.length === 0 ? (
          <p className="muted" data-testid="rollouts-none">
            No rollouts yet. A rollout takes a signed image from the store to a set of appliances: canary first, then waves, within each site&apos;s limit and window.
          </p>
        ) : (
          <div className="table-wrap">
            <table className="plain" data-testid="rollouts">
              <thead>
                <tr>
                  <th className="num">#</th>
                  <th>Image</th>
                  <th>State</th>
                  <th className="ro-bar-col">Progress</th>
                  <th className="num">Appliances</th>
                  <th className="num">Sites</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {list.map((r) => (
                  <tr key={r.id} data-testid="rollout-row" data-id={r.id} data-state={r.state}>
                    <td className="num">
                      <a href={hashFor({ name: 'rollout', id: r.id })} data-testid="rollout-link">
                        {r.id}
                      </a>
                    </td>
                    <td className="mono">{r.image}</td>
                    <td>
                      <span className={`status compact ${STATE_TONE[r.state]}`}>{STATE_LABEL[r.state]}</span>
                      <div className="muted small">{PHASE_LABEL[r.phase]}</div>
                    </td>
                    <td>
                      <ProgressBar counts={r.counts} label={`Rollout ${r.id} progress`} testId="rollout-row-bar" />
                    </td>
                    <td className="num">{formatCount(r.targets)}</td>
                    <td className="num">{formatCount(r.sites)}</td>
                    <td>
                      {formatDateTime(r.createdAt)}
                      <div className="muted small">{r.createdBy}</div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
