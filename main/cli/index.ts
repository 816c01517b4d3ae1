/**
 * The `fleetdeck` command, built to out/cli/fleetdeck.mjs by scripts/build-cli.mjs (bin/fleetdeck.mjs
 * runs the build). One file per command group; a new group is one line in GROUPS below.
 *
 * A group's module (and through it the engine) is loaded only when the command line names it, so
 * `fleetdeck --version` starts in a few tens of milliseconds; help and unknown commands load them all.
 */
import { Command, CommanderError } from 'commander';
import { ENGINE_VERSION } from '../version';
import { debugging, describeError, processIo, quietOnClosedOutput, type Io } from './io';
import { addExamples } from './examples';

type Group = (io: Io) => Promise<Command[]>;

const GROUPS: Record<string, Group> = {
  inventory: async (io) => [(await import('./inventory')).inventoryCommand(io)],
  serve: async (io) => [(await import('./serve')).serveCommand(io)],
  lab: async (io) => [(await import('./lab')).labCommand(io)],
  health: async (io) => {
    const [health, history] = await Promise.all([import('./health'), import('./history')]);
    const command = health.healthCommand(io);
    command.addCommand(history.healthHistoryCommand(io));
    return [command];
  },
  availability: async (io) => [(await import('./history')).availabilityCommand(io)],
  exec: async (io) => (await import('./exec')).fleetCommands(io),
  firmware: async (io) => [(await import('./firmware')).firmwareCommand(io)],
  capacity: async (io) => [(await import('./capacity')).capacityCommand(io)],
  ssh: async (io) => [(await import('./ssh')).sshCommand(io)],
  diag: async (io) => (await import('./diag')).diagCommands(io),
  provision: async (io) => (await import('./provision')).provisionCommands(io),
  snapshot: async (io) => [(await import('./snapshot')).snapshotCommand(io)],
  fills: async (io) => {
    const [planning, execution] = await Promise.all([import('./fills'), import('./fills-run')]);
    const commands = planning.fillsCommands(io);
    // The execution commands (prepare, run, status) join the planning ones under `fills`.
    const fills = commands.find((c) => c.name() === 'fills')!;
    for (const c of execution.fillsRunCommands(io)) fills.addCommand(c);
    return commands;
  },
  rollout: async (io) => [(await import('./rollout')).rolloutCommand(io)],
};
/** Commands that live in another group's module. */
const GROUP_OF: Record<string, string> = { jobs: 'exec', net: 'exec', config: 'diag', 'site-survey': 'provision', catalog: 'fills', demand: 'fills' };
const ORDER = ['inventory', 'serve', 'lab', 'health', 'firmware', 'rollout', 'capacity', 'availability', 'snapshot', 'fills', 'exec', 'ssh', 'diag', 'provision'];

/** The command word of argv (skipping global options), or undefined. */
function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--data-dir') i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/** The groups a command line needs: the one it names; none for a bare --version; all otherwise. */
function groupsFor(argv: readonly string[]): string[] {
  const word = commandWord(argv);
  if (word === undefined) return argv.some((a) => a === '--version' || a === '-V') && !argv.some((a) => a === '--help' || a === '-h') ? [] : ORDER;
  const group = GROUP_OF[word] ?? word;
  return group in GROUPS && word !== 'help' ? [group] : ORDER;
}

export async function program(io: Io = processIo, groups: readonly string[] = ORDER): Promise<Command> {
  const fleetdeck = new Command('fleetdeck')
    .description('Fleet manager for CDN cache appliances embedded in ISP networks')
    .version(ENGINE_VERSION)
    .option('--data-dir <dir>', 'data directory (default: FLEETDECK_DATA_DIR or ~/.fleetdeck)')
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();
  for (const commands of await Promise.all(groups.map((g) => GROUPS[g]!(io)))) for (const command of commands) fleetdeck.addCommand(command);
  // Sub-commands report usage errors the same way and do not exit the process themselves.
  const inherit = (cmd: Command) => {
    cmd.exitOverride().configureOutput(fleetdeck.configureOutput()).showHelpAfterError('(add --help for usage)');
    cmd.commands.forEach(inherit);
  };
  fleetdeck.commands.forEach(inherit);
  addExamples(fleetdeck);
  return fleetdeck;
}

/** Runs one command line; resolves with the exit status. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  process.exitCode = 0;
  if (io === processIo) quietOnClosedOutput();
  try {
    await (await program(io, groupsFor(argv))).parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode; // commander printed the message
    io.err(`fleetdeck: ${describeError(err)}`);
    if (debugging() && err instanceof Error && err.stack) io.err(err.stack);
    return 1;
  }
}
