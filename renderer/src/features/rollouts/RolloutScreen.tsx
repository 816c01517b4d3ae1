/**
 * One rollout, live: state and controls (each asks first), the frozen targets, overall, per-wave and
 * per-site progress bars (each site's out-of-service count against its limit, and its window), the
 * canary judgement with its numbers and a chart, and every appliance with its timeline of steps.
 */
import { useEffect, useState } from 'react';
import {
  APPLIANCE_STATES,
  formatCountOrPercent,
  type CanaryJudgement,
  type MetricName,
  type RolloutApplianceState,
  type RolloutDetail,
} from '../../../../main/rollouts/contract';
import { formatCount, formatDateTime } from '../../ui/format';
import { hashFor } from '../../route';
import { ActionDialog } from './ActionDialog';
import { CanaryChart } from './CanaryChart';
import { ProgressBar } from './ProgressBar';
import { ACTION_LABEL, actionsFor, fmtStat, METRIC_LABEL, metricLine, PHASE_LABEL, STATE_LABEL, STATE_TONE } from './format';
import { useRollouts, type RolloutAction } from './store';
import '../jobs/jobs.css';
import './rollouts.css';

export function RolloutScreen({ id }: { id: number }) {
  const detail = useRollouts((s) => (s.detail?.rollout.id === id ? s.detail : null));
  const problem = useRollouts((s) => s.detailProblem);
  const open = useRollouts((s) => s.open);
  const close = useRollouts((s) => s.close);
  const [acting, setActing] = useState<RolloutAction | null>(null);

  useEffect(() => {
    void open(id);
    return () => close();
  }, [id, open, close]);

  if (!detail) {
    return (
      <div className="page">
        <div className="page-head">
          <h1>Rollout {id}</h1>
        </div>
        {problem ? (
          <p className="form-error" role="alert" data-testid="rollout-problem">
            {problem}
          </p>
        ) : (
          <p className="muted">Loading…</p>
        )}
      </div>
    );
  }
  const r = detail.rollout;
  const actions = actionsFor(r);
  return (
    <div className="page">
      <div className="page-head">
        <h1>
          Rollout {r.id} · firmware <span className="mono">{r.image}</span>
        </h1>
        <span className={`status ${STATE_TONE[r.state]}`} data-testid="rollout-state" data-state={r.state}>
          {STATE_LABEL[r.state]}
        </span>
        <span className="muted" data-testid="rollout-phase" data-phase={r.phase}>
          {PHASE_LABEL[r.phase]}
          {r.phase === 'waves' ? ` · wave ${r.currentWave} of ${r.waveCount}` : ''}
        </span>
        <span className="spacer" />
        <div className="ro-actions">
          {actions.map((a) => (
            <button
              key={a}
              type="button"
              className={`btn${a === 'abort' ? ' danger' : a === 'start' || a === 'resume' || a === 'approveMarginal' ? ' primary' : ''}`}
              data-testid={`rollout-${a}`}
              onClick={() => setActing(a)}
            >
              {ACTION_LABEL[a]}
            </button>
          ))}
        </div>
      </div>

      {r.reason && (
        <div className={r.state === 'failed' || r.state === 'aborted' ? 'danger-note' : 'warn-note'} role="status" data-testid="rollout-reason" data-code={r.reason.code}>
          <div>
            <strong>{r.reason.code}</strong> {r.reason.message}
          </div>
        </div>
      )}

      <section className="card" aria-labelledby="ro-overall">
        <h2 id="ro-overall">Progress</h2>
        <ProgressBar counts={r.counts} label={`Rollout ${r.id} overall progress`} testId="rollout-overall" />
        <p className="muted" data-testid="rollout-frozen">
          Targets were frozen when the rollout was created: {formatCount(r.targets)} appliances in {formatCount(r.sites)} sites ({r.selection}). Appliances added to
          the inventory later are not included.
        </p>
        <dl className="ro-plan">
          <dt>Canary</dt>
          <dd>{r.plan.canary.kind === 'serials' ? r.plan.canary.serials.join(', ') : formatCountOrPercent(r.plan.canary)}</dd>
          <dt>Waves</dt>
          <dd>{r.plan.waves.kind === 'percent' ? r.plan.waves.steps.map((s) => `${s}%`).join(', ') : r.plan.waves.kind === 'count' ? r.plan.waves.sizes.join(', ') : `${r.plan.waves.perHour}/h`}</dd>
          <dt>Per-site limit</dt>
          <dd>{formatCountOrPercent(r.plan.maxUnavailablePerSite)} out at once</dd>
          <dt>Window</dt>
          <dd>{r.plan.window}</dd>
          <dt>Failure budget</dt>
          <dd data-testid="rollout-budget">
            {r.counts.failed} of {r.failureBudget} used
          </dd>
          <dt>Created</dt>
          <dd>
            {formatDateTime(r.createdAt)} by {r.createdBy}
          </dd>
          {r.jobId !== null && (
            <>
              <dt>Job</dt>
              <dd>
                <a href={hashFor({ name: 'job', id: r.jobId })}>job {r.jobId}</a>
              </dd>
            </>
          )}
          {r.note && (
            <>
              <dt>Note</dt>
              <dd>{r.note}</dd>
            </>
          )}
        </dl>
      </section>

      <WavesCard detail={detail} />
      <JudgementCard judgement={detail.judgement} phase={r.phase} />
      <SitesCard detail={detail} />
      <AppliancesCard id={r.id} />

      {acting && <ActionDialog rollout={r} action={acting} onClose={() => setActing(null)} />}
    </div>
  );
}

function WavesCard({ detail }: { detail: RolloutDetail }) {
  return (
    <section className="card" aria-labelledby="ro-waves">
      <h2 id="ro-waves">Canary and waves</h2>
      <div className="ro-rows">
        {detail.waves.map((w) => (
          <div key={w.index} className="ro-row" data-testid="rollout-wave" data-index={w.index} data-state={w.state}>
            <div className="ro-row-head">
              <strong>{w.label}</strong> <span className="muted">{w.state}</span>
            </div>
            <ProgressBar counts={w} label={`${w.label} progress`} testId="rollout-wave-bar" />
          </div>
        ))}
      </div>
    </section>
  );
}

function JudgementCard({ judgement, phase }: { judgement: CanaryJudgement | null; phase: RolloutDetail['rollout']['phase'] }) {
  const [metric, setMetric] = useState<MetricName>('servingGbps');
  if (!judgement) {
    return (
      <section className="card" aria-labelledby="ro-judgement">
        <h2 id="ro-judgement">Canary judgement</h2>
        <p className="muted" data-testid="rollout-judgement-none">
          {phase === 'judging' ? 'Sampling the canaries and the baseline…' : 'Not judged yet: the canary is judged after its appliances are updated.'}
        </p>
      </section>
    );
  }
  const samples = judgement.samples.find((s) => s.metric === metric);
  return (
    <section className="card" aria-labelledby="ro-judgement" data-testid="rollout-judgement" data-verdict={judgement.verdict}>
      <h2 id="ro-judgement">
        Canary judgement:{' '}
        <span className={`status ${judgement.verdict === 'pass' ? 'st-online' : judgement.verdict === 'marginal' ? 'st-drained' : 'st-offline'}`}>{judgement.verdict}</span>
      </h2>
      <p className="muted">
        {judgement.canaries.length} canaries against {judgement.baseline.length} untouched appliances of the same model, sampled from {formatDateTime(judgement.period.from)} to{' '}
        {formatDateTime(judgement.period.to)}; Mann-Whitney U per metric.
        {judgement.approvedBy && ` Approved by ${judgement.approvedBy} at ${formatDateTime(judgement.approvedAt)}.`}
      </p>
      <ul data-testid="rollout-judgement-reasons">
        {judgement.reasons.map((reason, i) => (
          <li key={i}>{reason}</li>
        ))}
      </ul>
      <div className="table-wrap">
        <table className="plain" data-testid="rollout-metrics">
          <thead>
            <tr>
              <th>Metric</th>
              <th className="num">Canary median (n)</th>
              <th className="num">Baseline median (n)</th>
              <th className="num">U</th>
              <th className="num">z</th>
              <th className="num">p</th>
              <th>Worse</th>
              <th>Verdict</th>
            </tr>
          </thead>
          <tbody>
            {judgement.metrics.map((m) => (
              <tr key={m.metric} data-testid="rollout-metric" data-metric={m.metric} data-verdict={m.verdict} title={`${metricLine(m)}. ${m.note}`}>
                <td>{METRIC_LABEL[m.metric]}</td>
                <td className="num">
                  {fmtStat(m.canary.median)} ({m.canary.n})
                </td>
                <td className="num">
                  {fmtStat(m.baseline.median)} ({m.baseline.n})
                </td>
                <td className="num">{fmtStat(m.u)}</td>
                <td className="num">{fmtStat(m.z)}</td>
                <td className="num">{fmtStat(m.p, 'p')}</td>
                <td>{m.worse ? `yes (${m.better} is better)` : 'no'}</td>
                <td>{m.verdict}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="field ro-metric-pick">
        <label htmlFor="ro-metric">Chart</label>
        <select id="ro-metric" className="input" value={metric} onChange={(e) => setMetric(e.target.value as MetricName)} data-testid="rollout-chart-metric">
          {judgement.samples.map((s) => (
            <option key={s.metric} value={s.metric}>
              {METRIC_LABEL[s.metric]}
            </option>
          ))}
        </select>
      </div>
      {samples && <CanaryChart label={METRIC_LABEL[metric]} canary={samples.canary} baseline={samples.baseline} />}
    </section>
  );
}

function SitesCard({ detail }: { detail: RolloutDetail }) {
  return (
    <section className="card" aria-labelledby="ro-sites">
      <h2 id="ro-sites">Sites</h2>
      <div className="table-wrap">
        <table className="plain" data-testid="rollout-sites">
          <thead>
            <tr>
              <th>Site</th>
              <th>Partner</th>
              <th className="ro-bar-col">Progress</th>
              <th className="num">Out now / limit</th>
              <th>Window</th>
            </tr>
          </thead>
          <tbody>
            {detail.sites.map((s) => (
              <tr key={s.site} data-testid="rollout-site" data-site={s.site} data-out={s.outNow} data-max={s.maxAtOnce}>
                <td className="mono">
                  <a href={hashFor({ name: 'site', code: s.site })}>{s.site}</a>
                </td>
                <td>{s.partner}</td>
                <td>
                  <ProgressBar counts={s} label={`${s.site} progress`} testId="rollout-site-bar" />
                </td>
                <td className={`num${s.outNow > s.maxAtOnce ? ' ro-over' : ''}`}>
                  {s.outNow} / {s.maxAtOnce}
                </td>
                <td>{s.windowOpen ? 'open' : s.nextWindowAt ? `opens ${formatDateTime(s.nextWindowAt)}` : 'closed'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function AppliancesCard({ id }: { id: number }) {
  const view = useRollouts((s) => (s.appliances?.id === id ? s.appliances : null));
  const timeline = useRollouts((s) => (s.timeline?.id === id ? s.timeline : null));
  const load = useRollouts((s) => s.loadAppliances);
  const loadTimeline = useRollouts((s) => s.loadTimeline);
  const [filter, setFilter] = useState<RolloutApplianceState | ''>('');

  useEffect(() => {
    void load(id, filter ? [filter] : null);
  }, [id, filter, load]);

  return (
    <section className="card" aria-labelledby="ro-appliances">
      <h2 id="ro-appliances">Appliances</h2>
      <div className="inline-form">
        <div className="field">
          <label htmlFor="ro-app-state">Show</label>
          <select id="ro-app-state" className="input" value={filter} onChange={(e) => setFilter(e.target.value as RolloutApplianceState | '')} data-testid="rollout-appliance-filter">
            <option value="">all</option>
            {APPLIANCE_STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        {view && <span className="muted">{view.total > view.items.length ? `${formatCount(view.items.length)} of ${formatCount(view.total)}` : `${formatCount(view.total)} appliances`}</span>}
      </div>
      <div className="ro-apps">
        <div className="table-wrap ro-apps-table">
          <table className="plain" data-testid="rollout-appliances">
            <thead>
              <tr>
                <th>Serial</th>
                <th>Site</th>
                <th className="num">Wave</th>
                <th>State</th>
                <th>Step</th>
                <th>Outcome</th>
                <th>From</th>
                <th>Message</th>
              </tr>
            </thead>
            <tbody>
              {(view?.items ?? []).map((a) => (
                <tr
                  key={a.serial}
                  data-testid="rollout-appliance"
                  data-serial={a.serial}
                  data-state={a.state}
                  data-outcome={a.outcome ?? undefined}
                  aria-selected={timeline?.serial === a.serial}
                >
                  <td>
                    <button type="button" className="btn link mono" onClick={() => void loadTimeline(id, a.serial)} data-testid="rollout-appliance-open">
                      {a.serial}
                    </button>
                  </td>
                  <td className="mono">{a.site}</td>
                  <td className="num">{a.wave === 0 ? 'canary' : a.wave}</td>
                  <td>
                    <span className={`status compact ${STATE_TONE[a.state]}`}>{a.state}</span>
                  </td>
                  <td>{a.step}</td>
                  <td>{a.outcome ?? '—'}</td>
                  <td className="mono">{a.fromVersion ?? '—'}</td>
                  <td className="wrap">{a.message ? `${a.errorCode ? `${a.errorCode}: ` : ''}${a.message}` : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {timeline && (
          <aside className="ro-timeline" aria-label={`Timeline of ${timeline.serial}`} data-testid="rollout-timeline" data-serial={timeline.serial}>
            <h3>
              <a href={hashFor({ name: 'appliance', serial: timeline.serial })} className="mono">
                {timeline.serial}
              </a>
            </h3>
            {timeline.entries.length === 0 ? (
              <p className="muted">No step yet.</p>
            ) : (
              <ol>
                {timeline.entries.map((e, i) => (
                  <li key={i} className={`ro-step ro-step-${e.state}`} data-testid="rollout-step" data-step={e.step} data-state={e.state}>
                    <strong>{e.step}</strong> <span className="muted">{e.state}</span>
                    <div className="muted small">
                      {formatDateTime(e.startedAt)}
                      {e.endedAt ? ` → ${formatDateTime(e.endedAt)}` : ''}
                    </div>
                    {e.message && (
                      <div className="small">
                        {e.errorCode ? `${e.errorCode}: ` : ''}
                        {e.message}
                      </div>
                    )}
                  </li>
                ))}
              </ol>
            )}
          </aside>
        )}
      </div>
    </section>
  );
}
