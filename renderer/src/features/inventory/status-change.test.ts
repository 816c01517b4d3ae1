import { describe, expect, it } from 'vitest';
import { needsReason, statusChangeProblem } from './status-change';

describe('change status form', () => {
  it('requires a reason for drained, offline and rma only', () => {
    expect(needsReason('drained')).toBe(true);
    expect(needsReason('rma')).toBe(true);
    expect(needsReason('online')).toBe(false);
    expect(statusChangeProblem('online', 'drained', '   ')).toBe('A reason is required to mark an appliance drained.');
    expect(statusChangeProblem('online', 'drained', 'BGP maintenance')).toBeNull();
    expect(statusChangeProblem('drained', 'online', '')).toBeNull();
  });

  it('refuses a change to the same status and an overlong reason', () => {
    expect(statusChangeProblem('online', 'online', '')).toMatch(/already online/);
    expect(statusChangeProblem('online', 'offline', 'x'.repeat(501))).toMatch(/at most 500/);
  });
});
