import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

  it('refuses NUL and empty commands with a validation error', () => {
    expect(() => quoteWord('a\0b')).toThrow(/NUL/);
    expect(() => remoteCommand([])).toThrow(/empty command/);
  });
});
