import { afterEach, describe, expect, it } from 'vitest';
import { isLoopback, LOOPBACK_ONLY_ENV, refuseOffLoopback } from './loopback-guard';

describe('loopback guard (tests and benchmarks reach loopback only)', () => {
  const before = process.env[LOOPBACK_ONLY_ENV];
  afterEach(() => {
    if (before === undefined) delete process.env[LOOPBACK_ONLY_ENV];
    else process.env[LOOPBACK_ONLY_ENV] = before;
  });

  it('knows loopback from everything else', () => {
    for (const h of ['127.0.0.1', '127.3.2.1', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopback(h)).toBe(true);
    for (const h of ['10.1.2.3', '192.0.2.13', '2001:db8::1', '128.0.0.1', 'example.net', '127.0.0.1.example.net', '']) expect(isLoopback(h)).toBe(false);
  });

  it('refuses an address off loopback only when the guard is on', () => {
    process.env[LOOPBACK_ONLY_ENV] = '1';
    expect(() => refuseOffLoopback('10.1.2.3', 'SSH to OCA1')).toThrow(/10\.1\.2\.3 is not a loopback address .*nothing was sent/);
    expect(() => refuseOffLoopback('127.0.0.1', 'SSH to OCA1')).not.toThrow();
    delete process.env[LOOPBACK_ONLY_ENV];
    expect(() => refuseOffLoopback('10.1.2.3', 'SSH to OCA1')).not.toThrow();
  });

  it('is on in this test run (vitest.config.ts and npm test set it)', () => {
    expect(before).toBe('1');
  });
});
