/**
 * Hash routes: `#/overview`, `#/appliances?status=online&sort=hostname`, `#/appliances/SERIAL`,
 * `#/sites`, `#/sites/CODE`, `#/import`, `#/audit`. Reloads and back/forward keep the place and the filters.
 * Pure: no DOM, so it is tested in Node.
 */
import { APPLIANCE_MODELS, LIFECYCLE_STATUSES, SORT_FIELDS } from '../../main/inventory/contract';
import { DIAG_CHECKS, HEALTH_STATUSES, type DiagCheck, type HealthStatus } from '../../main/appliance/contract';
import { SERIES_RANGES, type SeriesRange } from '../../main/history/contract';
import { EMPTY_QUERY, encodeListQuery, oneOf, parseListQuery, splitHash, unique, type ListQuery, type ListVocabulary } from './list-query';

export {
  EMPTY_QUERY,
  encodeListQuery,
  hasFilters,
  listQueryKey,
  toApplianceQuery,
  type ListQuery,
  type SortDir,
  type SortField,
} from './list-query';

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

/** The appliance table's query as the hash carries it, checked against the contract's vocabulary. */
const LIST_VOCABULARY: ListVocabulary = { statuses: LIFECYCLE_STATUSES, models: APPLIANCE_MODELS, sortFields: SORT_FIELDS };

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** `#/appliances/ABC?x=1` → a route; anything unknown is the overview. */
export function parseHash(hash: string): Route {
  const { parts, search } = splitHash(hash);
  const [head, second] = parts;
  const arg = second !== undefined ? decodeSegment(second) : null;
  switch (head) {
    case 'appliances':
      if (arg) {
        const checks = unique((new URLSearchParams(search).get('diag') ?? '').split(',')).filter((c) => oneOf(DIAG_CHECKS, c));
        return checks.length ? { name: 'appliance', serial: arg, checks } : { name: 'appliance', serial: arg };
      }
      return { name: 'appliances', query: parseListQuery(search, LIST_VOCABULARY) };
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
