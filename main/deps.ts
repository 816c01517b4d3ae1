/** What every domain service is built from: injected, so tests and the lab control time and I/O. */
import type { AuditLog } from './audit/service';
import type { SettingsStore } from './settings/store';
import type { EventMap } from './kit/contract';
import type { DomainEvents } from './kit/events';
import type { Clock, Rng } from './kit/time';
import type { WalCheckpointer } from './store/checkpoints';
import type { Db } from './store/db';
import type { Logger } from './store/log';
import type { Vault } from './vault/vault';

export interface SharedDeps {
  dataDir: string;
  db: Db;
  /** Bulk writes (imports of many rows) hand their WAL checkpoint to a background thread through this. */
  checkpoints: WalCheckpointer;
  clock: Clock;
  rng: Rng;
  log: Logger;
  vault: Vault;
  /** The shared audit log: every domain writes its entries here, in the transaction of its change. */
  audit: AuditLog;
  /** Typed settings, one scope per domain. */
  settings: SettingsStore;
}

/** A domain's deps: the shared ones and an emitter for its own events only. */
export interface ServiceDeps<E extends EventMap = EventMap> extends SharedDeps {
  events: DomainEvents<E>;
}
