import { describe, expect, it } from 'vitest';
import type { Series } from '../../../../main/history/contract';
import { formatAvailability, seriesColumns } from './series-data';

const point = (at: string, servingGbps: number, cacheHitRatio: number | null) => ({ at, servingGbps, cacheHitRatio, errorsPerSecond: 1, appliances: 2 });

describe('series columns', () => {
  it('one time per step of the range, the points where they fall, gaps as null', () => {
    const s: Series = {
      scope: { kind: 'fleet' },
      range: '1h',
      stepSec: 60,
      from: '2026-12-04T10:00:00.000Z',
      to: '2026-12-04T10:05:00.000Z',
      points: [point('2026-12-04T10:00:00.000Z', 10, 0.9), point('2026-12-04T10:03:00.000Z', 12, null), point('2026-12-04T11:00:00.000Z', 99, 1)],
    };
    const c = seriesColumns(s);
    expect(c.times).toEqual([0, 1, 2, 3, 4].map((i) => Date.parse('2026-12-04T10:00:00Z') / 1000 + 60 * i));
    expect(c.serving).toEqual([10, null, null, 12, null]);
    expect(c.hit).toEqual([90, null, null, null, null]);
    expect(c.points).toBe(2);
  });

  it('shows availability without rounding up to the target', () => {
    expect(formatAvailability(0.99899999)).toBe('99.899 %');
    expect(formatAvailability(0.999)).toBe('99.900 %');
    expect(formatAvailability(1)).toBe('100.000 %');
    expect(formatAvailability(null)).toBe('—');
  });
});
