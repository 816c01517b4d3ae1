/** Every site with its partner, place, fill window, local time and appliance counts; add a site. */
import { useEffect, useState } from 'react';
import { Modal } from '../../ui/Modal';
import { SiteForm } from './SiteForm';
import { StatusCountChips } from './StatusChip';
import { formatCount, formatTb, siteClock } from '../../ui/format';
import { appliancesHash, hashFor } from '../../route';
import { useInventory } from './store';
import { useUi } from '../../stores/ui';
import { useNow } from '../../ui/use-now';

export function SitesScreen() {
  const sites = useInventory((s) => s.sites);
  const loadSites = useInventory((s) => s.loadSites);
  const navigate = useUi((s) => s.navigate);
  const toast = useUi((s) => s.toast);
  const [adding, setAdding] = useState(false);
  const now = useNow(30_000);

  useEffect(() => {
    void loadSites();
  }, [loadSites]);

  return (
    <div className="page">
      <div className="page-head">
        <h1>Sites</h1>
        {sites && <span className="row-count">{formatCount(sites.length)} sites</span>}
        <div className="spacer" />
        <button type="button" className="btn primary" data-testid="add-site" onClick={() => setAdding(true)}>
          Add site
        </button>
      </div>
      {!sites ? (
        <p className="center-note">Loading sites…</p>
      ) : sites.length === 0 ? (
        <p className="center-note">No sites yet. Add one, or import a sites CSV.</p>
      ) : (
        <div className="card flush">
          <table className="plain" data-testid="sites-table">
            <thead>
              <tr>
                <th>Site</th>
                <th>Partner</th>
                <th>Place</th>
                <th>Local time</th>
                <th>Fill window</th>
                <th className="num">Appliances</th>
                <th className="num">Capacity</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {sites.map((s) => {
                const clock = siteClock(s.timezone, now);
                const open = () => navigate({ name: 'site', code: s.code });
                return (
                  <tr
                    key={s.code}
                    className="clickable"
                    tabIndex={0}
                    data-testid="site-row"
                    data-code={s.code}
                    onClick={open}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter') open();
                    }}
                  >
                    <td>
                      <a href={hashFor({ name: 'site', code: s.code })} onClick={(e) => e.stopPropagation()} tabIndex={-1}>
                        <strong className="mono">{s.code}</strong>
                      </a>{' '}
                      {s.name}
                    </td>
                    <td>
                      {s.partner} <span className="muted">AS{s.asn}</span>
                    </td>
                    <td>
                      {s.city}, {s.country}
                    </td>
                    <td className="mono">{clock ? `${clock.time} ${clock.offset}` : '—'}</td>
                    <td className="mono">{s.fillWindow}</td>
                    <td className="num">
                      <a href={appliancesHash({ site: [s.code] })} onClick={(e) => e.stopPropagation()} tabIndex={-1}>
                        {formatCount(s.appliances)}
                      </a>
                    </td>
                    <td className="num">{formatTb(s.capacityTb)}</td>
                    <td onClick={(e) => e.stopPropagation()}>
                      <StatusCountChips compact counts={s.counts} hrefFor={(status) => appliancesHash({ site: [s.code], status: [status] })} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {adding && (
        <Modal title="Add site" onClose={() => setAdding(false)} testId="add-site-dialog">
          <SiteForm
            onCancel={() => setAdding(false)}
            onSaved={(code) => {
              setAdding(false);
              toast('info', `Saved site ${code}.`);
              void loadSites();
            }}
          />
        </Modal>
      )}
    </div>
  );
}
