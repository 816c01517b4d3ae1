/**
 * One model's thresholds: checked with the contract's Thresholds schema before sending, the
 * engine's objections shown beside the field they name (or above the buttons).
 */
import { useState, type FormEvent } from 'react';
import type { Thresholds } from '../../../../main/health/contract';
import { fieldErrorsFromError, type FieldErrors } from '../../ui/field-errors';
import { checkThresholds, draftFromThresholds, formFieldOf, THRESHOLD_FIELDS, type ThresholdDraft, type ThresholdField } from './threshold-draft';
import { asApiError } from '../../stores/engine';
import { useHealth } from './store';
import { Field } from '../../ui/Field';

const LABELS: Record<ThresholdField, { label: string; hint: string }> = {
  diskWarnPct: { label: 'Disk used: Warning at (%)', hint: 'percent of the disk' },
  diskErrorPct: { label: 'Disk used: Error at (%)', hint: 'at or above the Warning level' },
  errorsWarnPerSec: { label: 'Errors: Warning at (/s)', hint: 'errors served per second' },
  errorsErrorPerSec: { label: 'Errors: Error at (/s)', hint: 'at or above the Warning level' },
  cacheHitWarnBelowPct: { label: 'Cache hit: Warning below (%)', hint: '0 turns it off' },
  staleAfterSec: { label: 'Unknown after (s) without a measurement', hint: '0 turns it off' },
};

const CONTRACT_FIELDS = ['diskWarnPct', 'diskErrorPct', 'errorsWarnPerSec', 'errorsErrorPerSec', 'cacheHitWarnBelow', 'staleAfterSec'];

export function ThresholdForm({ thresholds }: { thresholds: Thresholds }) {
  const model = thresholds.model;
  const saveThresholds = useHealth((s) => s.saveThresholds);
  const [draft, setDraft] = useState<ThresholdDraft>(() => draftFromThresholds(thresholds));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  // Levels changed elsewhere (another window, the CLI) replace the form's unless it was edited.
  const [base, setBase] = useState(thresholds);
  if (base !== thresholds) {
    setBase(thresholds);
    const edited = THRESHOLD_FIELDS.some((f) => draft[f] !== draftFromThresholds(base)[f]);
    if (!edited) setDraft(draftFromThresholds(thresholds));
  }

  const set = (key: ThresholdField, value: string) => {
    setDraft((d) => ({ ...d, [key]: value }));
    setSaved(false);
    setErrors((e) => {
      if (!(key in e)) return e;
      const next = { ...e };
      delete next[key];
      return next;
    });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    const checked = checkThresholds(model, draft);
    if (!checked.ok) {
      setErrors(checked.errors);
      setFormError(checked.errors._form ?? 'Some levels need attention.');
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const all = await saveThresholds(checked.value);
      const mine = all.find((t) => t.model === model);
      if (mine) setDraft(draftFromThresholds(mine));
      setSaved(true);
    } catch (err) {
      const apiError = asApiError(err);
      const byContract = fieldErrorsFromError(apiError, CONTRACT_FIELDS);
      const byForm: FieldErrors = {};
      for (const [field, message] of Object.entries(byContract)) byForm[formFieldOf(field) ?? field] = message;
      setErrors(byForm);
      setFormError(`${apiError.message} [${apiError.code}]`);
    } finally {
      setBusy(false);
    }
  };

  const reset = () => {
    setDraft(draftFromThresholds(thresholds));
    setErrors({});
    setFormError(null);
    setSaved(false);
  };

  return (
    <form className="card threshold-form" onSubmit={(e) => void submit(e)} noValidate data-testid={`threshold-form-${model}`}>
      <h3>{model} appliances</h3>
      <div className="form-grid">
        {THRESHOLD_FIELDS.map((f) => (
          <Field key={f} label={LABELS[f].label} hint={LABELS[f].hint} error={errors[f]}>
            {(a) => (
              <input
                {...a}
                className="input"
                inputMode="decimal"
                data-testid={`threshold-${model}-${f}`}
                value={draft[f]}
                onChange={(e) => set(f, e.target.value)}
              />
            )}
          </Field>
        ))}
      </div>
      {formError && (
        <p className="form-error" role="alert" data-testid={`threshold-error-${model}`}>
          {formError}
        </p>
      )}
      <div className="form-actions">
        {saved && (
          <span className="saved-note" data-testid={`threshold-saved-${model}`} role="status">
            Saved; every appliance of this model is re-assessed now.
          </span>
        )}
        <button type="button" className="btn" onClick={reset} disabled={busy}>
          Reset
        </button>
        <button type="submit" className="btn primary" disabled={busy} data-testid={`threshold-save-${model}`}>
          {busy ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}
