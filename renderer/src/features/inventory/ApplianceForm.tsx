/**
 * Add or edit an appliance. Fields are checked with the contract's schemas before sending; the
 * engine's own objections (E_VALIDATION, E_CONFLICT) land beside the field they name. What the user
 * typed is kept on every error.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { APPLIANCE_MODELS, type Appliance } from '../../../../main/inventory/contract';
import {
  APPLIANCE_FIELDS,
  checkAppliancePatch,
  checkNewAppliance,
  draftFromAppliance,
  emptyApplianceDraft,
  type ApplianceDraft,
} from './appliance-draft';
import { fieldErrorsFromError, type FieldErrors } from '../../ui/field-errors';
import { asApiError } from '../../stores/engine';
import { useInventory } from './store';
import { useFormDraft } from '../../ui/use-form-draft';
import { Field } from '../../ui/Field';
import { FormFooter } from '../../ui/FormFooter';

type ApplianceFormProps = {
  onSaved: (appliance: Appliance) => void;
  onCancel: () => void;
} & ({ mode: 'create'; initialSite?: string } | { mode: 'edit'; original: Appliance });

export function ApplianceForm(props: ApplianceFormProps) {
  const { onSaved, onCancel } = props;
  const original = props.mode === 'edit' ? props.original : null;
  const { draft, errors, setErrors, set } = useFormDraft<ApplianceDraft>(() =>
    original ? draftFromAppliance(original) : emptyApplianceDraft(props.mode === 'create' ? (props.initialSite ?? '') : ''),
  );
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const facets = useInventory((s) => s.facets);
  const loadFacets = useInventory((s) => s.loadFacets);
  const createAppliance = useInventory((s) => s.createAppliance);
  const updateAppliance = useInventory((s) => s.updateAppliance);

  useEffect(() => {
    void loadFacets();
  }, [loadFacets]);

  const save = async (): Promise<Appliance | null> => {
    if (original) {
      const checked = checkAppliancePatch(original, draft);
      if (!checked.ok) return reject(checked.errors);
      return updateAppliance(original.serial, checked.value);
    }
    const checked = checkNewAppliance(draft);
    if (!checked.ok) return reject(checked.errors);
    return createAppliance(checked.value);
  };

  const reject = (found: FieldErrors): null => {
    setErrors(found);
    setFormError(found._form ?? 'Some fields need attention.');
    return null;
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    setErrors({});
    setBusy(true);
    try {
      const saved = await save();
      if (saved) onSaved(saved);
    } catch (err) {
      const apiError = asApiError(err);
      setFormError(apiError.message);
      if (apiError.code === 'E_VALIDATION') setErrors(fieldErrorsFromError(apiError, APPLIANCE_FIELDS));
      if (apiError.code === 'E_CONFLICT' && !original) setErrors({ serial: apiError.message });
    } finally {
      setBusy(false);
    }
  };

  const siteOptions = facets?.sites ?? [];
  const siteKnown = siteOptions.some((s) => s.code === draft.site);

  return (
    <form onSubmit={(e) => void submit(e)} noValidate data-testid="appliance-form">
      <div className="form-grid">
        <Field label="Serial" error={errors.serial}>
          {(a) => (
            <input
              {...a}
              className="input mono"
              data-testid="input-serial"
              value={draft.serial}
              disabled={Boolean(original)}
              autoFocus={!original}
              onChange={(e) => set('serial', e.target.value)}
            />
          )}
        </Field>
        <Field label="Hostname" error={errors.hostname}>
          {(a) => (
            <input
              {...a}
              className="input"
              data-testid="input-hostname"
              value={draft.hostname}
              autoFocus={Boolean(original)}
              onChange={(e) => set('hostname', e.target.value)}
            />
          )}
        </Field>
        <Field label="Site" error={errors.site}>
          {(a) => (
            <select {...a} className="input" data-testid="input-site" value={draft.site} onChange={(e) => set('site', e.target.value)}>
              <option value="">Choose a site…</option>
              {!siteKnown && draft.site && <option value={draft.site}>{draft.site}</option>}
              {siteOptions.map((s) => (
                <option key={s.code} value={s.code}>
                  {s.code} — {s.name} ({s.partner})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Model" error={errors.model}>
          {(a) => (
            <select
              {...a}
              className="input"
              data-testid="input-model"
              value={draft.model}
              onChange={(e) => set('model', e.target.value as ApplianceDraft['model'])}
            >
              <option value="">Choose a model…</option>
              {APPLIANCE_MODELS.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Management IPv4" error={errors.ipv4} hint="IPv4 or IPv6 (or both)">
          {(a) => (
            <input {...a} className="input mono" data-testid="input-ipv4" value={draft.ipv4} onChange={(e) => set('ipv4', e.target.value)} />
          )}
        </Field>
        <Field label="Management IPv6" error={errors.ipv6}>
          {(a) => (
            <input {...a} className="input mono" data-testid="input-ipv6" value={draft.ipv6} onChange={(e) => set('ipv6', e.target.value)} />
          )}
        </Field>
        <Field label="SSH port" error={errors.sshPort}>
          {(a) => (
            <input
              {...a}
              className="input"
              inputMode="numeric"
              data-testid="input-sshPort"
              value={draft.sshPort}
              onChange={(e) => set('sshPort', e.target.value)}
            />
          )}
        </Field>
        <Field label="API port" error={errors.apiPort}>
          {(a) => (
            <input
              {...a}
              className="input"
              inputMode="numeric"
              data-testid="input-apiPort"
              value={draft.apiPort}
              onChange={(e) => set('apiPort', e.target.value)}
            />
          )}
        </Field>
        <Field label="Storage (TB)" error={errors.storageTb}>
          {(a) => (
            <input
              {...a}
              className="input"
              inputMode="decimal"
              data-testid="input-storageTb"
              value={draft.storageTb}
              onChange={(e) => set('storageTb', e.target.value)}
            />
          )}
        </Field>
        <Field label="NIC speed (Gbps)" error={errors.nicGbps}>
          {(a) => (
            <input
              {...a}
              className="input"
              inputMode="decimal"
              data-testid="input-nicGbps"
              value={draft.nicGbps}
              onChange={(e) => set('nicGbps', e.target.value)}
            />
          )}
        </Field>
        <Field label="Firmware" error={errors.firmware}>
          {(a) => (
            <input {...a} className="input mono" data-testid="input-firmware" value={draft.firmware} onChange={(e) => set('firmware', e.target.value)} />
          )}
        </Field>
        <Field label="Tags" error={errors.tags} hint="separated by commas or spaces">
          {(a) => <input {...a} className="input" data-testid="input-tags" value={draft.tags} onChange={(e) => set('tags', e.target.value)} />}
        </Field>
        {original && (
          <Field label="Host-key fingerprint" error={errors.hostKeyFingerprint} hint="SHA256:… from the site survey" className="wide">
            {(a) => (
              <input
                {...a}
                className="input mono"
                data-testid="input-hostKeyFingerprint"
                value={draft.hostKeyFingerprint}
                onChange={(e) => set('hostKeyFingerprint', e.target.value)}
              />
            )}
          </Field>
        )}
        <Field label="Notes" error={errors.notes} className="wide">
          {(a) => <textarea {...a} className="input" data-testid="input-notes" value={draft.notes} onChange={(e) => set('notes', e.target.value)} />}
        </Field>
      </div>
      <FormFooter
        error={formError}
        errorTestId="form-error"
        busy={busy}
        onCancel={onCancel}
        label={original ? 'Save changes' : 'Add appliance'}
        busyLabel="Saving…"
        testId="save-appliance"
      />
    </form>
  );
}
