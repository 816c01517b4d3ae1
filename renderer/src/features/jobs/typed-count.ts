/**
 * The typed-count guard for large changes, as the Run-command dialog applies it: the same rule the
 * engine enforces (needsTypedCount in main/net/contract.ts), the reach of a preview, and whether
 * what the user typed confirms it. Pure.
 */
import { changingActionOf, needsTypedCount, type JobPreview } from '../../../../main/net/contract';

export interface Reach {
  total: number;
  sites: number;
  partners: number;
}

export function reachOf(preview: JobPreview): Reach {
  return { total: preview.total, sites: preview.byPartner.reduce((n, p) => n + p.sites.length, 0), partners: preview.byPartner.length };
}

/** "ocactl drain" when argv on this reach must be confirmed by typing the count; else null. */
export function typedCountFor(argv: readonly string[], reach: Reach): string | null {
  return needsTypedCount(argv, reach) ? `ocactl ${changingActionOf(argv)}` : null;
}

/** The typed text confirms exactly this count (digits only, surrounding blanks ignored). */
export function typedCountMatches(typed: string, total: number): boolean {
  const t = typed.trim();
  return /^\d+$/.test(t) && Number(t) === total;
}
