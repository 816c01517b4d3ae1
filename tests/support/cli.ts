/**
 * The `fleetdeck` command as a person runs it: `node bin/fleetdeck.mjs ...` in a child process
 * through plain pipes, and the engine on the same data dir in this process, for setting up what
 * the command will find and checking what it did.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { ApiClient } from '../../main/api/client';
import { createEngine, type Engine } from '../../main/engine';
import { silentLogger } from '../../main/store/log';
import { openNodeVault } from '../../main/vault/node-vault';

export const REPO = resolve(import.meta.dirname, '../..');
export const CLI = join(REPO, 'bin/fleetdeck.mjs');
/** No vault passphrase, no debug output, and no data dir but the one on the command line. */
export const CLI_ENV: NodeJS.ProcessEnv = { ...process.env, FLEETDECK_VAULT_PASSPHRASE: '', FLEETDECK_DEBUG: '', FLEETDECK_DATA_DIR: '' };

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `fleetdeck --data-dir <dataDir> ...args` through plain pipes. Its stdin stays open and empty: a
 * command that asked a question here would wait until the timeout, and the test would fail.
 */
export function runFleetdeck(dataDir: string, args: readonly string[], timeoutMs = 60_000): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, '--data-dir', dataDir, ...args], { cwd: REPO, env: CLI_ENV, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolveRun, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fleetdeck ${args.join(' ')} did not end in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

/** The engine on the CLI's data dir (its file vault, no passphrase) for the length of `fn`. */
/**
 * The engine on a data dir for in-process set-up that no window may do (forgetting host keys);
 * as the CLI's, it runs no health monitor, so it can sit beside a running `fleetdeck serve`.
 */
export async function withDataDirEngine<T>(dataDir: string, fn: (engine: Engine) => Promise<T> | T): Promise<T> {
  const engine = createEngine({ dataDir, host: 'cli', vault: await openNodeVault(dataDir, { env: {} }), log: silentLogger });
  try {
    return await fn(engine);
  } finally {
    engine.close();
  }
}

export async function withDataDirApi<T>(dataDir: string, fn: (api: ApiClient['api']) => Promise<T>): Promise<T> {
  const engine = createEngine({ dataDir, host: 'test', vault: await openNodeVault(dataDir, { env: {} }), log: silentLogger });
  try {
    return await fn(engine.client({ actor: 'test', host: 'test' }).api);
  } finally {
    engine.close();
  }
}
