/** What a rollout's runner works with: the domain's deps and repo, and the services it calls. */
import type { ServiceDeps } from '../deps';
import type { FirmwareService } from '../firmware/service';
import type { HealthService } from '../health/service';
import type { InventoryService } from '../inventory/service';
import type { NetService } from '../net/service';
import type { rolloutsEvents } from './contract';
import type { RolloutsRepo } from './repo';

export interface RolloutEnv {
  deps: ServiceDeps<typeof rolloutsEvents>;
  repo: RolloutsRepo;
  inventory: InventoryService;
  net: NetService;
  firmware: FirmwareService;
  health: HealthService;
  /** How often appliances are asked where they are while draining, rebooting, ... (ms). */
  pollMs: number;
}
