/**
 * The thresholds form's model: what was typed, per model, checked with the contract's Thresholds
 * schema before anything is sent. The cache-hit level is typed as a percent and sent as a ratio.
 */
import { Thresholds } from '../../../../main/health/contract';
import type { ApplianceModel } from '../../../../main/inventory/contract';
import type { DraftCheck } from '../inventory/appliance-draft';
import { fieldErrorsFromZod } from '../../ui/field-errors';

export interface ThresholdDraft {
  diskWarnPct: string;
  diskErrorPct: string;
  errorsWarnPerSec: string;
  errorsErrorPerSec: string;
  /** Percent, 0..100 (the contract holds a ratio). */
  cacheHitWarnBelowPct: string;
  staleAfterSec: string;
}

export const THRESHOLD_FIELDS = [
  'diskWarnPct',
  'diskErrorPct',
  'errorsWarnPerSec',
  'errorsErrorPerSec',
  'cacheHitWarnBelowPct',
  'staleAfterSec',
] as const satisfies readonly (keyof ThresholdDraft)[];

export type ThresholdField = (typeof THRESHOLD_FIELDS)[number];

/** Contract field → form field (they differ only for the cache-hit percent). */
const FORM_FIELD: Record<string, ThresholdField> = {
  diskWarnPct: 'diskWarnPct',
  diskErrorPct: 'diskErrorPct',
  errorsWarnPerSec: 'errorsWarnPerSec',
  errorsErrorPerSec: 'errorsErrorPerSec',
  cacheHitWarnBelow: 'cacheHitWarnBelowPct',
  staleAfterSec: 'staleAfterSec',
};

const RANGE_MESSAGES: Record<ThresholdField, string> = {
  diskWarnPct: 'a percent of the disk, 1 to 100',
  diskErrorPct: 'a percent of the disk, 1 to 100',
  errorsWarnPerSec: 'errors per second, 0 or more',
  errorsErrorPerSec: 'errors per second, 0 or more',
  cacheHitWarnBelowPct: 'a percent, 0 to 100 (0 turns the check off)',
  staleAfterSec: 'whole seconds, 0 to 86400 (0 turns the check off)',
};

function trimNumber(n: number): string {
  return String(Math.round(n * 1e6) / 1e6);
}

export function draftFromThresholds(t: Thresholds): ThresholdDraft {
  return {
    diskWarnPct: trimNumber(t.diskWarnPct),
    diskErrorPct: trimNumber(t.diskErrorPct),
    errorsWarnPerSec: trimNumber(t.errorsWarnPerSec),
    errorsErrorPerSec: trimNumber(t.errorsErrorPerSec),
    cacheHitWarnBelowPct: trimNumber(t.cacheHitWarnBelow * 100),
    staleAfterSec: trimNumber(t.staleAfterSec),
  };
}

function parseNumber(text: string): number {
  const t = text.trim();
  return t === '' ? Number.NaN : Number(t);
}

export function checkThresholds(model: ApplianceModel, draft: ThresholdDraft): DraftCheck<Thresholds> {
  const numbers = Object.fromEntries(THRESHOLD_FIELDS.map((f) => [f, parseNumber(draft[f])])) as Record<ThresholdField, number>;
  const shape = {
    model,
    diskWarnPct: numbers.diskWarnPct,
    diskErrorPct: numbers.diskErrorPct,
    errorsWarnPerSec: numbers.errorsWarnPerSec,
    errorsErrorPerSec: numbers.errorsErrorPerSec,
    cacheHitWarnBelow: numbers.cacheHitWarnBelowPct / 100,
    staleAfterSec: numbers.staleAfterSec,
  };
  const parsed = Thresholds.safeParse(shape);
  const errors: Record<string, string> = {};
  if (!parsed.success) {
    for (const [field, message] of Object.entries(fieldErrorsFromZod(parsed.error))) {
      const formField = FORM_FIELD[field];
      // The schema's refinements (Error at or above Warning) have sentences of their own; a range
      // or type issue reads better in the form's own words (and in percent for the cache-hit level).
      const refinement = /at or above/.test(message);
      if (formField) errors[formField] = refinement ? message : RANGE_MESSAGES[formField];
      else errors[field] = message;
    }
  }
  for (const f of THRESHOLD_FIELDS) if (!Number.isFinite(numbers[f])) errors[f] = RANGE_MESSAGES[f];
  if (!parsed.success || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: parsed.data };
}

/** The engine's E_VALIDATION sentence names contract fields; map them onto the form's. */
export function formFieldOf(contractField: string): ThresholdField | undefined {
  return FORM_FIELD[contractField];
}
