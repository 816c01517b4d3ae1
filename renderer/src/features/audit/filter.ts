/**
 * The audit screen's filter form and the engine query it makes. Pure, so it is tested in Node.
 * Times are typed in this computer's local time (`<input type="datetime-local">`) and sent as instants.
 */
import type { AuditQuery } from '../../../../main/inventory/contract';

/** Who sets up the lab fleet; its rows (one per partner, site and appliance) are hidden unless asked for. */
export const LAB_ACTOR = 'lab:simulator';

export interface AuditFilter {
  actor: string;
  action: string;
  appliance: string;
  /** `YYYY-MM-DDTHH:MM` local time, or empty. */
  since: string;
  until: string;
  hideLab: boolean;
}

export const DEFAULT_AUDIT_FILTER: AuditFilter = { actor: '', action: '', appliance: '', since: '', until: '', hideLab: true };

/** The filter part of the engine's audit query (paging is the store's). */
export type AuditFilters = Partial<Omit<AuditQuery, 'limit' | 'beforeId' | 'target'>>;

function localInstant(value: string): string | undefined {
  if (!value.trim()) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** The filters for `inventory.audit`: empty fields are left out; actor and action may list several, comma-separated. */
export function auditQueryFor(filter: AuditFilter): AuditFilters {
  const words = (text: string) => [...new Set(text.split(',').map((w) => w.trim()).filter((w) => w.length > 0))];
  const out: AuditFilters = {};
  const actor = words(filter.actor);
  const action = words(filter.action);
  if (actor.length) out.actor = actor;
  if (action.length) out.action = action;
  if (filter.appliance.trim()) out.appliance = filter.appliance.trim();
  const since = localInstant(filter.since);
  const until = localInstant(filter.until);
  if (since) out.since = since;
  if (until) out.until = until;
  // Naming the lab's actor is asking for its rows, so the hide switch gives way.
  if (filter.hideLab && !actor.includes(LAB_ACTOR)) out.excludeActor = [LAB_ACTOR];
  return out;
}

export function hasAuditFilter(filter: AuditFilter): boolean {
  return Object.keys(auditQueryFor({ ...filter, hideLab: false })).length > 0;
}
