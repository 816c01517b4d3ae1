/**
 * The fleet at a glance: totals and status counts, then partners → sites with counts and capacity.
 * An empty inventory gets a first-run screen instead (import a file, or start the lab fleet).
 */
import { useEffect, useState } from 'react';
import type { Overview } from '../../../../main/inventory/contract';
import { detailsOf } from '../../../../main/kit/errors';
import { formatCount, formatTb } from '../../ui/format';
import { appliancesHash, hashFor } from '../../route';
import { asApiError } from '../../stores/engine';
import { useInventory } from '../inventory/store';
import { useUi } from '../../stores/ui';
import { StatusCountChips } from '../inventory/StatusChip';
import { ActionableCard, MeasuredHealthCard, PartnerHealth, SiteHealth } from './OverviewHealth';

export function OverviewScreen() {
  const overview = useInventory((s) => s.overview);
  const overviewError = useInventory((s) => s.overviewError);
  const loadOverview = useInventory((s) => s.loadOverview);

  useEffect(() => {
    void loadOverview();
  }, [loadOverview]);

  if (!overview) {
    return (
      <div className="page">
        <p className={overviewError ? 'center-note error-text' : 'center-note'} role={overviewError ? 'alert' : undefined}>
          {overviewError ?? 'Loading the fleet…'}
        </p>
      </div>
    );
  }
  if (overview.totals.appliances === 0 && overview.totals.sites === 0) return <FirstRun />;

  const { totals } = overview;
  return (
    <div className="page">
      <div className="page-head">
        <h1>Fleet overview</h1>
      </div>
      <div className="totals">
        <Total label="Appliances" value={formatCount(totals.appliances)} testId="total-appliances" href={appliancesHash({})} />
        <Total label="Capacity" value={formatTb(totals.capacityTb)} testId="total-capacity" />
        <Total label="Sites" value={formatCount(totals.sites)} testId="total-sites" href={hashFor({ name: 'sites' })} />
        <Total label="Partners" value={formatCount(totals.partners)} testId="total-partners" />
      </div>
      <div className="status-pair">
        <div className="card" data-testid="status-totals">
          <div className="pair-label">
            <h2>Lifecycle (set by operators)</h2>
          </div>
          <StatusCountChips counts={totals.counts} hrefFor={(status) => appliancesHash({ status: [status] })} testIdPrefix="status-count" />
        </div>
        <MeasuredHealthCard />
      </div>
      <ActionableCard />
      <div className="tree" data-testid="partner-tree">
        {overview.partners.map((p) => (
          <PartnerSection key={p.id} partner={p} />
        ))}
      </div>
    </div>
  );
}

type PartnerOverview = Overview['partners'][number];

/**
 * One partner and its sites. A disclosure button (not `<details>`): the row carries links (status counts,
 * health), and links inside a `<summary>` are interactive content nested in an interactive element.
 */
function PartnerSection({ partner: p }: { partner: PartnerOverview }) {
  const [open, setOpen] = useState(true);
  const sitesId = `partner-sites-${p.id}`;
  return (
    <section className="partner" data-testid="partner" data-open={open ? 'true' : 'false'} aria-label={p.name}>
      <div className="partner-head">
        <button type="button" className="partner-toggle" aria-expanded={open} aria-controls={sitesId} onClick={() => setOpen(!open)}>
          <span className="marker" aria-hidden="true">
            {open ? '▾' : '▸'}
          </span>
          <span className="partner-name">{p.name}</span>
        </button>
        <span className="muted">AS{p.asn}</span>
        <span className="num">{formatCount(p.appliances)} appl.</span>
        <span className="num">{formatTb(p.capacityTb)}</span>
        <StatusCountChips counts={p.counts} hrefFor={(status) => appliancesHash({ partner: [p.name], status: [status] })} />
        <PartnerHealth partner={p.name} />
      </div>
      <div className="site-rows" id={sitesId} hidden={!open}>
        {p.sites.map((s) => (
          <div key={s.code} className="site-row" data-testid="overview-site" data-code={s.code}>
            <span>
              <a href={hashFor({ name: 'site', code: s.code })}>
                <strong className="mono">{s.code}</strong> {s.name}
              </a>
            </span>
            <span className="muted">
              {s.city}, {s.country}
            </span>
            <span className="num">
              <a href={appliancesHash({ site: [s.code] })}>{formatCount(s.appliances)} appl.</a>
            </span>
            <span className="num">{formatTb(s.capacityTb)}</span>
            <StatusCountChips counts={s.counts} hrefFor={(status) => appliancesHash({ site: [s.code], status: [status] })} />
            <SiteHealth site={s.code} />
          </div>
        ))}
        {p.sites.length === 0 && <div className="site-row muted">No sites.</div>}
      </div>
    </section>
  );
}

function Total({ label, value, testId, href }: { label: string; value: string; testId: string; href?: string }) {
  return (
    <div className="total">
      <div className="value" data-testid={testId}>
        {href ? <a href={href}>{value}</a> : value}
      </div>
      <div className="label">{label}</div>
    </div>
  );
}

function FirstRun() {
  const startLab = useInventory((s) => s.startLab);
  const toast = useUi((s) => s.toast);
  const [starting, setStarting] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const start = async () => {
    setStarting(true);
    setProblem(null);
    try {
      const lab = await startLab();
      toast('info', `The lab fleet is running: ${lab.appliances} simulated appliances at ${lab.sites} sites.`);
    } catch (err) {
      const e = asApiError(err);
      // A method this engine lacks comes back as E_NOT_FOUND naming the method (details), or E_UNAVAILABLE.
      const missing = detailsOf(e, 'E_NOT_FOUND')?.method !== undefined || e.code === 'E_UNAVAILABLE';
      const message = missing ? `The lab is not part of this engine. (${e.message})` : e.message;
      setProblem(`${message} [${e.code}]`);
    } finally {
      setStarting(false);
    }
  };

  return (
    <div className="page">
      <div className="card first-run" data-testid="first-run">
        <h1>No appliances yet</h1>
        <p>
          Import your site survey (CSV or JSON), or start the lab: 60 simulated appliances across 12 sites, to try
          Fleetdeck without touching real hardware.
        </p>
        <div className="actions">
          <a className="btn primary" href={hashFor({ name: 'import' })} data-testid="empty-import">
            Import a file
          </a>
          <button type="button" className="btn" onClick={() => void start()} disabled={starting} data-testid="empty-start-lab">
            {starting ? 'Starting the lab…' : 'Start the lab fleet'}
          </button>
        </div>
        {problem && (
          <p className="form-error" role="alert" data-testid="lab-error">
            {problem}
          </p>
        )}
      </div>
    </div>
  );
}
