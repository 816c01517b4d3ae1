/** The bottom of a form or confirmation dialog: what went wrong (if anything), then Cancel and the action. */

/** A problem with the whole form, announced to screen readers; nothing when there is none. */
export function FormError({ message, testId }: { message: string | null | undefined; testId?: string }) {
  if (!message) return null;
  return (
    <p className="form-error" role="alert" data-testid={testId}>
      {message}
    </p>
  );
}

interface FormFooterProps {
  /** Shown above the buttons (FormError). */
  error?: string | null;
  errorTestId?: string;
  /** While true both buttons are disabled and the action shows `busyLabel`. */
  busy: boolean;
  onCancel: () => void;
  cancelLabel?: string;
  label: string;
  busyLabel: string;
  testId: string;
  /** `danger` for what cannot be taken back (delete, cancel a job, trust a changed key). */
  tone?: 'primary' | 'danger';
  /** The action is not possible yet (a box to tick first, ...). */
  disabled?: boolean;
  /** A plain button that runs this; without it the action submits the enclosing form. */
  onConfirm?: () => void;
}

export function FormFooter({
  error,
  errorTestId,
  busy,
  onCancel,
  cancelLabel = 'Cancel',
  label,
  busyLabel,
  testId,
  tone = 'primary',
  disabled = false,
  onConfirm,
}: FormFooterProps) {
  return (
    <>
      <FormError message={error} testId={errorTestId} />
      <div className="form-actions">
        <button type="button" className="btn" onClick={onCancel} disabled={busy}>
          {cancelLabel}
        </button>
        <button
          type={onConfirm ? 'button' : 'submit'}
          className={`btn ${tone}`}
          data-testid={testId}
          disabled={busy || disabled}
          onClick={onConfirm}
        >
          {busy ? busyLabel : label}
        </button>
      </div>
    </>
  );
}
