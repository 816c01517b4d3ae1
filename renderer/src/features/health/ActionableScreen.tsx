/**
 * Actionable items, as the partner portal lists them: what is wrong, where, the suggested fix and
 * since when, worst first. Filter by severity; each place links to its page.
 */
import { useState } from 'react';
import type { ActionItem } from '../../../../main/health/contract';
import { ActionableList } from './ActionableList';
import { ToggleFilter } from '../../ui/ToggleFilter';
import { formatInt } from './format';
import { useHealth } from './store';
import { HealthTabs } from './HealthScreen';
import './health.css';

const SEVERITIES: readonly ActionItem['severity'][] = ['Error', 'Warning'];

export function ActionableScreen() {
  const actionable = useHealth((s) => s.actionable);
  const error = useHealth((s) => s.actionableError);
  const [severity, setSeverity] = useState<ActionItem['severity'][]>([]);
  const items = actionable?.data ?? [];
  const shown = severity.length ? items.filter((i) => severity.includes(i.severity)) : items;
  const count = (s: ActionItem['severity']) => items.filter((i) => i.severity === s).length;

  return (
    <div className="page" data-testid="actionable-screen">
      <div className="page-head">
        <h1>Health</h1>
      </div>
      <HealthTabs current="actionable" />
      <div className="card">
        <div className="actionable-head">
          <h2>Actionable items</h2>
          <span className="row-count" data-testid="actionable-count">
            {actionable ? `${formatInt(shown.length)} of ${formatInt(items.length)}` : ''}
          </span>
          <div className="spacer" />
          <ToggleFilter
            label="Severity"
            testId="actionable-filter"
            options={SEVERITIES}
            selected={severity}
            onToggle={(s) => setSeverity((cur) => (cur.includes(s) ? cur.filter((v) => v !== s) : [...cur, s]))}
            optionLabel={(s) => `${s} (${formatInt(count(s))})`}
          />
        </div>
        {actionable ? (
          <ActionableList items={shown} />
        ) : (
          <p className={error ? 'error-text' : 'muted'} role={error ? 'alert' : undefined}>
            {error ?? 'Loading…'}
          </p>
        )}
        {actionable && error && (
          <p className="form-error" role="alert">
            Could not refresh: {error}
          </p>
        )}
      </div>
    </div>
  );
}
