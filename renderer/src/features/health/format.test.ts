import { describe, expect, it } from 'vitest';
import { ageAt, diskPercent, formatAge, formatBytes, formatGbps, formatRatio, measuredLine, reachabilityLine } from './format';

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

  it('formats throughput, ratios and disks', () => {
    expect(formatGbps(12.345)).toBe('12.3 Gbps');
    expect(formatGbps(0)).toBe('0.0 Gbps');
    expect(formatRatio(0.9341)).toBe('93.4%');
    expect(formatBytes(360e12)).toBe('360 TB');
    expect(formatBytes(1.5e15)).toBe('1.5 PB');
    expect(formatBytes(512)).toBe('512 B');
    expect(diskPercent(50, 200)).toBe(25);
    expect(diskPercent(50, 0)).toBe(0);
  });
});
