/**
 * The CLI writes byte sizes as the renderer does (main/kit/bytes.ts): the same volume reads the same
 * in `fills plan` and on the Fills screen.
 */
import { describe, expect, it } from 'vitest';
import { formatBytes } from '../kit/bytes';
import { describeSitePlan } from './fills';

describe('byte sizes in the CLI', () => {
  it('a site plan reads its volumes in the shared spelling', () => {
    const [head, fill, quality] = describeSitePlan({
      site: 'gru1',
      day: '2026-12-04',
      appliances: 3,
      capacityBytes: 360e12,
      historyDays: 4,
      titles: 400,
      copies: 900,
      placedBytes: 1.25e12,
      forecastBytes: 999_960,
      offload: 0.5,
      bound: 0.8,
      churnBytes: 512e6,
      previousPlanId: null,
      dropped: 0,
      quality: null,
    });
    expect(head).toBe('gru1 for 2026-12-04: 400 titles (900 copies, 1.3 TB) on 3 appliances of 360 TB; offload 50.0 % of the forecast 1.0 MB, bound 80.0 % (62.5 % of it)');
    expect(fill).toBe(`  to fill: ${formatBytes(512e6, 'decimal')} (no earlier plan: everything); history 4 days`);
    expect(fill).toContain('512 MB');
    expect(quality).toBe('  forecast quality: needs 3 days of history');
  });
});
