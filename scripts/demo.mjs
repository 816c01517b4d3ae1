#!/usr/bin/env node
// `npm run demo`: a lab of simulated appliances (60 in 12 sites) plus the app, in one command.
// The lab and the app share a data directory: --data-dir DIR, else FLEETDECK_DATA_DIR, else
// .fleetdeck/demo in the checkout (printed first, with where the choice came from). Without Electron, `npm start` runs the browser host and prints its URL.
// The lab stops when the app exits, unless --keep-lab is given.
//   node scripts/demo.mjs [--data-dir DIR] [--appliances N] [--sites M] [--speed X] [--keep-lab]
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const USAGE = 'usage: npm run demo -- [--data-dir DIR] [--appliances N] [--sites M] [--speed X] [--keep-lab]';
let values;
try {
  ({ values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      appliances: { type: 'string', default: '60' },
      sites: { type: 'string', default: '12' },
      speed: { type: 'string', default: '1' },
      'keep-lab': { type: 'boolean', default: false },
    },
    allowPositionals: false,
  }));
} catch (err) {
  // An option the demo does not know (or one missing its value): say which, and what it takes.
  console.error(`demo: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  process.exit(2);
}
const envDir = process.env.FLEETDECK_DATA_DIR || undefined;
const dataDir = resolve(values['data-dir'] ?? envDir ?? join(root, '.fleetdeck', 'demo'));
const dataDirFrom = values['data-dir'] ? '--data-dir' : envDir ? 'FLEETDECK_DATA_DIR' : 'the default; set FLEETDECK_DATA_DIR or --data-dir to change it';

// The lab commands through the `fleetdeck` command itself (built to out/cli; built first if stale).
const fleetdeck = (args, stdio = 'inherit') =>
  spawnSync(process.execPath, [join(root, 'bin', 'fleetdeck.mjs'), '--data-dir', dataDir, ...args], { cwd: root, stdio: ['ignore', stdio, 'inherit'], encoding: 'utf8' });
const lab = (...args) => fleetdeck(['lab', ...args]).status === 0;

console.log(`Fleetdeck demo: data in ${dataDir} (${dataDirFrom})`);
const running = (() => {
  const status = fleetdeck(['lab', 'status', '--json'], 'pipe');
  return status.status === 0 && JSON.parse(status.stdout).running === true;
})();
if (running) console.log('A lab is already running in this data directory; using it.');
else if (!(lab('start', '--appliances', values.appliances, '--sites', values.sites, '--speed', values.speed))) process.exit(1);

const app = spawn(process.execPath, [join(root, 'scripts', 'start.mjs'), '--data-dir', dataDir], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => app.kill(signal));
app.on('exit', async (code) => {
  if (!values['keep-lab'] && !running) lab('stop');
  process.exit(code ?? 0);
});
