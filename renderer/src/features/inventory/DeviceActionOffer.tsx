/**
 * Lifecycle and the device kept together: changing an appliance's status to drained (or drained
 * back to online) only edits the inventory; the box keeps serving (or stays drained) until
 * `ocactl drain` / `ocactl undrain` runs on it. The status form offers that (checked by default);
 * after the status is saved the Run-command review opens for that appliance with the command.
 */
import type { LifecycleStatus } from '../../../../main/inventory/contract';
import { deviceActionFor } from '../jobs/command-presets';
import { RunCommandDialog } from '../jobs/RunCommandDialog';
import '../jobs/jobs.css';

export type DeviceAction = 'drain' | 'undrain';

/** The checkbox in the status form; nothing when the change has no device action. */
export function DeviceActionOffer({ current, next, checked, onChange }: { current: LifecycleStatus; next: LifecycleStatus; checked: boolean; onChange: (on: boolean) => void }) {
  const action = deviceActionFor(current, next);
  if (!action) return null;
  return (
    <label className="check-line" data-testid="status-device-offer" data-action={action}>
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} data-testid="status-device-action" />
      <span>
        Also {action} the appliance itself (ocactl {action}, as a job you review first)
        <span className="hint">
          {action === 'drain'
            ? 'The status only changes the inventory: without this the appliance keeps serving.'
            : 'The status only changes the inventory: without this the appliance stays drained and serves nothing.'}
        </span>
      </span>
    </label>
  );
}

/** The review of `ocactl drain|undrain` on that one appliance, opened once the status is saved. */
export function DeviceActionDialog({ serial, action, status, onClose }: { serial: string; action: DeviceAction; status: LifecycleStatus; onClose: () => void }) {
  return (
    <RunCommandDialog
      targets={[{ selection: { serials: [serial] }, label: serial }]}
      command={['ocactl', action]}
      intro={`The inventory now says ${serial} is ${status}. Run ocactl ${action} on it so the appliance agrees.`}
      onClose={onClose}
    />
  );
}
