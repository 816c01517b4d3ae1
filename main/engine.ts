/**
 * The engine: the database, the domain services and the dispatcher, composed once.
 * Runs in an Electron utilityProcess (desktop), in `fleetdeck serve` (browser host), in the CLI
 * and in tests. It never imports electron: the vault and paths are injected.
 *
 * createEngine imports every domain module and builds every service at once (long-lived hosts,
 * snapshots, tests). The composition itself (what each service is built from) is
 * main/api/composition.ts, which also opens the CLI's engine: there each domain is loaded and
 * built on first use (openEngine).
 */
import { composeEngine, type DomainModules, type Engine, type EngineOptions } from './api/composition';
import * as inventory from './inventory/service';
import * as net from './net/service';
import * as netJobs from './net/jobs';
import * as configSteps from './net/config-steps';
import * as lab from './lab/service';
import * as jobs from './jobs/kernel';
import * as health from './health/service';
import * as firmware from './firmware/service';
import * as capacity from './capacity/service';
import * as history from './history/service';
import * as terminal from './terminal/service';
import * as diagnostics from './diagnostics/service';
import * as provisioning from './provisioning/service';
import * as provisionKind from './provisioning/kind';
import * as snapshots from './snapshots/service';
import * as snapshotsRepo from './snapshots/repo';
import * as fills from './fills/service';
import * as fillsExec from './fills/exec/service';
import * as rollouts from './rollouts/service';

export { readOnlyReason, type Engine, type EngineOptions } from './api/composition';

const EVERY_MODULE: DomainModules = {
  inventory,
  net,
  netJobs,
  configSteps,
  lab,
  jobs,
  health,
  firmware,
  capacity,
  history,
  terminal,
  diagnostics,
  provisioning,
  provisionKind,
  snapshots,
  snapshotsRepo,
  fills,
  fillsExec,
  rollouts,
};

/** An engine with every domain built now, in the composition's order (jobs recovered once every kind is registered). */
export function createEngine(options: EngineOptions): Engine {
  return composeEngine(options, EVERY_MODULE);
}
