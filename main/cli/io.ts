/**
 * What every `fleetdeck` command shares: where output goes, the --data-dir option, opening the
 * engine on a data directory, and turning any failure into one clear line and exit status 1.
 */
import { userInfo } from 'node:os';
import { Option, type Command } from 'commander';
import { ApiError } from '../api/client';
import { FleetError } from '../kit/errors';
import { createEngine, type Engine } from '../engine';
import { resolveDataDir } from '../store/data-dir';
import { openNodeVault } from '../vault/node-vault';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
};

export const dataDirOption = () => new Option('--data-dir <dir>', 'data directory (default: FLEETDECK_DATA_DIR or ~/.fleetdeck)');

/** --data-dir given to this command or to `fleetdeck` itself. */
export function dataDirOf(cmd: Command): string | undefined {
  return cmd.optsWithGlobals<{ dataDir?: string }>().dataDir;
}

/** Who acts, for the audit log. */
export const cliActor = () => `cli:${userInfo().username}`;

/** Opens the engine on the data directory for the length of `fn`. */
export async function withEngine<T>(cmd: Command, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const dataDir = resolveDataDir(dataDirOf(cmd));
  const engine = createEngine({ dataDir, host: 'cli', vault: await openNodeVault(dataDir) });
  try {
    return await fn(engine);
  } finally {
    engine.close();
  }
}

/** A failure the user should read as it is (bad file name, bad option value). */
export class UsageError extends Error {}

export const debugging = () => process.env['FLEETDECK_DEBUG'] === '1';

/** One line for any error; stack traces only with FLEETDECK_DEBUG=1. */
export function describeError(err: unknown): string {
  if (err instanceof FleetError || err instanceof ApiError) return `${err.message} (${err.code})`;
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
