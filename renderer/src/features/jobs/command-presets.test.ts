import { describe, expect, it } from 'vitest';
import { OCACTL_RESULTS } from '../../../../main/appliance/contract';
import { buildPreset, DEFAULT_PARAMS, deviceActionFor, PRESETS, presetForArgv, type PresetId } from './command-presets';

const argv = (id: PresetId, params: Partial<typeof DEFAULT_PARAMS> = {}) => {
  const r = buildPreset(id, { ...DEFAULT_PARAMS, ...params });
  if (!r.ok) throw new Error(r.problem);
  return r.argv;
};
const problem = (id: PresetId, params: Partial<typeof DEFAULT_PARAMS>) => {
  const r = buildPreset(id, { ...DEFAULT_PARAMS, ...params });
  return r.ok ? null : r.problem;
};

describe('ocactl presets', () => {
  it('build argv for every preset, each naming a command the appliance API knows', () => {
    for (const p of PRESETS) {
      const words = argv(p.id, { image: 'oca-26.1.4.img' });
      expect(words[0]).toBe('ocactl');
      const two = words.slice(1, 3).join(' ');
      expect(Object.hasOwn(OCACTL_RESULTS, two) || Object.hasOwn(OCACTL_RESULTS, words[1]!)).toBe(true);
    }
  });

  it('pass parameters as separate words', () => {
    expect(argv('diag', { check: 'bgp' })).toEqual(['ocactl', 'diag', 'bgp']);
    expect(argv('logs', { limit: '20', since: '2026-03-01T00:00:00Z' })).toEqual(['ocactl', 'logs', '--since', '2026-03-01T00:00:00Z', '--limit', '20']);
    expect(argv('cache-list', { limit: ' 50 ' })).toEqual(['ocactl', 'cache', 'list', '--limit', '50']);
    expect(argv('cache-list')).toEqual(['ocactl', 'cache', 'list']);
    expect(argv('stage-check', { image: 'oca-26.1.4.img' })).toEqual(['ocactl', 'firmware', 'stage-check', 'oca-26.1.4.img']);
  });

  it('refuse bad parameters with a sentence', () => {
    expect(problem('logs', { limit: 'ten' })).toMatch(/whole number/);
    expect(problem('cache-list', { limit: '5000' })).toMatch(/1 to 1000/);
    expect(problem('logs', { since: 'yesterday' })).toMatch(/since is a time/);
    expect(problem('stage-check', { image: '' })).toMatch(/name the image/);
    expect(problem('stage-check', { image: '../etc/passwd' })).toMatch(/no blanks or slashes/);
    expect(problem('stage-check', { image: '--all' })).toMatch(/does not start with -/);
  });

  it('mark the actions that change an appliance', () => {
    expect(PRESETS.filter((p) => p.changes).map((p) => p.id)).toEqual(['drain', 'undrain']);
  });
});

describe('presets for a known argv, and the device action of a status change', () => {
  it('finds the preset that builds an argv, none for others', () => {
    expect(presetForArgv(['ocactl', 'drain'])).toBe('drain');
    expect(presetForArgv(['ocactl', 'undrain'])).toBe('undrain');
    expect(presetForArgv(['ocactl', 'status'])).toBe('status');
    expect(presetForArgv(['ocactl', 'reboot'])).toBeNull();
    expect(presetForArgv(['ocactl', 'drain', '--now'])).toBeNull();
  });

  it('drains with drained, undrains drained → online, nothing else', () => {
    expect(deviceActionFor('online', 'drained')).toBe('drain');
    expect(deviceActionFor('provisioning', 'drained')).toBe('drain');
    expect(deviceActionFor('drained', 'online')).toBe('undrain');
    expect(deviceActionFor('offline', 'online')).toBeNull();
    expect(deviceActionFor('online', 'rma')).toBeNull();
  });
});
