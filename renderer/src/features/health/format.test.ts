import { describe, expect, it } from 'vitest';
import { ageAt, diskPercent, formatAge, formatGbps, formatRatio, measuredLine, healthShown, pollingNote, reachabilityLine } from './format';

describe('health formatting', () => {
  it('says ages the short way an operator reads them', () => {
    expect(formatAge(0)).toBe('0 s');
    expect(formatAge(59.9)).toBe('60 s');
    expect(formatAge(185)).toBe('3 min');
    expect(formatAge(7260)).toBe('2 h 1 min');
    expect(formatAge(7200)).toBe('2 h');
    expect(formatAge(200_000)).toBe('2 d 7 h');
    expect(formatAge(-5)).toBe('0 s');
  });

  it('ticks an age from the engine’s answer, not from this computer’s clock', () => {
    expect(ageAt(null, 1000, 5000)).toBeNull();
    expect(ageAt(30, 10_000, 14_000)).toBe(34);
    // A clock that went backwards does not make the measurement younger.
    expect(ageAt(30, 10_000, 9_000)).toBe(30);
  });

  it('reads reachability: unreachable with its age, never measured, not polled', () => {
    expect(reachabilityLine(true, 12, true)).toBeNull();
    expect(reachabilityLine(false, 185, true)).toBe('unreachable, last seen 3 min ago');
    expect(reachabilityLine(false, null, true)).toBe('unreachable, never measured');
    expect(reachabilityLine(false, null, false)).toBe('not polled yet');
    expect(measuredLine(4)).toBe('measured 4 s ago');
    expect(measuredLine(null)).toBe('never measured');
  });

  it('formats throughput and ratios, and reads disk use in percent', () => {
    expect(formatGbps(12.345)).toBe('12.3 Gbps');
    expect(formatGbps(0)).toBe('0.0 Gbps');
    expect(formatRatio(0.9341)).toBe('93.4%');
    expect(diskPercent(50, 200)).toBe(25);
    expect(diskPercent(50, 0)).toBe(0);
  });
});

describe('pollingNote', () => {
  it('says polling is off, and how to turn it on, only when it is off or not run here', () => {
    expect(pollingNote({ enabled: false }, { polling: false })).toMatch(/^Polling is off: .*Turn it on, or Poll now/);
    expect(pollingNote({ enabled: true }, { polling: false })).toMatch(/this engine does not run it/);
    expect(pollingNote({ enabled: true }, { polling: true })).toBeNull();
    expect(pollingNote({ enabled: true }, null)).toBeNull();
    expect(pollingNote(null, null)).toBeNull();
  });
});

describe('healthShown: a planned outage', () => {
  it('shows a rollout\'s reboot as that, in the neutral colour, with the last known state beside it', () => {
    const h = { status: 'Unknown' as const, lastKnownStatus: 'OK' as const, reachable: false, lastPollAt: '2026-12-04T10:00:00Z', lifecycle: 'online', expected: 'rebooting (rollout 12)' };
    expect(healthShown(h, 185)).toEqual({ label: 'rebooting (rollout 12)', tone: 'Unknown', state: 'expected', line: 'last known OK 3 min ago' });
    expect(healthShown({ ...h, expected: null }, 65).state).toBe('unreachable');
  });
});

describe('healthShown: the current state first', () => {
  const base = { status: 'OK' as const, lastKnownStatus: 'OK' as const, reachable: true, lastPollAt: '2026-03-01T12:00:00Z', lifecycle: 'online' };

  it('says Unreachable, coloured as counted, then the last known state and its age', () => {
    expect(healthShown({ ...base, status: 'Error', reachable: false }, 185)).toEqual({ label: 'Unreachable', tone: 'Error', state: 'unreachable', line: 'last known OK 3 min ago' });
    expect(healthShown({ ...base, status: 'Warning', lastKnownStatus: null, reachable: false }, null)).toMatchObject({ label: 'Unreachable', line: 'never reached' });
    // Offline or awaiting install: expected not to answer, so not coloured as a problem.
    expect(healthShown({ ...base, status: 'Error', reachable: false, lifecycle: 'offline' }, 60)).toMatchObject({ label: 'Unreachable', tone: 'Unknown', line: 'last known OK 60 s ago' });
    expect(healthShown({ ...base, status: 'Error', reachable: false, lifecycle: 'drained' }, 60).tone).toBe('Error');
  });

  it('never shows an RMA appliance as a green OK: Not polled, with what was last known', () => {
    expect(healthShown({ ...base, lifecycle: 'rma' }, 3600)).toEqual({ label: 'Not polled', tone: 'Unknown', state: 'not-polled', line: 'not polled (rma); last known OK 1 h ago' });
    expect(healthShown({ ...base, lifecycle: 'rma', lastPollAt: null, lastKnownStatus: null }, null)).toMatchObject({ label: 'Not polled', line: 'not polled (rma)' });
  });

  it('gives the age of an OK outside online and drained, and of nothing else unless asked', () => {
    expect(healthShown({ ...base, lifecycle: 'offline' }, 12)).toMatchObject({ label: 'OK', tone: 'OK', line: 'measured 12 s ago' });
    expect(healthShown({ ...base, lifecycle: 'awaiting-install' }, 12).line).toBe('measured 12 s ago');
    expect(healthShown(base, 12).line).toBeNull();
    expect(healthShown({ ...base, lifecycle: 'drained' }, 12, true).line).toBe('measured 12 s ago');
    expect(healthShown({ ...base, lastPollAt: null, lastKnownStatus: null }, null)).toEqual({ label: 'Unknown', tone: 'Unknown', state: 'never-polled', line: 'not polled yet' });
  });
});
