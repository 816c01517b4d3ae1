/** The site form's model: typed strings, checked with the contract's SiteInput before anything is sent. */
import type { z } from 'zod';
import { SiteInput, type Site } from '../../../../main/inventory/contract';
import { fieldErrorsFromZod } from '../../ui/field-errors';
import type { DraftCheck } from './appliance-draft';

export interface SiteDraft {
  code: string;
  partner: string;
  asn: string;
  name: string;
  city: string;
  country: string;
  latitude: string;
  longitude: string;
  timezone: string;
  maintenanceWindow: string;
  fillWindow: string;
}

export const SITE_FIELDS = [
  'code',
  'partner',
  'asn',
  'name',
  'city',
  'country',
  'latitude',
  'longitude',
  'timezone',
  'maintenanceWindow',
  'fillWindow',
] as const satisfies readonly (keyof SiteDraft)[];

export function emptySiteDraft(): SiteDraft {
  return {
    code: '',
    partner: '',
    asn: '',
    name: '',
    city: '',
    country: '',
    latitude: '',
    longitude: '',
    timezone: '',
    maintenanceWindow: '',
    // The usual daily off-peak fill window, site-local.
    fillWindow: '02:00-14:00',
  };
}

export function draftFromSite(s: Site): SiteDraft {
  return {
    code: s.code,
    partner: s.partner,
    asn: String(s.asn),
    name: s.name,
    city: s.city,
    country: s.country,
    latitude: String(s.latitude),
    longitude: String(s.longitude),
    timezone: s.timezone,
    maintenanceWindow: s.maintenanceWindow,
    fillWindow: s.fillWindow,
  };
}

function parseNumber(text: string): number {
  const t = text.trim();
  return t === '' ? Number.NaN : Number(t);
}

const NUMBER_MESSAGES = {
  asn: 'the ASN is a number such as 64512',
  latitude: 'latitude is a number, -90..90',
  longitude: 'longitude is a number, -180..180',
} as const;

export function checkSite(draft: SiteDraft): DraftCheck<z.output<typeof SiteInput>> {
  const shape = {
    ...draft,
    country: draft.country.trim().toUpperCase(),
    asn: parseNumber(draft.asn),
    latitude: parseNumber(draft.latitude),
    longitude: parseNumber(draft.longitude),
  };
  const parsed = SiteInput.safeParse(shape);
  const errors = parsed.success ? {} : fieldErrorsFromZod(parsed.error);
  for (const field of ['asn', 'latitude', 'longitude'] as const) {
    if (!Number.isFinite(shape[field])) errors[field] = NUMBER_MESSAGES[field];
  }
  if (!parsed.success || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: parsed.data };
}
