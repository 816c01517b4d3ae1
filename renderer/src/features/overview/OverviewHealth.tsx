/**
 * The overview's measured-health pieces: the health strip (shown beside the lifecycle counts, and
 * labelled so the two never read as one), the worst-status badge per partner and site, and the top
 * actionable items.
 */
import { hashFor } from '../../route';
import { useHealth } from '../health/store';
import { ActionableList } from '../health/ActionableList';
import { HealthStrip, RollupBadge } from '../health/HealthRollup';
import { PollingNote } from './PollingNote';
import '../health/health.css';

const TOP_ITEMS = 5;

export function MeasuredHealthCard() {
  const fleet = useHealth((s) => s.fleet);
  const error = useHealth((s) => s.fleetError);
  return (
    <div className="card" data-testid="measured-health">
      <div className="pair-label">
        <h2>Measured health</h2>
        <span className="muted">
          polled from the appliances · <a href={hashFor({ name: 'health', status: [] })}>details</a>
        </span>
      </div>
      <PollingNote />
      {fleet ? (
        <HealthStrip fleet={fleet.data} />
      ) : (
        <p className={error ? 'error-text' : 'muted'} role={error ? 'alert' : undefined}>
          {error ?? 'Loading…'}
        </p>
      )}
    </div>
  );
}

export function PartnerHealth({ partner }: { partner: string }) {
  const rollup = useHealth((s) => s.fleet?.data.byPartner.find((p) => p.partner === partner));
  if (!rollup) return <span className="health-none">—</span>;
  return <RollupBadge rollup={rollup} href={hashFor({ name: 'health', status: [] })} />;
}

export function SiteHealth({ site }: { site: string }) {
  const rollup = useHealth((s) => s.fleet?.data.bySite.find((r) => r.site === site));
  if (!rollup) return <span className="health-none">—</span>;
  return <RollupBadge rollup={rollup} href={hashFor({ name: 'site', code: site })} />;
}

export function ActionableCard() {
  const actionable = useHealth((s) => s.actionable);
  const error = useHealth((s) => s.actionableError);
  const items = actionable?.data ?? [];
  return (
    <div className="card section" data-testid="actionable-card">
      <div className="actionable-head">
        <h2>Actionable items</h2>
        {actionable && <span className="muted">{items.length > TOP_ITEMS ? `top ${TOP_ITEMS} of ${items.length}` : `${items.length}`}</span>}
        <div className="spacer" />
        <a href={hashFor({ name: 'actionable' })} data-testid="actionable-all">
          All items
        </a>
      </div>
      {actionable ? (
        <ActionableList items={items.slice(0, TOP_ITEMS)} compact />
      ) : (
        <p className={error ? 'error-text' : 'muted'}>{error ?? 'Loading…'}</p>
      )}
    </div>
  );
}
