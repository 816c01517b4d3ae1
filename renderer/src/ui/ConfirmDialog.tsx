/**
 * A dialog that asks before doing one thing: what will happen (the children), then the engine's
 * problem if the action failed, Cancel, and the action's button (busy while it runs). The action
 * closes the dialog itself when it succeeds (useConfirm); on failure the dialog stays open for
 * another try.
 */
import type { ReactNode } from 'react';
import { FormFooter } from './FormFooter';
import { Modal } from './Modal';
import { useConfirm } from './use-confirm';

interface ConfirmDialogProps {
  title: string;
  /** The dialog's test id. */
  testId: string;
  narrow?: boolean;
  onClose: () => void;
  /** What the confirm button does. */
  action: () => Promise<void>;
  /** The confirm button: its words, its words while the action runs, its test id. */
  label: string;
  busyLabel: string;
  confirmTestId: string;
  /** `danger` for what cannot be taken back. */
  tone?: 'primary' | 'danger';
  /** The action is not possible yet (a box to tick, a count to type). */
  disabled?: boolean;
  cancelLabel?: string;
  children: ReactNode;
}

export function ConfirmDialog({ title, testId, narrow, onClose, action, label, busyLabel, confirmTestId, tone, disabled, cancelLabel, children }: ConfirmDialogProps) {
  const { busy, problem, confirm } = useConfirm(action);
  return (
    <Modal title={title} onClose={onClose} narrow={narrow} testId={testId}>
      {children}
      <FormFooter
        error={problem}
        busy={busy}
        onCancel={onClose}
        cancelLabel={cancelLabel}
        label={label}
        busyLabel={busyLabel}
        testId={confirmTestId}
        tone={tone}
        disabled={disabled}
        onConfirm={confirm}
      />
    </Modal>
  );
}
