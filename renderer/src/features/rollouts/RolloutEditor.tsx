/**
 * The plan editor: image, targets (all, a filter or serials), canary, waves, per-site limit, window
 * and failure budget. The preview follows every change: the blast radius per partner and site, each
 * site's limit drawn against its capacity (with what is already out), its window, the canary picked
 * and the waves. Targets are frozen when the rollout is created; window "now" (an emergency, ignoring
 * the sites' windows) needs the number of appliances typed back.
 */
import { useEffect, useMemo, useState } from 'react';
import { WINDOW_KINDS, type RolloutPreview, type WindowKind } from '../../../../main/rollouts/contract';
import { Field } from '../../ui/Field';
import { FormError } from '../../ui/FormFooter';
import { formatBytes, formatCount, formatDateTime } from '../../ui/format';
import { asApiError } from '../../stores/engine';
import { useUi } from '../../stores/ui';
import { hashFor } from '../../route';
import { BlastRadius } from '../jobs/BlastRadius';
import { TypedCount } from '../jobs/TypedCount';
import { typedCountMatches } from '../jobs/typed-count';
import { useFirmware } from '../firmware/store';
import { createRequest, draftToPlan, EMPTY_DRAFT, type PlanDraft, type TargetMode } from './plan-draft';
import { fmtGbps, siteLimit } from './format';
import { useRollouts } from './store';
import '../jobs/jobs.css';
import './rollouts.css';

const WINDOW_TEXT: Record<WindowKind, string> = {
  maintenance: "each site's maintenance window (its own time zone)",
  fill: "each site's fill window",
  now: 'now, ignoring the windows (emergency)',
};

const PREVIEW_DELAY_MS = 350;

export function RolloutEditor() {
  const images = useFirmware((s) => s.images);
  const loadImages = useFirmware((s) => s.loadImages);
  const previewPlan = useRollouts((s) => s.preview);
  const create = useRollouts((s) => s.create);
  const navigate = useUi((s) => s.navigate);
  const toast = useUi((s) => s.toast);
  const [draft, setDraft] = useState<PlanDraft>(EMPTY_DRAFT);
  const [preview, setPreview] = useState<{ key: string; result: RolloutPreview } | null>(null);
  const [previewProblem, setPreviewProblem] = useState<string | null>(null);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    void loadImages();
  }, [loadImages]);
  // Until one is chosen, the newest trusted image is the likely choice.
  const defaultImage = images?.find((i) => i.signer.trusted)?.version ?? '';
  const effective = useMemo(() => (draft.image === '' ? { ...draft, image: defaultImage } : draft), [draft, defaultImage]);
  const parsed = useMemo(() => draftToPlan(effective), [effective]);
  const planKey = parsed.plan ? JSON.stringify(parsed.plan) : null;

  useEffect(() => {
    if (!parsed.plan || planKey === null) return;
    const plan = parsed.plan;
    let live = true;
    const timer = setTimeout(() => {
      previewPlan(plan).then(
        (result) => {
          if (!live) return;
          setPreview({ key: planKey, result });
          setPreviewProblem(null);
        },
        (err: unknown) => {
          if (!live) return;
          const e = asApiError(err);
          setPreview(null);
          setPreviewProblem(`${e.message} (${e.code})`);
        },
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [planKey, parsed.plan, previewPlan]);

  const set = <K extends keyof PlanDraft>(key: K, value: PlanDraft[K]) => {
    setProblem(null);
    setDraft((d) => ({ ...d, [key]: value }));
  };
  const p = parsed.problems ?? {};
  const current = preview && preview.key === planKey ? preview.result : null;
  const needsTyped = current?.needsConfirm ?? draft.window === 'now';
  const typedOk = !needsTyped || (current !== null && typedCountMatches(typed, current.total));
  const canCreate = current !== null && current.total > 0 && current.image.trusted && typedOk && !busy;

  const submit = async () => {
    if (!parsed.plan || !current) return;
    setBusy(true);
    setProblem(null);
    try {
      const rollout = await create(createRequest(parsed.plan, draft.note, needsTyped ? Number(typed.trim()) : null));
      toast('info', `Rollout ${rollout.id} created with ${rollout.targets} appliances; start it when ready.`);
      navigate({ name: 'rollout', id: rollout.id });
    } catch (err) {
      const e = asApiError(err);
      setProblem(`${e.message} (${e.code})`);
      setBusy(false);
    }
  };

  return (
    <div className="page">
      <div className="page-head">
        <h1>New rollout</h1>
        <span className="spacer" />
        <a className="btn" href={hashFor({ name: 'rollouts' })}>
          Back to rollouts
        </a>
      </div>
      <div className="ro-editor">
        <form
          className="card"
          aria-labelledby="ro-plan-title"
          data-testid="rollout-editor"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <h2 id="ro-plan-title">Plan</h2>
          <Field label="Image" error={p.image} hint={images && images.length === 0 ? 'The store is empty: import a signed image under Firmware first.' : undefined}>
            {(a) => (
              <select {...a} className="input" value={effective.image} onChange={(e) => set('image', e.target.value)} data-testid="rollout-image">
                <option value="">choose…</option>
                {(images ?? []).map((i) => (
                  <option key={i.version} value={i.version} disabled={!i.signer.trusted}>
                    {i.version} · {formatBytes(i.sizeBytes, 'binary')} · {i.signer.trusted ? i.signer.comment || i.signer.fingerprint : 'signer no longer trusted'}
                  </option>
                ))}
              </select>
            )}
          </Field>

          <fieldset className="ro-targets">
            <legend>Targets</legend>
            {(['all', 'filter', 'serials'] as TargetMode[]).map((m) => (
              <label key={m} className="ro-radio">
                <input type="radio" name="ro-target-mode" value={m} checked={draft.targetMode === m} onChange={() => set('targetMode', m)} data-testid={`rollout-targets-${m}`} />
                {m === 'all' ? 'all appliances' : m === 'filter' ? 'a filter' : 'serials'}
              </label>
            ))}
            {draft.targetMode === 'filter' && (
              <Field label="Filter" error={p.filter} hint="key=value terms joined by commas, | for alternatives: site=GRU1|GRU2,model=flash">
                {(a) => <input {...a} className="input mono" value={draft.filter} onChange={(e) => set('filter', e.target.value)} data-testid="rollout-filter" />}
              </Field>
            )}
            {draft.targetMode === 'serials' && (
              <Field label="Serials" error={p.serials} hint="separated by commas, blanks or lines">
                {(a) => <textarea {...a} rows={3} className="input mono" value={draft.serials} onChange={(e) => set('serials', e.target.value)} data-testid="rollout-serials" />}
              </Field>
            )}
          </fieldset>

          <div className="ro-grid">
            <Field label="Canary" error={p.canary} hint="a count (1), a share up to 50 % (5%) or serials: A, B">
              {(a) => <input {...a} className="input" value={draft.canary} onChange={(e) => set('canary', e.target.value)} data-testid="rollout-canary" />}
            </Field>
            <Field label="Waves" error={p.waves} hint="cumulative 10%,50%,100% · sizes 5,20 · rate 12/h">
              {(a) => <input {...a} className="input" value={draft.waves} onChange={(e) => set('waves', e.target.value)} data-testid="rollout-waves" />}
            </Field>
            <Field label="Per-site limit (out of service at once)" error={p.maxUnavailablePerSite} hint="share of a site's serving capacity (10%) or appliances (2); counts those already out">
              {(a) => (
                <input {...a} className="input" value={draft.maxUnavailablePerSite} onChange={(e) => set('maxUnavailablePerSite', e.target.value)} data-testid="rollout-limit" />
              )}
            </Field>
            <Field label="Failure budget (whole rollout)" error={p.failureBudget} hint="appliances that may fail (0) or a share of the targets (2%); one more stops it">
              {(a) => <input {...a} className="input" value={draft.failureBudget} onChange={(e) => set('failureBudget', e.target.value)} data-testid="rollout-budget-input" />}
            </Field>
            <Field label="Window for drain, activate and reboot" hint="staging runs at any time">
              {(a) => (
                <select {...a} className="input" value={draft.window} onChange={(e) => set('window', e.target.value as WindowKind)} data-testid="rollout-window">
                  {WINDOW_KINDS.map((w) => (
                    <option key={w} value={w}>
                      {WINDOW_TEXT[w]}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Canary observation (seconds)" error={p.observeSeconds} hint="canaries and untouched same-model appliances are sampled this long, then compared">
              {(a) => <input {...a} className="input" inputMode="numeric" value={draft.observeSeconds} onChange={(e) => set('observeSeconds', e.target.value)} data-testid="rollout-observe" />}
            </Field>
            <Field label="Note (why, ticket)">
              {(a) => <input {...a} className="input" maxLength={500} value={draft.note} onChange={(e) => set('note', e.target.value)} data-testid="rollout-note" />}
            </Field>
          </div>

          <p className="warn-note" data-testid="rollout-frozen-note">
            <span>
              <strong>Targets are frozen when the rollout is created.</strong> Appliances added to the inventory or matching the filter later are not added
              silently; create another rollout for them.
            </span>
          </p>
          {needsTyped && current && (
            <TypedCount
              reach={{ total: current.total, sites: current.sites.length, partners: current.byPartner.length }}
              action={`Firmware ${effective.image} with window "now"`}
              value={typed}
              onChange={setTyped}
            />
          )}
          <FormError message={problem} testId="rollout-create-problem" />
          <div className="form-actions">
            <button type="submit" className="btn primary" disabled={!canCreate} data-testid="rollout-create">
              {busy ? 'Creating…' : current ? `Create rollout of ${formatCount(current.total)} appliances` : 'Create rollout'}
            </button>
          </div>
        </form>

        <section className="card ro-preview" aria-labelledby="ro-preview-title" aria-live="polite" data-testid="rollout-preview" data-ready={current ? 'yes' : 'no'}>
          <h2 id="ro-preview-title">Preview</h2>
          {previewProblem ? (
            <p className="form-error" role="alert" data-testid="rollout-preview-problem">
              {previewProblem}
            </p>
          ) : !parsed.plan ? (
            <p className="muted">Complete the plan to see what it would do.</p>
          ) : !current ? (
            <p className="muted">Working out the preview…</p>
          ) : (
            <PreviewBody preview={current} />
          )}
        </section>
      </div>
    </div>
  );
}

function PreviewBody({ preview }: { preview: RolloutPreview }) {
  return (
    <>
      <p>
        Firmware <span className="mono">{preview.image.version}</span> ({formatBytes(preview.image.sizeBytes, 'binary')}, signed by {preview.image.signer}
        {preview.image.trusted ? '' : ', NO LONGER TRUSTED'}).
        {preview.alreadyOnVersion > 0 && ` ${formatCount(preview.alreadyOnVersion)} targets already run it (verified, not activated again).`}
      </p>
      {preview.warnings.length > 0 && (
        <ul className="warn-note ro-warnings" data-testid="rollout-preview-warnings">
          {preview.warnings.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ul>
      )}
      <h3 className="section">Blast radius</h3>
      <BlastRadius preview={preview} />
      <h3 className="section">Canary and waves</h3>
      <p data-testid="rollout-preview-plan">
        Canary: <span className="mono">{preview.canary.join(', ') || 'none'}</span>
        <br />
        Then {preview.waves.length} wave{preview.waves.length === 1 ? '' : 's'}: {preview.waves.map((w) => formatCount(w.size)).join(' → ')} appliances. Failure budget:{' '}
        {formatCount(preview.failureBudget)} for the whole rollout.
      </p>
      <h3 className="section">Per-site limit against capacity</h3>
      <div className="table-wrap">
        <table className="plain" data-testid="rollout-preview-sites">
          <thead>
            <tr>
              <th>Site</th>
              <th className="num">Targets</th>
              <th className="ro-cap-col">Capacity: already out · may be out at once · keeps serving</th>
              <th>Window</th>
            </tr>
          </thead>
          <tbody>
            {preview.sites.map((s) => {
              const l = siteLimit(s);
              return (
                <tr key={s.site} data-testid="rollout-preview-site" data-site={s.site} data-max={s.maxAtOnce} data-blocked={s.blocked ? 'yes' : 'no'}>
                  <td>
                    <span className="mono">{s.site}</span>
                    <div className="muted small">{s.partner}</div>
                  </td>
                  <td className="num">
                    {formatCount(s.targets)} / {formatCount(s.appliances)}
                  </td>
                  <td>
                    <div
                      className="ro-cap"
                      role="img"
                      aria-label={`${s.site}: ${l.text}`}
                      title={`${fmtGbps(s.capacityGbps)} serving capacity`}
                    >
                      <span className="ro-cap-out" style={{ width: `${l.outPct}%` }} />
                      <span className="ro-cap-allowed" style={{ width: `${l.allowedPct}%` }} />
                    </div>
                    <div className={`small${s.blocked ? ' ro-over' : ''}`} data-testid="rollout-preview-limit">
                      {l.text}
                    </div>
                  </td>
                  <td className="small">
                    {s.window === null ? 'now' : `${s.window} ${s.timezone}`}
                    <div className="muted">{s.windowOpen ? 'open now' : s.nextWindowAt ? `opens ${formatDateTime(s.nextWindowAt)}` : ''}</div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
