import { describe, expect, it } from 'vitest';
import type { JobPreview } from '../../../../main/net/contract';
import { reachOf, typedCountFor, typedCountMatches } from './typed-count';

const preview = (sites: Array<[string, string, number]>): JobPreview => {
  const partners = new Map<string, Array<{ site: string; count: number }>>();
  for (const [partner, site, count] of sites) partners.set(partner, [...(partners.get(partner) ?? []), { site, count }]);
  const byPartner = [...partners].map(([partner, s]) => ({ partner, count: s.reduce((n, x) => n + x.count, 0), sites: s }));
  return { total: byPartner.reduce((n, p) => n + p.count, 0), byPartner };
};

describe('typed count for large changes', () => {
  it('counts sites and partners of a preview', () => {
    expect(reachOf(preview([['isp-a', 'gru1', 5], ['isp-a', 'gru2', 3], ['isp-b', 'fra1', 4]]))).toEqual({ total: 12, sites: 3, partners: 2 });
  });

  it('asks for changing actions beyond one site or 10 appliances, never for reads', () => {
    const oneSite = reachOf(preview([['isp-a', 'gru1', 10]]));
    const twoSites = reachOf(preview([['isp-a', 'gru1', 1], ['isp-b', 'fra1', 1]]));
    const big = reachOf(preview([['isp-a', 'gru1', 11]]));
    expect(typedCountFor(['ocactl', 'drain'], oneSite)).toBeNull();
    expect(typedCountFor(['ocactl', 'drain'], twoSites)).toBe('ocactl drain');
    expect(typedCountFor(['ocactl', 'reboot'], big)).toBe('ocactl reboot');
    expect(typedCountFor(['ocactl', 'firmware', 'activate', 'oca.img'], big)).toBe('ocactl firmware activate');
    expect(typedCountFor(['ocactl', 'config', 'set', 'a=b'], twoSites)).toBe('ocactl config set');
    expect(typedCountFor(['ocactl', 'config', 'get'], big)).toBeNull();
    expect(typedCountFor(['ocactl', 'status'], big)).toBeNull();
    expect(typedCountFor(['ocactl', 'firmware', 'stage-check', 'x.img'], big)).toBeNull();
  });

  it('accepts only the exact count', () => {
    expect(typedCountMatches(' 60 ', 60)).toBe(true);
    expect(typedCountMatches('59', 60)).toBe(false);
    expect(typedCountMatches('60.0', 60)).toBe(false);
    expect(typedCountMatches('', 60)).toBe(false);
    expect(typedCountMatches('sixty', 60)).toBe(false);
  });
});
