import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quoteWord, remoteCommand } from './remote-command';

const HOSTILE = [
  'a;rm -rf /',
  '$(reboot)',
  '`reboot`',
  "it's",
  '"double" quoted',
  "'''",
  'line1\nline2\n',
  '\ttab',
  '',
  ' ',
  '*',
  '~root',
  '$HOME',
  '${IFS}',
  'a|b&c>d<e',
  '\\n',
  '!history',
  '# not a comment',
  '-n',
  'über ✓',
];

/** Run the quoted line through a real shell and read back each argument NUL-separated. */
function roundTrip(shell: string, words: string[]): string[] {
  const out = execFileSync(shell, ['-c', remoteCommand(['printf', '%s\\0', ...words])], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('remote command quoting', () => {
  it('leaves plain words alone and single-quotes everything else', () => {
    expect(quoteWord('ocactl')).toBe('ocactl');
    expect(quoteWord('--json')).toBe('--json');
    expect(quoteWord('GRU1-001.isp.net')).toBe('GRU1-001.isp.net');
    expect(quoteWord('')).toBe("''");
    expect(quoteWord("it's")).toBe(`'it'\\''s'`);
    expect(quoteWord('a;b')).toBe("'a;b'");
  });

  for (const shell of ['/bin/sh', '/bin/bash', '/bin/dash']) {
    it(`every hostile word reaches the program intact through ${shell}`, (ctx) => {
      if (!existsSync(shell)) {
        console.log(`SKIPPED: ${shell} is not installed here`);
        ctx.skip();
        return;
      }
      expect(roundTrip(shell, HOSTILE)).toEqual(HOSTILE);
    });
  }

  // The program name is a word like any other: a hostile one must run that program, nothing else.
  const HOSTILE_PROGRAMS = ['my program', 'prog;touch pwned', '$(touch pwned)', '`touch pwned`', "it's", 'a|touch pwned', '*', '-x'];
  for (const shell of ['/bin/sh', '/bin/bash', '/bin/dash']) {
    it(`a hostile program name runs that program and nothing else through ${shell}`, (ctx) => {
      if (!existsSync(shell)) {
        console.log(`SKIPPED: ${shell} is not installed here`);
        ctx.skip();
        return;
      }
      const dir = mkdtempSync(join(tmpdir(), 'fleetdeck-argv0-'));
      try {
        for (const name of HOSTILE_PROGRAMS) {
          const program = join(dir, name);
          writeFileSync(program, `#!/bin/sh\nprintf '%s\\0' ran "$@"\n`);
          chmodSync(program, 0o755);
          // Run from inside the directory by a relative name, as a bare program name would be.
          const line = remoteCommand([`./${name}`, 'one arg', '$HOME']);
          const out = execFileSync(shell, ['-c', line], { cwd: dir, encoding: 'utf8' });
          expect(out.split('\0').slice(0, -1), `program ${JSON.stringify(name)}`).toEqual(['ran', 'one arg', '$HOME']);
          expect(readdirSync(dir)).not.toContain('pwned');
          rmSync(program);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('refuses NUL and empty commands with a validation error', () => {
    expect(() => quoteWord('a\0b')).toThrow(/NUL/);
    expect(() => remoteCommand([])).toThrow(/empty command/);
  });
});
