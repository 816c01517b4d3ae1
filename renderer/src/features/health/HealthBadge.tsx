/**
 * Measured health as a filled badge with a round dot (lifecycle chips are outlined, with a square
 * marker: the two never look alike). The current state comes first: an unreachable appliance says
 * "Unreachable" in the colour the roll-ups count it, with what was last known beside it; an RMA
 * appliance (never polled) says "Not polled", muted.
 */
import { useSyncExternalStore } from 'react';
import type { ApplianceHealth, HealthStatus } from '../../../../main/health/contract';
import { formatDateTime } from '../../ui/format';
import { ageAt, healthShown, type HealthShown } from './format';
import { useHealth } from './store';
import './health.css';

interface BadgeProps {
  status: HealthStatus;
  /** The word shown; the status by default ("Unreachable", "Not polled"). */
  label?: string;
  /** False: the last poll failed (the badge says Unreachable). */
  reachable?: boolean;
  /** 'stale': a component of an appliance not reached now (its last known value, greyed). */
  state?: HealthShown['state'] | 'stale';
  small?: boolean;
  title?: string;
  testId?: string;
  href?: string;
}

export function HealthBadge({ status, label = status, reachable = true, state = 'measured', small, title, testId = 'health-badge', href }: BadgeProps) {
  const look = state === 'unreachable' ? ' unreachable' : state === 'not-polled' || state === 'stale' ? ' stale' : '';
  const className = `hb h-${status}${look}${small ? ' small' : ''}`;
  const props = {
    className,
    'data-testid': testId,
    'data-status': status,
    'data-reachable': String(reachable),
    'data-state': state,
    title: title ?? `Measured health: ${label}`,
    'aria-label': `Health ${label}`,
  };
  return href ? (
    <a href={href} {...props}>
      {label}
    </a>
  ) : (
    <span {...props}>{label}</span>
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

/**
 * On a snapshot ages stand still: the engine measured them at the snapshot's moment, and no time
 * passes there (features/snapshots sets this when the engine says it shows one).
 */
let agesFrozen = false;
export function freezeAges(frozen: boolean): void {
  agesFrozen = frozen;
}

/** Milliseconds now, re-rendering once a second. */
export function useSecondClock(): number {
  return useSyncExternalStore(subscribeClock, () => clockNow);
}

interface AgeProps {
  health: Pick<ApplianceHealth, 'status' | 'lastKnownStatus' | 'lifecycle' | 'reachable' | 'ageSeconds' | 'lastPollAt'>;
  /** When the reply carrying `health` arrived (Date.now()). */
  receivedAt: number;
  /** Say "measured 12s ago" for a reachable appliance too (the detail card). */
  always?: boolean;
}

/**
 * The line beside the badge: "last known OK 3m ago" for an unreachable appliance (live, in the
 * danger colour), "not polled yet" / "not polled (rma)" muted, "measured 4s ago" when `always` or
 * when the lifecycle does not colour the roll-ups; else nothing.
 */
export function HealthAge({ health, receivedAt, always }: AgeProps) {
  const now = useSecondClock();
  const age = ageAt(health.ageSeconds, receivedAt, agesFrozen ? receivedAt : now);
  const shown = healthShown(health, age, always);
  if (!shown.line) return null;
  const tone = shown.state === 'unreachable' ? ' unreachable' : shown.state === 'measured' ? '' : ' not-polled';
  return (
    <span
      className={`health-age${tone}`}
      data-testid="health-age"
      data-age={age === null ? '' : Math.floor(age)}
      title={health.lastPollAt ? `${shown.line}; last poll ${formatDateTime(health.lastPollAt)}` : shown.line}
    >
      {shown.line}
    </span>
  );
}

/**
 * One appliance's badge: the current state first (see healthShown). Unreachable: coloured as the
 * roll-ups count it, the last known status in the tooltip and the line beside it.
 */
export function ApplianceHealthBadge({ health, small, testId }: { health: ApplianceHealth; small?: boolean; testId?: string }) {
  const shown = healthShown(health, health.ageSeconds);
  const title =
    shown.state === 'expected'
      ? `Out of service as planned: ${health.expected ?? ''}; not counted as a problem and not an actionable item.`
      : shown.state === 'not-polled'
      ? `Not polled while its lifecycle is ${health.lifecycle}${health.lastKnownStatus ? `; last known health ${health.lastKnownStatus}` : ''}.`
      : shown.state === 'never-polled'
        ? 'Not polled yet: nothing is known about it.'
        : shown.state === 'unreachable'
          ? `Not reached at the last poll${health.lastError ? ` (${health.lastError.code})` : ''}; counted as ${health.status}. Last known health: ${health.lastKnownStatus ?? 'none (never reached)'}.`
          : `Measured health: ${health.status}`;
  return (
    <HealthBadge
      status={shown.tone}
      label={shown.label}
      reachable={health.reachable}
      state={shown.state}
      small={small}
      testId={testId}
      title={title}
    />
  );
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
