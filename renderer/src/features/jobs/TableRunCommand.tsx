/** "Run command…" on the appliance table: every row its filters match, or only the selected row. */
import { useMemo } from 'react';
import type { ListQuery } from '../../route';
import { describeQuery, selectionForQuery } from '../inventory/selection';
import { rowAt, useInventory } from '../inventory/store';
import { RunCommandButton, type RunTarget } from './RunCommandDialog';

export function TableRunCommand({ query }: { query: ListQuery }) {
  const selected = useInventory((s) => (s.list.selected >= 0 ? rowAt(s.list, s.list.selected)?.serial : undefined));
  const targets = useMemo<RunTarget[]>(() => {
    const all: RunTarget = {
      selection: selectionForQuery(query),
      label: describeQuery(query) === 'the whole fleet' ? 'every appliance in the fleet' : `every appliance matching ${describeQuery(query)}`,
    };
    return selected ? [all, { selection: { serials: [selected] }, label: `only the selected appliance, ${selected}` }] : [all];
  }, [query, selected]);
  return <RunCommandButton targets={targets} />;
}

/** "Run command…" on one appliance's page. */
export function ApplianceRunCommand({ serial }: { serial: string }) {
  const targets = useMemo<RunTarget[]>(() => [{ selection: { serials: [serial] }, label: serial }], [serial]);
  return <RunCommandButton targets={targets} />;
}
