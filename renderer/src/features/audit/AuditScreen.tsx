/** The inventory's audit log, newest first; more on request. */
import { useEffect } from 'react';
import { AuditList } from './AuditList';
import { useInventory } from '../inventory/store';

export function AuditScreen() {
  const audit = useInventory((s) => s.audit);
  const loadAudit = useInventory((s) => s.loadAudit);
  const loadMoreAudit = useInventory((s) => s.loadMoreAudit);

  useEffect(() => {
    void loadAudit();
  }, [loadAudit]);

  return (
    <div className="page">
      <div className="page-head">
        <h1>Audit log</h1>
        <span className="muted">newest first</span>
      </div>
      <div className="card">
        {!audit.loaded ? <p className="muted">Loading…</p> : <AuditList entries={audit.entries} testId="audit-log" showTarget />}
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
