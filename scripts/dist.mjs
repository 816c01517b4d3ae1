#!/usr/bin/env node
// `npm run dist`: build, then package with electron-builder (electron-builder.yml).
//
// electron-builder rebuilds native addons (better-sqlite3, ssh2's crypto, cpu-features) for
// Electron's ABI inside the project's own node_modules. That would leave the CLI, `fleetdeck serve`
// and the tests (plain Node) unable to load them, so the Node builds are set aside first and put
// back afterwards, whether packaging worked or not. Extra arguments go to electron-builder.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const nodeModules = join(root, 'node_modules');

/** Every folder under node_modules with a binding.gyp: a native addon with a build/ folder. */
function nativeAddons(dir = nodeModules, found = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === '.bin' || entry.name === 'build') continue;
    const path = join(dir, entry.name);
    if (existsSync(join(path, 'binding.gyp'))) found.push(path);
    nativeAddons(path, found);
  }
  return found;
}

function run(script, args) {
  return spawnSync(process.execPath, [join(root, 'node_modules', ...script), ...args], { cwd: root, stdio: 'inherit' }).status ?? 1;
}

if (run(['electron-vite', 'bin', 'electron-vite.js'], ['build']) !== 0) process.exit(1);

const saved = mkdtempSync(join(tmpdir(), 'fleetdeck-native-'));
const addons = nativeAddons().map((path) => {
  const build = join(path, 'build');
  const had = existsSync(build);
  if (had) cpSync(build, join(saved, relative(nodeModules, path)), { recursive: true });
  return { build, had, copy: join(saved, relative(nodeModules, path)) };
});

let status;
try {
  status = run(['electron-builder', 'cli.js'], process.argv.slice(2));
} finally {
  for (const { build, had, copy } of addons) {
    rmSync(build, { recursive: true, force: true });
    if (had) cpSync(copy, build, { recursive: true });
  }
  rmSync(saved, { recursive: true, force: true });
  console.log(`Restored the Node builds of ${addons.filter((a) => a.had).length} native addon(s) in node_modules.`);
}
process.exit(status);
