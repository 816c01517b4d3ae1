import { describe, expect, it } from 'vitest';
import { formatAge, formatDuration } from './age';

describe('formatAge', () => {
  it('reads seconds up to 90, then minutes, hours (under 48) and days, two units at most', () => {
    expect([0, 5, 89, 90, 185, 3599, 3600, 3900, 7260, 48 * 3600, 49 * 3600, 200_000].map(formatAge)).toEqual([
      '0 s', '5 s', '89 s', '2 min', '3 min', '1 h', '1 h', '1 h 5 min', '2 h 1 min', '2 d', '2 d 1 h', '2 d 7 h',
    ]);
  });
  it('reads a negative or impossible age as 0 s', () => {
    expect(formatAge(-5)).toBe('0 s');
    expect(formatAge(Number.NaN)).toBe('0 s');
  });
});

describe('formatDuration', () => {
  it('keeps seconds below an hour and says — when not known', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(-1)).toBe('—');
    expect([44.6, 120, 200, 3900, 7200, 3 * 86400 + 3600].map(formatDuration)).toEqual([
      '45 s', '2 min', '3 min 20 s', '1 h 5 min', '2 h', '3 d 1 h',
    ]);
  });
});
