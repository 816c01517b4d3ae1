/**
 * A form's draft (what the user typed, kept on every error) and its per-field problems. Typing in a
 * field clears that field's problem and leaves the others where they are.
 */
import { useCallback, useState } from 'react';
import type { FieldErrors } from './field-errors';

export function useFormDraft<D extends object>(initial: () => D) {
  const [draft, setDraft] = useState<D>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const set = useCallback(<K extends keyof D & string>(key: K, value: D[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
    setErrors((e) => {
      if (!(key in e)) return e;
      const next = { ...e };
      delete next[key];
      return next;
    });
  }, []);
  return { draft, errors, setErrors, set };
}
