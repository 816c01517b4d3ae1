/**
 * The confirmation before a rollout control acts: what it will do, in words, and for abort and
 * pause a reason (recorded in the audit log); approving a marginal canary takes a note.
 */
import { useState } from 'react';
import type { Rollout } from '../../../../main/rollouts/contract';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { useUi } from '../../stores/ui';
import { ACTION_LABEL } from './format';
import { useRollouts, type RolloutAction } from './store';

function explain(action: RolloutAction, r: Rollout): string {
  switch (action) {
    case 'start':
      return `Rollout ${r.id} starts with its canary (${r.targets} appliances in ${r.sites} sites in total). Staging runs at once; drain, activate and reboot wait for each site's ${r.plan.window === 'now' ? 'nothing: window "now" ignores the sites\' windows' : `${r.plan.window} window`}.`;
    case 'pause':
      return 'No appliance starts a new step; those under way finish the step they are in. Nothing is rolled back.';
    case 'resume':
      return 'Appliances go on from where they are, within the plan, the site limits and the windows.';
    case 'abort':
      return 'No more appliances are started. Those in flight are finished if already activated, or undrained and left on their version if not. This cannot be undone; a new rollout is needed to go on.';
    case 'retryFailed':
      return `The ${r.counts.failed} failed appliances are run again, with a new failure budget of the same size. The others are not touched.`;
    case 'approveMarginal':
      return 'The canary judgement was marginal: some metric looked worse, but not clearly. Approving goes on with the waves; your name and note are recorded.';
  }
}

export function ActionDialog({ rollout, action, onClose }: { rollout: Rollout; action: RolloutAction; onClose: () => void }) {
  const act = useRollouts((s) => s.act);
  const toast = useUi((s) => s.toast);
  const [text, setText] = useState('');
  const takesText = action === 'abort' || action === 'pause' || action === 'approveMarginal';
  const run = async () => {
    await act(rollout.id, action, text.trim() || undefined);
    toast('info', `Rollout ${rollout.id}: ${ACTION_LABEL[action].toLowerCase()} done.`);
    onClose();
  };
  return (
    <ConfirmDialog
      title={`${ACTION_LABEL[action]} rollout ${rollout.id}?`}
      testId="rollout-action-dialog"
      narrow
      onClose={onClose}
      action={run}
      label={ACTION_LABEL[action]}
      busyLabel="Working…"
      confirmTestId="rollout-action-confirm"
      tone={action === 'abort' ? 'danger' : 'primary'}
    >
      <p data-testid="rollout-action-explain">{explain(action, rollout)}</p>
      {takesText && (
        <div className="field">
          <label htmlFor="ro-action-text">{action === 'approveMarginal' ? 'Note (why it is acceptable)' : 'Reason (for the audit log)'}</label>
          <input id="ro-action-text" className="input" value={text} maxLength={500} onChange={(e) => setText(e.target.value)} data-testid="rollout-action-text" />
        </div>
      )}
    </ConfirmDialog>
  );
}
