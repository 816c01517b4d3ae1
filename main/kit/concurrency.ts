/**
 * Concurrency primitives shared by every fan-out (jobs, health sweeps, SSH pools): a counting
 * semaphore, a limiter with a global cap and a cap per group (for example per site), and
 * "run this over every item, at most N at once". A leaf module: imports nothing of Fleetdeck.
 */

/** A counting semaphore: at most `size` holders at once, waiters served in arrival order. */
export class Slots {
  private used = 0;
  private readonly waiting: Array<{ grant: () => void }> = [];

  constructor(
    private readonly size: number,
    /** What a wait aborted by its signal rejects with (default: the signal's reason). */
    private readonly abortError: (signal: AbortSignal) => unknown = (signal) => signal.reason,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('slots need a size of at least 1');
  }

  get inUse(): number {
    return this.used;
  }

  /** Resolves with a release function; rejects with abortError(signal) if aborted while waiting. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(this.abortError(signal));
    return new Promise((resolve, reject) => {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        this.used--;
        this.wake();
      };
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.used++;
          resolve(release);
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(this.abortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
      this.wake();
    });
  }

  private wake(): void {
    while (this.used < this.size && this.waiting.length) this.waiting.shift()!.grant();
  }
}

/**
 * A global cap and a cap per group, taken without waiting: a scheduler asks take(group) for the
 * next candidate and moves on to another group when that one is full. Groups are any string
 * (a site code, a partner); `perGroup` null means only the global cap applies.
 */
export class GroupLimits {
  private used = 0;
  private readonly byGroup = new Map<string, number>();

  constructor(
    readonly total: number,
    readonly perGroup: number | null = null,
  ) {
    if (!Number.isInteger(total) || total < 1) throw new RangeError('a limit needs a size of at least 1');
    if (perGroup !== null && (!Number.isInteger(perGroup) || perGroup < 1)) throw new RangeError('a group limit needs a size of at least 1');
  }

  get inUse(): number {
    return this.used;
  }

  /** Holders in one group now. */
  inGroup(group: string): number {
    return this.byGroup.get(group) ?? 0;
  }

  /** Whether the global cap has room. */
  get hasRoom(): boolean {
    return this.used < this.total;
  }

  canTake(group: string): boolean {
    return this.used < this.total && (this.perGroup === null || this.inGroup(group) < this.perGroup);
  }

  /** Takes a place in the group if both caps allow it. */
  take(group: string): boolean {
    if (!this.canTake(group)) return false;
    this.used++;
    this.byGroup.set(group, this.inGroup(group) + 1);
    return true;
  }

  release(group: string): void {
    const n = this.inGroup(group);
    if (n <= 0) throw new RangeError(`release of group "${group}" that holds nothing`);
    this.used--;
    if (n === 1) this.byGroup.delete(group);
    else this.byGroup.set(group, n - 1);
  }
}

/** Run `work` over every item, at most `concurrency` at once (a Slots of that size); results in input order. */
export async function eachLimited<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  if (items.length === 0) return out;
  const slots = new Slots(Math.max(1, Math.min(concurrency, items.length)));
  await Promise.all(
    items.map(async (item, i) => {
      const release = await slots.acquire();
      try {
        out[i] = await work(item, i);
      } finally {
        release();
      }
    }),
  );
  return out;
}
