/**
 * A site's placement plan and the next step, in the window: plan tomorrow (forecast and place),
 * then make a fill run from the plan (in the fill window, or out of cycle for a hot release with
 * caps). The engine reads the plan and what the appliances hold now; nothing big crosses the RPC.
 */
import { useEffect, useState } from 'react';
import { asApiError, callEngine } from '../../stores/engine';
import { hashFor } from '../../route';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { formatBytes } from '../../ui/format';
import { percent } from './format';
import { useFills } from './store';
import type { SitePlanSummary } from './types';

interface Latest {
  planId: number;
  summary: SitePlanSummary;
}

/** The newest stored plan that places the site, if any. */
async function latestPlanOf(site: string): Promise<Latest | null> {
  const plans = await callEngine((c) => c.api.fills.listPlans({ limit: 50 }));
  for (const plan of plans) {
    const summary = plan.sites.find((s) => s.site === site);
    if (summary) return { planId: plan.id, summary };
  }
  return null;
}

export function FillsPlanPanel({ site }: { site: string }) {
  // Keyed by site, so a reply for the site looked at before never shows on this one.
  const [entry, setEntry] = useState<{ site: string; latest: Latest | null } | null>(null);
  const [failure, setFailure] = useState<{ site: string; text: string } | null>(null);
  const [planning, setPlanning] = useState(false);
  const [making, setMaking] = useState(false);
  // Fleet-wide, in the store: a hand-over started on one site still ends (and says so) when another is looked at.
  const labDemand = useFills((st) => st.labDemand);
  const latest = entry?.site === site ? entry.latest : null;
  const loaded = entry?.site === site;
  const problem = failure?.site === site ? failure.text : null;

  useEffect(() => {
    let live = true;
    latestPlanOf(site).then(
      (found) => {
        if (!live) return;
        setEntry({ site, latest: found });
        if (!found) useFills.getState().handOverLabDemand(site).catch(() => undefined);
      },
      (err: unknown) => live && setFailure({ site, text: asApiError(err).message }),
    );
    return () => {
      live = false;
    };
  }, [site]);

  const planTomorrow = async () => {
    setPlanning(true);
    setFailure(null);
    try {
      const plan = await callEngine((c) => c.api.fills.plan({ site }));
      const summary = plan.sites.find((s) => s.site === site);
      setEntry({ site, latest: summary ? { planId: plan.id, summary } : null });
    } catch (err) {
      const e = asApiError(err);
      setFailure({ site, text: `${e.message} (${e.code})` });
    }
    setPlanning(false);
  };

  const s = latest?.summary;
  return (
    <section className="card" data-testid="fills-plan" aria-labelledby="fills-plan-title">
      <h2 id="fills-plan-title">Plan</h2>
      {loaded && !latest && !problem && (
        <p className="muted" data-testid="fills-plan-none">
          No plan places {site} yet. Planning forecasts the site&apos;s demand for tomorrow from the demand history and places the titles on its appliances.
        </p>
      )}
      {labDemand?.state === 'importing' && (
        <p className="muted" role="status" data-testid="fills-lab-demand-importing">
          Importing the lab&apos;s catalog and its sites&apos; last days of demand, as a streaming service would hand them over (a few seconds)…
        </p>
      )}
      {labDemand?.state === 'imported' && (
        <p className="muted" role="status" data-testid="fills-lab-demand-imported">
          Imported the lab&apos;s demand: {labDemand.report.titles.toLocaleString()} titles and {labDemand.report.demandRows.toLocaleString()} demand rows of{' '}
          {labDemand.report.sites} sites, {labDemand.report.firstDay} to {labDemand.report.lastDay} ({(labDemand.report.tookMs / 1000).toFixed(1)} s). Plan tomorrow now.
        </p>
      )}
      {labDemand?.state === 'failed' && (
        <p className="form-error" role="alert" data-testid="fills-lab-demand-failed">
          The lab&apos;s demand could not be imported: {labDemand.text}
        </p>
      )}
      {latest && s && (
        <div data-testid="fills-plan-summary" data-plan={latest.planId}>
          <p>
            Plan #{latest.planId} for <strong>{s.day}</strong>: {s.titles.toLocaleString()} titles ({formatBytes(s.placedBytes, 'decimal')}) on {s.appliances} appliances of{' '}
            {formatBytes(s.capacityBytes, 'decimal')}, from {s.historyDays} days of history.
          </p>
          <p>
            Forecast offload <strong data-testid="fills-plan-offload">{percent(s.offload, 1)}</strong> of the site&apos;s demand ({formatBytes(s.forecastBytes, 'decimal')}), against a
            bound of <strong>{percent(s.bound, 1)}</strong>; {formatBytes(s.churnBytes, 'decimal')} to fill {s.previousPlanId ? `since plan #${s.previousPlanId}` : '(no earlier plan: everything)'}
            {s.dropped > 0 ? `; ${s.dropped} titles do not fit` : ''}.
          </p>
          {s.quality && (
            <p className="muted">
              Yesterday&apos;s forecast ({s.quality.day}) would have served {percent(s.quality.hitRatio, 1)} of the demand; an oracle&apos;s placement{' '}
              {percent(s.quality.oracleHitRatio, 1)}.
            </p>
          )}
        </div>
      )}
      {problem && (
        <div className="form-error" role="alert" data-testid="fills-plan-error">
          <p>{problem}</p>
          <p className="muted">
            Plans need the content catalog and demand logs. On the lab: <code>fleetdeck lab demand export --days 14 --out DIR</code>, then{' '}
            <code>fleetdeck catalog import DIR/catalog.csv</code> and <code>fleetdeck demand import DIR/demand.csv</code>.
          </p>
        </div>
      )}
      <div className="form-actions" style={{ justifyContent: 'flex-start' }}>
        <button type="button" className={latest ? 'btn' : 'btn primary'} onClick={() => void planTomorrow()} disabled={planning || labDemand?.state === 'importing'} data-testid="fills-plan-tomorrow">
          {planning ? 'Planning…' : 'Plan tomorrow'}
        </button>
        {latest && (
          <button type="button" className="btn primary" onClick={() => setMaking(true)} disabled={planning} data-testid="fills-make-run">
            Make a fill run from plan #{latest.planId}…
          </button>
        )}
      </div>
      {making && latest && <MakeRunDialog site={site} planId={latest.planId} onClose={() => setMaking(false)} />}
    </section>
  );
}

/** In the fill window, or out of cycle with a rate cap and a byte cap per appliance. */
function MakeRunDialog({ site, planId, onClose }: { site: string; planId: number; onClose: () => void }) {
  const [outOfCycle, setOutOfCycle] = useState(false);
  const [maxGbps, setMaxGbps] = useState('1');
  const [maxGb, setMaxGb] = useState('100');
  const action = async () => {
    const caps = outOfCycle ? { maxGbps: Number(maxGbps), maxBytes: Math.round(Number(maxGb) * 1e9) } : null;
    const run = await callEngine((c) => c.api.fills.prepareFromPlan({ site, planId, outOfCycle: caps }));
    onClose();
    window.location.hash = hashFor({ name: 'fills', site, run: run.id });
  };
  const capsValid = !outOfCycle || (Number(maxGbps) > 0 && Number(maxGb) > 0);
  return (
    <ConfirmDialog
      title={`Fill run for ${site} from plan #${planId}`}
      testId="fills-make-run-dialog"
      narrow
      onClose={onClose}
      action={action}
      label="Make the fill run"
      busyLabel="Reading the appliances…"
      confirmTestId="fills-make-run-confirm"
      disabled={!capsValid}
    >
      <p>
        The engine reads what each appliance holds now and makes its fill plan: the titles to fill (from a peer of the site where one holds them, else from the
        origin) and to evict, most valuable first, within each appliance&apos;s rate and the window. Nothing is posted until you start the run.
      </p>
      <fieldset className="field">
        <legend>When</legend>
        <label>
          <input type="radio" name="fills-when" checked={!outOfCycle} onChange={() => setOutOfCycle(false)} data-testid="fills-when-window" /> In the site&apos;s fill window
        </label>
        <label>
          <input type="radio" name="fills-when" checked={outOfCycle} onChange={() => setOutOfCycle(true)} data-testid="fills-when-now" /> Out of cycle, now (a hot
          release), capped:
        </label>
        {outOfCycle && (
          <div className="field-row">
            <label>
              Gbps per appliance{' '}
              <input className="input" inputMode="decimal" value={maxGbps} onChange={(e) => setMaxGbps(e.target.value)} style={{ width: 80 }} data-testid="fills-max-gbps" />
            </label>
            <label>
              GB per appliance{' '}
              <input className="input" inputMode="decimal" value={maxGb} onChange={(e) => setMaxGb(e.target.value)} style={{ width: 100 }} data-testid="fills-max-gb" />
            </label>
          </div>
        )}
      </fieldset>
    </ConfirmDialog>
  );
}
