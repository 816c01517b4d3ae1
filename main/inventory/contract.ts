/**
 * Inventory contract: partners (ISPs), sites, appliances and the audit log.
 * Field rules here are the single source of truth for the RPC, the forms and the importers.
 */
import { z } from 'zod';
import { method } from '../kit/contract';
import { ERROR_DETAILS, ImportRowError } from '../kit/errors';
import { AuditEntry, AuditQuery } from '../audit/contract';
import { HostKeyFingerprint, Hostname, Ipv4, Ipv6, Iso8601, Port, Serial, ShortText, SiteCode } from '../kit/fields';

/** The shared field types, under the names inventory's users have always imported them by. */
export { HostKeyFingerprint, Hostname, Ipv4, Ipv6, Iso8601, Port, Serial, ShortText, SiteCode };

export const LIFECYCLE_STATUSES = ['awaiting-install', 'provisioning', 'online', 'drained', 'offline', 'rma'] as const;
export const LifecycleStatus = z.enum(LIFECYCLE_STATUSES, {
  message: `a status is one of ${LIFECYCLE_STATUSES.join(', ')}`,
});
export type LifecycleStatus = z.infer<typeof LifecycleStatus>;
/** Taking an appliance to one of these needs a reason, recorded with the actor. */
export const STATUSES_NEEDING_REASON: readonly LifecycleStatus[] = ['drained', 'offline', 'rma'];

export const APPLIANCE_MODELS = ['storage', 'flash'] as const;
export const ApplianceModel = z.enum(APPLIANCE_MODELS, { message: 'a model is storage or flash' });
export type ApplianceModel = z.infer<typeof ApplianceModel>;


/** A daily window in site-local time, `HH:MM-HH:MM`; it may cross midnight. */
export const TimeWindow = z
  .string()
  .trim()
  .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, 'a window is HH:MM-HH:MM in 24-hour local time')
  .refine((w) => w.slice(0, 5) !== w.slice(6), 'a window must not start and end at the same time');
export const Tag = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9:._/-]{0,39}$/, 'a tag is 1-40 letters, digits or : . _ / -');
export const StorageTb = z.number().min(0, 'storage is 0 TB or more').max(10000, 'storage is at most 10000 TB');
export const NicGbps = z.number().min(0, 'NIC speed is 0 or more').max(10000, 'NIC speed is at most 10000 Gbps');
export const Asn = z.number().int().min(1, 'an ASN is 1-4294967295').max(4294967295, 'an ASN is 1-4294967295');

/** Zones already asked about: making an Intl.DateTimeFormat costs about 0.2 ms, and a sites file names few zones many times. */
const knownZones = new Map<string, boolean>();

/** True if the runtime's zone database knows this IANA zone (America/Sao_Paulo, Europe/Berlin, UTC, ...). */
export function isKnownTimeZone(zone: string): boolean {
  const known = knownZones.get(zone);
  if (known !== undefined) return known;
  let answer: boolean;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    answer = true;
  } catch {
    answer = false;
  }
  // Bounded: a hostile file may name a million different zones.
  if (knownZones.size < 1000) knownZones.set(zone, answer);
  return answer;
}

export const Partner = z.object({
  id: z.number().int(),
  name: z.string(),
  asn: z.number().int(),
});
export type Partner = z.infer<typeof Partner>;

export const SiteInput = z.object({
  code: SiteCode,
  partner: ShortText(120).min(1, 'partner is required'),
  asn: Asn,
  name: ShortText(120).min(1, 'name is required'),
  city: ShortText(120).min(1, 'city is required'),
  country: z
    .string()
    .trim()
    .regex(/^[A-Z]{2}$/, 'country is a two-letter ISO 3166 code such as BR or DE'),
  latitude: z.number().min(-90, 'latitude is -90..90').max(90, 'latitude is -90..90'),
  longitude: z.number().min(-180, 'longitude is -180..180').max(180, 'longitude is -180..180'),
  /** IANA zone such as America/Sao_Paulo; checked against the runtime's zone database. */
  timezone: ShortText(64)
    .min(1, 'timezone is required')
    .refine(isKnownTimeZone, 'not a known IANA time zone (such as America/Sao_Paulo or Europe/Berlin)'),
  maintenanceWindow: TimeWindow,
  fillWindow: TimeWindow,
});
export type SiteInput = z.infer<typeof SiteInput>;

export const Site = SiteInput.extend({
  partnerId: z.number().int(),
  createdAt: Iso8601,
  updatedAt: Iso8601,
});
export type Site = z.infer<typeof Site>;

/**
 * What an appliance is described by, wherever it comes from (the form, the RPC, an imported row):
 * fields left out take these defaults. ApplianceInput and the import's ApplianceItem both build on it.
 */
export const ApplianceFields = {
  serial: Serial,
  hostname: Hostname,
  site: SiteCode,
  model: ApplianceModel,
  ipv4: Ipv4.nullable().default(null),
  ipv6: Ipv6.nullable().default(null),
  sshPort: Port.default(22),
  apiPort: Port.default(443),
  storageTb: StorageTb,
  nicGbps: NicGbps,
  firmware: ShortText(64).default(''),
};
export const ApplianceTags = z.array(Tag).max(32, 'at most 32 tags').default([]);

export const MANAGEMENT_ADDRESS_NEEDED = 'an appliance needs a management IPv4 or IPv6 address';
/**
 * The address rule on an appliance schema: IPv4, IPv6 or both, reported on `ipv4`. An object rule:
 * zod runs it only once every field has passed.
 */
export function withManagementAddress<T extends z.ZodType<{ ipv4: string | null; ipv6: string | null }>>(schema: T): T {
  return schema.refine((a) => a.ipv4 !== null || a.ipv6 !== null, { message: MANAGEMENT_ADDRESS_NEEDED, path: ['ipv4'] });
}

export const ApplianceInput = withManagementAddress(
  z.object({
    ...ApplianceFields,
    status: LifecycleStatus.default('awaiting-install'),
    tags: ApplianceTags,
    notes: ShortText(4000).default(''),
  }),
);
export type ApplianceInput = z.input<typeof ApplianceInput>;

export const Appliance = z.object({
  serial: z.string(),
  hostname: z.string(),
  site: z.string(),
  partner: z.string(),
  model: ApplianceModel,
  ipv4: z.string().nullable(),
  ipv6: z.string().nullable(),
  sshPort: z.number().int(),
  apiPort: z.number().int(),
  storageTb: z.number(),
  nicGbps: z.number(),
  firmware: z.string(),
  status: LifecycleStatus,
  /** Last reason given for a status change (drained/offline/rma), with who and when. */
  statusReason: z.string().nullable(),
  statusChangedBy: z.string().nullable(),
  statusChangedAt: Iso8601.nullable(),
  /** OpenSSH SHA256 fingerprint, `SHA256:...`, recorded at the site survey or first trusted contact. */
  hostKeyFingerprint: z.string().nullable(),
  tags: z.array(z.string()),
  notes: z.string(),
  createdAt: Iso8601,
  updatedAt: Iso8601,
});
export type Appliance = z.infer<typeof Appliance>;

export const AppliancePatch = z.object({
  hostname: Hostname.optional(),
  site: SiteCode.optional(),
  model: ApplianceModel.optional(),
  ipv4: Ipv4.nullable().optional(),
  ipv6: Ipv6.nullable().optional(),
  sshPort: Port.optional(),
  apiPort: Port.optional(),
  storageTb: StorageTb.optional(),
  nicGbps: NicGbps.optional(),
  firmware: ShortText(64).optional(),
  tags: z.array(Tag).max(32).optional(),
  notes: ShortText(4000).optional(),
  hostKeyFingerprint: HostKeyFingerprint.nullable().optional(),
});
export type AppliancePatch = z.infer<typeof AppliancePatch>;

export const SORT_FIELDS = ['serial', 'hostname', 'site', 'partner', 'model', 'status', 'firmware', 'storageTb', 'updatedAt'] as const;
/**
 * Values one filter may list. Each becomes an SQL parameter; SQLite allows 32,766 in a statement,
 * and past that a query would fail inside the engine instead of saying what was wrong.
 */
export const MAX_FILTER_VALUES = 1000;
const FilterList = <T extends z.ZodType>(item: T, what: string) =>
  z.array(item).max(MAX_FILTER_VALUES, `a filter lists at most ${MAX_FILTER_VALUES} ${what}; narrow it, or tag the appliances and filter by the tag`);

export const ApplianceQuery = z.object({
  /** Free text over hostname, serial, IPv4, IPv6 and firmware version. */
  text: ShortText(200).optional(),
  status: FilterList(LifecycleStatus, 'statuses').optional(),
  site: FilterList(SiteCode, 'sites').optional(),
  partner: FilterList(ShortText(120), 'partners').optional(),
  model: FilterList(ApplianceModel, 'models').optional(),
  tag: FilterList(Tag, 'tags').optional(),
  firmware: FilterList(ShortText(64), 'firmware versions').optional(),
  sort: z.enum(SORT_FIELDS).default('serial'),
  dir: z.enum(['asc', 'desc']).default('asc'),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(20000).default(200),
});
export type ApplianceQuery = z.input<typeof ApplianceQuery>;

export const AppliancePage = z.object({
  total: z.number().int(),
  offset: z.number().int(),
  items: z.array(Appliance),
});
export type AppliancePage = z.infer<typeof AppliancePage>;

/** Audit entries are the shared audit log's (main/audit); inventory serves them to windows. */
export { AuditEntry, AuditQuery };


export const StatusCounts = z.record(LifecycleStatus, z.number().int());
export type StatusCounts = z.infer<typeof StatusCounts>;

export const SiteSummary = Site.extend({
  appliances: z.number().int(),
  counts: StatusCounts,
  capacityTb: z.number(),
});
export type SiteSummary = z.infer<typeof SiteSummary>;

export const Overview = z.object({
  totals: z.object({
    partners: z.number().int(),
    sites: z.number().int(),
    appliances: z.number().int(),
    capacityTb: z.number(),
    counts: StatusCounts,
  }),
  partners: z.array(
    Partner.extend({
      appliances: z.number().int(),
      capacityTb: z.number(),
      counts: StatusCounts,
      sites: z.array(SiteSummary),
    }),
  ),
});
export type Overview = z.infer<typeof Overview>;

export const Facets = z.object({
  sites: z.array(z.object({ code: z.string(), name: z.string(), partner: z.string() })),
  partners: z.array(z.string()),
  tags: z.array(z.string()),
  firmware: z.array(z.string()),
});
export type Facets = z.infer<typeof Facets>;

export const DataFormat = z.enum(['csv', 'json']);
export const DataKind = z.enum(['sites', 'appliances']);

export const ImportRequest = z.object({
  format: DataFormat,
  /** Required for CSV (one kind per file); JSON carries partners, sites and appliances in one document. */
  kind: DataKind.optional(),
  content: z.string().max(64 * 1024 * 1024, 'an import over RPC is at most 64 MiB; use the CLI for larger files'),
  /** Validate and report without changing anything. */
  dryRun: z.boolean().default(false),
  /**
   * Let the file replace host-key fingerprints already recorded (each change audited). Without it
   * a row whose fingerprint differs from a recorded one is a bad row: a trusted key changes only
   * through the host-key trust flow.
   */
  replaceHostKeys: z.boolean().default(false),
});
export type ImportRequest = z.input<typeof ImportRequest>;

/** A bad row of an import (the shape E_IMPORT's details carry, defined with the error codes). */
export { ImportRowError };

/** `details` of an E_IMPORT error: every bad row, in file order. */
export const ImportProblems = ERROR_DETAILS.E_IMPORT;
export type ImportProblems = z.infer<typeof ImportProblems>;

export const ImportReport = z.object({
  dryRun: z.boolean(),
  rows: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
});
export type ImportReport = z.infer<typeof ImportReport>;

export const ExportRequest = z.object({ format: DataFormat, kind: DataKind.optional() });
export const ExportResult = z.object({ filename: z.string(), mime: z.string(), content: z.string() });

export const inventoryMethods = {
  overview: method('Partners, sites and status counts of the whole fleet', z.object({}).default({}), Overview, { writes: false }),
  facets: method('Values for the filter pickers', z.object({}).default({}), Facets, { writes: false }),
  listAppliances: method('Query appliances with free text, filters, sort and paging', ApplianceQuery, AppliancePage, { writes: false }),
  getAppliance: method(
    'One appliance with its site and recent audit entries',
    z.object({ serial: Serial }),
    z.object({ appliance: Appliance, site: Site, audit: z.array(AuditEntry) }),
    { writes: false },
  ),
  createAppliance: method('Add an appliance', ApplianceInput, Appliance, { writes: true }),
  updateAppliance: method('Edit an appliance', z.object({ serial: Serial, patch: AppliancePatch }), Appliance, { writes: true }),
  setStatus: method(
    'Change lifecycle status; drained, offline and rma need a reason',
    z.object({ serial: Serial, status: LifecycleStatus, reason: ShortText(500).optional() }),
    Appliance,
    { writes: true },
  ),
  deleteAppliance: method(
    'Remove an appliance from the inventory (audited)',
    z.object({ serial: Serial, reason: ShortText(500).min(1, 'a reason is required') }),
    z.object({ deleted: z.boolean() }),
    { writes: true },
  ),
  listSites: method('Every site with counts', z.object({}).default({}), z.array(SiteSummary), { writes: false }),
  getSite: method(
    'One site with its appliances and audit entries',
    z.object({ code: SiteCode }),
    z.object({ site: SiteSummary, audit: z.array(AuditEntry) }),
    { writes: false },
  ),
  upsertSite: method('Add or edit a site', SiteInput, Site, { writes: true }),
  importData: method('Import CSV or JSON; all or nothing', ImportRequest, ImportReport, { writes: true }),
  exportData: method('Export CSV or JSON', ExportRequest, ExportResult, { writes: false }),
  audit: method('Audit log, newest first, filtered by actor, action, appliance and time', AuditQuery, z.array(AuditEntry), { writes: false }),
};

export const inventoryEvents = {
  /** Something in the inventory changed; stores refetch what they show. */
  changed: z.object({
    kind: z.enum(['appliance', 'site', 'import']),
    keys: z.array(z.string()),
  }),
};
