/**
 * Measured health as a filled badge with a round dot (lifecycle chips are outlined, with a square
 * marker: the two never look alike). An unreachable appliance shows its last known status greyed,
 * dashed, and the age of that measurement ticks beside it.
 */
import { useSyncExternalStore } from 'react';
import type { ApplianceHealth, HealthStatus } from '../../../../main/health/contract';
import { formatDateTime } from '../../ui/format';
import { ageAt, measuredLine, reachabilityLine } from './format';
import { useHealth } from './store';
import './health.css';

interface BadgeProps {
  status: HealthStatus;
  /** False: the last poll failed and this is the last known status. */
  reachable?: boolean;
  small?: boolean;
  title?: string;
  testId?: string;
  href?: string;
}

export function HealthBadge({ status, reachable = true, small, title, testId = 'health-badge', href }: BadgeProps) {
  const className = `hb h-${status}${reachable ? '' : ' unreachable'}${small ? ' small' : ''}`;
  const label = reachable ? status : `${status} (last known)`;
  const props = {
    className,
    'data-testid': testId,
    'data-status': status,
    'data-reachable': String(reachable),
    title: title ?? (reachable ? `Measured health: ${status}` : `Not reached at the last poll; last known health: ${status}`),
    'aria-label': `Health ${label}`,
  };
  return href ? (
    <a href={href} {...props}>
      {status}
    </a>
  ) : (
    <span {...props}>{status}</span>
  );
}

// One shared clock for every age on screen (a table shows dozens), ticking while any is shown.
const listeners = new Set<() => void>();
let clockNow = Date.now();
let clockTimer: ReturnType<typeof setInterval> | null = null;

function subscribeClock(listener: () => void): () => void {
  listeners.add(listener);
  if (!clockTimer) {
    clockNow = Date.now();
    clockTimer = setInterval(() => {
      clockNow = Date.now();
      for (const l of listeners) l();
    }, 1000);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && clockTimer) {
      clearInterval(clockTimer);
      clockTimer = null;
    }
  };
}

/** Milliseconds now, re-rendering once a second. */
export function useSecondClock(): number {
  return useSyncExternalStore(subscribeClock, () => clockNow);
}

interface AgeProps {
  health: Pick<ApplianceHealth, 'reachable' | 'ageSeconds' | 'lastPollAt'>;
  /** When the reply carrying `health` arrived (Date.now()). */
  receivedAt: number;
  /** Say "measured 12s ago" for a reachable appliance too (the detail card). */
  always?: boolean;
}

/**
 * "unreachable, last seen 3m ago", live, in the danger colour; "not polled yet", muted (a new
 * appliance is not a problem); for a reachable appliance nothing, or "measured 4s ago".
 */
export function HealthAge({ health, receivedAt, always }: AgeProps) {
  const now = useSecondClock();
  const age = ageAt(health.ageSeconds, receivedAt, now);
  const polled = health.lastPollAt !== null;
  const line = reachabilityLine(health.reachable, age, polled) ?? (always ? measuredLine(age) : null);
  if (!line) return null;
  return (
    <span
      className={`health-age${health.reachable ? '' : polled ? ' unreachable' : ' not-polled'}`}
      data-testid="health-age"
      data-age={age === null ? '' : Math.floor(age)}
      title={health.lastPollAt ? `${line}; last poll ${formatDateTime(health.lastPollAt)}` : line}
    >
      {line}
    </span>
  );
}

/**
 * One appliance's badge: its measured status when reached; when not, the engine's `lastKnownStatus`
 * greyed (the roll-ups count it by its measured status, which also weighs the failed polls: the
 * tooltip says so). Never polled: a plain Unknown, nothing alarming about a new appliance.
 */
export function ApplianceHealthBadge({ health, small, testId }: { health: ApplianceHealth; small?: boolean; testId?: string }) {
  if (health.reachable) return <HealthBadge status={health.status} small={small} testId={testId} />;
  if (health.lastPollAt === null) {
    return <HealthBadge status="Unknown" small={small} testId={testId} title="Not polled yet: nothing is known about it." />;
  }
  const known = health.lastKnownStatus ?? 'Unknown';
  const title =
    health.lastKnownStatus == null
      ? `Never reached; counted as ${health.status}.`
      : `Not reached at the last poll. Last known health: ${known}; counted as ${health.status} while unreachable.`;
  return <HealthBadge status={known} reachable={false} small={small} testId={testId} title={title} />;
}

/** Badge and age together: what a table row or a list shows for one appliance. */
export function HealthSummary({ health, receivedAt, small }: { health: ApplianceHealth; receivedAt: number; small?: boolean }) {
  return (
    <span className="health-cell" data-measured-status={health.status}>
      <ApplianceHealthBadge health={health} small={small} />
      <HealthAge health={health} receivedAt={receivedAt} />
    </span>
  );
}

/** The appliance table's Health cell: this row's health, fetched with the other rows in view. */
export function HealthCell({ serial }: { serial: string }) {
  const row = useHealth((s) => s.rows.bySerial[serial]);
  const answered = useHealth((s) => s.rows.answered[serial] === true);
  if (!row) {
    return (
      <span className="health-none" data-testid="health-none" title={answered ? 'The engine has no health for it (just removed?)' : undefined}>
        {answered ? '—' : '…'}
      </span>
    );
  }
  return <HealthSummary health={row.data} receivedAt={row.receivedAt} small />;
}
