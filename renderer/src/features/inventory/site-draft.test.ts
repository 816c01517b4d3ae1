import { describe, expect, it } from 'vitest';
import { checkSite, emptySiteDraft, type SiteDraft } from './site-draft';

const valid: SiteDraft = {
  ...emptySiteDraft(),
  code: 'GRU1',
  partner: 'Vivo',
  asn: '26599',
  name: 'São Paulo Centro',
  city: 'São Paulo',
  country: 'br',
  latitude: '-23.55',
  longitude: '-46.63',
  timezone: 'America/Sao_Paulo',
  maintenanceWindow: '01:00-05:00',
};

describe('site form', () => {
  it('turns what was typed into the contract input', () => {
    const result = checkSite(valid);
    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({ code: 'GRU1', asn: 26599, country: 'BR', latitude: -23.55, fillWindow: '02:00-14:00' }),
    });
  });

  it('names each wrong field', () => {
    const result = checkSite({
      ...valid,
      asn: 'AS26599',
      latitude: '95',
      timezone: 'America/Atlantis',
      fillWindow: '14:00-14:00',
      maintenanceWindow: '1-5',
      country: 'Brazil',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.asn).toBe('the ASN is a number such as 64512');
    expect(result.errors.latitude).toBe('latitude is -90..90');
    expect(result.errors.timezone).toMatch(/time zone/);
    expect(result.errors.fillWindow).toMatch(/must not start and end/);
    expect(result.errors.maintenanceWindow).toMatch(/HH:MM-HH:MM/);
    expect(result.errors.country).toMatch(/two-letter/);
    expect(result.errors.code).toBeUndefined();
  });
});
