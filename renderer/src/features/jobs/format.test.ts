import { describe, expect, it } from 'vitest';
import type { JobProgress } from '../../../../main/net/contract';
import {
  applianceOfTarget,
  formatDuration,
  honestEta,
  runningAges,
  formatRate,
  notRunCount,
  outputPreview,
  percentDone,
  prettyOutput,
  presentedFingerprint,
  progressLine,
  replyPreview,
} from './format';

const progress = (p: Partial<JobProgress>): JobProgress => ({
  id: 1,
  state: 'running',
  total: 60,
  ok: 0,
  failed: 0,
  done: 0,
  running: 0,
  remaining: 60,
  rate: 0,
  etaSeconds: null,
  ...p,
});

describe('job numbers on screen', () => {
  it('reads rates per second, or per minute when slow', () => {
    expect(formatRate(12.345)).toBe('12.3/s');
    expect(formatRate(250.4)).toBe('250/s');
    expect(formatRate(0.25)).toBe('15/min');
    expect(formatRate(0)).toBe('—');
  });

  it('reads durations in s, min and h, and unknown as a dash', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(44.6)).toBe('45 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(120)).toBe('2 min');
    expect(formatDuration(3900)).toBe('1 h 5 min');
    expect(formatDuration(7200)).toBe('2 h');
  });

  it('never shows 100% while a job still runs, and counts what a stopped job never ran', () => {
    expect(percentDone(progress({ done: 59 }))).toBe(98);
    expect(percentDone(progress({ done: 60 }))).toBe(99);
    expect(percentDone(progress({ done: 60, state: 'done' }))).toBe(100);
    expect(percentDone(progress({ total: 0, state: 'done' }))).toBe(100);
    const cancelled = progress({ state: 'cancelled', ok: 4, failed: 1, done: 60 });
    expect(notRunCount(cancelled)).toBe(55);
    expect(notRunCount(progress({ ok: 4, failed: 1, done: 5 }))).toBe(0);
    expect(progressLine(cancelled)).toBe('60 of 60 · 4 ok · 1 failed · 55 not run');
    expect(progressLine(progress({ ok: 1200, done: 1200, total: 2000 }))).toBe('1,200 of 2,000 · 1,200 ok');
  });
});

describe('job results on screen', () => {
  it('reads the presented fingerprint from the details of an E_HOSTKEY_UNKNOWN result', () => {
    const fp = 'SHA256:' + 'a'.repeat(42) + 'Z';
    expect(presentedFingerprint({ errorCode: 'E_HOSTKEY_UNKNOWN', errorDetails: { presented: fp, keyType: 'ssh-ed25519' } })).toBe(fp);
    // The sentence is for people: a fingerprint in it is not read, and details of another code are not taken.
    expect(presentedFingerprint({ errorCode: 'E_HOSTKEY_UNKNOWN', errorDetails: null })).toBeNull();
    expect(presentedFingerprint({ errorCode: 'E_HOSTKEY_MISMATCH', errorDetails: { presented: fp, expected: fp } })).toBeNull();
    expect(presentedFingerprint({ errorCode: 'E_HOSTKEY_UNKNOWN', errorDetails: { presented: 42 } })).toBeNull();
  });

  it('previews the first line of an output and pretty-prints JSON replies', () => {
    expect(outputPreview('one\ntwo')).toBe('one…');
    expect(outputPreview('x'.repeat(10), 4)).toBe('xxxx…');
    expect(outputPreview('  short  ')).toBe('short');
    expect(outputPreview(null)).toBe('');
    expect(prettyOutput('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyOutput('{not json')).toBe('{not json');
    expect(prettyOutput('plain text')).toBe('plain text');
  });

  it('reads an ocactl reply in one line: result fields without serial and hostname, or the error', () => {
    const ok = JSON.stringify({ api: 1, ok: true, command: 'status', result: { serial: 'LAB1', hostname: 'oca1.x', apiVersion: 1, model: 'storage', health: 'OK', firmware: { active: '26.1.3', previous: null }, disks: [1, 2] } });
    expect(replyPreview(ok)).toBe('model: storage · health: OK · firmware: active=26.1.3 previous=— · disks: [2]');
    expect(replyPreview(ok, 20)).toBe('model: storage · hea…');
    const err = JSON.stringify({ api: 1, ok: false, command: 'drain', error: { code: 'E_STATE', message: 'already drained' } });
    expect(replyPreview(err)).toBe('E_STATE: already drained');
    expect(replyPreview('{"not":"an envelope"}')).toBe('{"not":"an envelope"}');
    expect(replyPreview('{broken')).toBe('{broken');
    expect(replyPreview('uptime 3 days\nmore')).toBe('uptime 3 days…');
    expect(replyPreview(null)).toBe('');
  });

  it('links appliance targets, not bastions', () => {
    expect(applianceOfTarget('appliance:LAB00001')).toBe('LAB00001');
    expect(applianceOfTarget('bastion:gw1')).toBeNull();
  });
});

describe('honest ETA and the appliances still running', () => {
  const now = Date.parse('2026-03-01T12:01:00Z');
  it('lists running appliances longest first, with their seconds', () => {
    expect(
      runningAges(
        [
          { serial: 'B', startedAt: '2026-03-01T12:00:58Z' },
          { serial: 'A', startedAt: '2026-03-01T12:00:15Z' },
          { serial: 'C', startedAt: null },
        ],
        now,
      ),
    ).toEqual([
      { serial: 'A', seconds: 45 },
      { serial: 'B', seconds: 2 },
      { serial: 'C', seconds: 0 },
    ]);
  });

  it('keeps the estimate while nothing stalls', () => {
    expect(honestEta({ rate: 10, running: 5, remaining: 100, etaSeconds: 10 }, [{ serial: 'A', seconds: 2 }])).toEqual({ text: '10 s', stalled: [] });
  });

  it('names the one the job waits on instead of a shrinking "0 s"', () => {
    // 59 of 60 done at 2/s, one has run 45 s: the engine says 0 s left.
    expect(honestEta({ rate: 2, running: 1, remaining: 0, etaSeconds: 0 }, [{ serial: 'LAB00003', seconds: 45 }])).toEqual({
      text: 'waiting on LAB00003 (running 45 s)',
      stalled: ['LAB00003'],
    });
  });

  it('adds the stalled ones to the estimate for the rest', () => {
    const out = honestEta({ rate: 5, running: 10, remaining: 50, etaSeconds: 10 }, [
      { serial: 'X', seconds: 30 },
      { serial: 'Y', seconds: 12 },
      { serial: 'Z', seconds: 1 },
    ]);
    // Typical: 10 / 5 = 2 s per appliance; stalled past max(10, 8) s.
    expect(out).toEqual({ text: '10 s + waiting on 2 slow appliances (X running 30 s)', stalled: ['X', 'Y'] });
  });
});
