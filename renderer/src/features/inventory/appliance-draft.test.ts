import { describe, expect, it } from 'vitest';
import type { Appliance } from '../../../../main/inventory/contract';
import { checkAppliancePatch, checkNewAppliance, draftFromAppliance, emptyApplianceDraft, parseTags } from './appliance-draft';

const valid = {
  ...emptyApplianceDraft('GRU1'),
  serial: 'OCA-1001',
  hostname: 'oca-1001.gru1.example.net',
  model: 'storage' as const,
  ipv4: '10.20.0.11',
  storageTb: '240',
  nicGbps: '100',
  tags: 'edge, pop:gru  edge',
};

const stored: Appliance = {
  serial: 'OCA-1001',
  hostname: 'oca-1001.gru1.example.net',
  site: 'GRU1',
  partner: 'Vivo',
  model: 'storage',
  ipv4: '10.20.0.11',
  ipv6: null,
  sshPort: 22,
  apiPort: 443,
  storageTb: 240,
  nicGbps: 100,
  firmware: '9.2.1',
  status: 'online',
  statusReason: null,
  statusChangedBy: null,
  statusChangedAt: null,
  hostKeyFingerprint: null,
  tags: ['edge'],
  notes: '',
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
};

describe('new appliance form', () => {
  it('turns what was typed into the contract input', () => {
    const result = checkNewAppliance(valid);
    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({
        serial: 'OCA-1001',
        ipv4: '10.20.0.11',
        ipv6: null,
        sshPort: 22,
        storageTb: 240,
        tags: ['edge', 'pop:gru'],
        status: 'awaiting-install',
      }),
    });
  });

  it('names every field that is wrong, in words', () => {
    const result = checkNewAppliance({
      ...valid,
      serial: 'bad serial!',
      ipv4: '',
      ipv6: '',
      storageTb: 'lots',
      sshPort: '70000',
      model: '',
      site: '',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.serial).toMatch(/serial/);
    expect(result.errors.ipv4).toBe('an appliance needs a management IPv4 or IPv6 address');
    expect(result.errors.storageTb).toBe('storage is a number of TB');
    expect(result.errors.sshPort).toBe('a port is 1-65535');
    expect(result.errors.model).toBe('choose a model');
    expect(result.errors.site).toBe('choose a site');
    expect(result.errors.hostname).toBeUndefined();
  });

  it('rejects a bad address and a bad tag with the contract messages', () => {
    const result = checkNewAppliance({ ...valid, ipv4: '10.0.0.300', tags: 'ok, -bad' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.ipv4).toBe('not an IPv4 address');
    expect(result.errors.tags).toMatch(/a tag is/);
  });
});

describe('edit appliance form', () => {
  it('sends only what changed', () => {
    const draft = { ...draftFromAppliance(stored), hostname: 'oca-1001b.gru1.example.net', tags: 'edge', ipv6: '2001:db8::11' };
    expect(checkAppliancePatch(stored, draft)).toEqual({
      ok: true,
      value: { hostname: 'oca-1001b.gru1.example.net', ipv6: '2001:db8::11' },
    });
  });

  it('sends nothing when nothing changed', () => {
    expect(checkAppliancePatch(stored, draftFromAppliance(stored))).toEqual({ ok: true, value: {} });
  });

  it('clears an address as null, but not the last one', () => {
    const both = { ...stored, ipv6: '2001:db8::11' };
    expect(checkAppliancePatch(both, { ...draftFromAppliance(both), ipv4: '' })).toEqual({ ok: true, value: { ipv4: null } });
    const none = checkAppliancePatch(stored, { ...draftFromAppliance(stored), ipv4: '' });
    expect(none.ok).toBe(false);
  });

  it('checks the host-key fingerprint format', () => {
    const bad = checkAppliancePatch(stored, { ...draftFromAppliance(stored), hostKeyFingerprint: 'MD5:aa:bb' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.hostKeyFingerprint).toMatch(/SHA256/);
    const fp = `SHA256:${'A'.repeat(43)}`;
    expect(checkAppliancePatch(stored, { ...draftFromAppliance(stored), hostKeyFingerprint: fp })).toEqual({
      ok: true,
      value: { hostKeyFingerprint: fp },
    });
  });
});

describe('tags', () => {
  it('splits on commas and spaces and drops duplicates', () => {
    expect(parseTags(' a, b  c,,a ')).toEqual(['a', 'b', 'c']);
    expect(parseTags('')).toEqual([]);
  });
});
