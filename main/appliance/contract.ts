/**
 * The Fleetdeck appliance API, version 1: what an appliance answers over SSH (`ocactl`, JSON on
 * stdout) and over HTTP (`/v1/...`). The manager validates every reply against these schemas; the
 * lab and the reference agent produce them. docs/appliance-api.md is the prose of this file.
 *
 * Pure zod, no Node: the renderer may import the types.
 */
import { z } from 'zod';
import { AccessReply } from './access';

export const APPLIANCE_API_VERSION = 1;
/** Login user on every appliance. */
export const APPLIANCE_LOGIN_USER = 'oca';
/** Where firmware images are uploaded over SFTP (reported by `ocactl status` as firmware.stagingDir). */
export const DEFAULT_STAGING_DIR = '/var/lib/ocactl/staging';
/** Where the appliance's logs are read over SFTP, read-only (reported by `ocactl status` as logDir when elsewhere). */
export const DEFAULT_LOG_DIR = '/var/log';
/**
 * The largest reply the manager reads, for `ocactl` stdout and for an HTTP body alike. A reply
 * beyond it is refused (E_TOO_LARGE) without being parsed.
 */
export const MAX_REPLY_BYTES = 2 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Shared pieces

export const HEALTH_STATUSES = ['OK', 'Unknown', 'Warning', 'Error'] as const;
/** Unknown, OK, Warning or Error; ordered here from best to worst. */
export const HealthStatus = z.enum(HEALTH_STATUSES);
export type HealthStatus = z.infer<typeof HealthStatus>;

/** The worst of the given statuses (OK < Unknown < Warning < Error); OK for none. */
export function worstHealth(statuses: Iterable<HealthStatus>): HealthStatus {
  let worst = 0;
  for (const s of statuses) worst = Math.max(worst, HEALTH_STATUSES.indexOf(s));
  return HEALTH_STATUSES[worst]!;
}

export const ApplianceKind = z.enum(['storage', 'flash']);
export type ApplianceKind = z.infer<typeof ApplianceKind>;

export const Slot = z.enum(['A', 'B']);
export type Slot = z.infer<typeof Slot>;

const IsoTime = z.iso.datetime({ offset: true });
const Bytes = z.number().int().min(0);
const Fraction = z.number().min(0).max(1);
export const ContentId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'a content id is 1-128 letters, digits or . _ : -');
/** Where a fill takes an item from: the origin, or a peer appliance in the same site or tier. */
export const FillSource = z
  .string()
  .regex(/^(origin|peer:[A-Za-z0-9][A-Za-z0-9._-]{0,63})$/, 'a source is "origin" or "peer:<serial>"');

/** The stable error codes of the appliance API (ocactl and HTTP alike). */
export const APPLIANCE_ERROR_CODES = [
  'E_USAGE', // unknown command, bad or missing argument (ocactl exit 2, HTTP 400)
  'E_NOT_FOUND', // no such file, fill, route or config key (HTTP 404)
  'E_STATE', // not allowed in the appliance's current state (HTTP 409)
  'E_IMAGE', // the staged firmware image is not valid (HTTP 422)
  'E_NO_SPACE', // disk or staging area full (HTTP 507)
  'E_TOO_LARGE', // the request is larger than the appliance accepts (HTTP 413)
  'E_UNAVAILABLE', // the appliance cannot do this now: booting, disk failed (HTTP 503)
  'E_INTERNAL', // anything else (HTTP 500)
] as const;
export const ApplianceErrorCode = z.enum(APPLIANCE_ERROR_CODES);
export type ApplianceErrorCode = z.infer<typeof ApplianceErrorCode>;

export const ApplianceErrorBody = z.object({
  code: ApplianceErrorCode,
  /** A sentence a field engineer understands. */
  message: z.string().min(1),
});
export type ApplianceErrorBody = z.infer<typeof ApplianceErrorBody>;

/** HTTP status for each error code. */
export const HTTP_STATUS_OF: Record<ApplianceErrorCode, number> = {
  E_USAGE: 400,
  E_NOT_FOUND: 404,
  E_STATE: 409,
  E_IMAGE: 422,
  E_NO_SPACE: 507,
  E_TOO_LARGE: 413,
  E_UNAVAILABLE: 503,
  E_INTERNAL: 500,
};
/** ocactl exit status for each error code (0 is success). */
export const EXIT_CODE_OF: Record<ApplianceErrorCode, number> = {
  E_USAGE: 2,
  E_NOT_FOUND: 3,
  E_STATE: 4,
  E_IMAGE: 5,
  E_NO_SPACE: 6,
  E_TOO_LARGE: 7,
  E_UNAVAILABLE: 8,
  E_INTERNAL: 1,
};

// ---------------------------------------------------------------------------------------------
// ocactl replies (over SSH exec): one JSON object on stdout, the envelope below.

export const FirmwareSlotInfo = z.object({
  slot: Slot,
  /** Image version installed in the slot; null for an empty slot. */
  version: z.string().nullable(),
  installedAt: IsoTime.nullable(),
});

export const BootRecord = z.object({
  at: IsoTime,
  /** The slot the boot tried. */
  attempted: Slot,
  /** The slot that came up. */
  booted: Slot,
  outcome: z.enum(['ok', 'fallback']),
  message: z.string(),
});
export type BootRecord = z.infer<typeof BootRecord>;

export const FirmwareInfo = z.object({
  /** The slot running now. */
  active: Slot,
  /** The known-good slot: the one a failed or uncommitted boot falls back to. */
  committed: Slot,
  /** The slot the next reboot tries, or null to boot the committed slot. */
  pending: Slot.nullable(),
  /** The running image is on trial: it was activated but not yet committed. */
  trial: z.boolean(),
  runningVersion: z.string(),
  slots: z.array(FirmwareSlotInfo).length(2),
  lastBoot: BootRecord.nullable(),
  /** Upload firmware images here over SFTP. */
  stagingDir: z.string().min(1),
});
export type FirmwareInfo = z.infer<typeof FirmwareInfo>;

export const ServingState = z.enum(['serving', 'draining', 'drained']);
export type ServingState = z.infer<typeof ServingState>;

export const StatusReply = z.object({
  serial: z.string().min(1),
  model: ApplianceKind,
  hostname: z.string(),
  apiVersion: z.literal(APPLIANCE_API_VERSION),
  bootedAt: IsoTime,
  uptimeSeconds: z.number().int().min(0),
  serving: ServingState,
  health: HealthStatus,
  firmware: FirmwareInfo,
  disk: z.object({ usedBytes: Bytes, totalBytes: Bytes }),
  nicGbps: z.number().min(0),
  /** The folder holding the appliance's logs, read-only over SFTP; absent: DEFAULT_LOG_DIR. */
  logDir: z.string().min(1).optional(),
});
export type StatusReply = z.infer<typeof StatusReply>;

export const StageCheckReply = z.object({
  file: z.string(),
  bytes: Bytes,
  /** SHA-256 of the whole file as it landed, hex: compare with the image you sent. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Version from the image header, null when the header is unreadable. */
  version: z.string().nullable(),
  valid: z.boolean(),
  /** Why the image is not valid; empty when it is. */
  problems: z.array(z.string()),
});
export type StageCheckReply = z.infer<typeof StageCheckReply>;

export const ActivateReply = z.object({
  slot: Slot,
  version: z.string(),
  /** Activation takes effect at the next reboot. */
  rebootRequired: z.literal(true),
});
export type ActivateReply = z.infer<typeof ActivateReply>;

export const CommitReply = z.object({ committed: Slot, version: z.string() });
export type CommitReply = z.infer<typeof CommitReply>;

export const RollbackReply = z.object({
  /** The slot the next reboot boots. */
  pending: Slot.nullable(),
  version: z.string().nullable(),
  rebootRequired: z.boolean(),
});
export type RollbackReply = z.infer<typeof RollbackReply>;

export const RebootReply = z.object({
  rebooting: z.literal(true),
  /** The slot the boot tries first. */
  bootSlot: Slot,
  /** Typical time until SSH and HTTP answer again (a failed boot takes longer). */
  expectedDowntimeSeconds: z.number().int().min(0),
});
export type RebootReply = z.infer<typeof RebootReply>;

export const DrainReply = z.object({
  serving: ServingState,
  servingGbps: z.number().min(0),
  /** When serving reaches zero (draining), or null. */
  drainedBy: IsoTime.nullable(),
});
export type DrainReply = z.infer<typeof DrainReply>;

export const InterfaceConfig = z.object({
  name: z.string(),
  ipv4: z.string().nullable(),
  ipv6: z.string().nullable(),
  mtu: z.number().int().min(576).max(9216),
  speedGbps: z.number().min(0),
  up: z.boolean(),
});
export type InterfaceConfig = z.infer<typeof InterfaceConfig>;

export const BgpConfig = z.object({
  localAsn: z.number().int().min(1).max(4294967295),
  neighbor: z.object({
    address: z.string(),
    asn: z.number().int().min(1).max(4294967295),
  }),
});

export const ApplianceConfig = z.object({
  hostname: z.string(),
  interfaces: z.array(InterfaceConfig),
  bgp: BgpConfig,
});
export type ApplianceConfig = z.infer<typeof ApplianceConfig>;

/** Keys `ocactl config set` accepts, as key=value words. */
export const CONFIG_KEYS = ['hostname', 'bgp.asn', 'bgp.neighbor', 'bgp.neighbor-asn', 'interface.<name>.mtu', 'interface.<name>.ipv4', 'interface.<name>.ipv6', 'interface.<name>.up'] as const;

export const ConfigGetReply = ApplianceConfig;
export const ConfigSetReply = z.object({ config: ApplianceConfig, changed: z.array(z.string()) });
export type ConfigSetReply = z.infer<typeof ConfigSetReply>;

export const BgpState = z.enum(['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established']);
export const BgpStatusReply = z.object({
  state: BgpState,
  localAsn: z.number().int(),
  neighbor: z.string(),
  peerAsn: z.number().int(),
  /** Seconds in the current state. */
  uptimeSeconds: z.number().int().min(0),
  prefixesReceived: z.number().int().min(0),
  /** Zero while drained: the appliance withdraws its service routes. */
  prefixesAdvertised: z.number().int().min(0),
  lastError: z.string().nullable(),
});
export type BgpStatusReply = z.infer<typeof BgpStatusReply>;

export const DIAG_CHECKS = ['disk', 'nic', 'bgp', 'cache', 'throughput', 'reachability'] as const;
export const DiagCheck = z.enum(DIAG_CHECKS);
export type DiagCheck = z.infer<typeof DiagCheck>;

export const DiagReply = z.object({
  check: DiagCheck,
  status: HealthStatus,
  message: z.string(),
  durationMs: z.number().int().min(0),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
export type DiagReply = z.infer<typeof DiagReply>;

export const CacheItem = z.object({
  contentId: ContentId,
  bytes: Bytes,
  storedAt: IsoTime,
  source: FillSource,
});
export type CacheItem = z.infer<typeof CacheItem>;

export const CachePage = z.object({
  total: z.number().int().min(0),
  totalBytes: Bytes,
  offset: z.number().int().min(0),
  limit: z.number().int().min(1),
  items: z.array(CacheItem),
});
export type CachePage = z.infer<typeof CachePage>;
export const MAX_CACHE_PAGE = 1000;

export const LogEntry = z.object({
  at: IsoTime,
  level: z.enum(['info', 'warn', 'error']),
  component: z.string(),
  message: z.string(),
});
export type LogEntry = z.infer<typeof LogEntry>;
export const LogsReply = z.object({ entries: z.array(LogEntry) });
export type LogsReply = z.infer<typeof LogsReply>;

/** Result schema of every ocactl command, keyed by the command as the envelope names it. */
export const OCACTL_RESULTS = {
  status: StatusReply,
  'firmware stage-check': StageCheckReply,
  'firmware activate': ActivateReply,
  'firmware commit': CommitReply,
  'firmware rollback': RollbackReply,
  reboot: RebootReply,
  drain: DrainReply,
  undrain: DrainReply,
  'config get': ConfigGetReply,
  'config set': ConfigSetReply,
  'bgp status': BgpStatusReply,
  diag: DiagReply,
  'cache list': CachePage,
  logs: LogsReply,
  'access status': AccessReply,
  'access add-key': AccessReply,
  'access password-login': AccessReply,
  'access set-password': AccessReply,
} as const;
export type OcactlCommand = keyof typeof OCACTL_RESULTS;
export const OCACTL_COMMANDS = Object.keys(OCACTL_RESULTS) as OcactlCommand[];
export type OcactlResult<C extends OcactlCommand> = z.infer<(typeof OCACTL_RESULTS)[C]>;

/** `{"api":1,"ok":true,"command":"status","result":{...}}` or `{"api":1,"ok":false,"command":...,"error":{...}}`. */
export function ocactlEnvelope<C extends OcactlCommand>(command: C) {
  return z.discriminatedUnion('ok', [
    z.object({ api: z.literal(APPLIANCE_API_VERSION), ok: z.literal(true), command: z.literal(command), result: OCACTL_RESULTS[command] }),
    z.object({ api: z.literal(APPLIANCE_API_VERSION), ok: z.literal(false), command: z.string(), error: ApplianceErrorBody }),
  ]);
}
/** The envelope of an error reply (also what ocactl prints for a command it does not know). */
export const OcactlErrorEnvelope = z.object({
  api: z.literal(APPLIANCE_API_VERSION),
  ok: z.literal(false),
  command: z.string(),
  error: ApplianceErrorBody,
});

// ---------------------------------------------------------------------------------------------
// HTTP replies (one port per appliance). Errors: `{"error":{"code","message"}}` with HTTP_STATUS_OF.

export const HealthComponent = z.object({
  name: z.string().min(1),
  status: HealthStatus,
  message: z.string(),
});
export type HealthComponent = z.infer<typeof HealthComponent>;

export const HealthReply = z
  .object({
    serial: z.string().min(1),
    /** The worst of the components. */
    status: HealthStatus,
    checkedAt: IsoTime,
    components: z.array(HealthComponent).min(1),
  })
  .refine((h) => h.status === worstHealth(h.components.map((c) => c.status)), {
    message: 'status must be the worst of the component statuses',
    path: ['status'],
  });
export type HealthReply = z.infer<typeof HealthReply>;

export const FillProgress = z.object({
  active: z.boolean(),
  jobId: z.string().nullable(),
  /** 0..1 of the running fill, null when none runs. */
  progress: Fraction.nullable(),
  rateGbps: z.number().min(0),
  queued: z.number().int().min(0),
});

export const MetricsReply = z.object({
  serial: z.string().min(1),
  at: IsoTime,
  servingGbps: z.number().min(0),
  connections: z.number().int().min(0),
  cacheHitRatio: Fraction,
  disk: z.object({ usedBytes: Bytes, totalBytes: Bytes }),
  fill: FillProgress,
  errorsPerSecond: z.number().min(0),
  /** Client demand on this appliance that it did not serve from its cache: fetched over the ISP's transit (Gbps). */
  originGbps: z.number().min(0).optional(),
  /** Fill traffic this appliance sends to peers in its site (Gbps). */
  peerFillGbps: z.number().min(0).optional(),
});
export type MetricsReply = z.infer<typeof MetricsReply>;

export const FillItem = z.object({
  contentId: ContentId,
  bytes: z.number().int().min(1).max(1024 ** 4, 'one item is at most 1 TiB'),
  source: FillSource,
});
export type FillItem = z.infer<typeof FillItem>;

export const MAX_FILL_ITEMS = 20_000;
export const FillRequest = z
  .object({
    /** The manager's name for this manifest, echoed back. */
    manifestId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/).optional(),
    items: z.array(FillItem).min(1, 'a fill needs at least one item').max(MAX_FILL_ITEMS, `a fill has at most ${MAX_FILL_ITEMS} items`),
    /** Content to delete first to make room. */
    evict: z.array(ContentId).max(MAX_FILL_ITEMS).default([]),
    /** An out-of-cycle fill (a hot release): runs now, outside the site's fill window. */
    outOfWindow: z.boolean().optional(),
    /** Cap this fill's rate below the appliance's own fill rate (Gbps). */
    maxGbps: z.number().positive().max(1000).optional(),
  })
  .refine((r) => new Set(r.items.map((i) => i.contentId)).size === r.items.length, {
    message: 'each content id appears once in a fill',
    path: ['items'],
  });
export type FillRequest = z.input<typeof FillRequest>;

export const FillState = z.enum(['queued', 'running', 'done', 'failed']);
export const FillJob = z.object({
  id: z.string().min(1),
  manifestId: z.string().nullable(),
  state: FillState,
  createdAt: IsoTime,
  startedAt: IsoTime.nullable(),
  finishedAt: IsoTime.nullable(),
  items: z.number().int().min(0),
  itemsDone: z.number().int().min(0),
  /** Items already on the appliance, not transferred. */
  itemsSkipped: z.number().int().min(0),
  evicted: z.number().int().min(0),
  bytesTotal: Bytes,
  bytesDone: Bytes,
  progress: Fraction,
  rateGbps: z.number().min(0),
  error: z.string().nullable(),
});
export type FillJob = z.infer<typeof FillJob>;

export const HttpErrorReply = z.object({ error: ApplianceErrorBody });
export type HttpErrorReply = z.infer<typeof HttpErrorReply>;

/** HTTP routes of API version 1 and the schema of each successful reply. */
export const HTTP_ROUTES = {
  'GET /v1/health': HealthReply,
  'GET /v1/metrics': MetricsReply,
  'GET /v1/cache': CachePage,
  'POST /v1/fill': FillJob,
  'GET /v1/fill/{id}': FillJob,
} as const;
export type HttpRoute = keyof typeof HTTP_ROUTES;
export type HttpReply<R extends HttpRoute> = z.infer<(typeof HTTP_ROUTES)[R]>;
