/**
 * Diagnostics contract: structured results of `ocactl diag <check>` (a status, the figure measured,
 * what to do), suites run on one appliance, a site or any selection as a job kind on the jobs
 * kernel, their history, "what changed since the last good run", diagnostics bundles (one tar.gz
 * per appliance or site, secrets redacted) and configuration drift (`ocactl config get` compared
 * with what the inventory and the site survey expect, and among peers of the same site).
 *
 * Pure zod: the renderer imports the types and CHECKS_FOR_ACTION.
 */
import { z } from 'zod';
import { method } from '../kit/contract';
import { DIAG_CHECKS, DiagCheck, HealthStatus } from '../appliance/contract';
import { ExecSelection } from '../jobs/contract';
import { Serial, SiteCode } from '../kit/fields';

export { DIAG_CHECKS, DiagCheck };

const Detail = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** One check on one appliance, as the engine reads it. */
export const CheckResult = z.object({
  check: DiagCheck,
  /** OK, Unknown, Warning or Error (Unknown: the check could not run, see errorCode). */
  status: HealthStatus,
  /** The figure the check measured, in `unit`; null when it measured none (or could not run). */
  value: z.number().nullable(),
  unit: z.string().nullable(),
  /** What the appliance found, in its own sentence. */
  summary: z.string(),
  /** What to do about it, one sentence; null when nothing needs doing. */
  action: z.string().nullable(),
  /** The figures behind it (which disk, which NIC, the BGP state and last error, ...). */
  details: z.record(z.string(), Detail),
  durationMs: z.number().int().min(0),
  at: z.string(),
  /** Why the check could not run (E_TIMEOUT, E_UNREACHABLE, E_BAD_REPLY, an appliance code), else null. */
  errorCode: z.string().nullable(),
});
export type CheckResult = z.infer<typeof CheckResult>;

/** One suite on one appliance. */
export const DiagRun = z.object({
  id: z.number().int(),
  /** The job that ran it (null while the job is being registered). */
  jobId: z.number().int().nullable(),
  serial: z.string(),
  site: z.string(),
  actor: z.string(),
  /** The checks asked for, in order. */
  checks: z.array(DiagCheck),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** The worst of the results once finished; null while running. */
  status: HealthStatus.nullable(),
  results: z.array(CheckResult),
});
export type DiagRun = z.infer<typeof DiagRun>;

export const RunInput = z.object({
  selection: ExecSelection,
  checks: z
    .array(DiagCheck)
    .min(1)
    .max(DIAG_CHECKS.length)
    .refine((c) => new Set(c).size === c.length, 'each check once')
    .default([...DIAG_CHECKS]),
  concurrency: z.number().int().min(1).max(1000).default(20),
  /** Appliances diagnosed at once in one site. */
  perSite: z.number().int().min(1).max(1000).nullable().default(null),
  /** Per check: connect and command (default: the net settings' command timeout). */
  timeoutMs: z.number().int().min(100).max(600_000).nullable().default(null),
});
export type RunInput = z.input<typeof RunInput>;

/** What changed for one check between the last good run and the run compared. */
export const CheckChange = z.object({
  check: DiagCheck,
  before: CheckResult.pick({ status: true, value: true, unit: true, summary: true }).nullable(),
  after: CheckResult.pick({ status: true, value: true, unit: true, summary: true }).nullable(),
  /** The status changed (the change that matters). */
  statusChanged: z.boolean(),
  /** Relative change of the measured value, when both have one (0.1 = 10% more). */
  valueChange: z.number().nullable(),
});
export type CheckChange = z.infer<typeof CheckChange>;

export const Comparison = z.object({
  serial: z.string(),
  run: DiagRun.nullable(),
  /** The newest finished run before it whose every check was OK; null if there is none. */
  lastGood: DiagRun.nullable(),
  /** Every check of either run, in check order; unchanged ones have statusChanged false. */
  changes: z.array(CheckChange),
});
export type Comparison = z.infer<typeof Comparison>;

/** The largest bundle returned inline (a window saves it as a download). */
export const MAX_INLINE_BUNDLE = 32 * 1024 * 1024;

export const BundleInput = z
  .object({
    serial: Serial.optional(),
    site: SiteCode.optional(),
    /** The archive to write (tar.gz) on the engine's machine; default: in the data dir's bundles/. */
    out: z.string().min(1).max(4096).optional(),
    /** Log entries read from each appliance. */
    logLimit: z.number().int().min(1).max(1000).default(500),
    /** Also return the archive's bytes (base64), for a window to save it (at most MAX_INLINE_BUNDLE bytes). */
    inline: z.boolean().default(false),
  })
  .refine((b) => (b.serial === undefined) !== (b.site === undefined), { message: 'give a serial or a site, not both', path: ['serial'] });
export type BundleInput = z.input<typeof BundleInput>;

export const BundleReport = z.object({
  path: z.string(),
  bytes: z.number().int(),
  /** Paths inside the archive. */
  files: z.array(z.string()),
  appliances: z.number().int(),
  /** Appliances that could not be reached: their part holds the error and what the engine knows. */
  unreachable: z.array(z.object({ serial: z.string(), code: z.string(), message: z.string() })),
  /** Secrets replaced by [REDACTED]. */
  redactions: z.number().int(),
  /** The archive itself (base64) when asked for with `inline`. */
  base64: z.string().optional(),
});
export type BundleReport = z.infer<typeof BundleReport>;

/** Where an expected value comes from. `survey` is the site survey (provisioning) once it exists. */
export const DRIFT_SOURCES = ['inventory', 'survey', 'peers'] as const;
export const DriftSource = z.enum(DRIFT_SOURCES);
export type DriftSource = z.infer<typeof DriftSource>;

export const DriftDifference = z.object({
  /** The configuration field, as `ocactl config set` names it where it can (hostname, bgp.neighbor-asn, interface.eth0.mtu). */
  field: z.string(),
  source: DriftSource,
  expected: z.string(),
  actual: z.string(),
  /** One sentence: what differs and what to do. */
  message: z.string(),
});
export type DriftDifference = z.infer<typeof DriftDifference>;

export const DriftAppliance = z.object({
  serial: z.string(),
  site: z.string(),
  partner: z.string(),
  differences: z.array(DriftDifference),
});
export type DriftAppliance = z.infer<typeof DriftAppliance>;

export const DriftInput = z.object({
  selection: ExecSelection,
  concurrency: z.number().int().min(1).max(1000).default(50),
  timeoutMs: z.number().int().min(100).max(600_000).nullable().default(null),
});
export type DriftInput = z.input<typeof DriftInput>;

export const DriftReport = z.object({
  at: z.string(),
  /** Appliances whose configuration was read. */
  checked: z.number().int(),
  /** Sources compared against. */
  sources: z.array(DriftSource),
  /** Appliances with at least one difference, by site then serial. */
  drifted: z.array(DriftAppliance),
  unreachable: z.array(z.object({ serial: z.string(), site: z.string(), code: z.string(), message: z.string() })),
});
export type DriftReport = z.infer<typeof DriftReport>;

/**
 * The checks that explain a health actionable item, by the item's kind (the part after `/` in its
 * id): the UI links each item to these.
 */
export const CHECKS_FOR_ACTION: Record<string, readonly DiagCheck[]> = {
  'disk-failure': ['disk', 'cache', 'throughput'],
  'disk-full': ['disk', 'cache'],
  'link-saturated': ['nic', 'throughput'],
  'bgp-down': ['bgp', 'reachability'],
  'not-serving': ['bgp', 'throughput', 'reachability'],
  'firmware-unhealthy': ['throughput'],
  unreachable: ['reachability'],
  'error-rate': ['nic', 'disk'],
  'cache-hit-low': ['cache', 'disk'],
};

export const diagnosticsMethods = {
  run: method('Run a diagnostics suite on a selection of appliances (a job)', RunInput, z.object({ jobId: z.number().int(), appliances: z.number().int() }), { writes: true }),
  history: method(
    'Diagnostics runs, newest first, for an appliance, a site or a job',
    z.object({ serial: Serial.optional(), site: SiteCode.optional(), jobId: z.number().int().optional(), limit: z.number().int().min(1).max(500).default(20) }),
    z.array(DiagRun), { writes: false },
  ),
  get: method('One diagnostics run', z.object({ id: z.number().int() }), DiagRun, { writes: false }),
  compare: method(
    "What changed since the appliance's last good run (against its newest run, or the run given)",
    z.object({ serial: Serial, runId: z.number().int().optional() }),
    Comparison, { writes: false },
  ),
  bundle: method('Write a diagnostics bundle (tar.gz, secrets redacted) for an appliance or a site', BundleInput, BundleReport, { writes: true }),
  drift: method('Read every selected appliance\'s configuration and list where it differs from the inventory and its site peers', DriftInput, DriftReport, { writes: true }),
};

export const diagnosticsEvents = {
  /** A run ended (all its checks are in). */
  finished: z.object({ runId: z.number().int(), serial: z.string(), site: z.string(), status: HealthStatus }),
};
