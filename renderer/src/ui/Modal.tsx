/**
 * A modal on the native <dialog>: focus stays inside, Escape closes, the page behind is inert, and on
 * close focus goes back to what had it before (the button that opened the dialog), not to the page body.
 */
import { useEffect, useRef, type ReactNode } from 'react';

interface ModalProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  narrow?: boolean;
  testId?: string;
}

export function Modal({ title, onClose, children, narrow, testId }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const onCloseRef = useRef(onClose);
  useEffect(() => {
    onCloseRef.current = onClose;
  });
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    const onCancel = (e: Event) => {
      e.preventDefault();
      onCloseRef.current();
    };
    dialog.addEventListener('cancel', onCancel);
    return () => {
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      // After React removes the dialog; the opener may itself be gone (a row that was deleted).
      if (opener) queueMicrotask(() => {
        if (opener.isConnected) opener.focus();
      });
    };
  }, []);
  return (
    <dialog ref={ref} className={`modal${narrow ? ' narrow' : ''}`} aria-label={title} data-testid={testId}>
      <div className="modal-head">
        <h2>{title}</h2>
        <button type="button" className="btn link" onClick={onClose} aria-label="Close">
          ✕
        </button>
      </div>
      <div className="modal-body">{children}</div>
    </dialog>
  );
}
