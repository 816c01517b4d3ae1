import { describe, expect, it } from 'vitest';
import type { Thresholds } from '../../../../main/health/contract';
import { checkThresholds, draftFromThresholds, formFieldOf } from './threshold-draft';

const storage: Thresholds = {
  model: 'storage',
  diskWarnPct: 90,
  diskErrorPct: 97,
  errorsWarnPerSec: 5,
  errorsErrorPerSec: 25,
  cacheHitWarnBelow: 0.85,
  staleAfterSec: 300,
};

describe('thresholds form', () => {
  it('round-trips the stored levels, the cache-hit level as a percent', () => {
    const draft = draftFromThresholds(storage);
    expect(draft.cacheHitWarnBelowPct).toBe('85');
    expect(checkThresholds('storage', draft)).toEqual({ ok: true, value: storage });
  });

  it('sends a changed level as the contract wants it', () => {
    const result = checkThresholds('flash', { ...draftFromThresholds(storage), diskWarnPct: '1', cacheHitWarnBelowPct: '50' });
    expect(result).toEqual({ ok: true, value: { ...storage, model: 'flash', diskWarnPct: 1, cacheHitWarnBelow: 0.5 } });
  });

  it('refuses an Error level below the Warning level, with the contract’s sentence', () => {
    const result = checkThresholds('storage', { ...draftFromThresholds(storage), diskWarnPct: '95', diskErrorPct: '80' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.diskErrorPct).toMatch(/at or above the Warning level/);
  });

  it('names each field that is out of range or not a number', () => {
    const result = checkThresholds('storage', {
      ...draftFromThresholds(storage),
      diskWarnPct: '0',
      errorsWarnPerSec: 'lots',
      cacheHitWarnBelowPct: '120',
      staleAfterSec: '1.5',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.diskWarnPct).toMatch(/1 to 100/);
    expect(result.errors.errorsWarnPerSec).toMatch(/errors per second/);
    expect(result.errors.cacheHitWarnBelowPct).toMatch(/0 to 100/);
    expect(result.errors.staleAfterSec).toMatch(/whole seconds/);
  });

  it('maps the engine’s field names onto the form', () => {
    expect(formFieldOf('cacheHitWarnBelow')).toBe('cacheHitWarnBelowPct');
    expect(formFieldOf('diskErrorPct')).toBe('diskErrorPct');
    expect(formFieldOf('model')).toBeUndefined();
  });
});
