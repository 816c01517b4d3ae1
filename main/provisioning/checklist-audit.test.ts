/**
 * A site's checklist says where each rotated login password is (the vault entry's name) from the
 * audit: the last rotation since the last expected re-key. It asks the audit once per checklist,
 * not once per appliance: the number of audit queries does not grow with the site.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { tempEngine, type TempEngine } from '../../tests/support/temp-engine';
import type { AuditLog } from '../audit/service';

const ROTATED = 'provisioning.password-rotated';
const REKEY = 'provisioning.expected-rekey';

let t: TempEngine;
beforeEach(() => {
  t = tempEngine();
});
afterEach(() => t.dispose());

function survey(code: string, count: number, octet: number): string {
  const site = { code, partner: 'Example ISP', asn: 64777, name: code.toUpperCase(), city: 'Sao Paulo', country: 'BR', latitude: -23.5, longitude: -46.6, timezone: 'UTC', maintenanceWindow: '02:00-06:00', fillWindow: '02:00-14:00' };
  const appliances = Array.from({ length: count }, (_, i) => ({
    serial: `${code.toUpperCase()}-${i + 1}`,
    model: 'flash',
    hostname: `oca${i + 1}.${code}.example.net`,
    ipv4: `198.51.${octet}.${i + 10}`,
    storageTb: 30,
    nicGbps: 100,
    bgpNeighbor: '2001:db8::1',
    bgpNeighborAsn: 64777,
  }));
  return JSON.stringify({ format: 'fleetdeck-site-survey', version: 1, site, appliances });
}

/** The answer the checklist gave before, one audit query per appliance: rotated unless a re-key came after. */
function oneByOne(audit: AuditLog, serial: string): string | null {
  const [last] = audit.list({ target: `appliance:${serial}`, action: [ROTATED, REKEY], limit: 1 });
  return last?.action === ROTATED ? `provisioning.login-password.${serial}` : null;
}

describe("a site's provisioning checklist and the audit", () => {
  it('says which appliances have a rotated password (a re-key after it clears it), with the same audit queries for 3 appliances as for 60', async () => {
    const api = t.engine.client({ actor: 'test:alice' }).api;
    await api.provisioning.importSurvey({ content: survey('gru9', 3, 1), fileName: 'gru9.json' });
    await api.provisioning.importSurvey({ content: survey('fra2', 60, 2), fileName: 'fra2.json' });
    const audit = t.engine.deps.audit;
    const entry = (serial: string, action: string) => audit.append({ actor: 'test:alice', action, target: `appliance:${serial}`, details: { site: 'x' } });
    entry('GRU9-1', ROTATED); // rotated
    entry('GRU9-2', ROTATED);
    entry('GRU9-2', REKEY); // re-imaged since: no password of ours on it
    entry('GRU9-3', REKEY);
    entry('GRU9-3', ROTATED); // rotated again after the re-key
    entry('GRU9-3', 'provisioning.hostkey-confirmed'); // other actions do not count
    for (let i = 1; i <= 60; i += 3) entry(`FRA2-${i}`, ROTATED);
    for (let i = 1; i <= 60; i += 6) entry(`FRA2-${i}`, REKEY);
    entry('FRA2-60', 'provisioning.hostkey-confirmed');

    const small = await api.provisioning.site({ site: 'gru9' });
    expect(Object.fromEntries(small.appliances.map((a) => [a.serial, a.passwordVault]))).toEqual({
      'GRU9-1': 'provisioning.login-password.GRU9-1',
      'GRU9-2': null,
      'GRU9-3': 'provisioning.login-password.GRU9-3',
    });
    const large = await api.provisioning.site({ site: 'fra2' });
    expect(large.appliances).toHaveLength(60);
    const rotated = large.appliances.filter((a) => a.passwordVault !== null).map((a) => a.serial);
    expect(rotated).toHaveLength(10); // 20 rotated, 10 of them re-keyed since
    for (const a of [...small.appliances, ...large.appliances]) expect(a.passwordVault, a.serial).toBe(oneByOne(audit, a.serial));

    // Count the audit queries one checklist makes (every read method of the audit log).
    const queries = () => {
      const spies = [vi.spyOn(audit, 'list'), vi.spyOn(audit, 'latestByTarget')];
      return {
        count: () => spies.reduce((n, s) => n + s.mock.calls.length, 0),
        restore: () => spies.forEach((s) => s.mockRestore()),
      };
    };
    const countFor = async (site: string) => {
      const q = queries();
      try {
        await api.provisioning.site({ site });
        return q.count();
      } finally {
        q.restore();
      }
    };
    const forSmall = await countFor('gru9');
    const forLarge = await countFor('fra2');
    expect(forSmall).toBeGreaterThan(0);
    expect(forLarge).toBe(forSmall);
  });
});
