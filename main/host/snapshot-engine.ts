/**
 * An engine on a snapshot file, read-only (docs/snapshots.md): the file is copied into a private
 * temporary folder (it is never written, and an older snapshot is brought up to this build's schema
 * in the copy), the engine's clock stands still at the moment the snapshot was taken (ages read as
 * they did then), every writing method is refused with E_READ_ONLY, and nothing polls, resumes a
 * job or reaches an appliance. The vault is empty: a snapshot carries no secrets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine } from '../engine';
import { FleetError } from '../kit/errors';
import type { HostKind } from '../kit/context';
import type { Logger } from '../store/log';
import { DB_FILE } from '../store/db';
import { MIGRATIONS } from '../migrations';
import type { Vault } from '../vault/vault';
import { stageSnapshot, type SnapshotLeaver } from '../snapshots/service';
import type { CurrentSnapshot } from '../snapshots/contract';

/** A vault with nothing in it that refuses to keep anything. */
export function emptyVault(): Vault {
  const refuse = () => Promise.reject(new FleetError('E_READ_ONLY', 'A snapshot has no vault and keeps no secrets.'));
  return {
    kind: 'plain-file',
    describe: () => 'None: a snapshot carries no secrets (no keys, no passphrases).',
    isLocked: () => false,
    get: () => Promise.resolve(null),
    set: refuse,
    delete: refuse,
    list: () => Promise.resolve([]),
  };
}

export interface SnapshotEngine {
  engine: Engine;
  info: CurrentSnapshot & object;
  /** Close the engine and remove the working copy. */
  dispose(): void;
}

export function openSnapshotEngine(file: string, host: HostKind, log?: Logger, leave?: SnapshotLeaver): SnapshotEngine {
  const work = mkdtempSync(join(tmpdir(), 'fleetdeck-snapshot-'));
  try {
    const info = stageSnapshot(file, work, DB_FILE, MIGRATIONS);
    const at = Date.parse(info.takenAt);
    const engine = createEngine({ dataDir: work, host, vault: emptyVault(), clock: { now: () => at }, snapshot: info, ...(log ? { log } : {}), ...(leave ? { leaveSnapshot: leave } : {}) });
    return {
      engine,
      info,
      dispose() {
        engine.close();
        rmSync(work, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
}
