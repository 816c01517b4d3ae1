#!/usr/bin/env node
// The command-line programs built to plain JavaScript, so they start without compiling TypeScript:
//   out/cli/fleetdeck.mjs     the `fleetdeck` command (main/cli/index.ts)
//   out/cli/lab-daemon.mjs    the lab daemon the CLI and the app spawn (main/lab/daemon.ts)
//   out/cli/ocactl.mjs        the reference agent's ocactl (main/lab/agent/ocactl-cli.ts)
//   out/cli/ocactl-httpd.mjs  the reference agent's HTTP daemon (main/lab/agent/httpd.ts)
//   out/cli/ocactl-shell.mjs  the reference agent's restricted login shell (main/lab/agent/shell-cli.ts)
//   out/cli/ocactl-auth.mjs   the reference agent's login hooks for sshd (main/lab/agent/auth-cli.ts)
//   out/cli/inputs.json       every source file that went in, to tell a stale build
// Pure-JavaScript packages are bundled in; native ones (better-sqlite3, ssh2) load from node_modules.
// `npm run build` and `npm ci` (prepare)
// run this; bin/fleetdeck.mjs and resources/agent/* call ensureBuilt(), which rebuilds when a
// source file is newer than the build (a fresh clone, an edit, a checkout of another branch).
//   node scripts/build-cli.mjs [--if-stale] [--prepare]
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
export const OUT_DIR = join(ROOT, 'out', 'cli');
const INPUTS = join(OUT_DIR, 'inputs.json');
/** A chunk's file name: [name]-[hash].mjs, and its map. */
const CHUNK = /-[A-Z0-9]{8}\.mjs(\.map)?$/;

/** Packages with native parts (or optional native parts), loaded from node_modules. */
const EXTERNAL = ['better-sqlite3', 'ssh2', 'cpu-features', 'bufferutil', 'utf-8-validate', 'electron'];

export const ENTRIES = {
  fleetdeck: 'main/cli/index.ts',
  'lab-daemon': 'main/lab/daemon.ts',
  ocactl: 'main/lab/agent/ocactl-cli.ts',
  'ocactl-httpd': 'main/lab/agent/httpd.ts',
  'ocactl-shell': 'main/lab/agent/shell-cli.ts',
  'ocactl-auth': 'main/lab/agent/auth-cli.ts',
};

/** Why the build in out/cli cannot be used as it is, or null when it is current. */
export function staleReason() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(INPUTS, 'utf8'));
  } catch {
    return 'not built yet';
  }
  for (const name of Object.keys(ENTRIES)) if (!existsSync(join(OUT_DIR, `${name}.mjs`))) return `out/cli/${name}.mjs is missing`;
  for (const file of manifest.inputs) {
    let mtime;
    try {
      mtime = statSync(join(ROOT, file)).mtimeMs;
    } catch {
      // A source file that went in is gone: in a checkout that means it moved; in a package with no
      // sources at all, the build is all there is.
      if (!existsSync(join(ROOT, 'main'))) return null;
      return `${file} is gone`;
    }
    if (mtime > manifest.builtAt) return `${file} changed`;
  }
  return null;
}

/** Builds every entry into out/cli; the files appear whole (written beside, then renamed). */
export async function buildCli() {
  const { build } = await import('esbuild');
  const started = Date.now();
  const tmp = join(OUT_DIR, `.build-${process.pid}-${started}`);
  mkdirSync(tmp, { recursive: true });
  try {
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, src]) => [name, join(ROOT, src)])),
      outdir: tmp,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20.19',
      // Pure-JavaScript packages are bundled (one file read instead of hundreds, no resolution at
      // start); native ones stay in node_modules.
      external: EXTERNAL,
      banner: { js: "import { createRequire as __fleetdeckRequire } from 'node:module'; const require = __fleetdeckRequire(import.meta.url);" },
      // Command groups are imported on demand (main/cli/index.ts); split, they and the packages
      // they import load only when used.
      splitting: true,
      // Chunks sit beside the entries (not in a subfolder): code that finds files relative to its own
      // module (the renderer, the lab daemon) sees out/cli as the app's code sees out/main.
      chunkNames: '[name]-[hash]',
      sourcemap: 'linked',
      minify: true,
      keepNames: true,
      metafile: true,
      logLevel: 'warning',
    });
    // The bundled packages count through the lock file (a pull that changes it rebuilds).
    const inputs = [...Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules')), ...(existsSync(join(ROOT, 'package-lock.json')) ? ['package-lock.json'] : [])];
    // Chunks are named by their content: new ones land beside the old ones first, then the entries
    // that import them, then the manifest. Old chunks go once they are an hour old (a process
    // started before this build may still load one).
    const outputs = Object.keys(result.metafile.outputs).map((f) => relative(tmp, resolve(ROOT, f)));
    const isChunk = (f) => CHUNK.test(f);
    for (const file of [...outputs.filter(isChunk), ...outputs.filter((f) => !isChunk(f))]) renameSync(join(tmp, file), join(OUT_DIR, file));
    const current = new Set(outputs);
    for (const old of readdirSync(OUT_DIR)) {
      const file = join(OUT_DIR, old);
      if (isChunk(old) && !current.has(old) && statSync(file).mtimeMs < started - 3_600_000) rmSync(file, { force: true });
    }
    const manifest = { builtAt: started, inputs };
    writeFileSync(`${INPUTS}.${process.pid}`, JSON.stringify(manifest));
    renameSync(`${INPUTS}.${process.pid}`, INPUTS);
    return { ms: Date.now() - started, inputs: inputs.length };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The path of a built entry, built first if the build is missing or older than its sources. */
export async function ensureBuilt(name) {
  const reason = staleReason();
  if (reason) {
    if (process.env['FLEETDECK_DEBUG'] === '1') process.stderr.write(`fleetdeck: building out/cli (${reason})\n`);
    await buildCli();
  }
  return join(OUT_DIR, `${name}.mjs`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ifStale = process.argv.includes('--if-stale');
  // npm's prepare (after npm ci): always build, but never fail the install.
  const prepare = process.argv.includes('--prepare');
  const reason = ifStale ? staleReason() : 'asked';
  if (reason === null) console.log('out/cli is up to date');
  else {
    try {
      const { ms, inputs } = await buildCli();
      console.log(`out/cli built from ${inputs} source files in ${ms} ms`);
    } catch (err) {
      // `npm ci --omit=dev` (no esbuild): installing must not fail; the CLI says so when it is run.
      if (!prepare || err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
      console.log(`out/cli not built: ${err.message} (npm ci with the dev dependencies builds it)`);
    }
  }
}
