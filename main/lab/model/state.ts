/**
 * The state of one simulated appliance: plain and serializable (the lab and the agent save it as
 * JSON), shared by every subsystem of the model (firmware.ts, config-bgp.ts, health.ts, cache.ts,
 * diagnostics.ts), with the profiles and small formatting helpers they all use.
 */
import type { ApplianceConfig, ApplianceKind, BootRecord, LogEntry, ServingState, Slot } from '../../appliance/contract';
import { DEFAULT_STAGING_DIR } from '../../appliance/contract';
import type { FaultId } from '../contract';
import { catalogPrefixBytes, CATALOG_MEAN_BYTES } from './catalog';
import { wobble } from './traffic';

export const DRAIN_MS = 5 * 60_000;
/** After a boot, services report Unknown this long while they start. */
export const STARTUP_MS = 15_000;
/** BGP takes this long to come back to Established after a boot or a session change. */
export const BGP_SETTLE_MS = 10_000;
export const MAX_LOGS = 200;
export const MAX_FINISHED_FILLS = 50;
export const TB = 1e12;

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
  /** An out-of-cycle fill runs outside the site's fill window (fill-window.ts). */
  outOfWindow?: boolean;
  /** A rate cap asked for by the manager, below the model's own (Gbps). */
  capGbps?: number;
  /** Transfer time (ms of open window) of the items already landed (before progress had a cursor). */
  doneMs?: number;
  /** Lab time up to which the job's progress is accounted. */
  cursorAt?: number;
  /** Bytes of the item being transferred that have arrived by cursorAt. */
  itemBytesDone?: number;
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
  /** The site's fill window in its time zone (HH:MM-HH:MM); absent: fills run at any time. */
  fillWindow?: string;
  bootSeconds: number;
  stagingDir: string;
  logDir?: string;
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
  /**
   * Logins of a factory-fresh appliance (model/factory.ts): its own password and keys. Absent on
   * the fleet's appliances, whose logins are the lab's shared authorized keys.
   */
  access?: FactoryAccess;
}

export interface FactoryAccess {
  /** The factory password (the survey's credential). */
  password: string;
  /** A password set since (`ocactl access set-password`, scrypt hash): it replaces the factory one. */
  passwordHash?: string | null;
  passwordLogin: boolean;
  /** authorized_keys lines installed on this appliance. */
  keys: string[];
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
  /** Where the logs are kept when not at DEFAULT_LOG_DIR (the reference agent's own folder). */
  logDir?: string;
  /** The site's fill window (HH:MM-HH:MM, site time); absent: fills run at any time. */
  fillWindow?: string;
}

export const iso = (ms: number) => new Date(ms).toISOString();
export const otherSlot = (slot: Slot): Slot => (slot === 'A' ? 'B' : 'A');
export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
export const fmtTb = (bytes: number) => `${(bytes / TB).toFixed(1)} TB`;

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
    ...(spec.fillWindow ? { fillWindow: spec.fillWindow } : {}),
    bootSeconds: profile.bootSeconds,
    stagingDir: spec.stagingDir ?? DEFAULT_STAGING_DIR,
    ...(spec.logDir ? { logDir: spec.logDir } : {}),
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
