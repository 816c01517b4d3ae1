/**
 * One simulated appliance: a state machine over plain, serializable state, driven by an injected
 * clock. Nothing runs on a timer: every call first brings the state up to "now" (a reboot that has
 * finished, a drain that has reached zero, fill bytes that have arrived), so a thousand idle
 * appliances cost nothing. The SSH and HTTP front ends (lab and agent) only call the methods here.
 *
 * The behaviour lives in one subsystem each, over the one shared state (state.ts, core.ts):
 * firmware and boot (firmware.ts), configuration, BGP and serving (config-bgp.ts), health and
 * metrics (health.ts), cache and fills (cache.ts), diagnostics (diagnostics.ts). This class is
 * the appliance as the front ends see it: time, faults, status, and each subsystem's methods.
 */
import type {
  ActivateReply,
  ApplianceConfig,
  BgpStatusReply,
  CachePage,
  CommitReply,
  ConfigSetReply,
  DiagCheck,
  DiagReply,
  DrainReply,
  FillJob,
  HealthReply,
  LogEntry,
  MetricsReply,
  RebootReply,
  RollbackReply,
  StatusReply,
} from '../../appliance/contract';
import { APPLIANCE_API_VERSION } from '../../appliance/contract';
import type { ImageInspection } from '../../appliance/image';
import type { Clock } from '../../kit/time';
import { FAULT_IDS, type FaultId } from '../contract';
import { CacheAndFills, type FillRequestIn } from './cache';
import type { SiteHook } from './site-serving';
import { ConfigAndBgp } from './config-bgp';
import { ApplianceCore } from './core';
import { Diagnostics, type DiagProbe } from './diagnostics';
import { FirmwareAndBoot } from './firmware';
import { HealthAndMetrics } from './health';
import { iso, type ApplianceState } from './state';

export {
  BGP_SETTLE_MS,
  createApplianceState,
  DRAIN_MS,
  KIND_PROFILES,
  STARTUP_MS,
  type ApplianceSpec,
  type ApplianceState,
  type FillJobState,
  type KindProfile,
  type SlotState,
} from './state';

export class LabAppliance {
  private readonly core: ApplianceCore;
  private readonly cache: CacheAndFills;
  private readonly firmware: FirmwareAndBoot;
  private readonly routing: ConfigAndBgp;
  private readonly healthAndMetrics: HealthAndMetrics;
  private readonly diagnostics: Diagnostics;

  constructor(
    readonly state: ApplianceState,
    private readonly clock: Clock,
  ) {
    this.core = new ApplianceCore(state, clock, (now) => this.advance(now));
    this.cache = new CacheAndFills(this.core);
    this.firmware = new FirmwareAndBoot(this.core, this.cache);
    this.routing = new ConfigAndBgp(this.core, this.firmware);
    this.healthAndMetrics = new HealthAndMetrics(this.core, this.firmware, this.routing, this.cache);
    this.diagnostics = new Diagnostics(this.core, this.firmware, this.routing, this.healthAndMetrics);
  }

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
    if (s.downUntil !== null && now >= s.downUntil) this.firmware.finishBoot();
    this.routing.settleDrain(now);
    if (s.downUntil === null) this.cache.advanceFills(now);
    return now;
  }

  /** Rebooting: SSH and HTTP do not answer. */
  isDown(): boolean {
    this.advance();
    return this.state.downUntil !== null;
  }

  // -------------------------------------------------------------------------------------------
  // Faults

  hasFault(fault: FaultId): boolean {
    return this.core.hasFault(fault);
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
      this.core.log(now, 'error', 'disk', 'sdc: unrecoverable read errors; cache disk taken offline');
      for (const job of s.fills) {
        if (job.state === 'queued' || job.state === 'running') this.cache.endFill(job, now, 'failed', 'a cache disk failed during the fill');
      }
    }
    if (fault === 'disk-failure' && !on) this.core.log(now, 'info', 'disk', 'sdc replaced; cache disk back online');
    if (fault === 'bgp-down') {
      s.bgpChangedAt = now;
      this.core.log(now, on ? 'error' : 'info', 'bgp', on ? `session to ${s.config.bgp.neighbor.address} down: hold timer expired` : `session to ${s.config.bgp.neighbor.address} reconnecting`);
    }
    return [...s.faults];
  }

  // -------------------------------------------------------------------------------------------
  // Logs and status

  logs(options: { since?: number; limit?: number } = {}): LogEntry[] {
    return this.core.logs(options);
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
      health: this.healthAndMetrics.health().status,
      firmware: {
        active: s.active,
        committed: s.committed,
        pending: s.pending,
        trial: this.firmware.trial,
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
      ...(s.logDir ? { logDir: s.logDir } : {}),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Firmware and boot

  activate(file: string, image: ImageInspection): ActivateReply {
    return this.firmware.activate(file, image);
  }

  commit(): CommitReply {
    return this.firmware.commit();
  }

  rollback(): RollbackReply {
    return this.firmware.rollback();
  }

  reboot(): RebootReply {
    return this.firmware.reboot();
  }

  // -------------------------------------------------------------------------------------------
  // Configuration, BGP and serving

  drain(): DrainReply {
    return this.routing.drain();
  }

  undrain(): DrainReply {
    return this.routing.undrain();
  }

  servingGbps(now = this.advance()): number {
    return this.routing.servingGbps(now);
  }

  configGet(): ApplianceConfig {
    return this.routing.configGet();
  }

  configSet(assignments: readonly string[]): ConfigSetReply {
    return this.routing.configSet(assignments);
  }

  bgpStatus(): BgpStatusReply {
    return this.routing.bgpStatus();
  }

  // -------------------------------------------------------------------------------------------
  // Health, metrics and diagnostics

  health(): HealthReply {
    return this.healthAndMetrics.health();
  }

  metrics(): MetricsReply {
    return this.healthAndMetrics.metrics();
  }

  diag(check: DiagCheck, probe?: DiagProbe): DiagReply {
    return this.diagnostics.diag(check, probe);
  }

  /** The ocad service runs (the appliance is up and its image passes its health checks). */
  serviceUp(): boolean {
    return !this.isDown() && this.firmware.runningHealthy();
  }

  // -------------------------------------------------------------------------------------------
  // Cache and fills

  cachedBytes(contentId: string): number | null {
    return this.cache.cachedBytes(contentId);
  }

  cacheList(offset = 0, limit = 100): CachePage {
    return this.cache.cacheList(offset, limit);
  }

  startFill(request: FillRequestIn): FillJob {
    return this.cache.startFill(request);
  }

  /** The fill item being transferred now and its rate (for a peer's egress), or null. */
  currentFillItem(now: number): { source: string; gbps: number } | null {
    return this.cache.currentFillItem(now);
  }

  currentFillSource(now: number): string | null {
    return this.cache.currentFillSource(now);
  }

  /** Join a lab site: demand is served from what the site's appliances hold, peers send fills. */
  attachSite(site: SiteHook | null): void {
    this.core.site = site;
  }

  fillJob(id: string): FillJob {
    return this.cache.fillJob(id);
  }
}
