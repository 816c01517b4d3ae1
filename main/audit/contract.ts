/**
 * The audit log: who changed what, when, append-only, written in the same transaction as the
 * change it records. Shared by every domain: actions are `<domain>.<what>` (`appliance.status`,
 * `health.thresholds`), targets `<kind>:<name>` (`appliance:OCA1`, `health:monitor`).
 */
import { z } from 'zod';
import { Iso8601 } from '../kit/fields';

export const AuditEntry = z.object({
  id: z.number().int(),
  at: Iso8601,
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

const AuditWords = z.array(z.string().trim().min(1).max(200)).max(50);
const AuditTime = z.iso.datetime({ offset: true }).transform((t) => new Date(t).toISOString());

/**
 * Which audit entries to list. Every filter given must hold (AND); a list matches any of its words (OR).
 * `excludeActor` hides the named actors (the lab's set-up rows: `lab:simulator`); `since`/`until` bound
 * `at` (inclusive / exclusive); `appliance` is a serial, the same as target `appliance:SERIAL`.
 */
export const AuditQuery = z
  .object({
    target: z.string().max(200).optional(),
    appliance: z.string().trim().min(1).max(200).optional(),
    actor: AuditWords.optional(),
    excludeActor: AuditWords.optional(),
    action: AuditWords.optional(),
    since: AuditTime.optional(),
    until: AuditTime.optional(),
    limit: z.number().int().min(1).max(1000).default(100),
    beforeId: z.number().int().optional(),
  })
  .refine((q) => q.since === undefined || q.until === undefined || q.since < q.until, {
    message: 'The start of the time range must be before its end.',
    path: ['until'],
  });
export type AuditQuery = z.output<typeof AuditQuery>;

/** One entry to append (the log stamps its id). */
export interface AuditInput {
  at: string;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
}
