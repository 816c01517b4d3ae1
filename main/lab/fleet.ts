/**
 * A running lab fleet in this process: N appliances over M sites, each with an SSH port and an HTTP
 * port on 127.0.0.1 and its own ed25519 host key. Per appliance there are two plain listening
 * sockets and a small model object; the ssh2 Server is made on first contact and one HTTP parser
 * serves every API port, so a thousand appliances fit in one process. Connection faults (stall,
 * unreachable) and reboots are decided here, per accepted socket.
 *
 * The fleet persists in its folder: host keys and ports in fleet.json (so a restarted lab keeps its
 * identity and the inventory's fingerprints stay true), model state in appliances.json at stop.
 */
import { parseReleaseKey, type ReleaseKey } from '../appliance/sshsig';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { ParsedKey } from 'ssh2';
import { z } from 'zod';
import type { Clock } from '../kit/time';
import type { FaultId } from './contract';
import { handleApplianceRequest } from './http-api';
import { generateEd25519 } from '../keys/openssh-keygen';
import type { ManifestAppliance } from './manifest';
import { createApplianceState, LabAppliance, type ApplianceState } from './model/appliance';
import { LabClock } from './model/clock';
import { labDemand } from './model/lab-demand';
import { SiteServing, type DemandSource } from './model/site-serving';
import { localDay } from '../kit/windows';
import { planFleet, type FleetPlan } from './plan';
import { StagingArea } from './sftp-staging';
import { ApplianceSsh, parseAuthorizedKeys } from './ssh-server';
import { fingerprintOf } from '../keys/host-key';

export const LAB_HOST = '127.0.0.1';
/** Labs of up to this many sites read every site's demand before they answer (fleet start). */
export const WARM_SITES_AT_START = 12;
export const DEFAULT_STAGING_CAP = 1024 ** 3;
/** A stalled connection is held this long (real time) before the lab lets go of it. */
export const STALL_HOLD_MS = 10 * 60_000;

export interface FleetOptions {
  /** The lab's folder (<data-dir>/lab). */
  dir: string;
  appliances: number;
  sites: number;
  seed: number;
  speed: number;
  /** authorized_keys text: who may log in as `oca`. */
  authorizedKeys: string;
  stagingCapBytes?: number;
  /** Release keys (public key lines) firmware must be signed with; none: unsigned images activate. */
  releaseKeys?: readonly string[];
  slowDelayMs?: number;
  /** Inject a clock (tests); otherwise a LabClock at `speed`. */
  clock?: Clock;
  /** What each site watches (site-serving.ts); by default the lab's demand model. */
  demand?: DemandSource;
}

const FleetFile = z.object({
  version: z.literal(1),
  appliances: z.number().int(),
  sites: z.number().int(),
  seed: z.number().int(),
  identities: z.array(z.object({ serial: z.string(), hostKey: z.string(), sshPort: z.number().int(), apiPort: z.number().int() })),
});
type FleetFile = z.infer<typeof FleetFile>;

const StateFile = z.object({ version: z.literal(1), labTime: z.number(), states: z.array(z.custom<ApplianceState>((v) => typeof v === 'object' && v !== null)) });

interface Member {
  appliance: LabAppliance;
  site: string;
  hostname: string;
  hostKey: string;
  fingerprint: string;
  ssh: ApplianceSsh;
  sshServer: Server;
  apiServer: Server;
}

function writeJsonAtomic(path: string, value: unknown, mode = 0o600): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value), { mode });
  renameSync(tmp, path);
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as { port: number }).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host: LAB_HOST, backlog: 64 });
  });
}

async function listenPreferring(server: Server, port: number | undefined): Promise<number> {
  if (port) {
    try {
      return await listen(server, port);
    } catch {
      // Taken since the last run: take any free port; the inventory gets the new one.
    }
  }
  return listen(server, 0);
}

export class LabFleet {
  readonly clock: Clock;
  readonly plan: FleetPlan;
  private readonly members = new Map<string, Member>();
  private readonly sites = new Map<string, SiteServing>();
  private demand: DemandSource | null = null;
  private readonly byApiPort = new Map<number, Member>();
  private readonly sockets = new Set<Socket>();
  private readonly http: HttpServer;
  private authorized: ParsedKey[];
  private stopped = false;
  private readonly releaseKeys: readonly ReleaseKey[];

  private constructor(
    private readonly options: FleetOptions,
    clock: Clock,
  ) {
    this.clock = clock;
    this.plan = planFleet(options.appliances, options.sites, options.seed);
    this.authorized = parseAuthorizedKeys(options.authorizedKeys).keys;
    this.releaseKeys = (options.releaseKeys ?? []).map((line) => parseReleaseKey(line));
    this.http = createHttpServer((req, res) => {
      const member = this.byApiPort.get(req.socket.localPort ?? 0);
      if (!member) return void req.socket.destroy();
      const a = member.appliance;
      if (a.hasFault('unreachable') || a.isDown()) return void req.socket.destroy();
      if (a.hasFault('stall')) return;
      void handleApplianceRequest(a, req, res, { slowDelayMs: options.slowDelayMs });
    });
    this.http.keepAliveTimeout = 15_000;
  }

  static async start(options: FleetOptions): Promise<LabFleet> {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    const saved = StateFile.safeParse(readJson(join(options.dir, 'appliances.json')));
    const fleetFile = FleetFile.safeParse(readJson(join(options.dir, 'fleet.json')));
    const reuse =
      fleetFile.success &&
      fleetFile.data.appliances === options.appliances &&
      fleetFile.data.sites === options.sites &&
      fleetFile.data.seed === options.seed;
    const clock =
      options.clock ?? new LabClock(options.speed, undefined, reuse && saved.success ? Math.max(Date.now(), saved.data.labTime) : undefined);
    const fleet = new LabFleet(options, clock);
    await fleet.build(reuse ? fleetFile.data : null, reuse && saved.success ? saved.data.states : []);
    // Each site's demand for today costs about 0.6 s to read (demand.ts). A lab of up to
    // WARM_SITES_AT_START sites reads it before it answers, so no request waits for it; a larger one
    // reads it in the background, one site at a time (until then its appliances report as if alone).
    // A new local day is read in the background.
    if (fleet.plan.sites.length <= WARM_SITES_AT_START) await fleet.servingReady();
    else void fleet.servingReady();
    return fleet;
  }

  private async build(previous: FleetFile | null, states: ApplianceState[]): Promise<void> {
    const identities = new Map(previous?.identities.map((i) => [i.serial, i]));
    const savedStates = new Map(states.map((s) => [s.serial, s]));
    const now = this.clock.now();
    const cap = this.options.stagingCapBytes ?? DEFAULT_STAGING_CAP;
    const jobs: Promise<void>[] = [];
    for (const spec of this.plan.appliances) {
      const identity = identities.get(spec.serial);
      const hostKey = identity?.hostKey ?? generateEd25519(`${spec.serial}@lab`).privateKey;
      const saved = savedStates.get(spec.serial);
      // A restarted lab continues each appliance where it stopped, with its faults cleared.
      const state = saved && saved.v === 1 ? { ...saved, faults: [], ...(spec.fillWindow ? { fillWindow: spec.fillWindow } : {}) } : createApplianceState(spec, now);
      const appliance = new LabAppliance(state, this.clock);
      this.siteOf(spec.site, spec.timezone).add(appliance);
      appliance.attachSite(this.siteOf(spec.site, spec.timezone));
      const staging = new StagingArea(appliance.state.stagingDir, join(this.options.dir, 'appliances', spec.serial, 'staging'), cap);
      const ssh = new ApplianceSsh(appliance, hostKey, () => generateEd25519(`${spec.serial}@elsewhere`).privateKey, staging, {
        authorizedKeys: () => this.authorized,
        releaseKeys: this.releaseKeys,
        slowDelayMs: this.options.slowDelayMs,
      });
      const member: Member = {
        appliance,
        site: spec.site,
        hostname: spec.hostname,
        hostKey,
        fingerprint: fingerprintOfPrivate(hostKey),
        ssh,
        sshServer: createServer((socket) => this.onSocket(member, 'ssh', socket)),
        apiServer: createServer((socket) => this.onSocket(member, 'api', socket)),
      };
      member.sshServer.on('error', () => undefined);
      member.apiServer.on('error', () => undefined);
      this.members.set(spec.serial, member);
      jobs.push(
        (async () => {
          await listenPreferring(member.sshServer, identity?.sshPort);
          const apiPort = await listenPreferring(member.apiServer, identity?.apiPort);
          this.byApiPort.set(apiPort, member);
        })(),
      );
      // Keep the number of listens in flight bounded.
      if (jobs.length >= 200) await Promise.all(jobs.splice(0));
    }
    await Promise.all(jobs);
    const file: FleetFile = {
      version: 1,
      appliances: this.options.appliances,
      sites: this.options.sites,
      seed: this.options.seed,
      identities: [...this.members.entries()].map(([serial, m]) => ({
        serial,
        hostKey: m.hostKey,
        sshPort: portOf(m.sshServer),
        apiPort: portOf(m.apiServer),
      })),
    };
    writeJsonAtomic(join(this.options.dir, 'fleet.json'), file);
  }

  private onSocket(member: Member, kind: 'ssh' | 'api', socket: Socket): void {
    if (this.stopped) return void socket.destroy();
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const a = member.appliance;
    if (a.hasFault('unreachable') || a.isDown()) {
      socket.resetAndDestroy();
      return;
    }
    if (a.hasFault('stall')) {
      socket.resume();
      socket.setTimeout(STALL_HOLD_MS, () => socket.destroy());
      return;
    }
    if (kind === 'ssh') member.ssh.accept(socket);
    else this.http.emit('connection', socket);
  }

  /**
   * Add an appliance outside the plan (a factory-fresh site, main/lab/factory-site.ts) with its own
   * host key and ports. It lives until the lab stops (a restarted lab rebuilds the plan only).
   */
  async addAppliance(site: string, state: ApplianceState, hostKey: string): Promise<{ sshPort: number; apiPort: number; fingerprint: string }> {
    if (this.members.has(state.serial)) throw new Error(`the lab already has ${state.serial}`);
    const appliance = new LabAppliance(state, this.clock);
    const staging = new StagingArea(state.stagingDir, join(this.options.dir, 'appliances', state.serial, 'staging'), this.options.stagingCapBytes ?? DEFAULT_STAGING_CAP);
    const ssh = new ApplianceSsh(appliance, hostKey, () => generateEd25519(`${state.serial}@elsewhere`).privateKey, staging, {
      authorizedKeys: () => this.authorized,
      releaseKeys: this.releaseKeys,
      slowDelayMs: this.options.slowDelayMs,
    });
    const member: Member = {
      appliance,
      site,
      hostname: state.config.hostname,
      hostKey,
      fingerprint: fingerprintOfPrivate(hostKey),
      ssh,
      sshServer: createServer((socket) => this.onSocket(member, 'ssh', socket)),
      apiServer: createServer((socket) => this.onSocket(member, 'api', socket)),
    };
    member.sshServer.on('error', () => undefined);
    member.apiServer.on('error', () => undefined);
    this.members.set(state.serial, member);
    const sshPort = await listen(member.sshServer, 0);
    const apiPort = await listen(member.apiServer, 0);
    this.byApiPort.set(apiPort, member);
    return { sshPort, apiPort, fingerprint: member.fingerprint };
  }

  /** Replace who may log in (authorized_keys text). */
  setAuthorizedKeys(text: string): void {
    this.authorized = parseAuthorizedKeys(text).keys;
  }

  private siteOf(code: string, timeZone: string): SiteServing {
    let site = this.sites.get(code);
    if (!site) {
      site = new SiteServing(code, timeZone, (this.demand ??= this.options.demand ?? labDemand({ seed: this.options.seed, ...this.plan })), true);
      this.sites.set(code, site);
    }
    return site;
  }

  /** Resolves when every site serves today's demand from what it holds (computed in the background). */
  async servingReady(): Promise<void> {
    const now = this.clock.now();
    for (const site of this.sites.values()) await site.warm(localDay(site.timeZone, now), now);
  }

  appliance(serial: string): LabAppliance | undefined {
    return this.members.get(serial)?.appliance;
  }

  get size(): number {
    return this.members.size;
  }

  setFault(serial: string, fault: FaultId, on: boolean): FaultId[] | null {
    return this.members.get(serial)?.appliance.setFault(fault, on) ?? null;
  }

  /** Appliances with at least one fault on. */
  faults(): { serial: string; faults: FaultId[] }[] {
    const out: { serial: string; faults: FaultId[] }[] = [];
    for (const [serial, m] of this.members) if (m.appliance.faults.length) out.push({ serial, faults: [...m.appliance.faults] });
    return out;
  }

  manifestAppliances(): ManifestAppliance[] {
    return this.plan.appliances.map((spec) => {
      const m = this.members.get(spec.serial)!;
      const s = m.appliance.state;
      return {
        serial: spec.serial,
        hostname: s.config.hostname,
        site: spec.site,
        model: spec.kind,
        sshPort: portOf(m.sshServer),
        apiPort: portOf(m.apiServer),
        hostKeyFingerprint: m.fingerprint,
        storageTb: spec.storageTb,
        nicGbps: spec.nicGbps,
        firmware: s.slots[s.active].version ?? '',
      };
    });
  }

  /** Save model state (so a restart continues where this run stopped). */
  save(): void {
    writeJsonAtomic(join(this.options.dir, 'appliances.json'), {
      version: 1,
      labTime: this.clock.now(),
      states: [...this.members.values()].map((m) => m.appliance.state),
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.save();
    const closing: Promise<void>[] = [];
    for (const m of this.members.values()) {
      for (const server of [m.sshServer, m.apiServer]) closing.push(new Promise((resolve) => server.close(() => resolve())));
    }
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.http.close();
    await Promise.all(closing);
  }
}

function portOf(server: Server): number {
  return (server.address() as { port: number } | null)?.port ?? 0;
}

function fingerprintOfPrivate(privateKey: string): string {
  // The public blob is the first key in the openssh-key-v1 container; read it without parsing twice.
  const b64 = privateKey.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  const raw = Buffer.from(b64, 'base64');
  let off = 'openssh-key-v1\0'.length;
  for (let i = 0; i < 3; i++) off += 4 + raw.readUInt32BE(off);
  off += 4;
  const len = raw.readUInt32BE(off);
  return fingerprintOf(raw.subarray(off + 4, off + 4 + len));
}
