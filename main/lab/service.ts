/**
 * The lab domain in the engine: start a lab daemon, write its fleet into the inventory, report on
 * it, toggle its faults and stop it. The daemon runs detached, so a lab started from the CLI keeps
 * running until `lab stop`; its state.json and control token live in <data-dir>/lab.
 *
 * The fleet key: the lab trusts the engine's fleet SSH key (vault entry `fleet-ssh-key`); when
 * there is none yet, the lab makes one and stores it in the vault. Only public keys reach the lab.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CallContext } from '../kit/context';
import { FleetError } from '../kit/errors';
import type { DomainHandlers } from '../kit/contract';
import type { ServiceDeps } from '../deps';
import { ApplianceQuery } from '../inventory/contract';
import type { InventoryDocument, InventoryService } from '../inventory/service';
import type { NetService } from '../net/service';
import { HandOverDemandInput, LabStartInput, type HandOverDemandReport, type FaultId, type LabApplianceFaults, type LabStatus, type labMethods, type labEvents } from './contract';
import { callControl, ControlStatus } from './control';
import { parseReleaseKey } from '../appliance/sshsig';
import { CONFIG_FILE, LOG_FILE, readManifest, STATE_FILE, type LabConfig, type LabManifest } from './manifest';
import { planFleet } from './plan';
import { DemandFilesError, writeDemandFiles } from './demand-files';
import { labDemandModel } from './model/demand';
import { parseAuthorizedKeys } from './ssh-server';
import type { z } from 'zod';

export const LAB_ACTOR = 'lab:simulator';
export const LAB_TAG = 'lab';

type LabHandlers = DomainHandlers<typeof labMethods, CallContext>;

export interface LabServiceOptions {
  /** How long to wait for the daemon's manifest, beyond a per-appliance allowance. */
  startTimeoutMs?: number;
  /** Extra daemon config (tests shorten the slow fault, cap staging). */
  daemonConfig?: Pick<LabConfig, 'stagingCapBytes' | 'slowDelayMs'>;
  /** Where the lab's demand is handed over (the fills domain's imports; the composition gives it). */
  fills?: () => Promise<DemandImports>;
}

/** The fills domain's imports, as the lab hands its demand over (main/fills/service.ts). */
export interface DemandImports {
  importCatalog(path: string, actor: string): Promise<unknown>;
  importDemand(path: string, actor: string): Promise<unknown>;
}

/** Folder under <data-dir>/lab the demo's demand files are written to (and left, for a look). */
export const DEMO_DEMAND_DIR = 'demo-demand';

/**
 * How to start the daemon. From a build (the CLI's out/cli/fleetdeck.mjs, or the app's
 * out/main/engine.js) it is the built out/cli/lab-daemon.mjs: plain Node, nothing compiled at start.
 * From the TypeScript sources (tests, tsx) it is main/lab/daemon.ts through tsx, a dev dependency,
 * resolved from the checkout (spawned with the checkout as cwd).
 */
function daemonEntry(): { args: string[]; root: string } {
  const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
  const built = [here('./lab-daemon.mjs'), here('../cli/lab-daemon.mjs')].find((p) => existsSync(p));
  if (built && !import.meta.url.endsWith('.ts')) return { args: [built], root: dirname(dirname(dirname(built))) };
  const candidates = [here('./daemon.ts'), here('../../main/lab/daemon.ts')];
  const entry = candidates.find((p) => existsSync(p));
  if (!entry) throw new FleetError('E_UNAVAILABLE', 'The lab needs a Fleetdeck build (out/cli/lab-daemon.mjs: npm run build) or its source checkout.');
  return { args: ['--import', 'tsx', entry], root: dirname(dirname(dirname(entry))) };
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const notRunning = (): LabStatus => ({
  running: false,
  pid: null,
  startedAt: null,
  speed: null,
  appliances: 0,
  sites: 0,
  labTime: null,
  faults: [],
});

export class LabService {
  readonly handlers: LabHandlers;
  readonly labDir: string;
  private starting: Promise<LabStatus> | null = null;
  /** The hand-over under way, with what it was asked for (a call asking the same joins it). */
  private handingOver: { titles: number; days: number; report: Promise<HandOverDemandReport> } | null = null;

  constructor(
    private readonly deps: ServiceDeps<typeof labEvents>,
    private readonly inventory: InventoryService,
    /** The lab trusts the fleet key the net domain keeps (made when there is none). */
    private readonly net: Pick<NetService, 'ensureFleetPublicKey'>,
    private readonly options: LabServiceOptions = {},
  ) {
    this.labDir = join(deps.dataDir, 'lab');
    this.handlers = {
      start: (input, ctx) => this.start(input, ctx.actor),
      status: () => this.status(),
      stop: (_input, ctx) => this.stop(ctx.actor),
      setFault: (input, ctx) => this.setFault(input.serial, input.fault, input.on, ctx.actor),
      handOverDemand: (input, ctx) => this.handOverDemand(input, ctx.actor),
      addSite: async (input, ctx) => {
        if (!this.running()) throw new FleetError('E_UNAVAILABLE', 'No lab is running (start one with `fleetdeck lab start`).');
        const survey = (await callControl(this.labDir, 'POST', '/add-site', input, 60_000)) as Record<string, unknown>;
        this.deps.log.info('lab factory site added', { actor: ctx.actor, site: input.code, appliances: input.appliances });
        return { survey };
      },
    };
  }

  /** The manifest of the lab running now, or null (a stale state.json is removed). */
  running(): LabManifest | null {
    const manifest = readManifest(this.labDir);
    if (!manifest) return null;
    if (pidAlive(manifest.pid)) return manifest;
    rmSync(join(this.labDir, STATE_FILE), { force: true });
    return null;
  }

  start(input: z.input<typeof LabStartInput>, actor: string): Promise<LabStatus> {
    if (this.starting) throw new FleetError('E_CONFLICT', 'A lab is already starting.');
    this.starting = this.startLab(LabStartInput.parse(input), actor).finally(() => (this.starting = null));
    return this.starting;
  }

  private async startLab(input: z.output<typeof LabStartInput>, actor: string): Promise<LabStatus> {
    const current = this.running();
    if (current) {
      throw new FleetError(
        'E_CONFLICT',
        `A lab is already running (pid ${current.pid}, ${current.appliances.length} appliances); stop it first with \`fleetdeck lab stop\`.`,
      );
    }
    const extra = parseAuthorizedKeys(input.authorizedKeys.join('\n'));
    if (extra.problems.length) {
      throw new FleetError('E_VALIDATION', `An authorized key is not an OpenSSH public key (${extra.problems.join('; ')}).`);
    }
    const releaseKeys = input.releaseKeys.flatMap((k) => k.split(/\r?\n/)).filter((l) => l.trim() && !l.trim().startsWith('#'));
    for (const line of releaseKeys) {
      try {
        parseReleaseKey(line);
      } catch (err) {
        throw new FleetError('E_VALIDATION', `A release key is not usable: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    this.refuseCollisions(input.appliances, input.sites, input.seed);
    const fleetKey = await this.net.ensureFleetPublicKey(LAB_ACTOR);

    mkdirSync(this.labDir, { recursive: true, mode: 0o700 });
    const config: LabConfig = {
      appliances: input.appliances,
      sites: input.sites,
      speed: input.speed,
      seed: input.seed,
      authorizedKeys: [fleetKey, ...input.authorizedKeys.flatMap((k) => k.split(/\r?\n/)).filter((l) => l.trim() && !l.trim().startsWith('#'))],
      ...(releaseKeys.length ? { releaseKeys } : {}),
      ...this.options.daemonConfig,
    };
    writeFileSync(join(this.labDir, CONFIG_FILE), JSON.stringify(config, null, 1), { mode: 0o600 });
    const manifest = await this.spawnDaemon(input.appliances);

    const doc: InventoryDocument = {
      partners: manifest.partners,
      sites: manifest.sites,
      appliances: manifest.appliances.map((a) => ({
        serial: a.serial,
        hostname: a.hostname,
        site: a.site,
        model: a.model,
        ipv4: manifest.host,
        ipv6: null,
        sshPort: a.sshPort,
        apiPort: a.apiPort,
        storageTb: a.storageTb,
        nicGbps: a.nicGbps,
        firmware: a.firmware,
        tags: [LAB_TAG],
        status: 'online',
        hostKeyFingerprint: a.hostKeyFingerprint,
      })),
    };
    try {
      // The lab's appliances are its own: a lab started afresh has new host keys, and records them.
      await this.inventory.importDocument(doc, LAB_ACTOR, { source: 'lab', replaceHostKeys: true });
      this.retireAbsent(new Set(manifest.appliances.map((a) => a.serial)));
    } catch (err) {
      await this.stopDaemon(manifest);
      throw err;
    }
    this.deps.log.info('lab started', { actor, appliances: manifest.appliances.length, sites: manifest.sites.length, pid: manifest.pid });
    this.deps.events.emit('changed', { running: true });
    return this.status();
  }

  /**
   * The running lab's demand, handed over as a streaming service would: a catalog of the model's
   * `titles` most popular titles and its sites' demand on the last `days` days (to yesterday, UTC),
   * written under <data-dir>/lab/demo-demand and imported through the fills domain (all or
   * nothing each). A call while one runs joins it when it asks for the same titles and days, and is
   * refused with E_CONFLICT otherwise: its reply would describe a hand-over it did not ask for.
   */
  handOverDemand(input: z.input<typeof HandOverDemandInput>, actor: string): Promise<HandOverDemandReport> {
    const { titles, days } = HandOverDemandInput.parse(input);
    if (this.handingOver) {
      const running = this.handingOver;
      if (running.titles === titles && running.days === days) return running.report;
      return Promise.reject(
        new FleetError(
          'E_CONFLICT',
          `The lab is handing over ${running.titles.toLocaleString('en')} titles and ${running.days} day(s) of demand already, so ${titles.toLocaleString('en')} titles and ${days} day(s) were not handed over. Wait for it to finish and ask again.`,
        ),
      );
    }
    const report = this.handOver(titles, days, actor).finally(() => (this.handingOver = null));
    this.handingOver = { titles, days, report };
    return report;
  }

  private async handOver(titles: number, days: number, actor: string): Promise<HandOverDemandReport> {
    const manifest = this.running();
    if (!manifest) throw new FleetError('E_UNAVAILABLE', 'No lab is running (start one with `fleetdeck lab start`), so there is no lab demand to hand over.');
    if (!this.options.fills) throw new FleetError('E_UNAVAILABLE', 'This engine has no fills domain to hand the demand over to.');
    const started = performance.now();
    const last = Math.floor(this.deps.clock.now() / 86_400_000) - 1;
    const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve));
    const files = await writeDemandFiles(labDemandModel(manifest, titles), join(this.labDir, DEMO_DEMAND_DIR), { first: last - days + 1, last }, 'csv', yieldNow).catch((err: unknown) => {
      // A folder or file that cannot be written is said as such, not as an internal error.
      if (err instanceof DemandFilesError) throw new FleetError('E_UNAVAILABLE', `The lab's demand could not be handed over: ${err.message}.`);
      throw err;
    });
    const fills = await this.options.fills();
    // The lab's own data, imported as the lab (its set-up rows, which the audit log hides by default);
    // who asked for it goes in the log line.
    await fills.importCatalog(files.catalogPath, LAB_ACTOR);
    await fills.importDemand(files.demandPath, LAB_ACTOR);
    const { catalogPath: _c, demandPath: _d, ...report } = files;
    this.deps.log.info('lab demand handed over', { requestedBy: actor, ...report });
    return { ...report, tookMs: Math.round(performance.now() - started) };
  }

  /** Lab appliances of an earlier, larger lab are not served by this one: mark them offline. */
  private retireAbsent(serials: Set<string>): void {
    const page = this.inventory.listAppliances(ApplianceQuery.parse({ tag: [LAB_TAG], limit: 20000 }));
    for (const a of page.items) {
      if (!serials.has(a.serial) && a.status !== 'offline') {
        this.inventory.setStatus(a.serial, 'offline', 'not part of the running lab', LAB_ACTOR);
      }
    }
  }

  /** Never write over inventory records the lab did not make. */
  private refuseCollisions(appliances: number, sites: number, seed: number): void {
    const plan = planFleet(appliances, sites, seed);
    const serials = new Set(plan.appliances.map((a) => a.serial));
    const known = new Set(this.inventory.listSites().map((s) => s.code));
    const siteCodes = plan.sites.map((s) => s.code).filter((c) => known.has(c));
    const clashes: string[] = [];
    const check = (query: z.input<typeof ApplianceQuery>, relevant: (serial: string) => boolean) => {
      for (const a of this.inventory.listAppliances(ApplianceQuery.parse({ ...query, limit: 20000 })).items) {
        if (relevant(a.serial) && !a.tags.includes(LAB_TAG)) clashes.push(`${a.serial} (site ${a.site})`);
      }
    };
    if (siteCodes.length) check({ site: siteCodes }, () => true);
    check({ text: 'LAB' }, (serial) => serials.has(serial));
    if (clashes.length) {
      throw new FleetError(
        'E_CONFLICT',
        `The lab would write over appliances it did not create: ${[...new Set(clashes)].slice(0, 5).join(', ')}${clashes.length > 5 ? ', ...' : ''}. Use a separate data directory for the lab.`,
      );
    }
  }

  private async spawnDaemon(appliances: number): Promise<LabManifest> {
    rmSync(join(this.labDir, STATE_FILE), { force: true });
    const logPath = join(this.labDir, LOG_FILE);
    const { args, root } = daemonEntry();
    const logFd = openSync(logPath, 'a', 0o600);
    // `--import tsx` resolves from the cwd, the checkout; ELECTRON_RUN_AS_NODE makes Electron's binary a plain Node.
    const child = spawn(process.execPath, [...args, this.labDir], {
      cwd: root,
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    closeSync(logFd);
    let exited: number | null = null;
    child.once('exit', (code) => (exited = code ?? 1));
    child.unref();
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 30_000) + appliances * 60;
    while (Date.now() < deadline) {
      const manifest = readManifest(this.labDir);
      if (manifest && manifest.pid === child.pid) return manifest;
      if (exited !== null) {
        throw new FleetError('E_UNAVAILABLE', `The lab process exited before it was ready: ${this.logTail(logPath)}`);
      }
      await sleep(100);
    }
    if (child.pid) process.kill(child.pid, 'SIGTERM');
    throw new FleetError('E_TIMEOUT', `The lab did not come up in time; see ${logPath}.`);
  }

  private logTail(path: string): string {
    try {
      const lines = readFileSync(path, 'utf8').trim().split('\n');
      return lines.slice(-3).join(' / ').slice(0, 500) || 'no output';
    } catch {
      return 'no output';
    }
  }

  async status(): Promise<LabStatus> {
    const manifest = this.running();
    if (!manifest) return notRunning();
    try {
      const s = ControlStatus.parse(await callControl(this.labDir, 'GET', '/status', undefined, 5000));
      return { running: true, pid: s.pid, startedAt: s.startedAt, speed: s.speed, appliances: s.appliances, sites: s.sites, labTime: s.labTime, faults: s.faults };
    } catch {
      // The process is there but its control API does not answer (still starting, or hung).
      return {
        running: true,
        pid: manifest.pid,
        startedAt: manifest.startedAt,
        speed: manifest.speed,
        appliances: manifest.appliances.length,
        sites: manifest.sites.length,
        labTime: null,
        faults: [],
      };
    }
  }

  async stop(actor: string): Promise<{ stopped: boolean }> {
    const manifest = this.running();
    if (!manifest) return { stopped: false };
    await this.stopDaemon(manifest);
    this.deps.log.info('lab stopped', { actor, pid: manifest.pid });
    this.deps.events.emit('changed', { running: false });
    return { stopped: true };
  }

  private async stopDaemon(manifest: LabManifest): Promise<void> {
    try {
      await callControl(this.labDir, 'POST', '/stop', {}, 5000);
    } catch {
      if (pidAlive(manifest.pid)) process.kill(manifest.pid, 'SIGTERM');
    }
    for (let waited = 0; pidAlive(manifest.pid); waited += 100) {
      if (waited === 15_000) process.kill(manifest.pid, 'SIGKILL');
      if (waited > 20_000) throw new FleetError('E_TIMEOUT', `The lab process ${manifest.pid} does not stop.`);
      await sleep(100);
    }
    if (existsSync(join(this.labDir, STATE_FILE))) rmSync(join(this.labDir, STATE_FILE), { force: true });
  }

  async setFault(serial: string, fault: FaultId, on: boolean, actor: string): Promise<z.infer<typeof LabApplianceFaults>> {
    if (!this.running()) throw new FleetError('E_UNAVAILABLE', 'No lab is running (start one with `fleetdeck lab start`).');
    const reply = (await callControl(this.labDir, 'POST', '/fault', { serial, fault, on })) as z.infer<typeof LabApplianceFaults>;
    this.deps.log.info('lab fault', { actor, serial, fault, on });
    this.deps.events.emit('changed', { running: true });
    return reply;
  }
}
