/** What the engine refused a call with, for tests that expect a refusal. */
import { ApiError } from '../../main/api/client';

/** The refusal's stable code, sentence and details; throws when the call succeeds or fails with something other than an API error. */
export async function refusalOf(p: Promise<unknown>): Promise<{ code: string; message: string; details?: unknown }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return { code: err.code, message: err.message, details: err.details };
    throw err;
  }
  throw new Error('expected the call to be refused');
}
