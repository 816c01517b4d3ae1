/**
 * Every method of the combined contract says whether it writes (MethodSpec.writes), and a read-only
 * dispatcher (a snapshot's engine) refuses every writing method with E_READ_ONLY before any handler
 * runs, while every reading method still reaches its handler. The walk covers the whole contract,
 * so a method added later is covered without editing this file.
 */
import { describe, expect, it } from 'vitest';
import { contract, type Domain } from './contract';
import { Dispatcher, type Handlers } from './dispatcher';
import type { MethodSpec } from '../kit/contract';
import { silentLogger } from '../store/log';

const all: { name: string; spec: MethodSpec }[] = Object.entries(contract).flatMap(([domain, methods]) =>
  Object.entries(methods as Record<string, MethodSpec>).map(([m, spec]) => ({ name: `${domain}.${m}`, spec })),
);

/** Handlers that record which method was reached and answer nothing useful. */
function recordingHandlers(reached: string[]): Handlers {
  const out: Record<string, Record<string, () => unknown>> = {};
  for (const { name } of all) {
    const [domain, m] = name.split('.') as [Domain, string];
    (out[domain] ??= {})[m] = () => {
      reached.push(name);
      return null;
    };
  }
  return out as unknown as Handlers;
}

/** Verbs that always change something: a method so named must be marked as writing. */
const WRITING_VERB = /^(set|create|update|upsert|delete|remove|import|generate|trust|untrust|resolve|start|stop|exec|cancel|pause|resume|retry|poll)([A-Z]|$)/;

describe('the writes flag', () => {
  it('is a boolean on every method of the combined contract', () => {
    expect(all.length).toBeGreaterThan(50);
    for (const { name, spec } of all) expect(typeof spec.writes, name).toBe('boolean');
  });

  it('is true on every method whose name says it changes something', () => {
    const unmarked = all.filter(({ name, spec }) => WRITING_VERB.test(name.split('.')[1]!) && !spec.writes).map((m) => m.name);
    expect(unmarked).toEqual([]);
  });

  it('read-only: every writing method is refused with E_READ_ONLY and its handler never runs; every read reaches its handler', async () => {
    const reached: string[] = [];
    const dispatcher = new Dispatcher(recordingHandlers(reached), silentLogger, false, 'this is a snapshot of fleet-a taken at 2026-12-01T10:00:00.000Z.');
    const writing = all.filter((m) => m.spec.writes);
    const reading = all.filter((m) => !m.spec.writes);
    expect(writing.length).toBeGreaterThan(20);
    for (const { name } of writing) {
      const out = await dispatcher.dispatch(name, {}, { actor: 'test', host: 'test' });
      // The sentence says what and why in words; the method is in the details, not the sentence.
      expect(out, name).toMatchObject({ ok: false, error: { code: 'E_READ_ONLY', details: { method: name } } });
      if (!out.ok) expect(out.error.message).toBe('Nothing can be changed here: this is a snapshot of fleet-a taken at 2026-12-01T10:00:00.000Z.');
    }
    expect(reached).toEqual([]);
    for (const { name } of reading) await dispatcher.dispatch(name, {}, { actor: 'test', host: 'test' });
    // Reads with required input stop at validation; the rest reach their handler, none is refused.
    for (const { name } of reading) {
      const out = await dispatcher.dispatch(name, {}, { actor: 'test', host: 'test' });
      if (!out.ok) expect(out.error.code, name).not.toBe('E_READ_ONLY');
    }
    expect(reached).toContain('inventory.listAppliances');
    expect(reached).toContain('health.fleet');
  });

  it('a writable dispatcher runs writing methods', async () => {
    const reached: string[] = [];
    const dispatcher = new Dispatcher(recordingHandlers(reached), silentLogger);
    await dispatcher.dispatch('lab.stop', {}, { actor: 'test', host: 'test' });
    expect(reached).toEqual(['lab.stop']);
  });
});
