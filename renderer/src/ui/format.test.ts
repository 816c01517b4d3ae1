import { describe, expect, it } from 'vitest';
import {
  describeDetails,
  formatCoords,
  formatCount,
  formatRowCount,
  formatTb,
  inWindow,
  parseWindow,
  siteClock,
  windowLength,
} from './format';

describe('numbers', () => {
  it('groups thousands and reads capacity in TB, or PB for big fleets', () => {
    expect(formatCount(10000)).toBe('10,000');
    expect(formatTb(240)).toBe('240 TB');
    expect(formatTb(1234.56)).toBe('1,234.6 TB');
    expect(formatTb(14400)).toBe('14.4 PB');
  });

  it('says how many rows of the fleet are shown', () => {
    expect(formatRowCount(null, 10000)).toBe('Loading…');
    expect(formatRowCount(1234, 10000)).toBe('1,234 of 10,000');
    expect(formatRowCount(10000, 10000)).toBe('10,000 appliances');
    expect(formatRowCount(1, null)).toBe('1 appliance');
  });

  it('writes coordinates without trailing zeros', () => {
    expect(formatCoords(-23.55, -46.6333)).toBe('-23.55, -46.6333');
    expect(formatCoords(50, 8.682127)).toBe('50, 8.6821');
  });
});

describe('daily windows', () => {
  it('parses HH:MM-HH:MM and rejects anything else', () => {
    expect(parseWindow('02:00-14:00')).toEqual({ start: 120, end: 840 });
    expect(parseWindow('2:00-14:00')).toBeNull();
    expect(parseWindow('24:00-01:00')).toBeNull();
  });

  it('knows when a window is open, also across midnight', () => {
    expect(inWindow('02:00-14:00', 2 * 60)).toBe(true);
    expect(inWindow('02:00-14:00', 14 * 60)).toBe(false);
    expect(inWindow('02:00-14:00', 60)).toBe(false);
    expect(inWindow('22:00-04:00', 23 * 60)).toBe(true);
    expect(inWindow('22:00-04:00', 3 * 60 + 59)).toBe(true);
    expect(inWindow('22:00-04:00', 12 * 60)).toBe(false);
  });

  it('says how long a window lasts', () => {
    expect(windowLength('02:00-14:00')).toBe('12 h');
    expect(windowLength('23:30-04:00')).toBe('4 h 30 min');
    expect(windowLength('01:00-01:45')).toBe('45 min');
  });
});

describe('site clock', () => {
  it('tells the wall-clock time at a site from its IANA zone', () => {
    const noonUtc = new Date('2025-01-15T12:00:00Z');
    const saoPaulo = siteClock('America/Sao_Paulo', noonUtc);
    expect(saoPaulo?.time).toBe('09:00');
    expect(saoPaulo?.minutes).toBe(9 * 60);
    expect(saoPaulo?.weekday).toBe('Wed');
    expect(siteClock('Asia/Kolkata', noonUtc)?.time).toBe('17:30');
    expect(siteClock('Europe/Berlin', new Date('2025-01-15T23:30:00Z'))?.time).toBe('00:30');
  });

  it('returns null for a zone the runtime does not know', () => {
    expect(siteClock('Mars/Olympus_Mons', new Date())).toBeNull();
    expect(siteClock('', new Date())).toBeNull();
  });
});

describe('audit details', () => {
  it('reads changes as from → to and skips empty values', () => {
    expect(
      describeDetails({ via: 'import', changes: { hostname: { from: 'a', to: 'b' } }, reason: '', tags: ['x', 'y'] }),
    ).toBe('via: import; changes: hostname a → b; tags: x, y');
    expect(describeDetails({ status: { from: 'online', to: 'drained' }, reason: 'fan' })).toBe(
      'status: online → drained; reason: fan',
    );
    // A health setting change, as the engine records it.
    expect(describeDetails({ changes: { enabled: { from: false, to: true }, selection: { from: {}, to: { site: ['GRU1', 'GRU2'] } } } })).toBe(
      'changes: enabled false → true, selection (none) → site GRU1, GRU2',
    );
  });
});
