/**
 * The wave gates per site (plan.ts releasedWaves): a site whose window is closed holds back nobody
 * else's later waves; an appliance whose work is under way, or one that could go now, still does.
 */
import { describe, expect, it } from 'vitest';
import { releasedWaves, type UnendedTarget } from './plan';

const open = (closed: readonly string[]) => (site: string) => !closed.includes(site);
const t = (wave: number, site: string, admitted = false): UnendedTarget => ({ wave, site, admitted });

describe('releasedWaves', () => {
  it('releases the next wave when the earlier waves ended everywhere', () => {
    expect(releasedWaves(1, 3, [t(2, 'A'), t(2, 'B'), t(3, 'A')], open([]))).toBe(2);
    expect(releasedWaves(1, 3, [], open([]))).toBe(3);
  });

  it('a site whose window is closed does not hold back the later waves at the other sites', () => {
    // Wave 1: A ended, B (closed) waits for its window. Waves 2 and 3 at A and C may go.
    const unended = [t(1, 'B'), t(2, 'A'), t(2, 'B'), t(2, 'C'), t(3, 'A'), t(3, 'C')];
    expect(releasedWaves(1, 3, unended, open(['B']))).toBe(2);
    // Once wave 2 has ended at the open sites, wave 3 goes too; B's appliances still wait for B's window.
    expect(releasedWaves(2, 3, [t(1, 'B'), t(2, 'B'), t(3, 'A'), t(3, 'C')], open(['B']))).toBe(3);
  });

  it('an appliance of an open site that has not ended holds the next wave (the gates: budget counted, in order)', () => {
    expect(releasedWaves(1, 3, [t(1, 'A'), t(2, 'A'), t(2, 'C')], open(['B']))).toBe(1);
    // Waiting at an open site (for a place in its limit) is not "held by a window".
    expect(releasedWaves(1, 3, [t(1, 'C'), t(2, 'A')], open([]))).toBe(1);
  });

  it('an appliance whose work is under way holds the next wave even when its window closed meanwhile', () => {
    expect(releasedWaves(1, 3, [t(1, 'B', true), t(2, 'A')], open(['B']))).toBe(1);
  });

  it('when the closed site opens, what was released stays released', () => {
    expect(releasedWaves(2, 3, [t(1, 'B'), t(2, 'B'), t(3, 'A')], open([]))).toBe(2);
  });

  it('never goes past the last wave', () => {
    expect(releasedWaves(3, 3, [t(3, 'B')], open(['B']))).toBe(3);
    expect(releasedWaves(1, 3, [t(1, 'B'), t(2, 'B'), t(3, 'B')], open(['B']))).toBe(3);
  });
});
