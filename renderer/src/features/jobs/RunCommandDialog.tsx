/**
 * Run an `ocactl` action or a raw command on a selection, as a job. Two steps: compose (command,
 * concurrency, timeout, accept-new), then review: the command as it will run and its blast radius
 * (appliances per partner and site), confirmed by a button that says the number.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { ExecSelection, JobPreview } from '../../../../main/net/contract';
import { formatCommand, splitCommand } from './argv';
import { buildPreset, DEFAULT_PARAMS, DIAG_CHOICES, PRESETS, presetById, presetForArgv, type PresetId, type PresetParams } from './command-presets';
import { formatCount } from '../../ui/format';
import { asApiError } from '../../stores/engine';
import { useJobs } from './store';
import { useUi } from '../../stores/ui';
import { reachOf, typedCountFor, typedCountMatches } from './typed-count';
import { BlastRadius } from './BlastRadius';
import { Field } from '../../ui/Field';
import { FormError } from '../../ui/FormFooter';
import { Modal } from '../../ui/Modal';
import { TypedCount } from './TypedCount';
import './jobs.css';

export interface RunTarget {
  selection: ExecSelection;
  /** "appliances matching site GRU1", "LAB00007". */
  label: string;
}

interface PreviewState {
  key: string;
  data: JobPreview | null;
  error: string | null;
}

const DEFAULT_CONCURRENCY = 50;

interface RunCommandDialogProps {
  targets: RunTarget[];
  onClose: () => void;
  /**
   * A command chosen already (an actionable item's fix, the drain that goes with a status change):
   * the dialog opens on its review, with the blast radius, and Back leads to the composer.
   */
  command?: readonly string[];
  /** Shown above the review (why this command is offered). */
  intro?: string;
}

export function RunCommandDialog({ targets, onClose, command: given, intro }: RunCommandDialogProps) {
  const exec = useJobs((s) => s.exec);
  const previewOf = useJobs((s) => s.preview);
  const navigate = useUi((s) => s.navigate);

  const givenPreset = given ? presetForArgv(given) : null;
  const [step, setStep] = useState<'compose' | 'review'>(given ? 'review' : 'compose');
  const [targetIndex, setTargetIndex] = useState(0);
  const [mode, setMode] = useState<'ocactl' | 'raw'>(given && !givenPreset ? 'raw' : 'ocactl');
  const [presetId, setPresetId] = useState<PresetId>(givenPreset ?? 'status');
  const [params, setParams] = useState<PresetParams>(DEFAULT_PARAMS);
  const [raw, setRaw] = useState(given && !givenPreset ? formatCommand(given) : '');
  const [concurrency, setConcurrency] = useState(String(DEFAULT_CONCURRENCY));
  const [timeout, setTimeoutText] = useState('');
  const [acceptNew, setAcceptNew] = useState(false);
  const [showProblems, setShowProblems] = useState(false);
  const [runError, setRunError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [previewRound, setPreviewRound] = useState(0);
  const [preview, setPreview] = useState<PreviewState | null>(null);
  const [typedCount, setTypedCount] = useState('');

  const target = targets[Math.min(targetIndex, targets.length - 1)]!;
  const selectionJson = JSON.stringify(target.selection);
  const previewKey = `${selectionJson}#${previewRound}`;

  // The count follows the chosen target; it is asked again when the review opens.
  useEffect(() => {
    let live = true;
    const key = `${selectionJson}#${previewRound}`;
    previewOf(JSON.parse(selectionJson) as ExecSelection).then(
      (data) => live && setPreview({ key, data, error: null }),
      (err: unknown) => live && setPreview({ key, data: null, error: asApiError(err).message }),
    );
    return () => {
      live = false;
    };
  }, [selectionJson, previewRound, previewOf]);

  const current = preview?.key === previewKey ? preview : null;
  const preset = presetById(presetId);
  const command = useMemo(() => {
    if (mode === 'raw') {
      const r = splitCommand(raw);
      return r.ok ? r : { ok: false as const, problem: r.problem };
    }
    return buildPreset(presetId, params);
  }, [mode, raw, presetId, params]);

  const concurrencyProblem = /^\d+$/.test(concurrency.trim()) && Number(concurrency) >= 1 && Number(concurrency) <= 1000 ? null : 'a whole number from 1 to 1000';
  const timeoutProblem =
    timeout.trim() === '' || (/^\d+$/.test(timeout.trim()) && Number(timeout) >= 1 && Number(timeout) <= 3600) ? null : 'seconds, from 1 to 3600 (empty: the SSH setting)';
  const valid = command.ok && !concurrencyProblem && !timeoutProblem;

  const review = (e: FormEvent) => {
    e.preventDefault();
    setShowProblems(true);
    if (!valid) return;
    setRunError(null);
    setTypedCount('');
    setPreviewRound((n) => n + 1);
    setStep('review');
  };

  const run = async () => {
    if (!command.ok || !current?.data || !typedOk) return;
    setBusy(true);
    setRunError(null);
    try {
      const seconds = timeout.trim() ? Number(timeout) : null;
      const job = await exec({
        selection: target.selection,
        argv: command.argv,
        concurrency: Number(concurrency),
        ...(seconds !== null ? { timeoutMs: seconds * 1000 } : {}),
        acceptNew,
        ...(mustType ? { confirmCount: Number(typedCount.trim()) } : {}),
      });
      // No toast: the job's page opens and shows it; a toast would sit on its results.
      onClose();
      navigate({ name: 'job', id: job.id });
    } catch (err) {
      const e = asApiError(err);
      setRunError(`${e.message} (${e.code})`);
      setBusy(false);
    }
  };

  // A changing action beyond one site or 10 appliances: the count typed back (the engine checks it too).
  const reach = current?.data ? reachOf(current.data) : null;
  const mustType = command.ok && reach ? typedCountFor(command.argv, reach) : null;
  const typedOk = !mustType || (reach !== null && typedCountMatches(typedCount, reach.total));

  const set = <K extends keyof PresetParams>(key: K, value: PresetParams[K]) => setParams((p) => ({ ...p, [key]: value }));
  const total = current?.data?.total ?? null;
  const countText = current?.error ? current.error : total === null ? 'counting…' : `${formatCount(total)} appliance${total === 1 ? '' : 's'}`;

  return (
    <Modal title={step === 'compose' ? 'Run a command' : 'Review and run'} onClose={onClose} testId="run-dialog">
      {step === 'compose' ? (
        <form className="run-form" onSubmit={review} noValidate>
          <div className="run-targets" role="radiogroup" aria-label="Run on">
            {targets.length > 1 ? (
              targets.map((t, i) => (
                <label key={t.label}>
                  <input type="radio" name="run-target" checked={i === targetIndex} onChange={() => setTargetIndex(i)} data-testid={`run-target-${i}`} />
                  <span>{t.label}</span>
                </label>
              ))
            ) : (
              <div>
                Runs on <strong>{target.label}</strong>
              </div>
            )}
            <div className="muted" data-testid="run-count">
              {countText}
            </div>
          </div>

          <div className="seg" role="group" aria-label="Command kind">
            <button type="button" aria-pressed={mode === 'ocactl'} onClick={() => setMode('ocactl')} data-testid="cmd-mode-ocactl">
              ocactl action
            </button>
            <button type="button" aria-pressed={mode === 'raw'} onClick={() => setMode('raw')} data-testid="cmd-mode-raw">
              Raw command
            </button>
          </div>

          {mode === 'ocactl' ? (
            <div className="run-row">
              <Field label="Action" className="grow" hint={preset.effect}>
                {(a) => (
                  <select {...a} className="input" value={presetId} onChange={(e) => setPresetId(e.target.value as PresetId)} data-testid="command-preset">
                    {PRESETS.map((p) => (
                      <option key={p.id} value={p.id}>
                        {p.label}
                        {p.changes ? ' (changes the appliance)' : ''}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              {preset.params.includes('check') && (
                <Field label="Check">
                  {(a) => (
                    <select {...a} className="input" value={params.check} onChange={(e) => set('check', e.target.value as PresetParams['check'])} data-testid="param-check">
                      {DIAG_CHOICES.map((c) => (
                        <option key={c} value={c}>
                          {c}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
              )}
              {preset.params.includes('since') && (
                <Field label="Since (optional)">
                  {(a) => <input {...a} className="input" value={params.since} placeholder="2026-03-01T00:00:00Z" onChange={(e) => set('since', e.target.value)} data-testid="param-since" />}
                </Field>
              )}
              {preset.params.includes('limit') && (
                <Field label="Limit (optional)">
                  {(a) => <input {...a} className="input" inputMode="numeric" value={params.limit} onChange={(e) => set('limit', e.target.value)} data-testid="param-limit" />}
                </Field>
              )}
              {preset.params.includes('image') && (
                <Field label="Image">
                  {(a) => <input {...a} className="input" value={params.image} placeholder="oca-26.1.4.img" onChange={(e) => set('image', e.target.value)} data-testid="param-image" />}
                </Field>
              )}
            </div>
          ) : (
            <Field
              label="Command"
              error={showProblems && !command.ok ? command.problem : undefined}
              hint="Split into words as a shell would ('quotes' and \ escapes); nothing is expanded: $VAR, * and ; are sent as typed."
            >
              {(a) => (
                <input
                  {...a}
                  className="input mono"
                  value={raw}
                  autoFocus
                  placeholder="ocactl logs --limit 20"
                  onChange={(e) => setRaw(e.target.value)}
                  data-testid="raw-command"
                  spellCheck={false}
                  autoComplete="off"
                />
              )}
            </Field>
          )}

          {command.ok ? (
            <div className="words" data-testid="command-words" data-count={command.argv.length}>
              {command.argv.length} word{command.argv.length === 1 ? '' : 's'}:
              {command.argv.map((w, i) => (
                <span key={i} className="word">
                  {w === '' ? '\u00a0' : w}
                </span>
              ))}
            </div>
          ) : (
            mode === 'ocactl' && showProblems && <p className="form-error">{command.problem}</p>
          )}

          <div className="run-row">
            <Field label="Concurrency" error={showProblems ? (concurrencyProblem ?? undefined) : undefined} hint="appliances at a time">
              {(a) => <input {...a} className="input" inputMode="numeric" value={concurrency} onChange={(e) => setConcurrency(e.target.value)} data-testid="run-concurrency" />}
            </Field>
            <Field label="Timeout per appliance" error={showProblems ? (timeoutProblem ?? undefined) : undefined} hint="seconds; empty: the SSH setting">
              {(a) => <input {...a} className="input" inputMode="numeric" value={timeout} placeholder="60" onChange={(e) => setTimeoutText(e.target.value)} data-testid="run-timeout" />}
            </Field>
          </div>

          <label className="check-line">
            <input type="checkbox" checked={acceptNew} onChange={(e) => setAcceptNew(e.target.checked)} data-testid="run-accept-new" />
            <span>
              Trust new host keys
              <span className="hint">
                Appliances Fleetdeck has never connected to are trusted on first contact without asking (like OpenSSH’s accept-new), and
                their key is recorded in the audit log. Compare fingerprints yourself if you can. A key that differs from the one on record
                is always refused.
              </span>
            </span>
          </label>

          <div className="run-foot">
            <span className="spacer" />
            <button type="button" className="btn" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="btn primary" data-testid="run-review" disabled={total === 0}>
              Review…
            </button>
          </div>
        </form>
      ) : (
        <div className="run-form">
          {intro && (
            <p className="run-intro" data-testid="run-intro">
              {intro}
            </p>
          )}
          <div>
            <h3>Command</h3>
            <div className="command-line" data-testid="review-command">
              {command.ok ? formatCommand(command.argv) : ''}
            </div>
            <div className="settings-line">
              {concurrency} at a time · timeout {timeout.trim() ? `${timeout} s` : 'from the SSH setting'} per appliance ·{' '}
              {acceptNew ? 'new host keys trusted on first contact' : 'unknown host keys refused'}
            </div>
          </div>
          {mode === 'ocactl' && preset.changes && (
            <div className="warn-note" data-testid="review-changes">
              <div>
                <strong>This changes the appliances.</strong> {preset.effect}
              </div>
            </div>
          )}
          {mode === 'raw' && (
            <div className="warn-note">
              <div>
                <strong>A raw command runs as the login user on every appliance.</strong> Fleetdeck cannot tell whether it changes anything;
                its exit status decides ok or failed.
              </div>
            </div>
          )}
          <div>
            <h3>Blast radius — {target.label}</h3>
            {current?.data ? (
              <BlastRadius preview={current.data} />
            ) : current?.error ? (
              <p className="form-error">{current.error}</p>
            ) : (
              <p className="muted">Counting appliances…</p>
            )}
          </div>
          {mustType && reach && <TypedCount reach={reach} action={mustType} value={typedCount} onChange={setTypedCount} />}
          <FormError message={runError} testId="run-error" />
          <div className="run-foot">
            <button type="button" className="btn" onClick={() => setStep('compose')} disabled={busy}>
              Back
            </button>
            <span className="spacer" />
            <button type="button" className="btn" onClick={onClose} disabled={busy}>
              Cancel
            </button>
            <button
              type="button"
              className="btn primary"
              data-testid="confirm-run"
              disabled={busy || !current?.data || current.data.total === 0 || !typedOk}
              onClick={() => void run()}
            >
              {busy ? 'Starting…' : current?.data ? `Run on ${formatCount(current.data.total)} appliance${current.data.total === 1 ? '' : 's'}` : 'Run'}
            </button>
          </div>
        </div>
      )}
    </Modal>
  );
}
