/**
 * What a fan-out runs on, from what the appliance table shows: its filters (every matching row,
 * not only the rows in view), or named appliances. Pure, so it is tested in Node.
 */
import type { ExecSelection } from '../../../../main/net/contract';
import { hasFilters, toApplianceQuery, type ListQuery } from '../../route';

/** The table's filters as an exec selection; no filter is the whole fleet. */
export function selectionForQuery(query: ListQuery): ExecSelection {
  if (!hasFilters(query)) return { all: true };
  const { sort: _sort, dir: _dir, offset: _offset, limit: _limit, ...filters } = toApplianceQuery(query, 0, 1);
  return { query: filters };
}

/** "site GRU1 or GRU2, status online, text “rack 4”", or "the whole fleet". */
export function describeQuery(query: ListQuery): string {
  if (!hasFilters(query)) return 'the whole fleet';
  const parts: string[] = [];
  const list = (label: string, values: readonly string[]) => {
    if (values.length) parts.push(`${label} ${values.join(' or ')}`);
  };
  if (query.text.trim()) parts.push(`text “${query.text.trim()}”`);
  list('status', query.status);
  list('site', query.site);
  list('partner', query.partner);
  list('model', query.model);
  list('tag', query.tag);
  return parts.join(', ');
}
