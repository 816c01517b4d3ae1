/** Per-field messages for forms, from the contract's zod issues and from the engine's E_VALIDATION sentences. */
import type { z } from 'zod';

export type FieldErrors = Record<string, string>;

/** First message per top-level field; issues without a path go under `_form`. */
export function fieldErrorsFromZod(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? String(issue.path[0]) : '_form';
    out[key] ??= issue.message;
  }
  return out;
}

/**
 * The engine words validation failures as `Invalid input for inventory.x: field: message; other: message`
 * (see describeZodError). Pull out the fields this form knows so the message lands beside the input;
 * a `patch.` prefix (updateAppliance) is dropped. Anything else stays in the form-level message.
 */
export function fieldErrorsFromMessage(message: string, knownFields: readonly string[]): FieldErrors {
  const out: FieldErrors = {};
  const body = message.replace(/^Invalid input for [\w.]+:\s*/, '');
  for (const part of body.split('; ')) {
    const m = /^([A-Za-z0-9_.]+): (.+)$/.exec(part.trim());
    if (!m) continue;
    const path = m[1]!.split('.').filter((seg) => seg !== 'patch' && !/^\d+$/.test(seg));
    const field = path[0];
    if (field && knownFields.includes(field)) out[field] ??= m[2]!;
  }
  return out;
}
