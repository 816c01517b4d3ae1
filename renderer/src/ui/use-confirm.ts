/**
 * The action behind a dialog's confirm button. `busy` while it runs. If it fails, the engine's
 * sentence and code stay in `problem` and the dialog stays open for another try; on success the
 * action itself closes the dialog.
 */
import { useState } from 'react';
import { asApiError } from '../stores/engine';

export function useConfirm(action: () => Promise<void>): { busy: boolean; problem: string | null; confirm: () => void } {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setProblem(null);
    try {
      await action();
    } catch (err) {
      const e = asApiError(err);
      setProblem(`${e.message} (${e.code})`);
      setBusy(false);
    }
  };
  return { busy, problem, confirm: () => void run() };
}
