import { describe, expect, it } from 'vitest';
import { formatCommand, quoteWord, splitCommand } from './argv';

const words = (line: string) => {
  const r = splitCommand(line);
  if (!r.ok) throw new Error(r.problem);
  return r.argv;
};
const problem = (line: string) => {
  const r = splitCommand(line);
  return r.ok ? null : r.problem;
};

describe('splitCommand: a raw command line into words, as a shell splits it', () => {
  it('splits on runs of blanks and ignores leading and trailing ones', () => {
    expect(words('  ocactl   logs\t--limit  20 ')).toEqual(['ocactl', 'logs', '--limit', '20']);
  });

  it('keeps single-quoted text exactly, blanks, backslashes and dollars included', () => {
    expect(words(`echo 'a  b' 'c\\d' '$HOME'`)).toEqual(['echo', 'a  b', 'c\\d', '$HOME']);
  });

  it('keeps double-quoted text, with \\" \\\\ \\$ escapes and other backslashes kept', () => {
    expect(words(`echo "say \\"hi\\"" "a\\\\b" "\\$x" "c\\d"`)).toEqual(['echo', 'say "hi"', 'a\\b', '$x', 'c\\d']);
  });

  it('joins adjacent quoted and bare parts into one word', () => {
    expect(words(`grep -e 'a b'"c d"e`)).toEqual(['grep', '-e', 'a bc de']);
  });

  it('keeps an empty quoted word', () => {
    expect(words(`printf '' x ""`)).toEqual(['printf', '', 'x', '']);
  });

  it('takes a backslash outside quotes as keeping the next character', () => {
    expect(words('ls a\\ b \\$PATH')).toEqual(['ls', 'a b', '$PATH']);
  });

  it('expands nothing: variables, globs, tildes and semicolons are plain characters in words', () => {
    expect(words('echo $HOME *.log ~ a;b $(reboot)')).toEqual(['echo', '$HOME', '*.log', '~', 'a;b', '$(reboot)']);
  });

  it('refuses an unclosed quote, a trailing backslash, NUL and an empty line with a sentence', () => {
    expect(problem(`echo 'oops`)).toMatch(/single quote is not closed/);
    expect(problem(`echo "oops`)).toMatch(/double quote is not closed/);
    expect(problem('echo \\')).toMatch(/lone backslash/);
    expect(problem('echo a\0b')).toMatch(/NUL/);
    expect(problem('   ')).toMatch(/type a command/);
  });
});

describe('formatCommand: argv shown as one line', () => {
  it('leaves plain words alone and single-quotes the rest', () => {
    expect(formatCommand(['ocactl', 'logs', '--since', '2026-01-02T03:04:05Z'])).toBe('ocactl logs --since 2026-01-02T03:04:05Z');
    expect(formatCommand(['echo', 'a b', "it's", '', '$x'])).toBe(`echo 'a b' 'it'\\''s' '' '$x'`);
    expect(quoteWord('a;b')).toBe(`'a;b'`);
  });

  it('round-trips through splitCommand', () => {
    const cases = [['echo', 'a  b', "it's", '', '"q"', '\\', '$(x)', 'tab\there', 'new\nline']];
    for (const argv of cases) expect(words(formatCommand(argv))).toEqual(argv);
  });
});
