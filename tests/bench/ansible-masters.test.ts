/**
 * The benchmarks' Ansible clean-up (bench/support/ansible.ts `closeAnsibleMasters`) asks ssh to end
 * each ControlPersist master of the bench's dir. The dir's path is the user's temp dir: a space, a
 * quote, `$(...)` or `;` in it must reach ssh as part of the path, never run as shell syntax. A
 * stand-in `ssh` first on PATH records the arguments it was given.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeAnsibleMasters } from '../../bench/support/ansible';
import { tempDir } from '../support/temp-dir';

describe('closing the Ansible control masters', () => {
  const root = tempDir('fleetdeck-ansible-cp-');
  const path = process.env['PATH'];
  afterAll(() => {
    process.env['PATH'] = path;
    rmSync(root, { recursive: true, force: true });
  });

  it('passes each socket path to ssh whole, whatever characters the dir has; nothing in it runs', () => {
    const bin = join(root, 'bin');
    mkdirSync(bin);
    const calls = join(root, 'calls.jsonl');
    // A stand-in ssh: one JSON line per call with its arguments.
    writeFileSync(join(bin, 'ssh'), `#!${process.execPath}\nrequire('node:fs').appendFileSync(${JSON.stringify(calls)}, JSON.stringify(process.argv.slice(2)) + '\\n');\n`);
    chmodSync(join(bin, 'ssh'), 0o755);
    process.env['PATH'] = `${bin}:${path ?? ''}`;

    const dir = join(root, `bench dir 'q' $(touch ${join(root, 'RAN')}); touch ${join(root, 'RAN2')} 100%h`);
    mkdirSync(join(dir, 'ansible-cp'), { recursive: true });
    for (const socket of ['0123abcd', 'feedbeef']) writeFileSync(join(dir, 'ansible-cp', socket), '');
    closeAnsibleMasters(dir);

    const seen = readFileSync(calls, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]);
    const escaped = (socket: string) => join(dir, 'ansible-cp', socket).replaceAll('%', '%%');
    expect(seen.sort()).toEqual([
      ['-o', `ControlPath=${escaped('0123abcd')}`, '-O', 'exit', 'x'],
      ['-o', `ControlPath=${escaped('feedbeef')}`, '-O', 'exit', 'x'],
    ]);
    expect(existsSync(join(root, 'RAN'))).toBe(false);
    expect(existsSync(join(root, 'RAN2'))).toBe(false);

    // A dir where Ansible made no masters: ssh is not asked.
    rmSync(calls);
    closeAnsibleMasters(join(root, 'no-masters-here'));
    expect(existsSync(calls)).toBe(false);
  });
});
