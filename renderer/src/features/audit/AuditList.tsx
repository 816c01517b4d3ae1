/** Audit entries, newest first: when, who, what, and the details that matter. */
import type { AuditEntry } from '../../../../main/inventory/contract';
import { describeDetails, formatDateTime } from '../../ui/format';
import { auditTargetHash } from '../../route';

interface AuditListProps {
  entries: readonly AuditEntry[];
  testId: string;
  /** Show the target column (the global log); a detail page knows its target. */
  showTarget?: boolean;
  /** What an empty list says. */
  emptyText?: string;
}

export function AuditList({ entries, testId, showTarget, emptyText = 'No audit entries yet.' }: AuditListProps) {
  if (entries.length === 0) {
    return (
      <p className="muted" data-testid={testId}>
        {emptyText}
      </p>
    );
  }
  return (
    <ol className={`audit-list${showTarget ? ' with-target' : ''}`} data-testid={testId}>
      {entries.map((e) => {
        const href = showTarget ? auditTargetHash(e.target) : null;
        return (
          <li key={e.id} data-testid="audit-entry" data-action={e.action}>
            <time dateTime={e.at} className="muted">
              {formatDateTime(e.at)}
            </time>
            <span title={e.actor}>{e.actor}</span>
            <strong>{e.action}</strong>
            {showTarget && <span className="mono">{href ? <a href={href}>{e.target}</a> : e.target}</span>}
            <span className="details">{describeDetails(e.details)}</span>
          </li>
        );
      })}
    </ol>
  );
}
