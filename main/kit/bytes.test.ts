import { describe, expect, it } from 'vitest';
import { formatBytes } from './bytes';

describe('byte sizes (the renderer and the CLI)', () => {
  it('writes byte sizes one way, in decimal (capacities) or binary (files) units', () => {
    // Decimal, as disk vendors count: whole bytes, one decimal below 100 of a unit, none from 100 on.
    expect(formatBytes(0, 'decimal')).toBe('0 B');
    expect(formatBytes(999, 'decimal')).toBe('999 B');
    expect(formatBytes(1000, 'decimal')).toBe('1.0 KB');
    expect(formatBytes(1.25e12, 'decimal')).toBe('1.3 TB');
    expect(formatBytes(42.04e9, 'decimal')).toBe('42.0 GB');
    expect(formatBytes(360e12, 'decimal')).toBe('360 TB');
    expect(formatBytes(1.5e15, 'decimal')).toBe('1.5 PB');
    expect(formatBytes(2.5e18, 'decimal')).toBe('2500 PB');
    // Binary, as file sizes: 1 KiB = 1024 B.
    expect(formatBytes(1023, 'binary')).toBe('1023 B');
    expect(formatBytes(1536, 'binary')).toBe('1.5 KiB');
    expect(formatBytes(1000, 'binary')).toBe('1000 B');
    expect(formatBytes(1024 * 1024, 'binary')).toBe('1.0 MiB');
    expect(formatBytes(512 * 1024, 'binary')).toBe('512 KiB');
    expect(formatBytes(15.3 * 1024 ** 2, 'binary')).toBe('15.3 MiB');
    expect(formatBytes(3 * 1024 ** 4, 'binary')).toBe('3.0 TiB');
    // Rounding never shows a unit's base or "100.0": it moves to the next unit or drops the decimal.
    expect(formatBytes(999_960, 'decimal')).toBe('1.0 MB');
    expect(formatBytes(1024 * 1024 - 1, 'binary')).toBe('1.0 MiB');
    expect(formatBytes(99.96e6, 'decimal')).toBe('100 MB');
    expect(formatBytes(99.94e6, 'decimal')).toBe('99.9 MB');
    // Nonsense reads as nothing rather than "NaN undefined".
    expect(formatBytes(-5, 'decimal')).toBe('0 B');
    expect(formatBytes(Number.NaN, 'binary')).toBe('0 B');
  });
});
