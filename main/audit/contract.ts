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

export const AuditQuery = z.object({
  target: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(1000).default(100),
  beforeId: z.number().int().optional(),
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
