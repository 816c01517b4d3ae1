/**
 * What every `fleetdeck` command shares: where output goes, the --data-dir option, opening the
 * engine on a data directory, and turning any failure into one clear line and exit status 1.
 */
import { userInfo } from 'node:os';
import { Option, type Command } from 'commander';
import { isErrorCode } from '../kit/error-codes';
import { throughDoor, type Door } from './door';
import { terminalSafe } from './terminal-text';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** Set once the reader of stdout (or stderr) went away (`fleetdeck ... | head`): writes are dropped. */
const closed = { out: false, err: false };
const outputClosedListeners = new Set<() => void>();

/** Lines to the terminal, control characters shown escaped (terminal-text.ts): text from appliances is never obeyed. */
export const processIo: Io = {
  out: (text) => {
    if (!closed.out) process.stdout.write(terminalSafe(text) + '\n');
  },
  err: (text) => {
    if (!closed.err) process.stderr.write(terminalSafe(text) + '\n');
  },
};

/** Whether stdout's reader has gone away. */
export const outputClosed = () => closed.out;

/** Calls `listener` once when stdout's reader goes away; returns the function that stops listening. */
export function onOutputClosed(listener: () => void): () => void {
  outputClosedListeners.add(listener);
  return () => outputClosedListeners.delete(listener);
}

let quiet = false;
/**
 * A closed stdout (EPIPE: `fleetdeck ... | head`) ends output quietly instead of with a stack
 * trace: later writes are dropped and whoever listens (a job being followed) is told.
 */
export function quietOnClosedOutput(): void {
  if (quiet) return;
  quiet = true;
  const watch = (stream: NodeJS.WriteStream, which: 'out' | 'err') =>
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
      if (closed[which]) return;
      closed[which] = true;
      if (which === 'out') for (const listener of [...outputClosedListeners]) listener();
    });
  watch(process.stdout, 'out');
  watch(process.stderr, 'err');
}

/** `--json`: the command prints one JSON document on stdout (its result) instead of its text. */
export const jsonOption = (what = 'the result') => new Option('--json', `print ${what} as one JSON document instead of text`).default(false);

export const dataDirOption = () => new Option('--data-dir <dir>', 'data directory (default: FLEETDECK_DATA_DIR or ~/.fleetdeck)');

/** --data-dir given to this command or to `fleetdeck` itself. */
export function dataDirOf(cmd: Command): string | undefined {
  return cmd.optsWithGlobals<{ dataDir?: string }>().dataDir;
}

/** Who acts, for the audit log. */
export const cliActor = () => `cli:${userInfo().username}`;

/** The engine on the command's data directory, through the CLI's one door (door.ts), for the length of `fn`. */
export function withEngine<T>(cmd: Command, fn: (door: Door) => Promise<T>): Promise<T> {
  return throughDoor(dataDirOf(cmd), cliActor(), fn);
}

/** A failure the user should read as it is (bad file name, bad option value). */
export class UsageError extends Error {}

export const debugging = () => process.env['FLEETDECK_DEBUG'] === '1';

/** One line for any error; stack traces only with FLEETDECK_DEBUG=1. */
export function describeError(err: unknown): string {
  // FleetError (thrown in this process) or ApiError (from the client): both carry a stable code.
  // Told by shape, so that loading this file does not load the API client (`fleetdeck --version`).
  if (err instanceof Error && 'code' in err && isErrorCode(err.code)) return `${err.message} (${err.code})`;
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Wraps a command's action: any error becomes `fleetdeck <command>: <sentence>` on stderr and
 * exit status 1, after `explain` has printed what it knows about it (the bad rows of an import).
 */
export function action<A extends unknown[]>(io: Io, name: string, fn: (...args: A) => Promise<void>, explain?: (err: unknown) => void) {
  return async (...args: A): Promise<void> => {
    try {
      await fn(...args);
    } catch (err) {
      io.err(`fleetdeck ${name}: ${describeError(err)}`);
      explain?.(err);
      if (debugging() && err instanceof Error && err.stack) io.err(err.stack);
      process.exitCode = 1;
    }
  };
}
