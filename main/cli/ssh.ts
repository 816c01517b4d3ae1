/**
 * `fleetdeck ssh SERIAL [-- CMD ...]`: the same terminal the app opens (terminal.open over the
 * engine's pool: the appliance's route and jump hosts from the inventory, its recorded host key
 * checked), in this terminal: raw mode, the window's size sent on SIGWINCH, Ctrl-C and Ctrl-D go to
 * the appliance. With CMD, runs that command line instead and exits with its status.
 */
import { Command } from 'commander';
import type { ApiClient } from '../api/client';
import { action, dataDirOption, withEngine, type Io } from './io';
import { terminalSafe } from './terminal-text';

/** ssh's own status when the session failed rather than the remote command. */
export const EXIT_SSH_FAILED = 255;
const WRITE_PIECE = 32 * 1024;

export function sshCommand(io: Io): Command {
  return new Command('ssh')
    .description("A terminal on an appliance (its restricted shell), or one command line with its exit status")
    .addOption(dataDirOption())
    .argument('<serial>', 'the appliance')
    .argument('[command...]', 'a command line to run after --, e.g. -- ocactl status')
    .addHelpText(
      'after',
      '\nThe connection uses the appliance\'s route (jump hosts) and its recorded host key, as every job does:\n' +
        'an unknown or changed key is refused (trust it with fleetdeck net trust SERIAL SHA256:...).\n' +
        'Exit status: the remote shell\'s or command\'s; 1 when the session could not be opened; 255 when it dropped.',
    )
    .action(
      action(io, 'ssh', async (serial: string, command: string[], _opts: unknown, cmd: Command) => {
        await withEngine(cmd, async ({ client }) => {
          process.exitCode = command.length > 0 ? await runOne(client, serial, command) : await interactive(client, serial, io);
        });
      }),
    );
}

async function runOne(client: ApiClient, serial: string, argv: string[]): Promise<number> {
  const out = await client.api.terminal.run({ serial, argv });
  // A command's output as it came, but control characters shown, never obeyed (terminal-text.ts).
  if (out.stdout) process.stdout.write(terminalSafe(out.stdout));
  if (out.stderr) process.stderr.write(terminalSafe(out.stderr));
  if (out.truncated) process.stderr.write('fleetdeck ssh: the output was cut at 8 MiB\n');
  return out.exitCode ?? EXIT_SSH_FAILED;
}

async function interactive(client: ApiClient, serial: string, io: Io): Promise<number> {
  const stdin = process.stdin;
  const stdout = process.stdout;
  const size = () => ({ cols: Math.max(2, stdout.columns || 80), rows: Math.max(1, stdout.rows || 24) });
  let sessionId: string | null = null;
  const early: Array<{ sessionId: string; data: string }> = [];
  let resolveDone!: (status: number) => void;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  const offOutput = client.on('terminal.output', (e) => {
    if (sessionId === null) early.push(e);
    else if (e.sessionId === sessionId) stdout.write(e.data);
  });
  const offClosed = client.on('terminal.closed', (e) => {
    if (e.sessionId !== sessionId) return;
    if (e.exitCode === null) io.err(`fleetdeck ssh: ${serial}: ${e.reason}`);
    resolveDone(e.exitCode ?? EXIT_SSH_FAILED);
  });
  const session = await client.api.terminal.open({ serial, ...size() });
  sessionId = session.sessionId;
  for (const e of early.splice(0)) if (e.sessionId === sessionId) stdout.write(e.data);

  const raw = stdin.isTTY === true;
  if (raw) stdin.setRawMode(true);
  // Keystrokes in order: each write waits for the one before.
  let sending: Promise<unknown> = Promise.resolve();
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    for (let i = 0; i < text.length; i += WRITE_PIECE) {
      const data = text.slice(i, i + WRITE_PIECE);
      sending = sending.then(() => client.api.terminal.write({ sessionId: session.sessionId, data })).catch(() => undefined);
    }
  };
  const onEnd = () => void client.api.terminal.close({ sessionId: session.sessionId }).catch(() => undefined);
  const onResize = () => void client.api.terminal.resize({ sessionId: session.sessionId, ...size() }).catch(() => undefined);
  stdin.on('data', onData);
  stdin.on('end', onEnd);
  process.on('SIGWINCH', onResize);
  try {
    return await done;
  } finally {
    process.off('SIGWINCH', onResize);
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    if (raw) stdin.setRawMode(false);
    stdin.pause();
    offOutput();
    offClosed();
  }
}
