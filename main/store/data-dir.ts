/** Where the engine keeps its files: --data-dir, FLEETDECK_DATA_DIR, or ~/.fleetdeck. */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function resolveDataDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = explicit ?? env['FLEETDECK_DATA_DIR'] ?? join(homedir(), '.fleetdeck');
  const dir = resolve(chosen);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
