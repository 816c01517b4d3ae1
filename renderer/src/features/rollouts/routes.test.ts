import { describe, expect, it } from 'vitest';
import { hashFor, navSection, parseHash } from '../../route';

describe('firmware and rollout routes', () => {
  it('parse and print the firmware screen, the rollout list, the editor and one rollout', () => {
    expect(parseHash('#/firmware')).toEqual({ name: 'firmware' });
    expect(parseHash('#/rollouts')).toEqual({ name: 'rollouts' });
    expect(parseHash('#/rollouts/new')).toEqual({ name: 'rolloutNew' });
    expect(parseHash('#/rollouts/12')).toEqual({ name: 'rollout', id: 12 });
    for (const hash of ['#/firmware', '#/rollouts', '#/rollouts/new', '#/rollouts/12']) expect(hashFor(parseHash(hash))).toBe(hash);
  });

  it('take a rollout id that is not a positive whole number to the list', () => {
    for (const bad of ['#/rollouts/0', '#/rollouts/x', '#/rollouts/-3', '#/rollouts/1e3']) expect(parseHash(bad)).toEqual({ name: 'rollouts' });
  });

  it('light the Rollouts entry for the editor and a rollout', () => {
    expect(navSection({ name: 'rolloutNew' })).toBe('rollouts');
    expect(navSection({ name: 'rollout', id: 1 })).toBe('rollouts');
    expect(navSection({ name: 'firmware' })).toBe('firmware');
  });
});
