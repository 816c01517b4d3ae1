#!/usr/bin/env node
// `npm start`: build when out/ is missing or older than the sources, then open the desktop app.
// Where the Electron binary cannot be had (not installed, download host unreachable), say so in
// one line and run the browser host (`fleetdeck serve`) instead; arguments such as --data-dir and
// --port are passed on to it.
// `node scripts/start.mjs --prepare` only builds and readies Electron (the smoke test uses it);
// it exits 0 when the desktop app could start, 3 when Electron cannot be had here.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(join(root, 'package.json'));
const prepareOnly = process.argv[2] === '--prepare';
const args = process.argv.slice(prepareOnly ? 3 : 2);
const out = join(root, 'out');

const OUTPUTS = ['out/main/index.js', 'out/main/engine.js', 'out/preload/index.js', 'out/renderer/index.html'];
const SOURCES = ['main', 'electron', 'renderer', 'electron.vite.config.ts', 'package.json'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.') || entry.endsWith('.test.ts')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

function buildIsStale() {
  const outputs = OUTPUTS.map((p) => join(root, p));
  if (outputs.some((p) => !existsSync(p))) return true;
  const oldestOutput = Math.min(...outputs.map((p) => statSync(p).mtimeMs));
  return SOURCES.some((s) => newestMtime(join(root, s)) > oldestOutput);
}

function build() {
  console.log('Building Fleetdeck (electron-vite build)...');
  const bin = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  const result = spawnSync(process.execPath, [bin, 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('The build failed; see the messages above.');
    process.exit(result.status ?? 1);
  }
}

/** The Electron binary's path, or null. `require('electron')` throws when the binary is missing. */
function electronBinary() {
  try {
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

/** One try at Electron's own installer (it downloads the binary), at most once an hour. */
function tryInstallElectron() {
  const marker = join(out, '.electron-install-failed');
  if (existsSync(marker) && Date.now() - statSync(marker).mtimeMs < 3_600_000) return;
  const installer = join(root, 'node_modules', 'electron', 'install.js');
  if (!existsSync(installer)) return;
  const result = spawnSync(process.execPath, [installer], { cwd: dirname(installer), stdio: 'ignore', timeout: 45_000 });
  if (result.status !== 0 || !electronBinary()) {
    mkdirSync(out, { recursive: true });
    writeFileSync(marker, new Date().toISOString() + '\n');
  }
}

/**
 * The engine runs inside Electron, whose Node has another ABI than the one the repo's
 * better-sqlite3 was built for. Rather than rebuild node_modules in place (which would break the
 * CLI and the tests), put an Electron build in out/node_modules: out/main/engine.js resolves
 * packages from there first. Returns false with a reason when that cannot be done.
 */
function ensureElectronNativeModules(electron) {
  const probe = () =>
    spawnSync(electron, ['-e', "require('better-sqlite3')(':memory:').close()"], {
      cwd: join(out, 'main'),
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: 'ignore',
      timeout: 60_000,
    }).status === 0;
  if (probe()) return true;

  const version = require('electron/package.json').version;
  const source = dirname(require.resolve('better-sqlite3/package.json'));
  const target = join(out, 'node_modules', 'better-sqlite3');
  console.log(`Building better-sqlite3 for Electron ${version} (once, into out/node_modules)...`);
  rmSync(target, { recursive: true, force: true });
  cpSync(source, target, { recursive: true, filter: (p) => !p.startsWith(join(source, 'build')) });
  // A prebuilt binary for this Electron first; else compile against Electron's headers.
  const tries = [
    ['prebuild-install/bin.js', ['--runtime', 'electron', '--target', version, '--arch', process.arch]],
    ['node-gyp/bin/node-gyp.js', ['rebuild', '--release', `--target=${version}`, `--arch=${process.arch}`, '--dist-url=https://electronjs.org/headers']],
  ];
  for (const [script, scriptArgs] of tries) {
    let path;
    try {
      path = require.resolve(script);
    } catch {
      continue;
    }
    const built = spawnSync(process.execPath, [path, ...scriptArgs], { cwd: target, stdio: 'inherit', timeout: 600_000 });
    if (built.status === 0 && probe()) return true;
  }
  return false;
}

function run(command, commandArgs, env = process.env) {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit', env });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function serveInBrowser(reason) {
  console.log(`${reason}; starting the browser host instead (fleetdeck serve).`);
  run(process.execPath, [join(root, 'bin', 'fleetdeck.mjs'), 'serve', ...args]);
}

if (buildIsStale()) build();

let electron = electronBinary();
if (!electron) {
  tryInstallElectron();
  electron = electronBinary();
}
const missing = !electron
  ? 'The Electron binary is not installed and cannot be downloaded here'
  : !ensureElectronNativeModules(electron)
    ? 'better-sqlite3 could not be built for Electron here'
    : null;
if (prepareOnly) {
  if (missing) console.log(missing + '.');
  process.exit(missing ? 3 : 0);
} else if (missing) {
  serveInBrowser(missing);
} else {
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  const dataDir = args.indexOf('--data-dir');
  if (dataDir >= 0 && args[dataDir + 1]) env.FLEETDECK_DATA_DIR = args[dataDir + 1];
  const electronArgs = [root];
  if (process.platform === 'linux' && process.getuid?.() === 0) {
    console.log('Running as root: Chromium refuses its sandbox to root, so the window runs without it (--no-sandbox).');
    electronArgs.push('--no-sandbox');
  }
  run(electron, electronArgs, env);
}

