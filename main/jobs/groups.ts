/**
 * A job's replies grouped by chosen fields, so "which appliances differ" is one look: after
 * `ocactl status` on 1,000 boxes, group by firmware and health and see three lines, not 1,000.
 * Fields are names from GROUP_FIELDS or dotted paths into the `ocactl` reply's result.
 */
import { GROUP_FIELDS, type GroupFieldName, type JobGroups, type JobResult } from './contract';

/** The dotted path a field name stands for. */
export function groupFieldPath(field: string): string {
  return Object.hasOwn(GROUP_FIELDS, field) ? GROUP_FIELDS[field as GroupFieldName] : field;
}

/** The `result` object of an `ocactl` JSON reply, or null for anything else. */
function ocactlResult(output: string | null): Record<string, unknown> | null {
  if (!output || output.trimStart()[0] !== '{') return null;
  try {
    const reply: unknown = JSON.parse(output);
    if (reply && typeof reply === 'object' && 'result' in reply) {
      const result = (reply as { result: unknown }).result;
      if (result && typeof result === 'object') return result as Record<string, unknown>;
    }
  } catch {
    // not JSON: a raw command's output
  }
  return null;
}

function valueAt(result: Record<string, unknown>, path: string): string | null {
  let at: unknown = result;
  for (const key of path.split('.')) {
    if (!at || typeof at !== 'object' || !Object.hasOwn(at, key)) return null;
    at = (at as Record<string, unknown>)[key];
  }
  if (at === null || at === undefined) return null;
  return typeof at === 'string' ? at : JSON.stringify(at);
}

/** Groups results by the values of `by`; largest group first, then by values. */
export function groupResults(results: Iterable<JobResult>, by: readonly string[]): JobGroups {
  const paths = by.map(groupFieldPath);
  const groups = new Map<string, JobGroups['groups'][number]>();
  let total = 0;
  for (const r of results) {
    total++;
    const result = r.state === 'ok' ? ocactlResult(r.output) : null;
    const values = paths.map((p) => (result ? valueAt(result, p) : null));
    const outcome = r.state === 'ok' ? (result ? 'ok' : 'ok (not an ocactl reply)') : r.state === 'failed' ? `failed ${r.errorCode ?? ''}`.trim() : r.state;
    const key = JSON.stringify([outcome, values]);
    const group = groups.get(key);
    if (group) {
      group.count++;
      group.serials.push(r.serial);
    } else groups.set(key, { values, outcome, count: 1, serials: [r.serial] });
  }
  const list = [...groups.values()].sort((a, b) => b.count - a.count || JSON.stringify(a.values).localeCompare(JSON.stringify(b.values)));
  return { by: [...by], groups: list, total };
}
