/**
 * Waiting in tests for something that happens elsewhere (another process, a socket, a store fed by
 * events). No Node imports: renderer tests use it too.
 */

type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

export interface UntilOptions {
  /** Give up after this long; default 30 s (a loaded CI machine; a condition that holds ends the wait at once). */
  timeoutMs?: number;
  /** Ask again after this long; default 20 ms. */
  intervalMs?: number;
}

/**
 * Asks `probe` until it answers with a truthy value (or a promise of one) and returns that value;
 * after the timeout it fails with "timed out waiting for <what>". A probe that throws fails at once.
 */
export async function until<T>(probe: () => T | Promise<T>, what: string, options: UntilOptions = {}): Promise<Truthy<T>> {
  const { timeoutMs = 30_000, intervalMs = 20 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
