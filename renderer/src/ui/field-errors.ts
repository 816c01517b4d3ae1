/** Per-field messages for forms, from the contract's zod issues and from the engine's E_VALIDATION details. */
import type { z } from 'zod';
import { detailsOf, problemInWords, type ValidationIssue } from '../../../main/kit/errors';

export type FieldErrors = Record<string, string>;

/** First message per top-level field, in user words; issues without a path go under `_form`. */
export function fieldErrorsFromZod(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? String(issue.path[0]) : '_form';
    out[key] ??= problemInWords(issue);
  }
  return out;
}

/**
 * The engine's issues placed beside the inputs this form has: the first string segment of each
 * path names the field, after a `patch` wrapper (updateAppliance); list indexes are skipped.
 * Issues about fields the form does not show stay in the form-level message.
 */
export function fieldErrorsFromIssues(issues: readonly ValidationIssue[], knownFields: readonly string[]): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of issues) {
    const field = issue.path.find((seg): seg is string => typeof seg === 'string' && seg !== 'patch');
    if (field && knownFields.includes(field)) out[field] ??= issue.message;
  }
  return out;
}

/** Field messages of an engine error: its E_VALIDATION details, or nothing for any other error. */
export function fieldErrorsFromError(err: unknown, knownFields: readonly string[]): FieldErrors {
  const details = detailsOf(err, 'E_VALIDATION');
  return details ? fieldErrorsFromIssues(details.issues, knownFields) : {};
}
