/**
 * Hash routes: `#/overview`, `#/appliances?status=online&sort=hostname`, `#/appliances/SERIAL`,
 * `#/sites`, `#/sites/CODE`, `#/import`, `#/audit`. Reloads and back/forward keep the place and the filters.
 * Pure: no DOM, so it is tested in Node.
 */
import {
  APPLIANCE_MODELS,
  LIFECYCLE_STATUSES,
  SORT_FIELDS,
  type ApplianceModel,
  type ApplianceQuery,
  type LifecycleStatus,
} from '../../main/inventory/contract';
import { DIAG_CHECKS, HEALTH_STATUSES, type DiagCheck, type HealthStatus } from '../../main/appliance/contract';
import { SERIES_RANGES, type SeriesRange } from '../../main/history/contract';

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

export type Route =
  | { name: 'overview' }
  | { name: 'appliances'; query: ListQuery }
  | { name: 'appliance'; serial: string; /** Diagnostics checks to offer first (a health item links here). */ checks?: DiagCheck[] }
  | { name: 'sites' }
  | { name: 'site'; code: string }
  | { name: 'import' }
  | { name: 'audit' }
  | { name: 'health'; status: HealthStatus[] }
  | { name: 'actionable' }
  | { name: 'jobs' }
  | { name: 'job'; id: number }
  | { name: 'hostkeys' }
  | { name: 'map'; partner: string | null; size: MapSize }
  | { name: 'capacity'; site: string | null }
  | { name: 'trends'; partner: string | null; range: SeriesRange }
  | { name: 'terminals' }
  | { name: 'provisioning' }
  | { name: 'provisioning-site'; code: string }
  | { name: 'snapshots' }
  | { name: 'fills'; site: string | null; run: number | null }
  | { name: 'firmware' }
  | { name: 'rollouts' }
  | { name: 'rolloutNew' }
  | { name: 'rollout'; id: number };

/** What a site's circle on the map is sized by. */
export type MapSize = 'capacity' | 'serving';

export type RouteName = Route['name'];

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

function oneOf<T extends string>(allowed: readonly T[], value: string): value is T {
  return (allowed as readonly string[]).includes(value);
}

function unique(values: string[]): string[] {
  return [...new Set(values.map((v) => v.trim()).filter((v) => v.length > 0))];
}

export function parseListQuery(search: string): ListQuery {
  const params = new URLSearchParams(search);
  const sort = params.get('sort') ?? '';
  const dir = params.get('dir');
  return {
    text: (params.get('text') ?? '').slice(0, 200),
    status: unique(params.getAll('status')).filter((s) => oneOf(LIFECYCLE_STATUSES, s)),
    site: unique(params.getAll('site')),
    partner: unique(params.getAll('partner')),
    model: unique(params.getAll('model')).filter((m) => oneOf(APPLIANCE_MODELS, m)),
    tag: unique(params.getAll('tag')),
    sort: oneOf(SORT_FIELDS, sort) ? sort : 'serial',
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

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** `#/appliances/ABC?x=1` → a route; anything unknown is the overview. */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const search = q >= 0 ? raw.slice(q + 1) : '';
  const parts = path.split('/').filter((p) => p.length > 0);
  const [head, second] = parts;
  const arg = second !== undefined ? decodeSegment(second) : null;
  switch (head) {
    case 'appliances':
      if (arg) {
        const checks = unique((new URLSearchParams(search).get('diag') ?? '').split(',')).filter((c) => oneOf(DIAG_CHECKS, c));
        return checks.length ? { name: 'appliance', serial: arg, checks } : { name: 'appliance', serial: arg };
      }
      return { name: 'appliances', query: parseListQuery(search) };
    case 'sites':
      if (arg) return { name: 'site', code: arg };
      return { name: 'sites' };
    case 'import':
      return { name: 'import' };
    case 'audit':
      return { name: 'audit' };
    case 'health':
      if (arg === 'actionable') return { name: 'actionable' };
      return { name: 'health', status: unique(new URLSearchParams(search).getAll('status')).filter((s) => oneOf(HEALTH_STATUSES, s)) };
    case 'jobs':
      return arg !== null && /^[1-9]\d{0,14}$/.test(arg) ? { name: 'job', id: Number(arg) } : { name: 'jobs' };
    case 'hostkeys':
      return { name: 'hostkeys' };
    case 'capacity': {
      const site = (new URLSearchParams(search).get('site') ?? '').trim().slice(0, 32);
      return { name: 'capacity', site: site || null };
    }
    case 'trends': {
      const params = new URLSearchParams(search);
      const partner = (params.get('partner') ?? '').trim().slice(0, 120);
      const range = params.get('range') ?? '';
      return { name: 'trends', partner: partner || null, range: oneOf(SERIES_RANGES, range) ? range : '24h' };
    }
    case 'map': {
      const params = new URLSearchParams(search);
      const partner = (params.get('partner') ?? '').trim().slice(0, 200);
      return { name: 'map', partner: partner || null, size: params.get('size') === 'serving' ? 'serving' : 'capacity' };
    }
    case 'terminals':
      return { name: 'terminals' };
    case 'provisioning':
      return arg ? { name: 'provisioning-site', code: arg } : { name: 'provisioning' };
    case 'snapshots':
      return { name: 'snapshots' };
    case 'fills': {
      const run = new URLSearchParams(search).get('run');
      return { name: 'fills', site: arg, run: run !== null && /^[1-9]\d{0,14}$/.test(run) ? Number(run) : null };
    }
    case 'firmware':
      return { name: 'firmware' };
    case 'rollouts':
      if (arg === 'new') return { name: 'rolloutNew' };
      return arg !== null && /^[1-9]\d{0,14}$/.test(arg) ? { name: 'rollout', id: Number(arg) } : { name: 'rollouts' };
    default:
      return { name: 'overview' };
  }
}

export function hashFor(route: Route): string {
  switch (route.name) {
    case 'overview':
      return '#/overview';
    case 'appliances': {
      const search = encodeListQuery(route.query);
      return search ? `#/appliances?${search}` : '#/appliances';
    }
    case 'appliance':
      return `#/appliances/${encodeURIComponent(route.serial)}${route.checks?.length ? `?diag=${route.checks.join(',')}` : ''}`;
    case 'sites':
      return '#/sites';
    case 'site':
      return `#/sites/${encodeURIComponent(route.code)}`;
    case 'import':
      return '#/import';
    case 'audit':
      return '#/audit';
    case 'health': {
      const params = new URLSearchParams();
      for (const s of route.status) params.append('status', s);
      const search = params.toString();
      return search ? `#/health?${search}` : '#/health';
    }
    case 'actionable':
      return '#/health/actionable';
    case 'jobs':
      return '#/jobs';
    case 'job':
      return `#/jobs/${route.id}`;
    case 'hostkeys':
      return '#/hostkeys';
    case 'capacity':
      return route.site ? `#/capacity?${new URLSearchParams({ site: route.site }).toString()}` : '#/capacity';
    case 'trends': {
      const params = new URLSearchParams();
      if (route.partner) params.set('partner', route.partner);
      if (route.range !== '24h') params.set('range', route.range);
      const search = params.toString();
      return search ? `#/trends?${search}` : '#/trends';
    }
    case 'map': {
      const params = new URLSearchParams();
      if (route.partner) params.set('partner', route.partner);
      if (route.size !== 'capacity') params.set('size', route.size);
      const search = params.toString();
      return search ? `#/map?${search}` : '#/map';
    }
    case 'terminals':
      return '#/terminals';
    case 'provisioning':
      return '#/provisioning';
    case 'provisioning-site':
      return `#/provisioning/${encodeURIComponent(route.code)}`;
    case 'snapshots':
      return '#/snapshots';
    case 'fills':
      return `#/fills${route.site ? `/${encodeURIComponent(route.site)}` : ''}${route.run ? `?run=${route.run}` : ''}`;
    case 'firmware':
      return '#/firmware';
    case 'rollouts':
      return '#/rollouts';
    case 'rolloutNew':
      return '#/rollouts/new';
    case 'rollout':
      return `#/rollouts/${route.id}`;
  }
}

/** Shorthand for links: the appliance table with some filters set. */
export function appliancesHash(filters: Partial<ListQuery>): string {
  return hashFor({ name: 'appliances', query: { ...EMPTY_QUERY, ...filters } });
}

/** Which left-nav entry a route belongs to. */
export function navSection(route: Route): 'overview' | 'map' | 'capacity' | 'trends' | 'appliances' | 'sites' | 'import' | 'audit' | 'health' | 'jobs' | 'hostkeys' | 'terminals' | 'provisioning' | 'snapshots' | 'fills' | 'firmware' | 'rollouts' {
  switch (route.name) {
    case 'appliance':
    case 'appliances':
      return 'appliances';
    case 'site':
    case 'sites':
      return 'sites';
    case 'actionable':
      return 'health';
    case 'job':
      return 'jobs';
    case 'provisioning-site':
      return 'provisioning';
    case 'rolloutNew':
    case 'rollout':
      return 'rollouts';
    default:
      return route.name;
  }
}

/**
 * Where an audit target leads: `appliance:SERIAL` / `site:CODE` (the inventory's target naming),
 * or null for targets with no page (imports, partners).
 */
export function auditTargetHash(target: string): string | null {
  // Health thresholds and monitor settings (`health:thresholds:flash`, `health:monitor`) live on the Health screen.
  if (target.startsWith('health:')) return hashFor({ name: 'health', status: [] });
  const m = /^(appliance|site):(.+)$/.exec(target);
  if (!m) return null;
  return m[1] === 'appliance' ? hashFor({ name: 'appliance', serial: m[2]! }) : hashFor({ name: 'site', code: m[2]! });
}
