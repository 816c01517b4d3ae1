import { describe, expect, it } from 'vitest';
import type { JobResult } from './contract';
import { groupResults } from './groups';

const status = (serial: string, firmware: string, health: string, serving: string) =>
  JSON.stringify({ api: 1, ok: true, command: 'status', result: { serial, health, serving, firmware: { runningVersion: firmware, active: 'A' } } });

function result(serial: string, state: JobResult['state'], output: string | null, errorCode: string | null = null): JobResult {
  return { serial, state, ok: state === 'ok', exitCode: state === 'ok' ? 0 : null, output, stderr: null, errorCode, errorMessage: null, errorDetails: null, startedAt: null, finishedAt: null };
}

describe('groupResults', () => {
  it('groups ocactl replies by named fields and dotted paths, largest group first', () => {
    const g = groupResults(
      [
        result('A1', 'ok', status('A1', '2.4.1', 'OK', 'serving')),
        result('A2', 'ok', status('A2', '2.4.1', 'OK', 'serving')),
        result('A3', 'ok', status('A3', '2.3.9', 'OK', 'serving')),
        result('A4', 'ok', status('A4', '2.4.1', 'Error', 'drained')),
        result('A5', 'failed', null, 'E_UNREACHABLE'),
        result('A6', 'ok', 'plain text'),
      ],
      ['firmware', 'health', 'firmware.active'],
    );
    expect(g.total).toBe(6);
    expect(g.by).toEqual(['firmware', 'health', 'firmware.active']);
    expect(g.groups[0]).toEqual({ values: ['2.4.1', 'OK', 'A'], outcome: 'ok', count: 2, serials: ['A1', 'A2'] });
    expect(g.groups.map((x) => x.count)).toEqual([2, 1, 1, 1, 1]);
    expect(g.groups.find((x) => x.serials.includes('A4'))!.values).toEqual(['2.4.1', 'Error', 'A']);
    expect(g.groups.find((x) => x.serials.includes('A5'))).toMatchObject({ values: [null, null, null], outcome: 'failed E_UNREACHABLE' });
    expect(g.groups.find((x) => x.serials.includes('A6'))).toMatchObject({ values: [null, null, null], outcome: 'ok (not an ocactl reply)' });
  });

  it('reads a field the reply lacks as null, and never walks into the prototype', () => {
    const g = groupResults([result('A1', 'ok', status('A1', '1', 'OK', 'serving'))], ['nosuch', 'constructor', 'firmware.runningVersion.length']);
    expect(g.groups[0]!.values).toEqual([null, null, null]);
  });
});
