/**
 * The engine's composition: the database, the event bus, the dispatcher and every domain's service,
 * described once in SERVICES below (what each is built from and what it needs).
 *
 * Two ways to compose, one description:
 *   - createEngine (main/engine.ts): every domain module imported up front and every service built at
 *     once, in the order below: the desktop engine, `fleetdeck serve`, snapshots, tests and benches.
 *   - openEngine (here): a domain's module (its service, repo and zod schemas) is loaded and its
 *     service built on the first call that needs it. The CLI opens an engine per command, and
 *     `fleetdeck inventory list` must not compile rollouts, fills or capacity (docs/architecture.md).
 *
 * Job kinds are known to the kernel by name before their module loads (KINDS): recover() needs only
 * whether a kind resumes after a crash; the module loads when a job of that kind is looked at,
 * resumed, retried or started.
 */
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { JSONRPCServer } from 'json-rpc-2.0';
import { EventBus } from './events';
import { Dispatcher, type Handlers } from './dispatcher';
import type { CallContext, HostKind, WindowSession } from '../kit/context';
import { createRpcServer, serveChannel } from './rpc-session';
import { channelPair, type Channel } from './channel';
import { createApiClient, type ApiClient } from './client';
import { WalCheckpointer } from '../store/checkpoints';
import { DB_FILE, openFleetDatabase, schemaVersion, type Db } from '../store/db';
import { MIGRATIONS } from '../migrations';
import { systemClock, systemRng, type Clock, type Rng } from '../kit/time';
import { fileLogger, type Logger } from '../store/log';
import type { Vault } from '../vault/vault';
import type { ServiceDeps, SharedDeps } from '../deps';
import { AuditLog } from '../audit/service';
import { SettingsStore } from '../settings/store';
import type { Domain, EventContract } from './contract';
import type { JobKind } from '../jobs/kind';
import type { HealthServiceOptions } from '../health/service';
import type { SnapshotLeaver, SnapshotOpener } from '../snapshots/service';
import type { CurrentSnapshot } from '../snapshots/contract';
import type { RolloutsOptions } from '../rollouts/service';
import { ENGINE_VERSION } from '../version';

/** Each domain module the composition builds from, loaded on first use (openEngine). */
export const MODULE_LOADERS = {
  inventory: () => import('../inventory/service'),
  net: () => import('../net/service'),
  netJobs: () => import('../net/jobs'),
  configSteps: () => import('../net/config-steps'),
  lab: () => import('../lab/service'),
  jobs: () => import('../jobs/kernel'),
  health: () => import('../health/service'),
  firmware: () => import('../firmware/service'),
  capacity: () => import('../capacity/service'),
  history: () => import('../history/service'),
  terminal: () => import('../terminal/service'),
  diagnostics: () => import('../diagnostics/service'),
  provisioning: () => import('../provisioning/service'),
  provisionKind: () => import('../provisioning/kind'),
  snapshots: () => import('../snapshots/service'),
  snapshotsRepo: () => import('../snapshots/repo'),
  fills: () => import('../fills/service'),
  fillsExec: () => import('../fills/exec/service'),
  rollouts: () => import('../rollouts/service'),
};
export type ModuleName = keyof typeof MODULE_LOADERS;
export type DomainModules = { [M in ModuleName]: Awaited<ReturnType<(typeof MODULE_LOADERS)[M]>> };

type M = DomainModules;
/** Every service an engine can build, by name. */
export interface Services {
  inventory: InstanceType<M['inventory']['InventoryService']>;
  net: InstanceType<M['net']['NetService']>;
  lab: InstanceType<M['lab']['LabService']>;
  jobs: InstanceType<M['jobs']['JobsKernel']>;
  /** The fan-out kinds (exec, config-steps), registered on the kernel, and the exec call. */
  fanout: { startExec: M['netJobs']['startExec'] };
  health: InstanceType<M['health']['HealthService']>;
  firmware: InstanceType<M['firmware']['FirmwareService']>;
  capacity: InstanceType<M['capacity']['CapacityService']>;
  history: InstanceType<M['history']['HistoryService']>;
  terminal: InstanceType<M['terminal']['TerminalService']>;
  diagnostics: InstanceType<M['diagnostics']['DiagnosticsService']>;
  provisioning: InstanceType<M['provisioning']['ProvisioningService']>;
  snapshots: InstanceType<M['snapshots']['SnapshotsService']>;
  fills: InstanceType<M['fills']['FillsService']>;
  fillsExec: InstanceType<M['fillsExec']['FillsExecService']>;
  rollouts: InstanceType<M['rollouts']['RolloutsService']>;
}
export type ServiceName = keyof Services;

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

/** How long a window's engine waits after start before fitting capacity forecasts in the background (its first screens come first). */
const BACKGROUND_FIT_DELAY_MS = 3000;

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
  /**
   * The services (built on first use). On an engine from openEngine a service whose module has not
   * been loaded yet throws here: use `await engine.use(name)`.
   */
  readonly inventory: Services['inventory'];
  readonly lab: Services['lab'];
  readonly net: Services['net'];
  readonly jobs: Services['jobs'];
  readonly health: Services['health'];
  readonly firmware: Services['firmware'];
  readonly capacity: Services['capacity'];
  readonly history: Services['history'];
  readonly terminal: Services['terminal'];
  readonly diagnostics: Services['diagnostics'];
  readonly provisioning: Services['provisioning'];
  readonly snapshots: Services['snapshots'];
  readonly fills: Services['fills'];
  readonly fillsExec: Services['fillsExec'];
  readonly rollouts: Services['rollouts'];
  /** A service, its module (and those of what it needs) loaded and built first if need be. */
  use<S extends ServiceName>(name: S): Promise<Services[S]>;
  /** The services built so far (tests: what a command cost). */
  built(): ServiceName[];
  /** Serve one window over a carrier; returns the function that ends the session. */
  connect(channel: Channel, ctx: CallContext): () => void;
  /** An in-process typed client (CLI, tests). */
  client(ctx?: Partial<CallContext>): ApiClient;
  /** Work that events started in the background (a service built on first use, a lab's history seeded) has ended. */
  settled(): Promise<void>;
  close(): void;
}

/**
 * The job kinds, by name: the service whose building registers each, and what recover() does with
 * its jobs after a crash (checked against the kind itself when it registers).
 */
export const KINDS: Record<string, { service: ServiceName; afterCrash: JobKind['afterCrash'] }> = {
  exec: { service: 'fanout', afterCrash: 'interrupted' },
  'config-steps': { service: 'fanout', afterCrash: 'reconcile' },
  provision: { service: 'provisioning', afterCrash: 'reconcile' },
  fills: { service: 'fillsExec', afterCrash: 'reconcile' },
  'diag-suite': { service: 'diagnostics', afterCrash: 'reconcile' },
  rollout: { service: 'rollouts', afterCrash: 'reconcile' },
};

interface BuildContext {
  m: DomainModules;
  get<S extends ServiceName>(name: S): Services[S];
  depsOf<D extends keyof EventContract & string>(domain: D): ServiceDeps<EventContract[D]>;
  options: EngineOptions;
  snapshot: (CurrentSnapshot & object) | null;
  /** Whether jobs.recover() runs as soon as the kernel is built (openEngine) or after every kind (createEngine). */
  recoverOnBuild: boolean;
  use: Engine['use'];
}

interface ServiceSpec<S extends ServiceName> {
  /** The modules its build uses (besides those of the services it needs). */
  modules: readonly ModuleName[];
  /** Services built before it, passed to it. */
  needs: readonly ServiceName[];
  /** Services built after it when it is built on first use (it relies on what they set up). */
  then?: readonly ServiceName[];
  build(c: BuildContext): Services[S];
}

/** Every service: what it is built from. createEngine builds them in this order. */
const SERVICES: { [S in ServiceName]: ServiceSpec<S> } = {
  inventory: { modules: ['inventory'], needs: [], build: ({ m, depsOf }) => new m.inventory.InventoryService(depsOf('inventory')) },
  net: { modules: ['net'], needs: ['inventory'], build: ({ m, depsOf, get }) => new m.net.NetService(depsOf('net'), get('inventory')) },
  lab: {
    modules: ['lab'],
    needs: ['inventory', 'net'],
    // The lab hands its demand over to the fills domain (built when first asked: lab commands stay light).
    build: ({ m, depsOf, get, use }) => new m.lab.LabService(depsOf('lab'), get('inventory'), get('net'), { fills: () => use('fills') }),
  },
  jobs: {
    modules: ['jobs'],
    needs: ['inventory'],
    build: ({ m, depsOf, get, options, snapshot, recoverOnBuild, use }) => {
      const jobs = new m.jobs.JobsKernel(depsOf('jobs'), get('inventory'), { resume: snapshot ? false : (options.resumeJobs ?? options.host !== 'cli') });
      for (const [name, { service, afterCrash }] of Object.entries(KINDS)) {
        jobs.registerLater(name, afterCrash, async () => {
          await use(service);
        });
      }
      // Every kind is known (by name at least): jobs left running by a process that died are
      // recovered now (a snapshot shows its jobs as they were when it was taken).
      if (recoverOnBuild && !snapshot) jobs.recover();
      return jobs;
    },
  },
  fanout: {
    modules: ['netJobs', 'configSteps'],
    needs: ['inventory', 'net', 'jobs'],
    build: ({ m, get }) => {
      get('jobs').register(m.netJobs.execKind(get('net'), get('inventory')));
      get('jobs').register(m.configSteps.configStepsKind(get('net'), get('inventory')));
      return { startExec: m.netJobs.startExec };
    },
  },
  provisioning: {
    modules: ['provisioning', 'provisionKind'],
    needs: ['inventory', 'net', 'jobs', 'diagnostics'],
    build: ({ m, depsOf, get }) => {
      const provisioning = new m.provisioning.ProvisioningService(depsOf('provisioning'), get('inventory'), get('net'), get('jobs'));
      const diagnostics = get('diagnostics');
      // Provisioning's acceptance checks run through diagnostics (structured results, in the history).
      get('jobs').register(m.provisionKind.provisionKind(provisioning, (serial, checks, o) => diagnostics.acceptance(serial, checks, o)));
      // Configuration drift compares with the site survey too (the survey belongs to provisioning).
      diagnostics.driftSources.push({ name: 'survey', expect: (o) => provisioning.surveyExpectations(o.appliance.serial, o.config) });
      return provisioning;
    },
  },
  fillsExec: {
    modules: ['fillsExec'],
    // fills: runs are made from its stored placement plans (prepareFromPlan).
    needs: ['inventory', 'net', 'jobs', 'fills'],
    build: ({ m, depsOf, get }) => {
      const fillsExec = new m.fillsExec.FillsExecService(depsOf('fills'), get('inventory'), get('net'), get('jobs'), get('fills'));
      get('jobs').register(fillsExec.kind());
      return fillsExec;
    },
  },
  health: {
    modules: ['health'],
    needs: ['inventory', 'net'],
    // A rollout's planned reboots are expected outages: rollouts tells health when it is built.
    then: ['rollouts'],
    build: ({ m, depsOf, get, options, snapshot }) => {
      // The windows' engines poll (on by default); CLI and test engines only when told to; a snapshot's never.
      const runsMonitor = !snapshot && (options.host === 'desktop' || options.host === 'browser');
      return new m.health.HealthService(depsOf('health'), get('inventory'), { runsMonitor, net: get('net'), ...options.health, ...(snapshot ? { runsMonitor: false } : {}) });
    },
  },
  // Registers the diag-suite kind itself.
  diagnostics: {
    modules: ['diagnostics'],
    needs: ['inventory', 'net', 'jobs', 'health'],
    // Provisioning adds the site survey to the drift sources.
    then: ['provisioning'],
    build: ({ m, depsOf, get }) => new m.diagnostics.DiagnosticsService(depsOf('diagnostics'), get('inventory'), get('net'), get('jobs'), get('health')),
  },
  firmware: { modules: ['firmware'], needs: ['inventory'], build: ({ m, depsOf, get }) => new m.firmware.FirmwareService(depsOf('firmware'), get('inventory')) },
  rollouts: {
    modules: ['rollouts'],
    needs: ['inventory', 'net', 'firmware', 'health', 'jobs'],
    build: ({ m, depsOf, get, options }) => {
      const rollouts = new m.rollouts.RolloutsService(
        depsOf('rollouts'),
        { inventory: get('inventory'), net: get('net'), firmware: get('firmware'), health: get('health'), jobs: get('jobs') },
        options.rollouts,
      );
      get('jobs').register(rollouts.kind());
      return rollouts;
    },
  },
  fills: {
    modules: ['fills'],
    needs: ['inventory'],
    // Savings measured on the appliances come from the health history (built when first asked).
    build: ({ m, depsOf, get, use }) => new m.fills.FillsService(depsOf('fills'), get('inventory'), () => use('history')),
  },
  capacity: { modules: ['capacity'], needs: ['inventory', 'health'], build: ({ m, depsOf, get }) => new m.capacity.CapacityService(depsOf('capacity'), get('inventory'), get('health')) },
  history: { modules: ['history'], needs: ['inventory', 'health'], build: ({ m, depsOf, get }) => new m.history.HistoryService(depsOf('history'), get('inventory'), get('health')) },
  terminal: { modules: ['terminal'], needs: ['inventory', 'net'], build: ({ m, depsOf, get }) => new m.terminal.TerminalService(depsOf('terminal'), get('inventory'), get('net')) },
  snapshots: {
    modules: ['snapshots'],
    needs: ['inventory'],
    build: ({ m, depsOf, get, snapshot, options }) => new m.snapshots.SnapshotsService(depsOf('snapshots'), get('inventory'), snapshot, options.openSnapshot ?? null, options.leaveSnapshot ?? null, MIGRATIONS),
  },
};

/** Services a kind's service needs built before jobs.recover() in createEngine: every kind registers first. */
const BUILT_BEFORE_RECOVER: readonly ServiceName[] = ['inventory', 'net', 'lab', 'jobs', 'fanout', 'fillsExec', 'health', 'diagnostics', 'provisioning', 'firmware', 'rollouts'];
const BUILT_AFTER_RECOVER: readonly ServiceName[] = ['fills', 'capacity', 'history', 'terminal', 'snapshots'];

/** The modules a service's build uses, with those of everything it needs. */
export function modulesFor(name: ServiceName, seen = new Set<ServiceName>()): Set<ModuleName> {
  const out = new Set<ModuleName>();
  if (seen.has(name)) return out;
  seen.add(name);
  for (const dep of SERVICES[name].needs) for (const mod of modulesFor(dep, seen)) out.add(mod);
  for (const mod of SERVICES[name].modules) out.add(mod);
  return out;
}

type AnyHandlers = Record<string, (input: unknown, ctx: CallContext) => unknown>;

/**
 * The composition behind createEngine and openEngine: `modules` holds the domain modules already
 * loaded (createEngine: all of them); anything else is loaded from MODULE_LOADERS on first use.
 */
export function composeEngine(options: EngineOptions, modules: Partial<DomainModules> = {}): Engine {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? fileLogger(join(options.dataDir, 'engine.log'), () => clock.now());
  const db = openFleetDatabase(options.dataDir, MIGRATIONS);
  const events = new EventBus();
  const checkpoints = new WalCheckpointer(db, { path: join(options.dataDir, DB_FILE), log });
  const deps: SharedDeps = {
    dataDir: options.dataDir,
    db,
    checkpoints,
    clock,
    rng: options.rng ?? systemRng,
    log,
    vault: options.vault,
    audit: new AuditLog(db, clock),
    settings: new SettingsStore(db),
  };
  const snapshot = options.snapshot ?? null;
  const everyModule = (Object.keys(MODULE_LOADERS) as ModuleName[]).every((name) => modules[name] !== undefined);
  if (snapshot && !everyModule) throw new Error('a snapshot engine is made by createEngine (main/engine.ts), with every module loaded');

  const loaded: Partial<DomainModules> = { ...modules };
  const loading = new Map<ModuleName, Promise<void>>();
  const loadModule = (name: ModuleName): Promise<void> => {
    if (loaded[name]) return Promise.resolve();
    let pending = loading.get(name);
    if (!pending) {
      pending = (MODULE_LOADERS[name]() as Promise<DomainModules[typeof name]>).then(
        (mod) => {
          (loaded as Record<ModuleName, unknown>)[name] = mod;
        },
        (err: unknown) => {
          loading.delete(name);
          throw err;
        },
      );
      loading.set(name, pending);
    }
    return pending;
  };
  const moduleView = new Proxy({} as DomainModules, {
    get: (_, name: string) => {
      const mod = loaded[name as ModuleName];
      if (!mod) throw new Error(`the ${name} module is not loaded: declare it in SERVICES (main/api/composition.ts)`);
      return mod;
    },
  });

  /** Each domain gets the shared deps and an emitter for its own events only. */
  const depsOf = <D extends keyof EventContract & string>(domain: D): ServiceDeps<EventContract[D]> => ({ ...deps, events: events.scoped(domain) });
  const services = new Map<ServiceName, unknown>();
  const underway = new Set<ServiceName>();
  /** Services built on first use whose `then` services are still to be built (use() builds them). */
  const followUps: ServiceName[] = [];

  function get<S extends ServiceName>(name: S): Services[S] {
    const existing = services.get(name);
    if (existing !== undefined) return existing as Services[S];
    const spec = SERVICES[name];
    for (const mod of modulesFor(name)) {
      if (!loaded[mod]) throw new Error(`the ${name} service is not loaded in this engine yet: await engine.use('${name}')`);
    }
    if (underway.has(name)) throw new Error(`the ${name} service needs itself (SERVICES in main/api/composition.ts)`);
    underway.add(name);
    try {
      for (const dep of spec.needs) get(dep);
      const service = spec.build({ m: moduleView, get, depsOf, options, snapshot, recoverOnBuild: !everyModule, use });
      services.set(name, service);
      if (!everyModule && spec.then) followUps.push(name);
      return service;
    } finally {
      underway.delete(name);
    }
  }

  async function use<S extends ServiceName>(name: S): Promise<Services[S]> {
    const existing = services.get(name);
    if (existing !== undefined) return existing as Services[S];
    await Promise.all([...modulesFor(name)].map(loadModule));
    const service = get(name);
    // What a service built now (itself or one it needs) relies on being built after it.
    for (let next = followUps.shift(); next !== undefined; next = followUps.shift()) {
      for (const after of SERVICES[next].then ?? []) await use(after);
    }
    return service;
  }

  /** Work started by events and not ended yet: settled() waits for it (a CLI command before it exits). */
  const background = new Set<Promise<unknown>>();
  /** Runs `fn` on a service after an event: now if it is built, else once it is. */
  const withService = <S extends ServiceName>(what: string, name: S, fn: (service: Services[S]) => unknown) => {
    const fail = (err: unknown) => log.error(what, { error: err instanceof Error ? err.message : String(err) });
    let work: Promise<unknown>;
    try {
      work = services.has(name) ? Promise.resolve(fn(get(name))) : use(name).then(fn);
    } catch (err) {
      fail(err);
      return;
    }
    const tracked: Promise<unknown> = work.catch(fail).finally(() => background.delete(tracked));
    background.add(tracked);
  };
  // Each sweep's serving per site is a candidate for the day's peak; a lab brings months of history.
  events.scoped('health').on('swept', () => withService('capacity: recording peaks', 'capacity', (c) => c.recordSweep()));
  // Each sweep adds to the series and availability; a lab brings thirty days of them. A window's
  // engine lives on: it seeds a site at a time and answers meanwhile; a CLI command finishes first.
  const windowHost = !snapshot && (options.host === 'desktop' || options.host === 'browser');
  // A window's engine fits the capacity forecasts in the background (kept in SQLite), after a lab's
  // history is written and once at start, so the first look reads them instead of fitting every site.
  const fitCapacity = () => withService('capacity: fitting forecasts in the background', 'capacity', (c) => c.fitInBackground());
  events.scoped('lab').on(
    'changed',
    ({ running }) =>
      running &&
      withService('capacity: lab history', 'capacity', (c) => {
        const seeded = c.seedLabHistory(moduleView.lab.LAB_TAG);
        if (windowHost && seeded.length) fitCapacity();
      }),
  );
  const startFit = windowHost ? setTimeout(fitCapacity, BACKGROUND_FIT_DELAY_MS) : null;
  startFit?.unref();
  events.scoped('health').on('swept', () => withService('history: recording a sweep', 'history', (h) => h.recordSweep()));
  events.scoped('lab').on('changed', ({ running }) => running && withService('history: lab history', 'history', (h) => h.seedLabHistory(moduleView.lab.LAB_TAG, windowHost)));

  if (everyModule) {
    for (const name of BUILT_BEFORE_RECOVER) get(name);
    if (!snapshot) get('jobs').recover();
    for (const name of BUILT_AFTER_RECOVER) get(name);
    // Belt and braces: whatever a service might write on a snapshot's engine, SQLite refuses.
    if (snapshot) moduleView.snapshotsRepo.refuseWrites(db);
  }

  const system: Handlers['system'] = {
    info: () => ({
      version: ENGINE_VERSION,
      dataDir: options.dataDir,
      schemaVersion: schemaVersion(db),
      host: options.host,
      vault: { kind: options.vault.kind, description: options.vault.describe(), locked: options.vault.isLocked() },
    }),
    ping: ({ nonce }) => ({ nonce, at: new Date(clock.now()).toISOString() }),
  };
  const handlerOf = <S extends ServiceName & Domain>(name: S) => async () => (await use(name)).handlers as Handlers[S];
  /** Each domain's handlers, its service built on the first call into it. */
  const wire: { [D in Domain]: () => Promise<Handlers[D]> } = {
    system: () => Promise.resolve(system),
    inventory: handlerOf('inventory'),
    lab: handlerOf('lab'),
    net: handlerOf('net'),
    jobs: async () => ({ ...(await use('jobs')).handlers, exec: async (req, ctx) => (await use('fanout')).startExec(get('jobs'), req, ctx.actor) }),
    health: handlerOf('health'),
    firmware: handlerOf('firmware'),
    capacity: handlerOf('capacity'),
    history: handlerOf('history'),
    terminal: handlerOf('terminal'),
    diagnostics: handlerOf('diagnostics'),
    provisioning: handlerOf('provisioning'),
    snapshots: handlerOf('snapshots'),
    fills: async () => {
      const [fills, fillsExec] = await Promise.all([use('fills'), use('fillsExec')]);
      return { ...fills.handlers, ...fillsExec.handlers };
    },
    rollouts: handlerOf('rollouts'),
  };
  const wired = new Map<Domain, Promise<AnyHandlers>>();
  const handlersOf = (domain: Domain): Promise<AnyHandlers> => {
    let handlers = wired.get(domain);
    if (!handlers) {
      handlers = wire[domain]() as Promise<AnyHandlers>;
      handlers.catch(() => wired.delete(domain));
      wired.set(domain, handlers);
    }
    return handlers;
  };

  const dispatcher = new Dispatcher(handlersOf, log, options.checkOutputs ?? false, snapshot ? readOnlyReason(snapshot) : null);
  const rpc = createRpcServer(dispatcher);
  const sessions = new Set<() => void>();
  const ifBuilt = <S extends ServiceName>(name: S): Services[S] | undefined => services.get(name) as Services[S] | undefined;

  const engine: Engine = {
    dataDir: options.dataDir,
    db,
    events,
    dispatcher,
    rpc,
    deps,
    get inventory() {
      return get('inventory');
    },
    get lab() {
      return get('lab');
    },
    get net() {
      return get('net');
    },
    get jobs() {
      return get('jobs');
    },
    get health() {
      return get('health');
    },
    get firmware() {
      return get('firmware');
    },
    get capacity() {
      return get('capacity');
    },
    get history() {
      return get('history');
    },
    get terminal() {
      return get('terminal');
    },
    get diagnostics() {
      return get('diagnostics');
    },
    get provisioning() {
      return get('provisioning');
    },
    get snapshots() {
      return get('snapshots');
    },
    get fills() {
      return get('fills');
    },
    get fillsExec() {
      return get('fillsExec');
    },
    get rollouts() {
      return get('rollouts');
    },
    use,
    built: () => [...services.keys()],
    connect(channel, callerCtx) {
      // Each window gets an id (events addressed to it alone) and hears when its carrier closes.
      const closers = new Set<() => void>();
      const window: WindowSession = callerCtx.window ?? {
        id: randomUUID(),
        onClose: (listener) => {
          closers.add(listener);
          return () => closers.delete(listener);
        },
        backlog: () => channel.backlog?.() ?? 0,
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
    async settled() {
      while (background.size > 0) await Promise.all([...background]);
      await checkpoints.idle();
    },
    close() {
      if (startFit) clearTimeout(startFit);
      events.emit('system.shutdown', { reason: 'engine closed' });
      for (const end of [...sessions]) end();
      ifBuilt('terminal')?.close();
      ifBuilt('jobs')?.stop();
      ifBuilt('fillsExec')?.close();
      ifBuilt('rollouts')?.close();
      ifBuilt('health')?.close();
      ifBuilt('net')?.close();
      db.close();
      // After the engine's connection: the worker's is then the last to close and removes the WAL file.
      checkpoints.close();
    },
  };
  return engine;
}

/**
 * An engine that loads each domain's module and builds its service on the first call that needs
 * it (the CLI: one engine per command). Not for snapshots (createEngine).
 */
export function openEngine(options: Omit<EngineOptions, 'snapshot' | 'openSnapshot' | 'leaveSnapshot'>): Engine {
  return composeEngine(options);
}
