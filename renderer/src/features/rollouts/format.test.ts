import { describe, expect, it } from 'vitest';
import type { Counts, SitePreview } from '../../../../main/rollouts/contract';
import { actionsFor, countsLine, fmtStat, segments, siteLimit } from './format';

const counts = (o: Partial<Counts>): Counts => ({ total: 10, ok: 0, failed: 0, inFlight: 0, waiting: 0, pending: 10, cancelled: 0, ...o });

describe('rollout formatting', () => {
  it('offers only the controls a state allows', () => {
    expect(actionsFor({ state: 'created', counts: counts({}) })).toEqual(['start', 'abort']);
    expect(actionsFor({ state: 'running', counts: counts({}) })).toEqual(['pause', 'abort']);
    expect(actionsFor({ state: 'paused', counts: counts({}) })).toEqual(['resume', 'abort']);
    expect(actionsFor({ state: 'awaiting-approval', counts: counts({}) })).toEqual(['approveMarginal', 'abort']);
    expect(actionsFor({ state: 'failed', counts: counts({ failed: 2 }) })).toEqual(['retryFailed']);
    expect(actionsFor({ state: 'succeeded', counts: counts({ ok: 10 }) })).toEqual([]);
  });

  it('splits a progress bar by outcome and says it in words', () => {
    const c = counts({ ok: 5, failed: 1, inFlight: 2, pending: 2 });
    expect(segments(c)).toMatchObject({ ok: 50, failed: 10, inFlight: 20, done: 60 });
    expect(countsLine(c)).toBe('5 of 10 updated · 1 failed · 2 in flight');
    expect(segments(counts({ total: 0 })).done).toBe(0);
  });

  it("shows a site's limit against its capacity, with what is already out", () => {
    const site: SitePreview = {
      site: 'gru1',
      partner: 'Acme',
      timezone: 'America/Sao_Paulo',
      window: '02:00-05:00',
      windowOpen: false,
      nextWindowAt: null,
      targets: 10,
      appliances: 10,
      capacityGbps: 1000,
      alreadyOut: { count: 1, gbps: 100, serials: ['A'] },
      limitGbps: 200,
      limitCount: null,
      maxAtOnce: 1,
      blocked: false,
    };
    const l = siteLimit(site);
    expect(l.text).toBe('at most 200 Gbps of 1000 Gbps out at once; 1 already out (100 Gbps) → 1 at a time');
    expect(l.outPct).toBe(10);
    expect(l.allowedPct).toBe(10);
    expect(siteLimit({ ...site, limitGbps: null, limitCount: 2, alreadyOut: { count: 2, gbps: 200, serials: [] }, maxAtOnce: 0, blocked: true }).text).toBe(
      'at most 2 of 10 appliances out at once; 2 already out (200 Gbps) → blocked until some come back',
    );
  });

  it('prints tiny p-values in scientific notation', () => {
    expect(fmtStat(0.00001, 'p')).toBe('1.0e-5');
    expect(fmtStat(0.2, 'p')).toBe('0.200');
    expect(fmtStat(null)).toBe('—');
  });
});
