/** Add or edit a site: checked with the contract's SiteInput, the engine's objections shown per field. */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { Site } from '../../../../main/inventory/contract';
import { fieldErrorsFromError } from '../../ui/field-errors';
import { checkSite, draftFromSite, emptySiteDraft, SITE_FIELDS, type SiteDraft } from './site-draft';
import { asApiError } from '../../stores/engine';
import { useInventory } from './store';
import { useFormDraft } from '../../ui/use-form-draft';
import { Field } from '../../ui/Field';
import { FormFooter } from '../../ui/FormFooter';

interface SiteFormProps {
  original?: Site;
  onSaved: (code: string) => void;
  onCancel: () => void;
}

function timeZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
}

type TextField = keyof SiteDraft;

export function SiteForm({ original, onSaved, onCancel }: SiteFormProps) {
  const { draft, errors, setErrors, set } = useFormDraft<SiteDraft>(() => (original ? draftFromSite(original) : emptySiteDraft()));
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const upsertSite = useInventory((s) => s.upsertSite);
  const facets = useInventory((s) => s.facets);
  const loadFacets = useInventory((s) => s.loadFacets);
  const zones = useMemo(() => timeZones(), []);
  const partners = facets?.partners ?? [];

  useEffect(() => {
    void loadFacets();
  }, [loadFacets]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    const checked = checkSite(draft);
    if (!checked.ok) {
      setErrors(checked.errors);
      setFormError(checked.errors._form ?? 'Some fields need attention.');
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      await upsertSite(checked.value);
      onSaved(checked.value.code);
    } catch (err) {
      const apiError = asApiError(err);
      setFormError(apiError.message);
      if (apiError.code === 'E_VALIDATION') setErrors(fieldErrorsFromError(apiError, SITE_FIELDS));
    } finally {
      setBusy(false);
    }
  };

  const text = (key: TextField, label: string, extra?: { hint?: string; mono?: boolean; list?: string; placeholder?: string; wide?: boolean }) => (
    <Field label={label} error={errors[key]} hint={extra?.hint} className={extra?.wide ? 'wide' : undefined}>
      {(a) => (
        <input
          {...a}
          className={`input${extra?.mono ? ' mono' : ''}`}
          data-testid={`site-input-${key}`}
          value={draft[key]}
          list={extra?.list}
          placeholder={extra?.placeholder}
          disabled={key === 'code' && Boolean(original)}
          onChange={(e) => set(key, e.target.value)}
        />
      )}
    </Field>
  );

  return (
    <form onSubmit={(e) => void submit(e)} noValidate data-testid="site-form">
      <div className="form-grid">
        {text('code', 'Site code', { mono: true, placeholder: 'GRU1' })}
        {text('name', 'Name', { placeholder: 'São Paulo Centro' })}
        {text('partner', 'Partner (ISP)', { list: 'fd-partners' })}
        {text('asn', 'Partner ASN', { placeholder: '28573' })}
        {text('city', 'City')}
        {text('country', 'Country', { hint: 'two-letter code, e.g. BR', placeholder: 'BR' })}
        {text('latitude', 'Latitude', { placeholder: '-23.55' })}
        {text('longitude', 'Longitude', { placeholder: '-46.63' })}
        {text('timezone', 'Time zone', { list: 'fd-zones', placeholder: 'America/Sao_Paulo', wide: true })}
        {text('maintenanceWindow', 'Maintenance window', { hint: 'HH:MM-HH:MM, site-local', mono: true, placeholder: '01:00-05:00' })}
        {text('fillWindow', 'Fill window', { hint: 'HH:MM-HH:MM, site-local; usually 02:00-14:00', mono: true })}
      </div>
      <datalist id="fd-partners">
        {partners.map((p) => (
          <option key={p} value={p} />
        ))}
      </datalist>
      <datalist id="fd-zones">
        {zones.map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
      <FormFooter
        error={formError}
        errorTestId="form-error"
        busy={busy}
        onCancel={onCancel}
        label={original ? 'Save site' : 'Add site'}
        busyLabel="Saving…"
        testId="save-site"
      />
    </form>
  );
}
