/** The change-status form's rule, from the contract: drained, offline and rma need a reason. */
import { STATUSES_NEEDING_REASON, ShortText, type LifecycleStatus } from '../../../../main/inventory/contract';

const Reason = ShortText(500);

export function needsReason(status: LifecycleStatus): boolean {
  return STATUSES_NEEDING_REASON.includes(status);
}

/** A sentence saying what is wrong with the change, or null when it may be sent. */
export function statusChangeProblem(current: LifecycleStatus, next: LifecycleStatus, reason: string): string | null {
  if (next === current) return `The appliance is already ${next}.`;
  const trimmed = reason.trim();
  if (needsReason(next) && trimmed === '') return `A reason is required to mark an appliance ${next}.`;
  const parsed = Reason.safeParse(reason);
  if (!parsed.success) return `Reason: ${parsed.error.issues[0]?.message ?? 'not accepted'}.`;
  return null;
}
