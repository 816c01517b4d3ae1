/** The audit log, newest first; filtered by actor, action, appliance and time; more on request. */
import { useEffect, useState, type FormEvent } from 'react';
import { AuditList } from './AuditList';
import { auditQueryFor, DEFAULT_AUDIT_FILTER, hasAuditFilter, type AuditFilter } from './filter';
import { useInventory } from '../inventory/store';

const TEXT_FIELDS = [
  { key: 'actor', label: 'Actor', placeholder: 'desktop:alice, cli:bob' },
  { key: 'action', label: 'Action', placeholder: 'appliance.status' },
  { key: 'appliance', label: 'Appliance', placeholder: 'serial' },
] as const;

export function AuditScreen() {
  const audit = useInventory((s) => s.audit);
  const loadAudit = useInventory((s) => s.loadAudit);
  const loadMoreAudit = useInventory((s) => s.loadMoreAudit);
  const [filter, setFilter] = useState<AuditFilter>(DEFAULT_AUDIT_FILTER);

  useEffect(() => {
    void loadAudit(auditQueryFor(DEFAULT_AUDIT_FILTER));
  }, [loadAudit]);

  const apply = (next: AuditFilter) => {
    setFilter(next);
    void loadAudit(auditQueryFor(next));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    apply(filter);
  };
  const actions = [...new Set(audit.entries.map((e) => e.action))].sort();

  return (
    <div className="page">
      <div className="page-head">
        <h1>Audit log</h1>
        <span className="muted">newest first</span>
      </div>
      <form className="card audit-filter" onSubmit={submit} aria-label="Filter the audit log" data-testid="audit-filter">
        {TEXT_FIELDS.map((f) => (
          <label key={f.key} className="audit-field">
            <span>{f.label}</span>
            <input
              className="input"
              value={filter[f.key]}
              placeholder={f.placeholder}
              list={f.key === 'action' ? 'audit-actions' : undefined}
              onChange={(e) => setFilter({ ...filter, [f.key]: e.target.value })}
              data-testid={`audit-filter-${f.key}`}
            />
          </label>
        ))}
        <datalist id="audit-actions">
          {actions.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <label className="audit-field">
          <span>From</span>
          <input type="datetime-local" className="input" value={filter.since} onChange={(e) => setFilter({ ...filter, since: e.target.value })} data-testid="audit-filter-since" />
        </label>
        <label className="audit-field">
          <span>To</span>
          <input type="datetime-local" className="input" value={filter.until} onChange={(e) => setFilter({ ...filter, until: e.target.value })} data-testid="audit-filter-until" />
        </label>
        <label className="audit-check">
          <input type="checkbox" checked={filter.hideLab} onChange={(e) => apply({ ...filter, hideLab: e.target.checked })} data-testid="audit-hide-lab" />
          Hide the lab’s set-up rows
        </label>
        <div className="audit-buttons">
          <button type="submit" className="btn primary" data-testid="audit-apply">
            Filter
          </button>
          <button type="button" className="btn" disabled={!hasAuditFilter(filter)} onClick={() => apply({ ...DEFAULT_AUDIT_FILTER, hideLab: filter.hideLab })}>
            Clear
          </button>
        </div>
      </form>
      <div className="card">
        {!audit.loaded ? (
          <p className="muted">Loading…</p>
        ) : (
          <AuditList entries={audit.entries} testId="audit-log" showTarget emptyText={emptyText(filter)} />
        )}
        {audit.loaded && audit.entries.length === 0 && filter.hideLab && (
          // An empty log on a lab fleet is mostly the hidden set-up rows: say so and offer them.
          <div className="form-actions">
            <button type="button" className="btn" data-testid="audit-show-lab" onClick={() => apply({ ...filter, hideLab: false })}>
              Show the lab’s set-up rows
            </button>
          </div>
        )}
        {audit.loaded && !audit.done && (
          <div className="form-actions">
            <button type="button" className="btn" data-testid="audit-more" disabled={audit.loading} onClick={() => void loadMoreAudit()}>
              {audit.loading ? 'Loading…' : 'Load more'}
            </button>
          </div>
        )}
      </div>
    </div>
  );
}

/** What an empty log says: which filters emptied it, and that the lab's set-up rows are hidden. */
function emptyText(filter: AuditFilter): string {
  const lab = filter.hideLab ? ' The lab’s set-up rows (its partners, sites and appliances) are hidden.' : '';
  return hasAuditFilter(filter) ? `No audit entries match these filters.${lab}` : `No changes recorded yet.${lab}`;
}
