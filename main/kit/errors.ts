/**
 * Errors that cross the engine boundary. Each carries a stable code and a sentence a field
 * engineer understands; stack traces stay in the engine's log. Some codes carry structured
 * details, typed by code (ERROR_DETAILS): windows and the CLI read those, never the sentence.
 */
import { z } from 'zod';

import { ERROR_CODES, isErrorCode, type ErrorCode } from './error-codes';
import { problemInWords } from './validation-words';

export { problemInWords };

export { ERROR_CODES, isErrorCode, type ErrorCode };

/** One problem with a message: where (`['patch', 'ipv4']`, `[]` for the whole message) and what. */
export const ValidationIssue = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  message: z.string(),
});
export type ValidationIssue = z.infer<typeof ValidationIssue>;

/** One bad row of an import file. */
export const ImportRowError = z.object({
  /** CSV: physical line in the file (the header is line 1). JSON: position in its array, from 1. */
  line: z.number().int(),
  field: z.string().optional(),
  /** JSON only: where the item sits in the document, such as `appliances[41]`. */
  path: z.string().optional(),
  reason: z.string(),
});
export type ImportRowError = z.infer<typeof ImportRowError>;

/** The details each code carries (codes not listed carry none). */
export const ERROR_DETAILS = {
  /** Every problem found, up to MAX_ISSUES, in the order zod (or the service) found them. */
  E_VALIDATION: z.object({ issues: z.array(ValidationIssue) }),
  /** Every bad row, in file order. */
  E_IMPORT: z.object({ errors: z.array(ImportRowError) }),
  /** The fingerprint on record and the one presented. */
  E_HOSTKEY_MISMATCH: z.object({ expected: z.string(), presented: z.string() }),
  /** First contact: the key the host presents, to compare with the site survey. */
  E_HOSTKEY_UNKNOWN: z.object({ presented: z.string(), keyType: z.string() }),
  E_TOO_LARGE: z.object({ bytes: z.number().optional(), limit: z.number() }),
  /** The names asked for that do not exist; `method` when the call named no method of the contract. */
  /** What a large change would reach, for the count to be typed back. */
  E_CONFIRM: z.object({ count: z.number().int(), sites: z.number().int(), partners: z.number().int(), action: z.string() }),
  /** Why a firmware signature was refused, and who signed it where that could be read. */
  E_SIGNATURE: z.object({ reason: z.string(), signer: z.string().optional() }),
  E_NOT_FOUND: z.object({ missing: z.array(z.string()).optional(), method: z.string().optional() }),
  /** The method refused (its sentence speaks of the change in words, not of the method). */
  E_READ_ONLY: z.object({ method: z.string() }),
  /** The method this engine has no handler for, where the dispatcher refused it. */
  E_UNAVAILABLE: z.object({ method: z.string() }),
} satisfies Partial<Record<ErrorCode, z.ZodType>>;

export const MAX_ISSUES = 50;

type DetailSchemas = typeof ERROR_DETAILS;
export type DetailedCode = keyof DetailSchemas;
export type ErrorDetails<C extends ErrorCode> = C extends DetailedCode ? z.output<DetailSchemas[C]> : never;

/** What crosses the wire: a code, a sentence and, for some codes, details typed by the code. */
export type ErrorBody = {
  [C in ErrorCode]: C extends DetailedCode ? { code: C; message: string; details?: ErrorDetails<C> } : { code: C; message: string };
}[ErrorCode];

export class FleetError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly details: ErrorDetails<C> | undefined;
  constructor(code: C, message: string, ...details: C extends DetailedCode ? [details?: ErrorDetails<C>] : []) {
    super(message);
    this.name = 'FleetError';
    this.code = code;
    this.details = details[0] as ErrorDetails<C> | undefined;
  }
  /** The same error (code and details) with another sentence, such as the file name in front. */
  reworded(message: string): FleetError<C> {
    const copy = new FleetError<ErrorCode>(this.code, message);
    (copy as { details: unknown }).details = this.details;
    return copy as FleetError<C>;
  }
  toBody(): ErrorBody {
    return (this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details }) as ErrorBody;
  }
}

/**
 * The details of an error that came back with `code`, checked against their schema (they crossed
 * a boundary), or undefined when the error has another code or no well-formed details.
 */
export function detailsOf<C extends DetailedCode>(err: unknown, code: C): ErrorDetails<C> | undefined {
  if (!err || typeof err !== 'object' || (err as { code?: unknown }).code !== code) return undefined;
  const parsed = ERROR_DETAILS[code].safeParse((err as { details?: unknown }).details);
  return parsed.success ? (parsed.data as unknown as ErrorDetails<C>) : undefined;
}

/**
 * zod's issues as E_VALIDATION details (symbol keys, which JSON cannot carry, become strings), each
 * message in user words ("must be at most 1000") to show beside its field.
 */
export function validationIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.slice(0, MAX_ISSUES).map((issue) => ({
    path: issue.path.map((seg) => (typeof seg === 'symbol' ? String(seg) : seg)),
    message: problemInWords(issue),
  }));
}

/** An E_VALIDATION about one named field, for a service's own checks (a site that does not exist, ...). */
export function fieldError(path: (string | number)[], message: string): FleetError<'E_VALIDATION'> {
  return new FleetError('E_VALIDATION', message, { issues: [{ path, message }] });
}
