/**
 * "Which boxes differ", at one look: a finished job's replies grouped by the fields the user picks
 * (firmware version, health, serving state, ...), one row per distinct combination, largest first.
 * The grouping is the engine's (jobs.groups), the same as `fleetdeck jobs show ID --group-by ...`.
 */
import { useEffect, useState } from 'react';
import { GROUP_FIELDS, type GroupFieldName, type JobGroups } from '../../../../main/net/contract';
import { formatCount } from '../../ui/format';
import { hashFor } from '../../route';
import { asApiError, callEngine } from '../../stores/engine';
import './jobs.css';

const FIELD_LABELS: Record<GroupFieldName, string> = {
  firmware: 'Firmware',
  health: 'Health',
  serving: 'Serving',
  model: 'Model',
  slot: 'Active slot',
  trial: 'On trial',
};
const FIELDS = Object.keys(GROUP_FIELDS) as GroupFieldName[];
const SHOWN_SERIALS = 12;

export function JobGroupBy({ jobId }: { jobId: number }) {
  const [by, setBy] = useState<GroupFieldName[]>(['firmware', 'health', 'serving']);
  const [groups, setGroups] = useState<JobGroups | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    if (by.length === 0) return;
    let current = true;
    callEngine((c) => c.api.jobs.groups({ id: jobId, by }))
      .then((g) => {
        if (!current) return;
        setGroups(g);
        setProblem(null);
      })
      .catch((err: unknown) => current && setProblem(asApiError(err).message));
    return () => {
      current = false;
    };
  }, [jobId, by]);

  const toggle = (field: GroupFieldName) => setBy((old) => (old.includes(field) ? old.filter((f) => f !== field) : FIELDS.filter((f) => f === field || old.includes(f))));

  return (
    <div className="card section" data-testid="job-group-by">
      <h2>Compare replies</h2>
      <fieldset className="group-by-fields">
        <legend>Group by</legend>
        {FIELDS.map((f) => (
          <label key={f}>
            <input type="checkbox" checked={by.includes(f)} onChange={() => toggle(f)} data-testid={`group-by-${f}`} /> {FIELD_LABELS[f]}
          </label>
        ))}
      </fieldset>
      {problem && <p className="error">{problem}</p>}
      {by.length === 0 && <p className="muted">Pick a field to see which appliances differ.</p>}
      {groups && by.length > 0 && (
        <table className="group-by-table" data-testid="job-group-by-table">
          <thead>
            <tr>
              <th scope="col">Appliances</th>
              {groups.by.map((f) => (
                <th key={f} scope="col">
                  {FIELD_LABELS[f as GroupFieldName] ?? f}
                </th>
              ))}
              <th scope="col">Which</th>
            </tr>
          </thead>
          <tbody>
            {groups.groups.map((g) => (
              <tr key={JSON.stringify([g.outcome, g.values])} data-testid="job-group-by-row" data-count={g.count}>
                <td className="num">{formatCount(g.count)}</td>
                {g.values.map((v, i) => (
                  <td key={i} className="mono">
                    {v ?? <span className="muted">{g.outcome === 'ok' ? '—' : g.outcome}</span>}
                  </td>
                ))}
                <td>
                  <div className="serial-list">
                    {g.serials.slice(0, SHOWN_SERIALS).map((s) => (
                      <a key={s} href={hashFor({ name: 'appliance', serial: s })}>
                        {s}
                      </a>
                    ))}
                    {g.serials.length > SHOWN_SERIALS && <span className="muted">and {formatCount(g.serials.length - SHOWN_SERIALS)} more</span>}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
