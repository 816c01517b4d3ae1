/** The SSH pool's semaphore: the shared primitive (main/kit/concurrency.ts), aborts as FleetErrors. */
import { FleetError } from '../kit/errors';
import { Slots as KitSlots } from '../kit/concurrency';

export class Slots extends KitSlots {
  constructor(size: number) {
    super(size, abortReason);
  }
}

/** The FleetError an aborted signal carries, or E_CANCELLED. */
export function abortReason(signal: AbortSignal): FleetError {
  const reason: unknown = signal.reason;
  return reason instanceof FleetError ? reason : new FleetError('E_CANCELLED', 'The operation was cancelled.');
}
