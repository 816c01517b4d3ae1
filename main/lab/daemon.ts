/**
 * The lab daemon: `node out/cli/lab-daemon.mjs <lab-dir>` (built by scripts/build-cli.mjs; from the sources,
 * `node --import tsx main/lab/daemon.ts <lab-dir>`). Reads <lab-dir>/config.json,
 * starts the fleet, publishes state.json and runs until POST /stop on its control API, SIGTERM or
 * SIGINT. The engine's lab.start spawns it detached, so the lab outlives the CLI that started it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FILE, LabConfig } from './manifest';
import { startLabRuntime } from './runtime';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: daemon.ts <lab-dir>\n');
    process.exit(2);
  }
  const config = LabConfig.parse(JSON.parse(readFileSync(join(dir, CONFIG_FILE), 'utf8')));
  const lab = await startLabRuntime(dir, config);
  const line = (message: string) => process.stdout.write(`${new Date().toISOString()} ${message}\n`);
  line(`lab up: ${lab.manifest.appliances.length} appliances in ${lab.manifest.sites.length} sites, control port ${lab.manifest.controlPort}, pid ${process.pid}`);
  const shutdown = (why: string) => {
    line(`stopping (${why})`);
    void lab.stop();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  await lab.stopped;
  line('lab stopped');
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`lab failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
