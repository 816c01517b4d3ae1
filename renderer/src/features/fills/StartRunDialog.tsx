/**
 * Starting a planned fill run: what will happen and when, in words; an out-of-cycle run (outside
 * the fill window) is confirmed by typing how many appliances it reaches, as the engine requires.
 */
import { useState } from 'react';
import { callEngine } from '../../stores/engine';
import { useUi } from '../../stores/ui';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { TypedCount } from '../jobs/TypedCount';
import { typedCountMatches } from '../jobs/typed-count';
import { formatBytes } from '../../ui/format';
import type { FillRun } from './types';

export function StartRunDialog({ run, onClose }: { run: FillRun; onClose: () => void }) {
  const toast = useUi((s) => s.toast);
  const [typed, setTyped] = useState('');
  const count = run.plan.appliances.length;
  const action = async () => {
    await callEngine((c) => c.api.fills.run({ id: run.id, confirm: run.outOfCycle ? Number(typed.trim()) : null }));
    toast('info', `Fill run ${run.id} started.`);
    onClose();
  };
  const ooc = run.plan.outOfCycle;
  return (
    <ConfirmDialog
      title={`Start fill run ${run.id}?`}
      testId="fills-start-dialog"
      narrow
      onClose={onClose}
      action={action}
      label="Start"
      busyLabel="Starting…"
      confirmTestId="fills-start-confirm"
      disabled={run.outOfCycle && !typedCountMatches(typed, count)}
    >
      <p data-testid="fills-start-explain">
        {ooc
          ? `Out of cycle: ${count} appliance${count === 1 ? '' : 's'} of ${run.site} start filling now, outside the fill window, at most ${ooc.maxGbps} Gbps and ${formatBytes(ooc.maxBytes, 'decimal')} each.`
          : `${count} appliance${count === 1 ? '' : 's'} of ${run.site} fill ${formatBytes(run.plan.totals.fillBytes, 'decimal')} in the fill window ${run.plan.fillWindow} (${run.plan.timezone}), from ${new Date(run.plan.windowStart).toLocaleString()}, each at its model's rate.`}{' '}
        Each fill is followed and verified; the run survives a restart of the engine.
      </p>
      {run.outOfCycle && <TypedCount reach={{ total: count, sites: 1, partners: 1 }} action="An out-of-cycle fill" value={typed} onChange={setTyped} />}
    </ConfirmDialog>
  );
}
