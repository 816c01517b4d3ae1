/**
 * The engine: the database, the domain services and the dispatcher, composed once.
 * Runs in an Electron utilityProcess (desktop), in `fleetdeck serve` (browser host), in the CLI
 * and in tests. It never imports electron: the vault and paths are injected.
 */
import { join } from 'node:path';
import type { JSONRPCServer } from 'json-rpc-2.0';
import { EventBus } from './api/events';
import { Dispatcher, type Handlers } from './api/dispatcher';
import { randomUUID } from 'node:crypto';
import type { CallContext, HostKind, WindowSession } from './kit/context';
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
import { CapacityService } from './capacity/service';
import { LAB_TAG } from './lab/service';
import { TerminalService } from './terminal/service';
import { DiagnosticsService } from './diagnostics/service';
import { ProvisioningService } from './provisioning/service';
import { provisionKind } from './provisioning/kind';
import { SnapshotsService, type SnapshotLeaver, type SnapshotOpener } from './snapshots/service';
import type { CurrentSnapshot } from './snapshots/contract';
import { refuseWrites } from './snapshots/repo';
import { FillsService } from './fills/service';
import { RolloutsService, type RolloutsOptions } from './rollouts/service';
import { ENGINE_VERSION } from './version';
import { FillsExecService } from './fills/exec/service';

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
  /**
   * This engine shows a snapshot (docs/snapshots.md): dataDir holds a copy of the snapshot file,
   * every method the contract marks `writes` is refused with E_READ_ONLY, the database is opened
   * query-only, and nothing polls, resumes or reaches an appliance. Give it a clock fixed at the
   * snapshot's time so ages read as they did then.
   */
  snapshot?: CurrentSnapshot & object;
  /** How this host opens a snapshot in a window of its own ("Open snapshot…"; `fleetdeck serve` gives one). */
  openSnapshot?: SnapshotOpener;
  /** On a snapshot's engine: how this host goes back to the live fleet ("Back to the live fleet"). */
  leaveSnapshot?: SnapshotLeaver;
  /** Rollouts' options (tests: how often appliances are asked where they are). */
  rollouts?: RolloutsOptions;
}

/** The sentence a refused write ends with on a snapshot's engine. */
export function readOnlyReason(s: CurrentSnapshot & object): string {
  return `this is a read-only snapshot (taken by ${s.takenBy} on ${s.hostName} at ${s.takenAt}); open the live fleet to change anything.`;
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
  readonly capacity: CapacityService;
  readonly terminal: TerminalService;
  readonly diagnostics: DiagnosticsService;
  readonly provisioning: ProvisioningService;
  readonly snapshots: SnapshotsService;
  readonly fills: FillsService;
  readonly fillsExec: FillsExecService;
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
  const snapshot = options.snapshot ?? null;
  const jobs = new JobsKernel(depsOf('jobs'), inventory, { resume: snapshot ? false : (options.resumeJobs ?? options.host !== 'cli') });
  jobs.register(execKind(net, inventory));
  jobs.register(configStepsKind(net, inventory));
  const provisioning = new ProvisioningService(depsOf('provisioning'), inventory, net, jobs);
  jobs.register(provisionKind(provisioning));
  const fillsExec = new FillsExecService(depsOf('fills'), inventory, net, jobs);
  jobs.register(fillsExec.kind());
  // The windows' engines poll (on by default); CLI and test engines only when told to; a snapshot's never.
  const runsMonitor = !snapshot && (options.host === 'desktop' || options.host === 'browser');
  const health = new HealthService(depsOf('health'), inventory, { runsMonitor, net, ...options.health, ...(snapshot ? { runsMonitor: false } : {}) });
  // Registers the diag-suite kind.
  const diagnostics = new DiagnosticsService(depsOf('diagnostics'), inventory, net, jobs, health);
  const firmware = new FirmwareService(depsOf('firmware'), inventory);
  const rollouts = new RolloutsService(depsOf('rollouts'), { inventory, net, firmware, health, jobs }, options.rollouts);
  jobs.register(rollouts.kind());
  // Every kind is registered: jobs left running by a process that died resume now (a snapshot shows
  // its jobs as they were when it was taken).
  if (!snapshot) jobs.recover();
  const fills = new FillsService(depsOf('fills'), inventory);
  const capacity = new CapacityService(depsOf('capacity'), inventory, health);
  // Each sweep's serving per site is a candidate for the day's peak; a lab brings months of history.
  const quietly = (what: string, fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      log.error(what, { error: err instanceof Error ? err.message : String(err) });
    }
  };
  events.scoped('health').on('swept', () => quietly('capacity: recording peaks', () => capacity.recordSweep()));
  events.scoped('lab').on('changed', ({ running }) => running && quietly('capacity: lab history', () => capacity.seedLabHistory(LAB_TAG)));
  const terminal = new TerminalService(depsOf('terminal'), inventory, net);
  const snapshots = new SnapshotsService(depsOf('snapshots'), inventory, snapshot, options.openSnapshot ?? null, options.leaveSnapshot ?? null);
  // Belt and braces: whatever a service might write on a snapshot's engine, SQLite refuses.
  if (snapshot) refuseWrites(db);

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
    capacity: capacity.handlers,
    terminal: terminal.handlers,
    diagnostics: diagnostics.handlers,
    provisioning: provisioning.handlers,
    snapshots: snapshots.handlers,
    fills: { ...fills.handlers, ...fillsExec.handlers },
    rollouts: rollouts.handlers,
  };

  const dispatcher = new Dispatcher(handlers, log, options.checkOutputs ?? false, snapshot ? readOnlyReason(snapshot) : null);
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
    capacity,
    terminal,
    diagnostics,
    provisioning,
    snapshots,
    fills,
    fillsExec,
    rollouts,
    connect(channel, callerCtx) {
      // Each window gets an id (events addressed to it alone) and hears when its carrier closes.
      const closers = new Set<() => void>();
      const window: WindowSession = callerCtx.window ?? {
        id: randomUUID(),
        onClose: (listener) => {
          closers.add(listener);
          return () => closers.delete(listener);
        },
      };
      channel.onClose(() => {
        for (const listener of [...closers]) listener();
        closers.clear();
      });
      const ctx: CallContext = { ...callerCtx, window };
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
      terminal.close();
      jobs.stop();
      fillsExec.close();
      rollouts.close();
      health.close();
      net.close();
      db.close();
    },
  };
  return engine;
}
