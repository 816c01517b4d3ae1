/**
 * What needs attention, worst first: severity, where (partner, site, appliance: each a link),
 * the problem in one sentence, the suggested fix (with a button that runs it, when one ocactl
 * command does), and since when.
 */
import type { ActionItem } from '../../../../main/health/contract';
import { formatDateTime } from '../../ui/format';
import { formatAge } from './format';
import { appliancesHash, hashFor } from '../../route';
import { HealthBadge, useSecondClock } from './HealthBadge';
import { RunFixButton } from './RunFixButton';
import { CHECKS_FOR_ACTION } from '../../../../main/diagnostics/contract';
import './health.css';

/** A link to the appliance's diagnostics with the checks that explain this item chosen. */
function DiagnoseLink({ item }: { item: ActionItem }) {
  const checks = CHECKS_FOR_ACTION[item.id.slice(item.id.indexOf('/') + 1)];
  if (!item.serial || !checks) return null;
  return (
    <a className="diag-link" data-testid="actionable-diagnose" href={hashFor({ name: 'appliance', serial: item.serial, checks: [...checks] })}>
      Diagnose ({checks.join(', ')})
    </a>
  );
}

interface ActionableListProps {
  items: readonly ActionItem[];
  /** The overview's card: no "since" column. */
  compact?: boolean;
}

export function ActionableList({ items, compact }: ActionableListProps) {
  const now = useSecondClock();
  if (items.length === 0) {
    return (
      <p className="all-clear" data-testid="actionable-empty">
        Nothing needs attention.
      </p>
    );
  }
  return (
    <ul className={`actionable${compact ? ' compact' : ''}`} data-testid="actionable-list">
      {items.map((item) => (
        <li key={item.id} data-testid="actionable-item" data-severity={item.severity} data-serial={item.serial ?? ''} data-site={item.site}>
          <span>
            <HealthBadge status={item.severity} small testId="actionable-severity" title={`Severity: ${item.severity}`} />
          </span>
          <span className="where">
            {item.serial ? (
              <a className="mono" href={hashFor({ name: 'appliance', serial: item.serial })} data-testid="actionable-serial">
                {item.serial}
              </a>
            ) : (
              <span className="muted">whole site</span>
            )}
            <span>
              <a href={hashFor({ name: 'site', code: item.site })}>{item.site}</a>
              {' · '}
              <a href={appliancesHash({ partner: [item.partner] })}>{item.partner}</a>
            </span>
          </span>
          <span className="problem" data-testid="actionable-problem">
            {item.problem}
          </span>
          <span className="fix" data-testid="actionable-fix">
            {item.suggestedFix} <RunFixButton item={item} />
            <DiagnoseLink item={item} />
          </span>
          {!compact && (
            <span className="since" title={formatDateTime(item.since)}>
              since {formatAge((now - Date.parse(item.since)) / 1000)} ago
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
