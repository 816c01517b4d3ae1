/** The pure parts of diagnostics: redaction, peer comparison without a majority, interpretation. */
import { describe, expect, it } from 'vitest';
import type { ApplianceConfig } from '../appliance/contract';
import type { Appliance, Site } from '../inventory/contract';
import { redact, REDACTED } from './bundle';
import { compareFleet, comparePeers, inventorySource, type Observed } from './drift';
import { interpret } from './interpret';

describe('redact', () => {
  it('replaces secrets under secret-looking keys and in text, and counts them', () => {
    const { value, count } = redact({
      password: 'p1',
      nested: { apiKey: 'k1', fine: 'hello', list: [{ token: 't1' }] },
      notes: 'BMC password: hunter2, snmp community=public; Authorization: Bearer abcdefghijkl; https://ops:pw@example.test/x',
      key: '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----',
      trusted: true,
      empty: '',
    });
    const text = JSON.stringify(value);
    for (const secret of ['p1', 'k1', 't1', 'hunter2', 'public', 'abcdefghijkl', ':pw@', 'AAAA']) expect(text).not.toContain(secret);
    expect(value).toMatchObject({ nested: { fine: 'hello' }, trusted: true, empty: '' });
    expect(text).toContain(`ops:${REDACTED}@example.test`);
    expect(count).toBe(8);
  });

  it('leaves ordinary operational text alone', () => {
    const text = 'BGP session to 100.64.1.1 (AS 64512) down: hold timer expired; disk sdc failed; 37 items';
    expect(redact({ message: text })).toEqual({ value: { message: text }, count: 0 });
  });
});

const site: Site = {
  code: 'gru1', partner: 'Vereda', asn: 64512, name: 'GRU', city: 'Sao Paulo', country: 'BR', latitude: 0, longitude: 0,
  timezone: 'America/Sao_Paulo', maintenanceWindow: '02:00-05:00', fillWindow: '02:00-06:00', partnerId: 1,
  createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z',
};
function observed(serial: string, mtu: number, patch: Partial<ApplianceConfig> = {}): Observed {
  const appliance = {
    serial, hostname: `${serial.toLowerCase()}.test`, site: 'gru1', partner: 'Vereda', model: 'storage', ipv4: '10.0.0.1', ipv6: null, sshPort: 22, apiPort: 443,
    storageTb: 240, nicGbps: 100, firmware: '', status: 'online', statusReason: null, statusChangedBy: null, statusChangedAt: null, hostKeyFingerprint: null,
    tags: [], notes: '', createdAt: site.createdAt, updatedAt: site.updatedAt,
  } satisfies Appliance;
  const config: ApplianceConfig = {
    hostname: appliance.hostname,
    interfaces: [
      { name: 'mgmt0', ipv4: '10.0.0.1/24', ipv6: null, mtu: 1500, speedGbps: 1, up: true },
      { name: 'eth0', ipv4: '100.64.0.2/24', ipv6: null, mtu, speedGbps: 100, up: true },
    ],
    bgp: { localAsn: 40027, neighbor: { address: '100.64.0.1', asn: 64512 } },
    ...patch,
  };
  return { appliance, site, config };
}

describe('drift', () => {
  it('with a majority, only the odd one out differs; without one, every appliance is listed', () => {
    const majority = comparePeers([observed('A', 9000), observed('B', 9000), observed('C', 1500)]);
    expect([...majority.keys()]).toEqual(['C']);
    expect(majority.get('C')![0]).toMatchObject({ field: 'interface.eth0.mtu', expected: '9000', actual: '1500', source: 'peers' });
    const split = comparePeers([observed('A', 9000), observed('B', 1500)]);
    expect([...split.keys()].sort()).toEqual(['A', 'B']);
    expect(split.get('A')![0]!.message).toMatch(/disagree/);
  });

  it('against the inventory: hostname, neighbor ASN, management address, a down interface', () => {
    const o = observed('A', 9000, { hostname: 'other.test', bgp: { localAsn: 40027, neighbor: { address: '100.64.0.1', asn: 65000 } } });
    o.config.interfaces[0]!.ipv4 = '10.9.9.9/24';
    o.config.interfaces[1]!.up = false;
    const fields = compareFleet([o], [inventorySource])[0]!.differences.map((d) => d.field);
    expect(fields).toEqual(['hostname', 'bgp.neighbor-asn', 'address.ipv4', 'interface.eth0.up']);
    expect(compareFleet([observed('B', 9000)], [inventorySource])).toEqual([]);
  });
});

describe('interpret', () => {
  it('turns a BGP reply into a value and an action that names the neighbor, state and last error', () => {
    const r = interpret(
      { check: 'bgp', status: 'Error', message: 'down', durationMs: 40, details: { state: 'Idle', neighbor: '100.64.0.1', peerAsn: 64512, prefixesReceived: 0, lastError: 'Hold timer expired' } },
      '2026-01-01T00:00:00.000Z',
    );
    expect(r).toMatchObject({ value: 0, unit: 'prefixes received' });
    expect(r.action).toBe(
      "The session to 100.64.0.1 (AS 64512) is Idle (last error: Hold timer expired): ask the ISP's NOC to check it on their router, and compare the neighbor address and ASN with ocactl config get.",
    );
  });
});
