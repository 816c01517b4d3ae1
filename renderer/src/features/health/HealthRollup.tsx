/**
 * Measured health rolled up: the strip of counts (OK / Warning / Error / Unknown, unreachable,
 * serving Gbps) and the worst-status badge a partner or site row carries.
 */
import type { Rollup } from '../../../../main/health/contract';
import { formatAge, formatGbps, formatInt, HEALTH_ORDER } from './format';
import { hashFor } from '../../route';
import type { FleetHealth } from './store';
import { useHealth } from './store';
import { HealthBadge, useSecondClock } from './HealthBadge';
import './health.css';

const WORDS: Record<string, string> = { OK: 'OK', Warning: 'Warning', Error: 'Error', Unknown: 'Unknown' };

/** The counts strip for a fleet reply; each count opens the Health screen filtered to it. */
export function HealthStrip({ fleet }: { fleet: FleetHealth }) {
  const { totals } = fleet;
  const measured = totals.counts.measured;
  const total = totals.counts.OK + totals.counts.Warning + totals.counts.Error + totals.counts.Unknown;
  return (
    <div>
      <div className="health-strip" data-testid="health-totals" data-measured={measured} data-total={total}>
        {HEALTH_ORDER.map((status) => {
          const n = totals.counts[status];
          return (
            <a
              key={status}
              className={`hcount h-${status}${n === 0 ? ' zero' : ''}`}
              href={hashFor({ name: 'health', status: [status] })}
              data-testid={`health-count-${status}`}
              data-count={n}
            >
              {/* The visible words are the link's name (no aria-label that says it differently). */}
              <span className="n">{formatInt(n)}</span> <span className="l">{WORDS[status]}</span>
            </a>
          );
        })}
        <div
          className={`hcount unreach${totals.counts.unreachable === 0 ? ' zero' : ''}`}
          data-testid="health-count-unreachable"
          data-count={totals.counts.unreachable}
          title="Not reached at the last poll: they show their last known status"
        >
          <span className="n">{formatInt(totals.counts.unreachable)}</span>
          <span className="l">unreachable</span>
        </div>
        <div className="hcount serving" data-testid="health-serving" title="Serving now, summed over the appliances reached">
          <span className="n">{formatGbps(totals.servingGbps).replace(' Gbps', '')}</span>
          <span className="l">Gbps serving</span>
        </div>
      </div>
      <StripFoot measured={measured} total={total} />
    </div>
  );
}

function StripFoot({ measured, total }: { measured: number; total: number }) {
  const sweep = useHealth((s) => s.lastSweep);
  const now = useSecondClock();
  return (
    <div className="strip-foot">
      <span data-testid="health-measured" data-count={measured}>
        {formatInt(measured)} of {formatInt(total)} measured
      </span>
      {sweep && (
        <span>
          {' '}
          · last sweep {formatAge((now - Date.parse(sweep.at)) / 1000)} ago: {formatInt(sweep.reached)} reached
          {sweep.failed > 0 ? `, ${formatInt(sweep.failed)} failed` : ''}
        </span>
      )}
    </div>
  );
}

/** The worst status of a group, with what makes it so ("2 Error · 1 unreachable"). */
export function RollupBadge({ rollup, href }: { rollup: Rollup; href?: string }) {
  const { counts } = rollup;
  const parts: string[] = [];
  if (counts.Error) parts.push(`${formatInt(counts.Error)} Error`);
  if (counts.Warning) parts.push(`${formatInt(counts.Warning)} Warn`);
  if (counts.unreachable) parts.push(`${formatInt(counts.unreachable)} unreach.`);
  const all = HEALTH_ORDER.filter((s) => counts[s] > 0)
    .map((s) => `${formatInt(counts[s])} ${s}`)
    .join(', ');
  return (
    <span className="rollup" data-testid="rollup-health" data-status={rollup.status}>
      <HealthBadge
        status={rollup.status}
        small
        testId="rollup-badge"
        href={href}
        title={`Worst measured status: ${rollup.status} (${all || 'no appliances'}${counts.unreachable ? `; ${counts.unreachable} unreachable` : ''})`}
      />
      {parts.length > 0 && <span className="detail">{parts.join(' · ')}</span>}
    </span>
  );
}
