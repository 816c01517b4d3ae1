import { describe, expect, it } from 'vitest';
import { ExecSelection } from '../../../../main/net/contract';
import { EMPTY_QUERY } from '../../route';
import { describeQuery, selectionForQuery } from './selection';

describe('a fan-out selection from the appliance table', () => {
  it('is the whole fleet when no filter is set (sorting is not a filter)', () => {
    expect(selectionForQuery({ ...EMPTY_QUERY, sort: 'hostname', dir: 'desc' })).toEqual({ all: true });
    expect(describeQuery(EMPTY_QUERY)).toBe('the whole fleet');
  });

  it('carries every filter, no paging or sort, and passes the engine’s schema', () => {
    const query = { ...EMPTY_QUERY, text: ' rack ', site: ['GRU1', 'GRU2'], status: ['online' as const], sort: 'site' as const };
    const selection = selectionForQuery(query);
    expect(selection).toEqual({ query: { text: 'rack', site: ['GRU1', 'GRU2'], status: ['online'] } });
    expect(ExecSelection.safeParse(selection).success).toBe(true);
    expect(describeQuery(query)).toBe('text “rack”, status online, site GRU1 or GRU2');
  });
});
