import { describe, expect, it } from 'vitest';
import { hashFor, navSection, parseHash, type Route } from './route';

describe('health routes', () => {
  it('parses the Health screen with its status filter, dropping unknown statuses', () => {
    expect(parseHash('#/health')).toEqual({ name: 'health', status: [] });
    expect(parseHash('#/health?status=Error&status=Warning&status=Bogus&status=Error')).toEqual({ name: 'health', status: ['Error', 'Warning'] });
    expect(parseHash('#/health/actionable')).toEqual({ name: 'actionable' });
  });

  it('writes hashes that parse back to the same route', () => {
    const routes: Route[] = [{ name: 'health', status: [] }, { name: 'health', status: ['Unknown', 'OK'] }, { name: 'actionable' }];
    for (const route of routes) expect(parseHash(hashFor(route))).toEqual(route);
    expect(hashFor({ name: 'health', status: ['Error'] })).toBe('#/health?status=Error');
  });

  it('keeps both health views under one navigation entry', () => {
    expect(navSection({ name: 'health', status: [] })).toBe('health');
    expect(navSection({ name: 'actionable' })).toBe('health');
  });
});
