/**
 * The CLI's one door into the engine. Every command gets a Door: the typed API client (the same
 * contract, validation and error codes as the app's windows) and, declared here and nowhere else,
 * the few things that stay in-process because they are byte streams or this process's own loop:
 *
 *   importCsvStream  a CSV file of any size, streamed from disk (a JSON-RPC message holds it whole)
 *   exportChunks     the export written to stdout or a file as it is produced
 *   pollHere         `health watch` polls from this process for as long as it runs
 *
 * Commands never import the engine or a domain service themselves (eslint.config.js says so).
 * The engine is loaded on first use, so `fleetdeck --version` and `--help` do not pay for it, and
 * each domain inside it on the first call into it (main/api/composition.ts: openEngine).
 */
import type { Readable } from 'node:stream';
import type { ApiClient } from '../api/client';
import type { MonitorSelection } from '../health/contract';
import type { ImportReport } from '../inventory/contract';
import { resolveDataDir } from '../store/data-dir';

export interface LocalFacade {
  importCsvStream(input: Readable, opts: { kind?: 'sites' | 'appliances' | undefined; dryRun: boolean; source: string; replaceHostKeys?: boolean }, actor: string): Promise<ImportReport>;
  exportChunks(opts: { format: 'csv' | 'json'; kind: 'sites' | 'appliances' }): AsyncIterable<string>;
  pollHere(intervalSec: number, selection: MonitorSelection | null): void;
  stopPollingHere(): void;
}

export interface Door {
  /** The data directory this command works on (resolved: --data-dir, FLEETDECK_DATA_DIR or ~/.fleetdeck). */
  readonly dataDir: string;
  readonly client: ApiClient;
  readonly api: ApiClient['api'];
  readonly local: LocalFacade;
}

/** Opens the engine on a data directory, hands out its door for the length of `fn`, then closes it. */
export async function throughDoor<T>(dataDirOption: string | undefined, actor: string, fn: (door: Door) => Promise<T>): Promise<T> {
  const dataDir = resolveDataDir(dataDirOption);
  const [{ openEngine }, { openNodeVault }] = await Promise.all([import('../api/composition'), import('../vault/node-vault')]);
  // Each domain is loaded and built on the first call that needs it: a command pays for what it uses.
  const engine = openEngine({ dataDir, host: 'cli', vault: await openNodeVault(dataDir) });
  const client = engine.client({ actor, host: 'cli' });
  let polling = false;
  const local: LocalFacade = {
    importCsvStream: async (input, opts, by) => (await engine.use('inventory')).importStream(input, opts, by),
    exportChunks: async function* (opts) {
      yield* (await engine.use('inventory')).exportChunks(opts);
    },
    pollHere: (intervalSec, selection) => {
      polling = true;
      engine.use('health').then(
        (health) => polling && health.startPolling(intervalSec, selection),
        (err: unknown) => engine.deps.log.error('health could not be loaded to poll here', { error: String(err) }),
      );
    },
    stopPollingHere: () => {
      polling = false;
      if (engine.built().includes('health')) engine.health.stopPolling();
    },
  };
  try {
    const result = await fn({ dataDir, client, api: client.api, local });
    // What the command's events started (a lab's history seeded, a sweep recorded) ends before the engine does.
    await engine.settled();
    return result;
  } finally {
    client.close();
    engine.close();
  }
}
