/**
 * The appliance table's query as the hash carries it (`#/appliances?status=online&sort=hostname`):
 * parsed, encoded, keyed and turned into the engine's query. Pure and free of the contract modules'
 * schemas (type imports only), so the page's early script (renderer/src/early.ts) can build the
 * first page's request before the app's script has loaded; route.ts parses with the contract's
 * vocabulary.
 */
import type { ApplianceModel, ApplianceQuery, LifecycleStatus, SORT_FIELDS } from '../../main/inventory/contract';

export type SortField = (typeof SORT_FIELDS)[number];
export type SortDir = 'asc' | 'desc';

/** What the appliance table shows: filters and sort, without paging. */
export interface ListQuery {
  text: string;
  status: LifecycleStatus[];
  site: string[];
  partner: string[];
  model: ApplianceModel[];
  tag: string[];
  sort: SortField;
  dir: SortDir;
}

/** The values a hash may name; anything else in it is dropped. */
export interface ListVocabulary {
  statuses: readonly LifecycleStatus[];
  models: readonly ApplianceModel[];
  sortFields: readonly SortField[];
}

export const EMPTY_QUERY: ListQuery = {
  text: '',
  status: [],
  site: [],
  partner: [],
  model: [],
  tag: [],
  sort: 'serial',
  dir: 'asc',
};

const MULTI_KEYS = ['status', 'site', 'partner', 'model', 'tag'] as const;

export function oneOf<T extends string>(allowed: readonly T[], value: string): value is T {
  return (allowed as readonly string[]).includes(value);
}

export function unique(values: string[]): string[] {
  return [...new Set(values.map((v) => v.trim()).filter((v) => v.length > 0))];
}

/** `#/appliances/ABC?x=1` → its path segments (not decoded) and its query string. */
export function splitHash(hash: string): { parts: string[]; search: string } {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  return { parts: path.split('/').filter((p) => p.length > 0), search: q >= 0 ? raw.slice(q + 1) : '' };
}

/**
 * The list query in a hash's query string. With `vocabulary` null the values are taken as written
 * (the early script has no vocabulary; the engine validates what it is sent, and the app uses the
 * early reply only for the very query it parses itself with the vocabulary).
 */
export function parseListQuery(search: string, vocabulary: ListVocabulary | null): ListQuery {
  const known = <T extends string>(allowed: readonly T[] | undefined, value: string): value is T =>
    allowed === undefined || oneOf(allowed, value);
  const params = new URLSearchParams(search);
  const sort = params.get('sort') ?? '';
  const dir = params.get('dir');
  return {
    text: (params.get('text') ?? '').slice(0, 200),
    status: unique(params.getAll('status')).filter((s) => known(vocabulary?.statuses, s)),
    site: unique(params.getAll('site')),
    partner: unique(params.getAll('partner')),
    model: unique(params.getAll('model')).filter((m) => known(vocabulary?.models, m)),
    tag: unique(params.getAll('tag')),
    sort: sort && known(vocabulary?.sortFields, sort) ? sort : 'serial',
    dir: dir === 'desc' ? 'desc' : 'asc',
  };
}

/** The query string for a list query; only what differs from the defaults, in a stable order. */
export function encodeListQuery(query: ListQuery): string {
  const params = new URLSearchParams();
  if (query.text.trim()) params.set('text', query.text.trim());
  for (const key of MULTI_KEYS) for (const value of query[key]) params.append(key, value);
  if (query.sort !== 'serial') params.set('sort', query.sort);
  if (query.dir !== 'asc') params.set('dir', query.dir);
  return params.toString();
}

/** A stable identity for a list query: equal queries give equal keys. */
export function listQueryKey(query: ListQuery): string {
  const sorted: ListQuery = {
    ...query,
    text: query.text.trim(),
    status: [...query.status].sort(),
    site: [...query.site].sort(),
    partner: [...query.partner].sort(),
    model: [...query.model].sort(),
    tag: [...query.tag].sort(),
  };
  return encodeListQuery(sorted);
}

/** The engine's query for a window of rows. Empty filters are left out. */
export function toApplianceQuery(query: ListQuery, offset: number, limit: number): ApplianceQuery {
  const out: ApplianceQuery = { sort: query.sort, dir: query.dir, offset, limit };
  const text = query.text.trim();
  if (text) out.text = text;
  if (query.status.length) out.status = query.status;
  if (query.site.length) out.site = query.site;
  if (query.partner.length) out.partner = query.partner;
  if (query.model.length) out.model = query.model;
  if (query.tag.length) out.tag = query.tag;
  return out;
}

export function hasFilters(query: ListQuery): boolean {
  return query.text.trim() !== '' || MULTI_KEYS.some((k) => query[k].length > 0);
}

/** Rows per `inventory.listAppliances` call while the table scrolls. */
export const PAGE_SIZE = 500;
