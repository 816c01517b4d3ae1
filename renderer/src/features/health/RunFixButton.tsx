/**
 * An actionable item's fix, run from where the item is shown: opens the Run-command review for that
 * one appliance with the fix's command (blast radius, the command as it will run, confirm).
 */
import { useState } from 'react';
import type { ActionItem } from '../../../../main/health/contract';
import { formatCommand } from '../jobs/argv';
import { RunCommandDialog } from '../jobs/RunCommandDialog';

export function RunFixButton({ item }: { item: ActionItem }) {
  const [open, setOpen] = useState(false);
  if (!item.fixArgv || !item.serial) return null;
  const serial = item.serial;
  const command = formatCommand(item.fixArgv);
  return (
    <>
      <button
        type="button"
        className="btn small"
        data-testid="actionable-run-fix"
        title={`Run ${command} on ${serial} (you review it first)`}
        onClick={() => setOpen(true)}
      >
        Run fix: {command}
      </button>
      {open && (
        <RunCommandDialog
          targets={[{ selection: { serials: [serial] }, label: serial }]}
          command={item.fixArgv}
          intro={`${item.problem} Suggested fix: ${item.suggestedFix}`}
          onClose={() => setOpen(false)}
        />
      )}
    </>
  );
}
