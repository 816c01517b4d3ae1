/**
 * One simulated appliance: a state machine over plain, serializable state, driven by an injected
 * clock. Nothing runs on a timer: every call first brings the state up to "now" (a reboot that has
 * finished, a drain that has reached zero, fill bytes that have arrived), so a thousand idle
 * appliances cost nothing. The SSH and HTTP front ends (lab and agent) only call the methods here.
 */
import { isIP } from 'node:net';
import type {
  ActivateReply,
  ApplianceConfig,
  ApplianceKind,
  BgpStatusReply,
  BootRecord,
  CachePage,
  CommitReply,
  ConfigSetReply,
  DiagCheck,
  DiagReply,
  DrainReply,
  FillJob,
  HealthComponent,
  HealthReply,
  HealthStatus,
  LogEntry,
  MetricsReply,
  RebootReply,
  RollbackReply,
  ServingState,
  Slot,
  StatusReply,
} from '../../appliance/contract';
import { APPLIANCE_API_VERSION, DEFAULT_STAGING_DIR, MAX_CACHE_PAGE, worstHealth } from '../../appliance/contract';
import type { ImageInspection } from '../../appliance/image';
import type { Clock } from '../../store/clock';
import { FAULT_IDS, type FaultId } from '../contract';
import { catalogBytes, catalogId, catalogIndex, catalogPrefixBytes, CATALOG_MEAN_BYTES } from './catalog';
import { ApplianceError } from './errors';
import { demandShare, wobble } from './traffic';

export const DRAIN_MS = 5 * 60_000;
/** After a boot, services report Unknown this long while they start. */
export const STARTUP_MS = 15_000;
/** BGP takes this long to come back to Established after a boot or a session change. */
export const BGP_SETTLE_MS = 10_000;
const MAX_LOGS = 200;
const MAX_FINISHED_FILLS = 50;
const TB = 1e12;

export interface KindProfile {
  /** Peak demand as a share of the NIC. */
  peakShare: number;
  fillGbps: number;
  bootSeconds: number;
  /** How full the cache starts, as a range of shares. */
  fullness: [number, number];
  hitRatio: number;
}

export const KIND_PROFILES: Record<ApplianceKind, KindProfile> = {
  storage: { peakShare: 0.7, fillGbps: 1.2, bootSeconds: 90, fullness: [0.62, 0.84], hitRatio: 0.93 },
  flash: { peakShare: 0.75, fillGbps: 0.3, bootSeconds: 45, fullness: [0.7, 0.88], hitRatio: 0.975 },
};

export interface SlotState {
  version: string | null;
  installedAt: number | null;
  /** False for an image that never boots. */
  boots: boolean;
  /** False for an image that boots but fails its health checks. */
  healthy: boolean;
}

export interface FillJobState {
  id: string;
  manifestId: string | null;
  state: 'queued' | 'running' | 'done' | 'failed';
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** Items still to transfer or transferred: [contentId, bytes, source]; emptied when the job ends. */
  queue: [string, number, string][];
  items: number;
  itemsDone: number;
  itemsSkipped: number;
  evicted: number;
  bytesTotal: number;
  bytesDone: number;
  error: string | null;
}

export interface ApplianceState {
  v: 1;
  serial: string;
  kind: ApplianceKind;
  timezone: string;
  seed: number;
  storageBytes: number;
  nicGbps: number;
  peakGbps: number;
  fillGbps: number;
  bootSeconds: number;
  stagingDir: string;
  bootedAt: number;
  /** Lab time at which a reboot in progress ends; null when up. */
  downUntil: number | null;
  nextBoot: Omit<BootRecord, 'at'> | null;
  slots: Record<Slot, SlotState>;
  active: Slot;
  committed: Slot;
  pending: Slot | null;
  lastBoot: (Omit<BootRecord, 'at'> & { at: number }) | null;
  serving: ServingState;
  drainStartedAt: number | null;
  config: ApplianceConfig;
  bgpChangedAt: number;
  cache: {
    baselineCount: number;
    baselineStoredAt: number;
    /** Sorted catalog indexes evicted from the baseline. */
    evicted: number[];
    added: [string, number, number, string][];
    usedBytes: number;
  };
  fills: FillJobState[];
  fillSeq: number;
  fillFreeAt: number;
  logs: [number, LogEntry['level'], string, string][];
  faults: FaultId[];
}

export interface ApplianceSpec {
  serial: string;
  kind: ApplianceKind;
  hostname: string;
  timezone: string;
  seed: number;
  storageTb: number;
  nicGbps: number;
  /** Running (committed, slot A) and previous (slot B) firmware versions. */
  firmware: { current: string; previous: string };
  interfaces: ApplianceConfig['interfaces'];
  bgp: ApplianceConfig['bgp'];
  stagingDir?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const other = (slot: Slot): Slot => (slot === 'A' ? 'B' : 'A');
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const fmtTb = (bytes: number) => `${(bytes / TB).toFixed(1)} TB`;

export function createApplianceState(spec: ApplianceSpec, now: number): ApplianceState {
  const profile = KIND_PROFILES[spec.kind];
  const storageBytes = Math.round(spec.storageTb * TB);
  const [lo, hi] = profile.fullness;
  const fullness = lo + ((wobble(spec.seed, 1) + 1) / 2) * (hi - lo);
  const baselineCount = Math.floor((storageBytes * fullness) / CATALOG_MEAN_BYTES);
  const uptimeMs = Math.floor(((wobble(spec.seed, 2) + 1) / 2) * 40 * 86_400_000) + 3_600_000;
  const bootedAt = now - uptimeMs;
  return {
    v: 1,
    serial: spec.serial,
    kind: spec.kind,
    timezone: spec.timezone,
    seed: spec.seed,
    storageBytes,
    nicGbps: spec.nicGbps,
    peakGbps: spec.nicGbps * profile.peakShare,
    fillGbps: profile.fillGbps,
    bootSeconds: profile.bootSeconds,
    stagingDir: spec.stagingDir ?? DEFAULT_STAGING_DIR,
    bootedAt,
    downUntil: null,
    nextBoot: null,
    slots: {
      A: { version: spec.firmware.current, installedAt: bootedAt - 86_400_000, boots: true, healthy: true },
      B: { version: spec.firmware.previous, installedAt: bootedAt - 45 * 86_400_000, boots: true, healthy: true },
    },
    active: 'A',
    committed: 'A',
    pending: null,
    lastBoot: { at: bootedAt, attempted: 'A', booted: 'A', outcome: 'ok', message: `booted ${spec.firmware.current} from slot A` },
    serving: 'serving',
    drainStartedAt: null,
    config: { hostname: spec.hostname, interfaces: spec.interfaces, bgp: spec.bgp },
    bgpChangedAt: bootedAt,
    cache: { baselineCount, baselineStoredAt: bootedAt - 86_400_000, evicted: [], added: [], usedBytes: catalogPrefixBytes(baselineCount) },
    fills: [],
    fillSeq: 0,
    fillFreeAt: 0,
    logs: [],
    faults: [],
  };
}

export class LabAppliance {
  private addedIndex: Map<string, number> | null = null;

  constructor(
    readonly state: ApplianceState,
    private readonly clock: Clock,
  ) {}

  get serial(): string {
    return this.state.serial;
  }

  now(): number {
    return this.clock.now();
  }

  // -------------------------------------------------------------------------------------------
  // Time

  /** Bring the state up to now. Every public method calls this first. */
  advance(now = this.clock.now()): number {
    const s = this.state;
    if (s.downUntil !== null && now >= s.downUntil) this.finishBoot();
    if (s.serving === 'draining' && s.drainStartedAt !== null && now >= s.drainStartedAt + DRAIN_MS) {
      s.serving = 'drained';
      this.log(s.drainStartedAt + DRAIN_MS, 'info', 'serving', 'drained: serving reached zero');
    }
    if (s.downUntil === null) this.advanceFills(now);
    return now;
  }

  /** Rebooting: SSH and HTTP do not answer. */
  isDown(): boolean {
    this.advance();
    return this.state.downUntil !== null;
  }

  hasFault(fault: FaultId): boolean {
    return this.state.faults.includes(fault);
  }

  get faults(): readonly FaultId[] {
    return this.state.faults;
  }

  setFault(fault: FaultId, on: boolean): FaultId[] {
    const now = this.advance();
    const s = this.state;
    if (this.hasFault(fault) === on) return [...s.faults];
    s.faults = on ? FAULT_IDS.filter((f) => f === fault || s.faults.includes(f)) : s.faults.filter((f) => f !== fault);
    if (fault === 'disk-failure' && on) {
      this.log(now, 'error', 'disk', 'sdc: unrecoverable read errors; cache disk taken offline');
      for (const job of s.fills) {
        if (job.state === 'queued' || job.state === 'running') this.endFill(job, now, 'failed', 'a cache disk failed during the fill');
      }
    }
    if (fault === 'disk-failure' && !on) this.log(now, 'info', 'disk', 'sdc replaced; cache disk back online');
    if (fault === 'bgp-down') {
      s.bgpChangedAt = now;
      this.log(now, on ? 'error' : 'info', 'bgp', on ? `session to ${s.config.bgp.neighbor.address} down: hold timer expired` : `session to ${s.config.bgp.neighbor.address} reconnecting`);
    }
    return [...s.faults];
  }

  private finishBoot(): void {
    const s = this.state;
    const at = s.downUntil!;
    const plan = s.nextBoot ?? { attempted: s.committed, booted: s.committed, outcome: 'ok' as const, message: 'booted' };
    s.active = plan.booted;
    s.pending = null;
    s.bootedAt = at;
    s.downUntil = null;
    s.nextBoot = null;
    s.lastBoot = { at, ...plan };
    s.bgpChangedAt = at;
    s.fillFreeAt = Math.max(s.fillFreeAt, at);
    if (s.serving === 'draining') s.serving = 'drained';
    this.log(at, plan.outcome === 'ok' ? 'info' : 'error', 'firmware', plan.message);
  }

  // -------------------------------------------------------------------------------------------
  // Logs

  private log(at: number, level: LogEntry['level'], component: string, message: string): void {
    const logs = this.state.logs;
    let i = logs.length;
    while (i > 0 && logs[i - 1]![0] > at) i--;
    logs.splice(i, 0, [at, level, component, message]);
    if (logs.length > MAX_LOGS) logs.splice(0, logs.length - MAX_LOGS);
  }

  logs(options: { since?: number; limit?: number } = {}): LogEntry[] {
    this.advance();
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
    const since = options.since ?? -Infinity;
    return this.state.logs
      .filter(([at]) => at >= since)
      .slice(-limit)
      .map(([at, level, component, message]) => ({ at: iso(at), level, component, message }));
  }

  // -------------------------------------------------------------------------------------------
  // Status, firmware, reboot

  private get trial(): boolean {
    return this.state.active !== this.state.committed;
  }

  private runningHealthy(): boolean {
    return this.state.slots[this.state.active].healthy;
  }

  status(): StatusReply {
    const now = this.advance();
    const s = this.state;
    return {
      serial: s.serial,
      model: s.kind,
      hostname: s.config.hostname,
      apiVersion: APPLIANCE_API_VERSION,
      bootedAt: iso(s.bootedAt),
      uptimeSeconds: Math.max(0, Math.floor((now - s.bootedAt) / 1000)),
      serving: s.serving,
      health: this.health().status,
      firmware: {
        active: s.active,
        committed: s.committed,
        pending: s.pending,
        trial: this.trial,
        runningVersion: s.slots[s.active].version ?? 'unknown',
        slots: (['A', 'B'] as const).map((slot) => ({
          slot,
          version: s.slots[slot].version,
          installedAt: s.slots[slot].installedAt === null ? null : iso(s.slots[slot].installedAt!),
        })),
        lastBoot: s.lastBoot ? { ...s.lastBoot, at: iso(s.lastBoot.at) } : null,
        stagingDir: s.stagingDir,
      },
      disk: { usedBytes: s.cache.usedBytes, totalBytes: s.storageBytes },
      nicGbps: s.nicGbps,
    };
  }

  activate(file: string, image: ImageInspection): ActivateReply {
    const now = this.advance();
    const s = this.state;
    if (this.trial) {
      throw new ApplianceError(
        'E_STATE',
        `Slot ${s.active} runs trial image ${s.slots[s.active].version}: commit it or roll back before activating another image.`,
      );
    }
    if (!image.valid || image.version === null) {
      throw new ApplianceError('E_IMAGE', `${file} is not a valid image: ${image.problems.join('; ') || 'unreadable header'}.`);
    }
    const target = other(s.active);
    s.slots[target] = {
      version: image.version,
      installedAt: now,
      boots: !this.hasFault('no-boot-image') && image.labBoot !== 'no-boot',
      healthy: !this.hasFault('bad-health-image') && image.labBoot !== 'bad-health',
    };
    s.pending = target;
    this.log(now, 'info', 'firmware', `installed ${image.version} into slot ${target}; it boots at the next reboot`);
    return { slot: target, version: image.version, rebootRequired: true };
  }

  commit(): CommitReply {
    const now = this.advance();
    const s = this.state;
    const version = s.slots[s.active].version ?? 'unknown';
    if (!this.trial) throw new ApplianceError('E_STATE', `Nothing to commit: ${version} on slot ${s.active} is already committed.`);
    s.committed = s.active;
    this.log(now, 'info', 'firmware', `committed ${version} on slot ${s.active}`);
    return { committed: s.active, version };
  }

  rollback(): RollbackReply {
    const now = this.advance();
    const s = this.state;
    let pending: Slot | null;
    if (this.trial) {
      pending = s.committed;
    } else if (s.pending !== null) {
      pending = null;
    } else if (s.slots[other(s.active)].version !== null) {
      pending = other(s.active);
    } else {
      throw new ApplianceError('E_STATE', 'Nothing to roll back to: the other slot is empty.');
    }
    s.pending = pending;
    const version = pending === null ? null : s.slots[pending].version;
    this.log(
      now,
      'info',
      'firmware',
      pending === null ? 'activation cancelled; the running image stays' : `rollback: the next reboot boots ${version} from slot ${pending}`,
    );
    return { pending, version, rebootRequired: pending !== null };
  }

  reboot(): RebootReply {
    const now = this.advance();
    const s = this.state;
    for (const job of s.fills) if (job.state === 'running') this.endFill(job, now, 'failed', 'interrupted by a reboot');
    const target = s.pending ?? s.committed;
    const slot = s.slots[target];
    const fresh = target !== s.committed;
    if (fresh && this.hasFault('no-boot-image')) slot.boots = false;
    if (fresh && this.hasFault('bad-health-image')) slot.healthy = false;
    const bootMs = s.bootSeconds * 1000;
    if (fresh && !slot.boots) {
      const fallback = s.slots[s.committed].version;
      s.nextBoot = {
        attempted: target,
        booted: s.committed,
        outcome: 'fallback',
        message: `image ${slot.version} on slot ${target} did not boot; fell back to ${fallback} on slot ${s.committed}`,
      };
      s.downUntil = now + 3 * bootMs;
    } else {
      const note = !fresh && this.trial ? ` (trial image ${s.slots[s.active].version} was not committed)` : '';
      s.nextBoot = { attempted: target, booted: target, outcome: 'ok', message: `booted ${slot.version} from slot ${target}${note}` };
      s.downUntil = now + bootMs;
    }
    this.log(now, 'info', 'system', `reboot requested; booting slot ${target}`);
    return { rebooting: true, bootSlot: target, expectedDowntimeSeconds: s.bootSeconds };
  }

  // -------------------------------------------------------------------------------------------
  // Serving and drain

  private drainReply(now: number): DrainReply {
    const s = this.state;
    return {
      serving: s.serving,
      servingGbps: this.servingGbps(now),
      drainedBy: s.serving === 'draining' && s.drainStartedAt !== null ? iso(s.drainStartedAt + DRAIN_MS) : null,
    };
  }

  drain(): DrainReply {
    const now = this.advance();
    const s = this.state;
    if (s.serving === 'serving') {
      s.serving = 'draining';
      s.drainStartedAt = now;
      this.log(now, 'info', 'serving', 'drain started: BGP service routes withdrawn, serving winds down');
    }
    return this.drainReply(now);
  }

  undrain(): DrainReply {
    const now = this.advance();
    const s = this.state;
    if (s.serving !== 'serving') {
      s.serving = 'serving';
      s.drainStartedAt = null;
      this.log(now, 'info', 'serving', 'undrained: service routes announced again');
    }
    return this.drainReply(now);
  }

  private bgpState(now: number): BgpStatusReply['state'] {
    if (this.hasFault('bgp-down')) return 'Idle';
    return now - this.state.bgpChangedAt < BGP_SETTLE_MS ? 'Active' : 'Established';
  }

  servingGbps(now = this.advance()): number {
    const s = this.state;
    if (s.downUntil !== null || s.serving === 'drained' || !this.runningHealthy()) return 0;
    if (this.bgpState(now) !== 'Established') return 0;
    let gbps = s.peakGbps * demandShare(s.timezone, s.seed, now);
    if (s.serving === 'draining' && s.drainStartedAt !== null) gbps *= Math.max(0, 1 - (now - s.drainStartedAt) / DRAIN_MS);
    if (this.hasFault('disk-failure')) gbps *= 0.5;
    return round(gbps);
  }

  // -------------------------------------------------------------------------------------------
  // Config and BGP

  configGet(): ApplianceConfig {
    this.advance();
    return structuredClone(this.state.config);
  }

  configSet(assignments: readonly string[]): ConfigSetReply {
    const now = this.advance();
    const s = this.state;
    if (assignments.length === 0) throw new ApplianceError('E_USAGE', 'config set needs at least one key=value.');
    const next = structuredClone(s.config);
    const changed: string[] = [];
    for (const word of assignments) {
      const eq = word.indexOf('=');
      if (eq <= 0) throw new ApplianceError('E_USAGE', `"${word}" is not key=value.`);
      const key = word.slice(0, eq);
      const value = word.slice(eq + 1);
      this.applyConfig(next, key, value);
      changed.push(key);
    }
    const bgpChanged = JSON.stringify(next.bgp) !== JSON.stringify(s.config.bgp);
    if (bgpChanged && s.serving !== 'drained') {
      throw new ApplianceError('E_STATE', 'Drain the appliance (and wait until it is drained) before changing its BGP session.');
    }
    s.config = next;
    if (bgpChanged) s.bgpChangedAt = now;
    this.log(now, 'info', 'config', `changed ${changed.join(', ')}`);
    return { config: structuredClone(next), changed };
  }

  private applyConfig(config: ApplianceConfig, key: string, value: string): void {
    const asn = () => {
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < 1 || n > 4294967295) throw new ApplianceError('E_USAGE', `${key} must be an ASN (1-4294967295).`);
      return n;
    };
    if (key === 'hostname') {
      if (!/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(value)) {
        throw new ApplianceError('E_USAGE', `"${value}" is not a valid hostname.`);
      }
      config.hostname = value;
      return;
    }
    if (key === 'bgp.asn') return void (config.bgp.localAsn = asn());
    if (key === 'bgp.neighbor-asn') return void (config.bgp.neighbor.asn = asn());
    if (key === 'bgp.neighbor') {
      if (!isIP(value)) throw new ApplianceError('E_USAGE', `bgp.neighbor must be an IP address, not "${value}".`);
      config.bgp.neighbor.address = value;
      return;
    }
    const m = /^interface\.([A-Za-z0-9_.-]+)\.(mtu|ipv4|ipv6|up)$/.exec(key);
    if (!m) throw new ApplianceError('E_NOT_FOUND', `Unknown config key "${key}".`);
    const iface = config.interfaces.find((i) => i.name === m[1]);
    if (!iface) throw new ApplianceError('E_NOT_FOUND', `There is no interface "${m[1]}".`);
    switch (m[2]) {
      case 'mtu': {
        const mtu = Number(value);
        if (!/^\d+$/.test(value) || mtu < 576 || mtu > 9216) throw new ApplianceError('E_USAGE', 'mtu must be 576-9216.');
        iface.mtu = mtu;
        return;
      }
      case 'ipv4':
        if (value !== '' && isIP(value.split('/')[0]!) !== 4) throw new ApplianceError('E_USAGE', `"${value}" is not an IPv4 address.`);
        iface.ipv4 = value === '' ? null : value;
        return;
      case 'ipv6':
        if (value !== '' && isIP(value.split('/')[0]!) !== 6) throw new ApplianceError('E_USAGE', `"${value}" is not an IPv6 address.`);
        iface.ipv6 = value === '' ? null : value;
        return;
      default:
        if (value !== 'true' && value !== 'false') throw new ApplianceError('E_USAGE', 'up must be true or false.');
        iface.up = value === 'true';
    }
  }

  bgpStatus(): BgpStatusReply {
    const now = this.advance();
    const s = this.state;
    const state = this.bgpState(now);
    const up = state === 'Established';
    return {
      state,
      localAsn: s.config.bgp.localAsn,
      neighbor: s.config.bgp.neighbor.address,
      peerAsn: s.config.bgp.neighbor.asn,
      uptimeSeconds: Math.max(0, Math.floor((now - s.bgpChangedAt) / 1000)),
      prefixesReceived: up ? 120 + (s.seed % 800) : 0,
      prefixesAdvertised: up && s.serving !== 'drained' && this.runningHealthy() ? 2 : 0,
      lastError: this.hasFault('bgp-down') ? 'Hold timer expired' : null,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Health, metrics, diagnostics

  private components(now: number): HealthComponent[] {
    const s = this.state;
    const starting = now - s.bootedAt < STARTUP_MS;
    const used = s.cache.usedBytes / s.storageBytes;
    const out: HealthComponent[] = [];

    if (this.hasFault('disk-failure')) out.push({ name: 'disk', status: 'Error', message: 'Cache disk sdc failed (unrecoverable read errors); capacity reduced, fills refused.' });
    else if (used >= 0.97) out.push({ name: 'disk', status: 'Error', message: `Disk ${Math.floor(used * 100)}% full (${fmtTb(s.cache.usedBytes)} of ${fmtTb(s.storageBytes)}); fills will fail.` });
    else if (used >= 0.9) out.push({ name: 'disk', status: 'Warning', message: `Disk ${Math.floor(used * 100)}% full (${fmtTb(s.cache.usedBytes)} of ${fmtTb(s.storageBytes)}).` });
    else out.push({ name: 'disk', status: 'OK', message: `${Math.floor(used * 100)}% used (${fmtTb(s.cache.usedBytes)} of ${fmtTb(s.storageBytes)}).` });

    const serving = this.servingGbps(now);
    out.push(
      serving > 0.9 * s.nicGbps
        ? { name: 'nic', status: 'Warning', message: `Serving ${serving} Gbps on a ${s.nicGbps} Gbps link (over 90%).` }
        : { name: 'nic', status: 'OK', message: `${s.nicGbps} Gbps link up.` },
    );

    const bgp = this.bgpState(now);
    const neighbor = `${s.config.bgp.neighbor.address} (AS ${s.config.bgp.neighbor.asn})`;
    if (bgp === 'Idle') out.push({ name: 'bgp', status: 'Error', message: `BGP session to ${neighbor} is down: hold timer expired.` });
    else if (bgp !== 'Established') out.push({ name: 'bgp', status: 'Unknown', message: `BGP session to ${neighbor} is being established.` });
    else out.push({ name: 'bgp', status: 'OK', message: `BGP session to ${neighbor} established.` });

    const running = s.slots[s.active].version ?? 'unknown';
    if (!this.runningHealthy()) out.push({ name: 'firmware', status: 'Error', message: `Image ${running} on slot ${s.active} boots but the ocad service fails its health checks; roll back.` });
    else if (this.trial) out.push({ name: 'firmware', status: 'Warning', message: `Running trial image ${running} on slot ${s.active}; commit it or roll back.` });
    else if (s.lastBoot?.outcome === 'fallback' && s.pending === null) out.push({ name: 'firmware', status: 'Warning', message: `Last boot: ${s.lastBoot.message}.` });
    else out.push({ name: 'firmware', status: 'OK', message: `${running} on slot ${s.active}, committed.` });

    if (starting) out.push({ name: 'serving', status: 'Unknown', message: 'Services are starting after a boot.' });
    else if (!this.runningHealthy()) out.push({ name: 'serving', status: 'Error', message: 'Not serving: the ocad service is down.' });
    else if (s.serving === 'drained') out.push({ name: 'serving', status: 'OK', message: 'Drained: not serving (service routes withdrawn).' });
    else if (s.serving === 'draining') out.push({ name: 'serving', status: 'OK', message: `Draining: ${serving} Gbps and falling.` });
    else if (bgp === 'Idle') out.push({ name: 'serving', status: 'Error', message: 'Not serving: no BGP routes to clients.' });
    else out.push({ name: 'serving', status: 'OK', message: `Serving ${serving} Gbps.` });

    const lastFill = s.fills[s.fills.length - 1];
    if (lastFill?.state === 'failed') out.push({ name: 'fill', status: 'Warning', message: `Fill ${lastFill.id} failed: ${lastFill.error}.` });
    else if (lastFill?.state === 'running') out.push({ name: 'fill', status: 'OK', message: `Fill ${lastFill.id} running.` });
    else out.push({ name: 'fill', status: 'OK', message: 'No fill running.' });
    return out;
  }

  health(): HealthReply {
    const now = this.advance();
    const components = this.components(now);
    return { serial: this.state.serial, status: worstHealth(components.map((c) => c.status)), checkedAt: iso(now), components };
  }

  metrics(): MetricsReply {
    const now = this.advance();
    const s = this.state;
    const servingGbps = this.servingGbps(now);
    const minute = Math.floor(now / 60_000);
    const n = wobble(s.seed, minute + 7);
    const failed = this.hasFault('disk-failure');
    const running = s.fills.find((j) => j.state === 'running');
    return {
      serial: s.serial,
      at: iso(now),
      servingGbps,
      connections: Math.round((servingGbps * 1000) / 5.2 * (1 + 0.02 * n)),
      cacheHitRatio: round(Math.min(1, Math.max(0, KIND_PROFILES[s.kind].hitRatio + 0.01 * n - (failed ? 0.2 : 0))), 4),
      disk: { usedBytes: s.cache.usedBytes, totalBytes: s.storageBytes },
      fill: {
        active: running !== undefined,
        jobId: running?.id ?? null,
        progress: running ? round(running.bytesDone / Math.max(1, running.bytesTotal), 4) : null,
        rateGbps: running ? s.fillGbps : 0,
        queued: s.fills.filter((j) => j.state === 'queued').length,
      },
      errorsPerSecond: round(Math.max(0, servingGbps * 0.002 * (1 + n)) + (failed ? 35 + 5 * n : 0)),
    };
  }

  diag(check: DiagCheck): DiagReply {
    const now = this.advance();
    const s = this.state;
    const byName = new Map(this.components(now).map((c) => [c.name, c]));
    const from = (name: string, durationMs: number, details: DiagReply['details']): DiagReply => {
      const c = byName.get(name)!;
      return { check, status: c.status, message: c.message, durationMs, details };
    };
    switch (check) {
      case 'disk':
        return from('disk', 1200, {
          usedBytes: s.cache.usedBytes,
          totalBytes: s.storageBytes,
          failedDisks: this.hasFault('disk-failure') ? 1 : 0,
          disks: s.kind === 'storage' ? 36 : 18,
        });
      case 'nic':
        return from('nic', 300, { speedGbps: s.nicGbps, linkUp: true, rxErrors: 0, txErrors: 0 });
      case 'bgp': {
        const b = this.bgpStatus();
        return from('bgp', 50, { state: b.state, neighbor: b.neighbor, peerAsn: b.peerAsn, prefixesReceived: b.prefixesReceived, prefixesAdvertised: b.prefixesAdvertised });
      }
      case 'cache': {
        const total = s.cache.baselineCount - s.cache.evicted.length + s.cache.added.length;
        const hit = this.metrics().cacheHitRatio;
        const status: HealthStatus = this.hasFault('disk-failure') ? 'Warning' : 'OK';
        return { check, status, message: `${total} items, hit ratio ${hit}.`, durationMs: 800, details: { items: total, usedBytes: s.cache.usedBytes, hitRatio: hit } };
      }
      case 'throughput': {
        const capacity = this.runningHealthy() ? (this.hasFault('disk-failure') ? s.nicGbps * 0.5 : s.nicGbps * 0.95) : 0;
        const status: HealthStatus = capacity === 0 ? 'Error' : capacity < s.nicGbps * 0.8 ? 'Warning' : 'OK';
        const message = capacity === 0 ? 'Throughput test failed: the ocad service is down.' : `Sustained ${round(capacity)} Gbps from cache in a 5 s test.`;
        return { check, status, message, durationMs: 5000, details: { capacityGbps: round(capacity), servingGbps: this.servingGbps(now), nicGbps: s.nicGbps } };
      }
      case 'reachability': {
        const down = this.hasFault('bgp-down');
        return {
          check,
          status: down ? 'Error' : 'OK',
          message: down ? `BGP neighbor ${s.config.bgp.neighbor.address} does not answer; the origin is reachable over the management path only.` : `Neighbor ${s.config.bgp.neighbor.address} and the origin answer.`,
          durationMs: 2000,
          details: { neighborRttMs: down ? null : round(0.4 + 0.1 * (1 + wobble(s.seed, 3))), originRttMs: round(38 + 10 * (1 + wobble(s.seed, 4))), lossPercent: down ? 100 : 0 },
        };
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Cache and fills

  private index(): Map<string, number> {
    if (!this.addedIndex) {
      this.addedIndex = new Map();
      this.state.cache.added.forEach(([id], i) => this.addedIndex!.set(id, i));
    }
    return this.addedIndex;
  }

  private baselineHolds(index: number): boolean {
    const c = this.state.cache;
    return index < c.baselineCount && !sortedHas(c.evicted, index);
  }

  /** Bytes of a cached item, or null when the appliance does not hold it. */
  cachedBytes(contentId: string): number | null {
    const idx = catalogIndex(contentId);
    if (idx !== null && this.baselineHolds(idx)) return catalogBytes(idx);
    const at = this.index().get(contentId);
    return at === undefined ? null : this.state.cache.added[at]![1];
  }

  cacheList(offset = 0, limit = 100): CachePage {
    this.advance();
    const c = this.state.cache;
    const lim = Math.min(Math.max(1, limit), MAX_CACHE_PAGE);
    const baseline = c.baselineCount - c.evicted.length;
    const total = baseline + c.added.length;
    const items: CachePage['items'] = [];
    let i = offset;
    if (i < baseline) {
      // The i-th baseline item not evicted: walk past evicted indexes below it.
      let idx = i;
      for (const e of c.evicted) {
        if (e <= idx) idx++;
        else break;
      }
      for (; items.length < lim && idx < c.baselineCount; idx++) {
        if (sortedHas(c.evicted, idx)) continue;
        items.push({ contentId: catalogId(idx), bytes: catalogBytes(idx), storedAt: iso(c.baselineStoredAt), source: 'origin' });
        i++;
      }
    }
    for (let j = i - baseline; items.length < lim && j < c.added.length; j++) {
      const [contentId, bytes, storedAt, source] = c.added[j]!;
      items.push({ contentId, bytes, storedAt: iso(storedAt), source });
    }
    return { total, totalBytes: c.usedBytes, offset, limit: lim, items };
  }

  private fillBytesPerMs(): number {
    return (this.state.fillGbps * 1e9) / 8 / 1000;
  }

  private reservedBytes(): number {
    let r = 0;
    for (const j of this.state.fills) if (j.state === 'queued' || j.state === 'running') r += j.bytesTotal - j.bytesDone;
    return r;
  }

  startFill(request: { manifestId?: string | undefined; items: { contentId: string; bytes: number; source: string }[]; evict: string[] }): FillJob {
    const now = this.advance();
    const s = this.state;
    if (this.hasFault('disk-failure')) {
      throw new ApplianceError('E_UNAVAILABLE', 'A cache disk has failed; the appliance refuses fills until it is replaced.');
    }
    // Plan without changing anything, so a refused fill leaves the cache as it was.
    const evictions: { id: string; bytes: number }[] = [];
    const evictSet = new Set<string>();
    for (const id of request.evict) {
      const bytes = this.cachedBytes(id);
      if (bytes !== null && !evictSet.has(id)) {
        evictions.push({ id, bytes });
        evictSet.add(id);
      }
    }
    const inFlight = new Set<string>();
    for (const j of s.fills) if (j.state === 'queued' || j.state === 'running') for (const [id] of j.queue) inFlight.add(id);
    const queue: [string, number, string][] = [];
    let skipped = 0;
    for (const item of request.items) {
      if ((!evictSet.has(item.contentId) && this.cachedBytes(item.contentId) !== null) || inFlight.has(item.contentId)) skipped++;
      else queue.push([item.contentId, item.bytes, item.source]);
    }
    const need = queue.reduce((sum, [, b]) => sum + b, 0);
    const freed = evictions.reduce((sum, e) => sum + e.bytes, 0);
    const free = s.storageBytes - s.cache.usedBytes - this.reservedBytes() + freed;
    if (need > free) {
      throw new ApplianceError(
        'E_NO_SPACE',
        `The fill needs ${fmtTb(need)} but only ${fmtTb(Math.max(0, free))} would be free; evict content or send a smaller manifest.`,
      );
    }
    for (const e of evictions) this.evict(e.id, e.bytes);
    const job: FillJobState = {
      id: `fill-${++s.fillSeq}`,
      manifestId: request.manifestId ?? null,
      state: 'queued',
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      queue,
      items: request.items.length,
      itemsDone: 0,
      itemsSkipped: skipped,
      evicted: evictions.length,
      bytesTotal: need,
      bytesDone: 0,
      error: null,
    };
    s.fills.push(job);
    this.log(now, 'info', 'fill', `${job.id} accepted: ${queue.length} items, ${fmtTb(need)}, ${evictions.length} evicted`);
    this.advanceFills(now);
    this.trimFills();
    return this.fillReply(job);
  }

  fillJob(id: string): FillJob {
    this.advance();
    const job = this.state.fills.find((j) => j.id === id);
    if (!job) throw new ApplianceError('E_NOT_FOUND', `There is no fill "${id}" on this appliance (the last ${MAX_FINISHED_FILLS} are kept).`);
    return this.fillReply(job);
  }

  private fillReply(job: FillJobState): FillJob {
    return {
      id: job.id,
      manifestId: job.manifestId,
      state: job.state,
      createdAt: iso(job.createdAt),
      startedAt: job.startedAt === null ? null : iso(job.startedAt),
      finishedAt: job.finishedAt === null ? null : iso(job.finishedAt),
      items: job.items,
      itemsDone: job.itemsDone,
      itemsSkipped: job.itemsSkipped,
      evicted: job.evicted,
      bytesTotal: job.bytesTotal,
      bytesDone: job.bytesDone,
      progress: job.bytesTotal === 0 ? (job.state === 'done' ? 1 : 0) : round(job.bytesDone / job.bytesTotal, 4),
      rateGbps: job.state === 'running' ? this.state.fillGbps : 0,
      error: job.error,
    };
  }

  private evict(id: string, bytes: number): void {
    const c = this.state.cache;
    const idx = catalogIndex(id);
    if (idx !== null && this.baselineHolds(idx)) {
      sortedInsert(c.evicted, idx);
    } else {
      const at = this.index().get(id);
      if (at === undefined) return;
      c.added.splice(at, 1);
      this.addedIndex = null;
    }
    c.usedBytes -= bytes;
  }

  private advanceFills(now: number): void {
    const s = this.state;
    const rate = this.fillBytesPerMs();
    for (const job of s.fills) {
      if (job.state === 'done' || job.state === 'failed') continue;
      if (job.state === 'queued') {
        const start = Math.max(job.createdAt, s.fillFreeAt, s.bootedAt);
        if (start > now) return;
        job.state = 'running';
        job.startedAt = start;
        this.log(start, 'info', 'fill', `${job.id} started`);
      }
      const started = job.startedAt!;
      const done = Math.min(job.bytesTotal, Math.floor((now - started) * rate));
      let cumulative = 0;
      for (let i = 0; i < job.queue.length; i++) {
        const [id, bytes, source] = job.queue[i]!;
        cumulative += bytes;
        if (i < job.itemsDone) continue;
        if (cumulative > done) break;
        this.state.cache.added.push([id, bytes, started + Math.ceil(cumulative / rate), source]);
        this.addedIndex?.set(id, this.state.cache.added.length - 1);
        this.state.cache.usedBytes += bytes;
        job.itemsDone = i + 1;
      }
      job.bytesDone = done;
      if (done < job.bytesTotal) return;
      this.endFill(job, started + Math.ceil(job.bytesTotal / rate), 'done', null);
    }
  }

  private endFill(job: FillJobState, at: number, state: 'done' | 'failed', error: string | null): void {
    job.state = state;
    job.finishedAt = at;
    job.error = error;
    job.queue = [];
    if (state === 'failed') job.startedAt ??= at;
    this.state.fillFreeAt = Math.max(this.state.fillFreeAt, at);
    this.log(at, state === 'done' ? 'info' : 'error', 'fill', state === 'done' ? `${job.id} done: ${job.itemsDone} items` : `${job.id} failed: ${error}`);
  }

  private trimFills(): void {
    const fills = this.state.fills;
    let finished = fills.filter((j) => j.state === 'done' || j.state === 'failed').length;
    for (let i = 0; i < fills.length && finished > MAX_FINISHED_FILLS; ) {
      const j = fills[i]!;
      if (j.state === 'done' || j.state === 'failed') {
        fills.splice(i, 1);
        finished--;
      } else i++;
    }
  }
}

function sortedHas(list: readonly number[], value: number): boolean {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = list[mid]!;
    if (v === value) return true;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

function sortedInsert(list: number[], value: number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo] !== value) list.splice(lo, 0, value);
}
