import { describe, expect, it } from 'vitest';
import {
  EMPTY_QUERY,
  auditTargetHash,
  encodeListQuery,
  hashFor,
  hasFilters,
  listQueryKey,
  parseHash,
  toApplianceQuery,
  type ListQuery,
  type Route,
} from './route';

describe('hash routes', () => {
  it('round-trips every screen through the hash', () => {
    const routes: Route[] = [
      { name: 'overview' },
      { name: 'appliances', query: EMPTY_QUERY },
      { name: 'appliance', serial: 'OCA-0042.b_1' },
      { name: 'sites' },
      { name: 'site', code: 'GRU-1' },
      { name: 'import' },
      { name: 'audit' },
      { name: 'map', partner: null, size: 'capacity' },
      { name: 'map', partner: 'Claro Brasil & Co', size: 'serving' },
      { name: 'capacity', site: null },
      { name: 'capacity', site: 'GRU 1/x' },
      { name: 'trends', partner: null, range: '24h' },
      { name: 'trends', partner: 'Claro Brasil & Co', range: '30d' },
    ];
    expect(parseHash('#/trends?range=90d')).toEqual({ name: 'trends', partner: null, range: '24h' });
    for (const route of routes) expect(parseHash(hashFor(route))).toEqual(route);
  });

  it('keeps filters and sort in the URL, including values with spaces and commas', () => {
    const query: ListQuery = {
      text: '10.1.2',
      status: ['online', 'drained'],
      site: ['GRU1', 'FRA2'],
      partner: ['Telefônica Brasil, S.A.'],
      model: ['flash'],
      tag: ['pop:gru', 'rack/7'],
      sort: 'hostname',
      dir: 'desc',
    };
    const hash = hashFor({ name: 'appliances', query });
    expect(hash.startsWith('#/appliances?')).toBe(true);
    expect(parseHash(hash)).toEqual({ name: 'appliances', query });
  });

  it('leaves defaults out of the hash', () => {
    expect(hashFor({ name: 'appliances', query: EMPTY_QUERY })).toBe('#/appliances');
    expect(encodeListQuery({ ...EMPTY_QUERY, status: ['rma'] })).toBe('status=rma');
  });

  it('drops values a hand-edited URL gets wrong instead of sending them to the engine', () => {
    const route = parseHash('#/appliances?status=online&status=exploded&model=tape&sort=colour&dir=sideways');
    expect(route).toEqual({ name: 'appliances', query: { ...EMPTY_QUERY, status: ['online'] } });
  });

  it('sends unknown paths and a malformed serial to a safe place', () => {
    expect(parseHash('')).toEqual({ name: 'overview' });
    expect(parseHash('#/nowhere')).toEqual({ name: 'overview' });
    expect(parseHash('#/appliances/%E0%A4%A')).toEqual({ name: 'appliances', query: EMPTY_QUERY });
  });

  it('gives equal keys to equal queries whatever the order of the values', () => {
    const a = listQueryKey({ ...EMPTY_QUERY, status: ['online', 'rma'], site: ['B', 'A'] });
    const b = listQueryKey({ ...EMPTY_QUERY, status: ['rma', 'online'], site: ['A', 'B'] });
    expect(a).toBe(b);
    expect(listQueryKey({ ...EMPTY_QUERY, text: ' x ' })).toBe(listQueryKey({ ...EMPTY_QUERY, text: 'x' }));
    expect(a).not.toBe(listQueryKey(EMPTY_QUERY));
  });

  it('builds the engine query with only the filters that are set', () => {
    expect(toApplianceQuery(EMPTY_QUERY, 500, 500)).toEqual({ sort: 'serial', dir: 'asc', offset: 500, limit: 500 });
    expect(toApplianceQuery({ ...EMPTY_QUERY, text: '  gru ', tag: ['edge'] }, 0, 10)).toEqual({
      sort: 'serial',
      dir: 'asc',
      offset: 0,
      limit: 10,
      text: 'gru',
      tag: ['edge'],
    });
    expect(hasFilters(EMPTY_QUERY)).toBe(false);
    expect(hasFilters({ ...EMPTY_QUERY, sort: 'status' })).toBe(false);
    expect(hasFilters({ ...EMPTY_QUERY, model: ['flash'] })).toBe(true);
  });

  it('links audit targets to their pages', () => {
    expect(auditTargetHash('appliance:OCA1')).toBe('#/appliances/OCA1');
    expect(auditTargetHash('site:GRU1')).toBe('#/sites/GRU1');
    expect(auditTargetHash('partner:Vivo')).toBeNull();
    expect(auditTargetHash('import:fleet.csv')).toBeNull();
    expect(auditTargetHash('health:thresholds:flash')).toBe('#/health');
    expect(auditTargetHash('health:monitor')).toBe('#/health');
  });
});
