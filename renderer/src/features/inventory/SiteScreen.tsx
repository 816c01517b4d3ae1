/**
 * One site: partner and ASN, place, time zone with the current local time, maintenance and fill
 * windows (open now or not), its appliances (the same virtualized table) and its audit trail.
 */
import { useEffect, useMemo, useState } from 'react';
import { AddApplianceDialog } from './AddApplianceDialog';
import { ApplianceTable } from './ApplianceTable';
import { AuditList } from '../audit/AuditList';
import { DetailPlaceholder } from '../../ui/DetailPlaceholder';
import { FieldRow } from '../../ui/FieldRow';
import { Modal } from '../../ui/Modal';
import { SiteForm } from './SiteForm';
import { StatusCountChips } from './StatusChip';
import { formatCoords, formatCount, formatTb, inWindow, siteClock, windowLength } from '../../ui/format';
import { appliancesHash, EMPTY_QUERY, hashFor, type ListQuery, type SortDir, type SortField } from '../../route';
import { useInventory } from './store';
import { useUi } from '../../stores/ui';
import { useNow } from '../../ui/use-now';
import { DiagnosticsPanel } from '../diagnostics/DiagnosticsPanel';
import { HistoryPanel } from '../history/HistoryPanel';
import { SiteAvailability } from '../history/Availability';

const SITE_HIDDEN = ['site', 'partner'] as const;

export function SiteScreen({ code }: { code: string }) {
  const detail = useInventory((s) => (s.site?.key === code ? s.site : null));
  const loadSite = useInventory((s) => s.loadSite);
  const navigate = useUi((s) => s.navigate);
  const toast = useUi((s) => s.toast);
  const [editing, setEditing] = useState(false);
  const [adding, setAdding] = useState(false);
  const [sort, setSort] = useState<{ sort: SortField; dir: SortDir }>({ sort: 'serial', dir: 'asc' });
  const now = useNow(15_000);
  const query = useMemo<ListQuery>(() => ({ ...EMPTY_QUERY, site: [code], ...sort }), [code, sort]);

  useEffect(() => {
    void loadSite(code);
  }, [code, loadSite]);

  const data = detail?.data;
  if (!data) {
    return (
      <DetailPlaceholder
        parent={{ label: 'Sites', href: hashFor({ name: 'sites' }) }}
        name={code}
        error={detail?.error}
        notFound={`There is no site ${code}.`}
      />
    );
  }

  const { site, audit } = data;
  const clock = siteClock(site.timezone, now);
  const windowState = (w: string) =>
    clock ? (
      <span className={`window-state ${inWindow(w, clock.minutes) ? 'open' : 'closed'}`}>
        {inWindow(w, clock.minutes) ? 'open now' : 'closed'}
      </span>
    ) : null;

  return (
    <div className="page" data-testid="site-detail" data-code={site.code}>
      <div className="crumbs">
        <a href={hashFor({ name: 'sites' })}>Sites</a> / {site.code}
      </div>
      <div className="page-head">
        <h1>
          <span className="mono">{site.code}</span> {site.name}
        </h1>
        <StatusCountChips counts={site.counts} hrefFor={(status) => appliancesHash({ site: [site.code], status: [status] })} />
        <div className="spacer" />
        <button type="button" className="btn" data-testid="edit-site" onClick={() => setEditing(true)}>
          Edit site
        </button>
        <button type="button" className="btn primary" data-testid="add-appliance" onClick={() => setAdding(true)}>
          Add appliance here
        </button>
      </div>

      <div className="detail-grid">
        <div className="card">
          <h2>Site</h2>
          <dl className="fields">
            <FieldRow name="partner" label="Partner">
              {site.partner}
            </FieldRow>
            <FieldRow name="asn" label="ASN">
              AS{site.asn}
            </FieldRow>
            <FieldRow name="city" label="City">
              {site.city}, {site.country}
            </FieldRow>
            <FieldRow name="coords" label="Coordinates" mono>
              {formatCoords(site.latitude, site.longitude)}
            </FieldRow>
            <FieldRow name="appliances" label="Appliances">
              {formatCount(site.appliances)} · {formatTb(site.capacityTb)}
            </FieldRow>
          </dl>
        </div>
        <div className="card">
          <h2>Time and windows</h2>
          <dl className="fields">
            <FieldRow name="timezone" label="Time zone" mono>
              {site.timezone}
            </FieldRow>
            <FieldRow name="localTime" label="Local time now">
              {clock ? (
                <>
                  <strong className="mono">{clock.time}</strong> {clock.weekday} <span className="muted">{clock.offset}</span>
                </>
              ) : (
                <span className="error-text">unknown time zone</span>
              )}
            </FieldRow>
            <FieldRow name="maintenanceWindow" label="Maintenance window" mono>
              {site.maintenanceWindow} <span className="muted">({windowLength(site.maintenanceWindow)})</span>
              {windowState(site.maintenanceWindow)}
            </FieldRow>
            <FieldRow name="fillWindow" label="Fill window" mono>
              {site.fillWindow} <span className="muted">({windowLength(site.fillWindow)})</span>
              {windowState(site.fillWindow)}
            </FieldRow>
          </dl>
        </div>
      </div>

      <div className="section">
        <div className="toolbar">
          <h2>Appliances at {site.code}</h2>
          <div className="spacer" />
          <a href={appliancesHash({ site: [site.code] })}>Open in the appliance table</a>
        </div>
        <ApplianceTable
          query={query}
          fixedHeight
          hide={SITE_HIDDEN}
          emptyText="No appliances at this site yet."
          label={`Appliances at ${site.code}`}
          onSort={(field) => setSort((s) => (s.sort === field ? { sort: field, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { sort: field, dir: 'asc' }))}
          onOpen={(serial) => navigate({ name: 'appliance', serial })}
        />
      </div>

      <HistoryPanel key={site.code} scope={{ kind: 'site', site: site.code }} title={`${site.code}: serving, cache hit ratio, errors`} />
      <div className="card section">
        <SiteAvailability site={site.code} />
      </div>
      <DiagnosticsPanel subject={{ site: site.code }} />

      <div className="card section">
        <h2>Audit</h2>
        <AuditList entries={audit} testId="site-audit" />
      </div>

      {editing && (
        <Modal title={`Edit site ${site.code}`} onClose={() => setEditing(false)} testId="edit-site-dialog">
          <SiteForm
            original={site}
            onCancel={() => setEditing(false)}
            onSaved={() => {
              setEditing(false);
              toast('info', `Saved site ${site.code}.`);
              void loadSite(site.code);
            }}
          />
        </Modal>
      )}
      {adding && <AddApplianceDialog title={`Add appliance at ${site.code}`} initialSite={site.code} onClose={() => setAdding(false)} />}
    </div>
  );
}
