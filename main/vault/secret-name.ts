/**
 * A secret's name becomes a file name in <data-dir>/vault, so it is held to a small alphabet:
 * letters, digits, dot, dash and underscore, starting with a letter or digit, at most 128 long.
 * That rules out path separators, `..`, hidden files and names Windows cannot store.
 */
import { FleetError } from '../kit/errors';

const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function assertSecretName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !SECRET_NAME.test(name)) {
    const shown = typeof name === 'string' ? JSON.stringify(name.slice(0, 60)) : typeof name;
    throw new FleetError(
      'E_VALIDATION',
      `${shown} is not a valid secret name: use letters, digits, ".", "-" or "_" (start with a letter or digit, at most 128 characters).`,
    );
  }
}
