import { describe, expect, it } from 'vitest';
import { hashFor, navSection, parseHash } from './route';

describe('job and host-key routes', () => {
  it('parse and print the jobs list, one job and the host-key alerts', () => {
    expect(parseHash('#/jobs')).toEqual({ name: 'jobs' });
    expect(parseHash('#/jobs/42')).toEqual({ name: 'job', id: 42 });
    expect(parseHash('#/hostkeys')).toEqual({ name: 'hostkeys' });
    for (const hash of ['#/jobs', '#/jobs/42', '#/hostkeys']) expect(hashFor(parseHash(hash))).toBe(hash);
  });

  it('take a job id that is not a positive whole number to the jobs list', () => {
    for (const bad of ['#/jobs/0', '#/jobs/-1', '#/jobs/abc', '#/jobs/1.5', '#/jobs/99999999999999999999']) {
      expect(parseHash(bad)).toEqual({ name: 'jobs' });
    }
  });

  it('light the Jobs entry for a job and the Host keys entry for alerts', () => {
    expect(navSection({ name: 'job', id: 3 })).toBe('jobs');
    expect(navSection({ name: 'jobs' })).toBe('jobs');
    expect(navSection({ name: 'hostkeys' })).toBe('hostkeys');
  });
});
