/** What every domain service is built from: injected, so tests and the lab control time and I/O. */
import type { EventBus } from './api/events';
import type { Clock, Rng } from './kit/time';
import type { Db } from './store/db';
import type { Logger } from './store/log';
import type { Vault } from './vault/vault';

export interface ServiceDeps {
  dataDir: string;
  db: Db;
  clock: Clock;
  rng: Rng;
  events: EventBus;
  log: Logger;
  vault: Vault;
}
