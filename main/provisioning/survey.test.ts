/** Reading site surveys: every bad row with its line, nothing half-read, secrets never echoed. */
import { describe, expect, it } from 'vitest';
import { FleetError } from '../kit/errors';
import { SURVEY_CSV_REQUIRED, SURVEY_CSV_TEMPLATE } from './contract';
import { readSurvey, SURVEY_CSV_HEADER } from './survey';

function importErrors(text: string, name: string): { line: number; field?: string; path?: string; reason: string }[] {
  try {
    readSurvey(text, name);
  } catch (err) {
    if (err instanceof FleetError && err.code === 'E_IMPORT') return (err.details as { errors: { line: number; reason: string }[] }).errors;
    throw err;
  }
  throw new Error('the survey was accepted');
}

const row = (serial: string, extra: Partial<Record<string, string>> = {}) => {
  const cells: Record<string, string> = {
    site: 'gru9', serial, model: 'storage', hostname: `${serial.toLowerCase()}.gru9.example.net`, ipv4: '192.0.2.10', ipv6: '', ssh_port: '22',
    api_port: '443', storage_tb: '240', nic_gbps: '100', service_ipv4: '100.64.1.11/24', service_ipv6: '', bgp_neighbor: '100.64.1.1',
    bgp_neighbor_asn: '64777', local_asn: '', host_key_fingerprint: '', factory_password: 'pw-' + serial, ...extra,
  };
  return SURVEY_CSV_HEADER.split(',').map((c) => cells[c] ?? '').join(',');
};

describe('site survey files', () => {
  it('reads a CSV survey with defaults (ports, local ASN) and the factory password', () => {
    const survey = readSurvey([SURVEY_CSV_HEADER, row('OCA1'), row('OCA2')].join('\n'), 'gru9.csv');
    expect(survey.site).toBe('gru9');
    expect(survey.appliances.map((a) => [a.line, a.value.serial])).toEqual([[2, 'OCA1'], [3, 'OCA2']]);
    expect(survey.appliances[0]!.value).toMatchObject({ localAsn: 2906, sshPort: 22, hostKeyFingerprint: null, factoryPassword: 'pw-OCA1' });
  });

  it('lists every bad row with its line and field, and never echoes a password', () => {
    const text = [
      SURVEY_CSV_HEADER,
      row('OCA1'),
      row('OCA2', { model: 'toaster' }),
      row('OCA3', { bgp_neighbor: 'not-an-address', host_key_fingerprint: 'MD5:aa' }),
      row('OCA1', { factory_password: 'hunter2-secret' }),
      row('OCA5', { ipv4: '' }),
    ].join('\n');
    const errors = importErrors(text, 'gru9.csv');
    expect(errors.map((e) => [e.line, e.field])).toEqual(
      expect.arrayContaining([[3, 'model'], [4, 'bgp_neighbor'], [4, 'host_key_fingerprint'], [5, 'serial'], [6, 'ipv4']]),
    );
    expect(errors.find((e) => e.line === 5)!.reason).toMatch(/listed twice \(first on line 2\)/);
    expect(JSON.stringify(errors)).not.toMatch(/hunter2|pw-OCA/);
  });

  it('refuses an unknown column, a missing one, control characters and a second site', () => {
    expect(importErrors(`${SURVEY_CSV_HEADER},colour\n${row('OCA1')},red`, 's.csv')[0]).toMatchObject({ line: 1, field: 'colour' });
    expect(importErrors('serial,model\nOCA1,storage', 's.csv').map((e) => e.field)).toEqual(expect.arrayContaining(['site', 'hostname', 'bgp_neighbor']));
    expect(importErrors([SURVEY_CSV_HEADER, row('OCA1', { hostname: 'a\u001b[31mb' })].join('\n'), 's.csv')[0]).toMatchObject({ line: 2, reason: 'control characters are not allowed' });
    expect(importErrors([SURVEY_CSV_HEADER, row('OCA1'), row('OCA2', { site: 'fra1' })].join('\n'), 's.csv')[0]!.reason).toMatch(/one site/);
  });

  it('reads a JSON survey with its site; a bad appliance is named by its position', () => {
    const site = { code: 'gru9', partner: 'Example ISP', asn: 64777, name: 'GRU9', city: 'Sao Paulo', country: 'BR', latitude: -23.5, longitude: -46.6, timezone: 'America/Sao_Paulo', maintenanceWindow: '02:00-06:00', fillWindow: '02:00-14:00' };
    const good = { serial: 'OCA1', model: 'flash', hostname: 'oca1.example.net', ipv4: '192.0.2.10', storageTb: 30, nicGbps: 400, bgpNeighbor: '2001:db8::1', bgpNeighborAsn: 64777 };
    const ok = readSurvey(JSON.stringify({ format: 'fleetdeck-site-survey', version: 1, site, appliances: [good] }), 's.json');
    expect(ok.siteItem?.code).toBe('gru9');
    const errors = importErrors(JSON.stringify({ site, appliances: [good, { ...good, serial: 'OCA2', nicGbps: 'fast' }] }), 's.json');
    expect(errors).toEqual([expect.objectContaining({ line: 2, path: 'appliances[1]', field: 'nicGbps' })]);
    expect(importErrors('{"site": "gru9", "appliances": [', 's.json')[0]!.reason).toMatch(/not valid JSON/);
  });

  it('the CSV template the view offers is a survey the importer takes, with every column; each required column left out is named', () => {
    expect(SURVEY_CSV_TEMPLATE.split('\n')[0]).toBe(SURVEY_CSV_HEADER);
    const survey = readSurvey(SURVEY_CSV_TEMPLATE, 'template.csv');
    expect(survey.site).toBe('gru9');
    expect(survey.appliances.map((a) => a.value.serial)).toEqual(['OCA-GRU9-01']);
    const [header, example] = SURVEY_CSV_TEMPLATE.split('\n') as [string, string];
    for (const column of SURVEY_CSV_REQUIRED) {
      const keep = header.split(',').map((c, i) => (c === column ? -1 : i)).filter((i) => i >= 0);
      const cut = (line: string) => keep.map((i) => line.split(',')[i]).join(',');
      expect(JSON.stringify(importErrors(`${cut(header)}\n${cut(example)}\n`, 'template.csv')), column).toContain(column);
    }
  });
});
