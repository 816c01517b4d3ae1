/**
 * A raw command typed as one line, split into words the way a POSIX shell splits them: blanks
 * separate words; 'single quotes' keep everything; "double quotes" keep everything but \" \\ \$ \`;
 * a backslash outside quotes keeps the next character. Nothing is expanded ($VAR, *, ~ stay as
 * typed): the engine sends each word as one argument. Pure, so it is tested in Node.
 */

export type SplitResult = { ok: true; argv: string[] } | { ok: false; problem: string };

const BLANK = /[ \t\r\n]/;

export function splitCommand(line: string): SplitResult {
  const argv: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\0') return { ok: false, problem: 'a command cannot contain a NUL character' };
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < line.length && '"\\$`\n'.includes(line[i + 1]!)) {
        const next = line[++i]!;
        if (next !== '\n') word += next;
      } else word += c;
      continue;
    }
    if (BLANK.test(c)) {
      if (inWord) argv.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'" || c === '"') quote = c;
    else if (c === '\\') {
      if (i + 1 >= line.length) return { ok: false, problem: 'the command ends with a lone backslash' };
      const next = line[++i]!;
      // A backslash before a newline joins the lines, as in a shell.
      if (next !== '\n') word += next;
    } else word += c;
  }
  if (quote) return { ok: false, problem: `a ${quote === "'" ? 'single' : 'double'} quote is not closed` };
  if (inWord) argv.push(word);
  if (argv.length === 0) return { ok: false, problem: 'type a command to run' };
  return { ok: true, argv };
}

const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One word as a shell would need it typed: plain words as they are, others in single quotes. */
export function quoteWord(word: string): string {
  if (PLAIN.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** argv back as one line; `splitCommand(formatCommand(argv))` gives argv again. */
export function formatCommand(argv: readonly string[]): string {
  return argv.map(quoteWord).join(' ');
}
