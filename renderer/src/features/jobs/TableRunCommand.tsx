/** "Run command…" on the appliance table: every row its filters match, or only the selected row. */
import { lazy, Suspense, useMemo, useState } from 'react';
import type { ListQuery } from '../../route';
import { describeQuery, selectionForQuery } from '../inventory/selection';
import { rowAt, useInventory } from '../inventory/store';
import type { RunTarget } from './RunCommandDialog';

// The dialog's code loads when it is first opened: the appliance table's first screen does without it.
const RunCommandDialog = lazy(async () => ({ default: (await import('./RunCommandDialog')).RunCommandDialog }));

/** A button that opens the dialog; it keeps its own open state so screens add one line. */
function RunCommandButton({ targets, className = 'btn' }: { targets: RunTarget[]; className?: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className={className} data-testid="run-command" onClick={() => setOpen(true)} disabled={targets.length === 0}>
        Run command…
      </button>
      {open && (
        <Suspense fallback={null}>
          <RunCommandDialog targets={targets} onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </>
  );
}

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
