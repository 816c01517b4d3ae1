/**
 * `fleetdeck serve [--port P] [--host 127.0.0.1]`: the app in a browser tab, served by the engine
 * on this machine until Ctrl+C (main/host/serve.ts does the work).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { runServe } from '../host/serve';
import { action, dataDirOf, dataDirOption, processIo, type Io } from './io';

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('a port from 0 to 65535 (0 picks a free one)');
  return n;
}

export function serveCommand(io: Io = processIo): Command {
  return new Command('serve')
    .description('Serve the app to a browser on this machine until Ctrl+C')
    .addOption(new Option('--port <port>', 'TCP port (0 picks a free one)').argParser(port))
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--snapshot <file>', 'serve this snapshot read-only instead of the data dir (fleetdeck snapshot export)')
    .addOption(dataDirOption())
    .action(
      action(io, 'serve', async (opts: { port?: number; host: string; snapshot?: string }, cmd: Command) => {
        // Listen for Ctrl+C before anything starts, so one pressed right after the URL appears
        // still closes the host cleanly instead of killing the process.
        let stop = () => {};
        const stopped = new Promise<void>((resolve) => (stop = resolve));
        process.once('SIGINT', stop).once('SIGTERM', stop);
        try {
          process.exitCode = await runServe({
            dataDir: dataDirOf(cmd),
            port: opts.port,
            host: opts.host,
            print: io.out,
            until: stopped,
            ...(opts.snapshot ? { snapshot: opts.snapshot } : {}),
          });
        } finally {
          process.off('SIGINT', stop).off('SIGTERM', stop);
        }
      }),
    );
}
