#!/usr/bin/env node
// `npm run demo`: a lab of simulated appliances (60 in 12 sites) plus the app, in one command.
// The lab and the app share a data directory: --data-dir DIR, else FLEETDECK_DATA_DIR, else
// .fleetdeck/demo in the checkout (printed first, with where the choice came from). Without Electron, `npm start` runs the browser host and prints its URL.
// The lab stops when the app exits, unless --keep-lab is given.
//   node scripts/demo.mjs [--data-dir DIR] [--appliances N] [--sites M] [--speed X] [--keep-lab]
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { register } from 'tsx/esm/api';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    appliances: { type: 'string', default: '60' },
    sites: { type: 'string', default: '12' },
    speed: { type: 'string', default: '1' },
    'keep-lab': { type: 'boolean', default: false },
  },
  allowPositionals: false,
});
const envDir = process.env.FLEETDECK_DATA_DIR || undefined;
const dataDir = resolve(values['data-dir'] ?? envDir ?? join(root, '.fleetdeck', 'demo'));
const dataDirFrom = values['data-dir'] ? '--data-dir' : envDir ? 'FLEETDECK_DATA_DIR' : 'the default; set FLEETDECK_DATA_DIR or --data-dir to change it';

register();
const { Command } = await import('commander');
const { labCommand } = await import('../main/cli/lab.ts');

async function lab(...args) {
  const program = new Command('fleetdeck');
  program.addCommand(labCommand());
  await program.parseAsync(['node', 'fleetdeck', 'lab', ...args, '--data-dir', dataDir]);
  const failed = Number(process.exitCode ?? 0) !== 0;
  process.exitCode = 0;
  return !failed;
}

console.log(`Fleetdeck demo: data in ${dataDir} (${dataDirFrom})`);
const running = await (async () => {
  const { readManifest } = await import('../main/lab/manifest.ts');
  const { pidAlive } = await import('../main/lab/service.ts');
  const manifest = readManifest(join(dataDir, 'lab'));
  return manifest !== null && pidAlive(manifest.pid);
})();
if (running) console.log('A lab is already running in this data directory; using it.');
else if (!(await lab('start', '--appliances', values.appliances, '--sites', values.sites, '--speed', values.speed))) process.exit(1);

const app = spawn(process.execPath, [join(root, 'scripts', 'start.mjs'), '--data-dir', dataDir], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => app.kill(signal));
app.on('exit', async (code) => {
  if (!values['keep-lab'] && !running) await lab('stop');
  process.exit(code ?? 0);
});
