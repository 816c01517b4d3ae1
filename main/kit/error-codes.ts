/**
 * The stable error codes, apart from their detail schemas (main/kit/errors.ts) so that code which
 * only needs to tell a code (the CLI's error line, loaded by `fleetdeck --version`) does not load zod.
 */
export const ERROR_CODES = [
  'E_VALIDATION', // a message or form field did not match the contract
  'E_CONFIRM', // a large change needs its size confirmed (the count typed back); nothing was done
  'E_NOT_FOUND', // the named record does not exist
  'E_CONFLICT', // the change collides with existing data (duplicate serial, ...)
  'E_IMPORT', // an import file has bad rows; nothing was changed
  'E_UNAUTHORIZED', // wrong or missing token
  'E_FORBIDDEN', // the request came from somewhere it may not
  'E_TIMEOUT',
  'E_CANCELLED',
  'E_UNREACHABLE',
  'E_HOSTKEY_MISMATCH',
  'E_HOSTKEY_UNKNOWN',
  'E_AUTH',
  'E_BAD_REPLY', // an appliance answered with something the contract does not allow
  'E_SERIAL_MISMATCH', // the address of an appliance reaches another one (it names another serial); nothing was done there
  'E_TOO_LARGE',
  'E_EXIT', // a raw command (not an ocactl action) on an appliance exited non-zero or was killed; a job result's errorCode
  'E_VAULT_LOCKED',
  'E_UNAVAILABLE',
  'E_SIGNATURE', // a firmware image is unsigned, badly signed or signed by a key nobody trusted
  'E_IMAGE', // a file is not a valid firmware image (header, size or checksum)
  'E_DIAG_FAILED', // a diagnostics run found a check in Error; a job result's errorCode
  'E_READ_ONLY', // the engine shows a snapshot (or is otherwise read-only) and the call would change something
  'E_INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
