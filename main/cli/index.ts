/**
 * The `fleetdeck` command (bin/fleetdeck.mjs runs it through tsx). One file per command group;
 * a new group is one `addCommand` line below.
 */
import { Command, CommanderError } from 'commander';
import { ENGINE_VERSION } from '../version';
import { inventoryCommand } from './inventory';
import { debugging, describeError, processIo, type Io } from './io';
import { labCommand } from './lab';
import { fleetCommands } from './exec';
import { healthCommand } from './health';
import { serveCommand } from './serve';
import { firmwareCommand } from './firmware';

export function program(io: Io = processIo): Command {
  const fleetdeck = new Command('fleetdeck')
    .description('Fleet manager for CDN cache appliances embedded in ISP networks')
    .version(ENGINE_VERSION)
    .option('--data-dir <dir>', 'data directory (default: FLEETDECK_DATA_DIR or ~/.fleetdeck)')
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();
  fleetdeck.addCommand(inventoryCommand(io));
  fleetdeck.addCommand(serveCommand(io));
  fleetdeck.addCommand(labCommand(io));
  fleetdeck.addCommand(healthCommand(io));
  fleetdeck.addCommand(firmwareCommand(io));
  for (const command of fleetCommands(io)) fleetdeck.addCommand(command);
  // Sub-commands report usage errors the same way and do not exit the process themselves.
  const inherit = (cmd: Command) => {
    cmd.exitOverride().configureOutput(fleetdeck.configureOutput()).showHelpAfterError('(add --help for usage)');
    cmd.commands.forEach(inherit);
  };
  fleetdeck.commands.forEach(inherit);
  return fleetdeck;
}

/** Runs one command line; resolves with the exit status. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  process.exitCode = 0;
  try {
    await program(io).parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode; // commander printed the message
    io.err(`fleetdeck: ${describeError(err)}`);
    if (debugging() && err instanceof Error && err.stack) io.err(err.stack);
    return 1;
  }
}
