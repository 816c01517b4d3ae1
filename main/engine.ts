/**
 * The engine: the database, the domain services and the dispatcher, composed once.
 * Runs in an Electron utilityProcess (desktop), in `fleetdeck serve` (browser host), in the CLI
 * and in tests. It never imports electron: the vault and paths are injected.
 */
import { join } from 'node:path';
import type { JSONRPCServer } from 'json-rpc-2.0';
import { EventBus } from './api/events';
import { Dispatcher, type Handlers } from './api/dispatcher';
import type { CallContext, HostKind } from './kit/context';
import { createRpcServer, serveChannel } from './api/rpc-session';
import { channelPair, type Channel } from './api/channel';
import { createApiClient, type ApiClient } from './api/client';
import { openFleetDatabase, schemaVersion, type Db } from './store/db';
import { MIGRATIONS } from './migrations';
import { systemClock, systemRng, type Clock, type Rng } from './kit/time';
import { fileLogger, type Logger } from './store/log';
import type { Vault } from './vault/vault';
import type { ServiceDeps, SharedDeps } from './deps';
import { AuditLog } from './audit/service';
import { SettingsStore } from './settings/store';
import type { EventContract } from './api/contract';
import { InventoryService } from './inventory/service';
import { LabService } from './lab/service';
import { NetService } from './net/service';
import { JobsKernel } from './jobs/kernel';
import { execKind, startExec } from './net/jobs';
import { configStepsKind } from './net/config-steps';
import { HealthService, type HealthServiceOptions } from './health/service';
import { FirmwareService } from './firmware/service';
import { RolloutsService, type RolloutsOptions } from './rollouts/service';
import { ENGINE_VERSION } from './version';

export interface EngineOptions {
  dataDir: string;
  host: HostKind;
  vault: Vault;
  clock?: Clock;
  rng?: Rng;
  log?: Logger;
  /** Validate every result against its output schema (tests turn this on). */
  checkOutputs?: boolean;
  /** The health monitor's ticker (tests) and whether this engine runs it (default: not for the CLI). */
  health?: HealthServiceOptions;
  /**
   * Whether this engine resumes jobs of resumable kinds left running by a process that died
   * (default: every host but the CLI, which opens an engine per command; see docs/jobs.md).
   */
  resumeJobs?: boolean;
  /** Rollouts' options (tests: how often appliances are asked where they are). */
  rollouts?: RolloutsOptions;
}

export interface Engine {
  readonly dataDir: string;
  readonly db: Db;
  readonly events: EventBus;
  readonly dispatcher: Dispatcher;
  readonly rpc: JSONRPCServer<CallContext>;
  readonly deps: SharedDeps;
  readonly inventory: InventoryService;
  readonly lab: LabService;
  readonly net: NetService;
  readonly jobs: JobsKernel;
  readonly health: HealthService;
  readonly firmware: FirmwareService;
  readonly rollouts: RolloutsService;
  /** Serve one window over a carrier; returns the function that ends the session. */
  connect(channel: Channel, ctx: CallContext): () => void;
  /** An in-process typed client (CLI, tests). */
  client(ctx?: Partial<CallContext>): ApiClient;
  close(): void;
}

export function createEngine(options: EngineOptions): Engine {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? fileLogger(join(options.dataDir, 'engine.log'), () => clock.now());
  const db = openFleetDatabase(options.dataDir, MIGRATIONS);
  const events = new EventBus();
  const deps: SharedDeps = {
    dataDir: options.dataDir,
    db,
    clock,
    rng: options.rng ?? systemRng,
    log,
    vault: options.vault,
    audit: new AuditLog(db, clock),
    settings: new SettingsStore(db),
  };
  /** Each domain gets the shared deps and an emitter for its own events only. */
  const depsOf = <D extends keyof EventContract & string>(domain: D): ServiceDeps<EventContract[D]> => ({ ...deps, events: events.scoped(domain) });

  const inventory = new InventoryService(depsOf('inventory'));
  const net = new NetService(depsOf('net'), inventory);
  const lab = new LabService(depsOf('lab'), inventory, net);
  const jobs = new JobsKernel(depsOf('jobs'), inventory, { resume: options.resumeJobs ?? options.host !== 'cli' });
  jobs.register(execKind(net, inventory));
  jobs.register(configStepsKind(net, inventory));
  // The windows' engines poll (on by default); CLI and test engines only when told to.
  const runsMonitor = options.host === 'desktop' || options.host === 'browser';
  const health = new HealthService(depsOf('health'), inventory, { runsMonitor, net, ...options.health });
  const firmware = new FirmwareService(depsOf('firmware'), inventory);
  const rollouts = new RolloutsService(depsOf('rollouts'), { inventory, net, firmware, health, jobs }, options.rollouts);
  jobs.register(rollouts.kind());
  jobs.recover();

  const handlers: Handlers = {
    system: {
      info: () => ({
        version: ENGINE_VERSION,
        dataDir: options.dataDir,
        schemaVersion: schemaVersion(db),
        host: options.host,
        vault: { kind: options.vault.kind, description: options.vault.describe(), locked: options.vault.isLocked() },
      }),
      ping: ({ nonce }) => ({ nonce, at: new Date(clock.now()).toISOString() }),
    },
    inventory: inventory.handlers,
    lab: lab.handlers,
    net: net.handlers,
    jobs: { ...jobs.handlers, exec: (req, ctx) => startExec(jobs, req, ctx.actor) },
    health: health.handlers,
    firmware: firmware.handlers,
    rollouts: rollouts.handlers,
  };

  const dispatcher = new Dispatcher(handlers, log, options.checkOutputs ?? false);
  const rpc = createRpcServer(dispatcher);
  const sessions = new Set<() => void>();

  const engine: Engine = {
    dataDir: options.dataDir,
    db,
    events,
    dispatcher,
    rpc,
    deps,
    inventory,
    lab,
    net,
    jobs,
    health,
    firmware,
    rollouts,
    connect(channel, ctx) {
      const end = serveChannel(channel, {
        server: rpc,
        events,
        ctx,
        onFailure: (what, err) => log.error(what, { error: err instanceof Error ? err.message : String(err) }),
      });
      sessions.add(end);
      channel.onClose(() => sessions.delete(end));
      return end;
    },
    client(ctx) {
      const [engineSide, clientSide] = channelPair();
      engine.connect(engineSide, { actor: ctx?.actor ?? `${options.host}:local`, host: ctx?.host ?? options.host });
      return createApiClient(clientSide);
    },
    close() {
      events.emit('system.shutdown', { reason: 'engine closed' });
      for (const end of [...sessions]) end();
      jobs.stop();
      rollouts.close();
      health.close();
      net.close();
      db.close();
    },
  };
  return engine;
}
