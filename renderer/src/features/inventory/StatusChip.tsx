/** Lifecycle status as a coloured chip, and a row of chips with counts that link to the filtered table. */
import { LIFECYCLE_STATUSES, type LifecycleStatus, type StatusCounts } from '../../../../main/inventory/contract';
import { formatCount } from '../../ui/format';

export function StatusChip({ status, testId }: { status: LifecycleStatus; testId?: string }) {
  return (
    <span className={`status st-${status}`} data-testid={testId}>
      {status}
    </span>
  );
}

interface CountsProps {
  counts: StatusCounts;
  /** Where each chip leads; chips with a zero count are left out. */
  hrefFor: (status: LifecycleStatus) => string;
  testIdPrefix?: string;
  /** Counts only (the status shows as colour and in the tooltip): for narrow table cells. */
  compact?: boolean;
}

export function StatusCountChips({ counts, hrefFor, testIdPrefix, compact }: CountsProps) {
  const shown = LIFECYCLE_STATUSES.filter((s) => (counts[s] ?? 0) > 0);
  if (shown.length === 0) return <span className="muted">no appliances</span>;
  return (
    <span className="chips">
      {shown.map((s) => (
        <a
          key={s}
          className={`status st-${s}${compact ? ' compact' : ''}`}
          href={hrefFor(s)}
          title={compact ? `${formatCount(counts[s] ?? 0)} ${s}` : undefined}
          data-testid={testIdPrefix ? `${testIdPrefix}-${s}` : undefined}
          aria-label={`${formatCount(counts[s] ?? 0)} ${s}`}
        >
          <span className="count">{formatCount(counts[s] ?? 0)}</span>
          {compact ? null : ` ${s}`}
        </a>
      ))}
    </span>
  );
}
