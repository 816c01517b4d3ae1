/**
 * The one place that turns argv into a remote command line. An SSH server hands the command to
 * the user's login shell (POSIX sh on appliances), so every word is single-quoted unless it is
 * made only of characters no shell treats specially. Inventory fields, user input and filenames
 * all pass through here; nothing else in the engine builds a remote shell string.
 */
import { FleetError } from '../kit/errors';

/** Words made only of these characters mean the same quoted or not, in every POSIX shell. */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quote one word for a POSIX shell: `it's` -> `'it'\''s'`. NUL cannot travel in argv and is refused. */
export function quoteWord(word: string): string {
  if (word.includes('\0')) {
    throw new FleetError('E_VALIDATION', 'A command word contains a NUL byte, which no remote command can carry.');
  }
  if (SAFE_WORD.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Join argv into one command line whose words arrive at the remote program exactly as given. */
export function remoteCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new FleetError('E_VALIDATION', 'An empty command cannot be run on an appliance.');
  return argv.map(quoteWord).join(' ');
}
