/** A counting semaphore: at most `size` holders at once, waiters served in arrival order. */
import { FleetError } from '../kit/errors';

export class Slots {
  private used = 0;
  private readonly waiting: Array<{ grant: () => void; refuse: (err: unknown) => void }> = [];

  constructor(private readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('slots need a size of at least 1');
  }

  get inUse(): number {
    return this.used;
  }

  /** Resolves with a release function; rejects with the signal's reason if aborted while waiting. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
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
        refuse: reject,
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(abortReason(signal!));
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

/** The FleetError an aborted signal carries, or E_CANCELLED. */
export function abortReason(signal: AbortSignal): FleetError {
  const reason: unknown = signal.reason;
  return reason instanceof FleetError ? reason : new FleetError('E_CANCELLED', 'The operation was cancelled.');
}
