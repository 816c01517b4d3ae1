/**
 * Errors that cross the engine boundary. Each carries a stable code and a sentence a field
 * engineer understands; stack traces stay in the engine's log.
 */
export const ERROR_CODES = [
  'E_VALIDATION', // a message or form field did not match the contract
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
  'E_TOO_LARGE',
  'E_EXIT', // a raw command (not an ocactl action) on an appliance exited non-zero or was killed; a job result's errorCode
  'E_VAULT_LOCKED',
  'E_UNAVAILABLE',
  'E_SIGNATURE', // a firmware image is unsigned, badly signed or signed by a key nobody trusted
  'E_IMAGE', // a file is not a valid firmware image (header, size or checksum)
  'E_INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** Structured detail safe to show (row errors of an import, both fingerprints of a mismatch, ...). */
  details?: unknown;
}

export class FleetError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'FleetError';
    this.code = code;
    this.details = details;
  }
  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
