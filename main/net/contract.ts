/**
 * Net and jobs contract. `net`: the fleet's SSH identity, host-key trust (alerts, known_hosts),
 * jump hosts (bastions) and routes. `jobs`: fan-out of an `ocactl` action or a raw command over
 * a selection of appliances, journaled in SQLite, with progress events, cancel and retry.
 * Private keys and passphrases go in (import) but never come out.
 */
import { z } from 'zod';
import { method } from '../api/kit';
import { ApplianceQuery, Hostname, Port, Serial, ShortText, SiteCode } from '../inventory/contract';

export const Fingerprint = z
  .string()
  .trim()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'a fingerprint looks like SHA256: followed by 43 base64 characters');

export const FleetKeyInfo = z.object({
  type: z.string(),
  publicKey: z.string(),
  fingerprint: z.string(),
  passphraseProtected: z.boolean(),
});
export type FleetKeyInfo = z.infer<typeof FleetKeyInfo>;

export const AuthMode = z.enum(['fleet-key', 'agent']);
export type AuthMode = z.infer<typeof AuthMode>;

export const NetSettings = z.object({
  /** fleet-key: the vault's fleet-ssh-key; agent: the ssh-agent at SSH_AUTH_SOCK (Pageant on Windows when it is unset). */
  auth: AuthMode,
  /** Login user on appliances (the appliance API's `oca` unless changed). */
  username: ShortText(64).min(1),
  connectTimeoutMs: z.number().int().min(500).max(120_000),
  commandTimeoutMs: z.number().int().min(500).max(3_600_000),
});
export type NetSettings = z.infer<typeof NetSettings>;

export const JumpHostName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@:-]{0,63}$/, 'a jump host name is 1-64 letters, digits or . _ @ : -');

export const JumpHostInput = z.object({
  name: JumpHostName,
  host: z.union([Hostname, z.ipv4(), z.ipv6()]),
  port: Port.default(22),
  username: ShortText(64).min(1, 'a jump host needs a login user'),
  /** The jump host this one is reached through (a ProxyJump chain), or null. */
  via: JumpHostName.nullable().default(null),
  hostKeyFingerprint: Fingerprint.nullable().default(null),
});
export type JumpHostInput = z.input<typeof JumpHostInput>;

export const JumpHost = z.object({
  name: z.string(),
  host: z.string(),
  port: z.number().int(),
  username: z.string(),
  via: z.string().nullable(),
  hostKeyFingerprint: z.string().nullable(),
});
export type JumpHost = z.infer<typeof JumpHost>;

export const RouteScope = z.enum(['site', 'appliance']);
export const Route = z.object({ scope: RouteScope, key: z.string(), jumpHost: z.string() });
export type Route = z.infer<typeof Route>;

export const HostKeyAlert = z.object({
  id: z.number().int(),
  /** `appliance:<serial>` or `bastion:<name>`. */
  target: z.string(),
  host: z.string(),
  port: z.number().int(),
  expected: z.string(),
  presented: z.string(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  count: z.number().int(),
  resolvedAt: z.string().nullable(),
  resolvedBy: z.string().nullable(),
  resolution: z.enum(['trusted-new-key', 'dismissed']).nullable(),
});
export type HostKeyAlert = z.infer<typeof HostKeyAlert>;

export const ImportProblem = z.object({ line: z.number().int(), reason: z.string() });

export const KnownHostsImportReport = z.object({
  dryRun: z.boolean(),
  entries: z.number().int(),
  /** Appliances whose fingerprint was recorded from the file (none was recorded before). */
  recorded: z.array(z.object({ serial: z.string(), fingerprint: z.string() })),
  /** Appliances whose file entry agrees with the inventory. */
  matching: z.array(z.string()),
  /** The file disagrees with the inventory: nothing is changed for these; resolve by hand. */
  conflicts: z.array(z.object({ serial: z.string(), inventory: z.string(), file: z.array(z.string()) })),
  problems: z.array(ImportProblem),
});
export type KnownHostsImportReport = z.infer<typeof KnownHostsImportReport>;

export const SshConfigImportReport = z.object({
  dryRun: z.boolean(),
  jumpHosts: z.array(JumpHost),
  /** Appliances routed through a chain because a Host block with ProxyJump names them. */
  routes: z.array(Route),
  skipped: z.array(z.object({ host: z.string(), reason: z.string() })),
});
export type SshConfigImportReport = z.infer<typeof SshConfigImportReport>;

export const netMethods = {
  settings: method('SSH settings: auth mode, login user, timeouts', z.object({}).default({}), NetSettings),
  updateSettings: method('Change SSH settings', NetSettings.partial(), NetSettings),
  fleetKey: method('The fleet SSH key (public half only), or null', z.object({}).default({}), FleetKeyInfo.nullable()),
  generateFleetKey: method(
    'Generate the fleet ed25519 key (kept in the vault)',
    z.object({ comment: ShortText(120).optional(), replace: z.boolean().default(false) }),
    FleetKeyInfo,
  ),
  importFleetKey: method(
    'Import an OpenSSH private key (ed25519, ECDSA, RSA; passphrase-protected too) into the vault',
    z.object({
      privateKey: z.string().min(1).max(64 * 1024),
      passphrase: z.string().max(1024).optional(),
      replace: z.boolean().default(false),
    }),
    FleetKeyInfo,
  ),
  listJumpHosts: method('Jump hosts (bastions) and routes', z.object({}).default({}), z.object({ jumpHosts: z.array(JumpHost), routes: z.array(Route) })),
  upsertJumpHost: method('Add or change a jump host', JumpHostInput, JumpHost),
  deleteJumpHost: method('Remove a jump host (and the routes through it)', z.object({ name: JumpHostName }), z.object({ deleted: z.boolean() })),
  setRoute: method(
    'Reach a site or one appliance through a jump host (null: directly)',
    z.object({ scope: RouteScope, key: z.union([SiteCode, Serial]), jumpHost: JumpHostName.nullable() }),
    z.object({ routes: z.array(Route) }),
  ),
  importSshConfig: method(
    'Import Host blocks (HostName, Port, User, ProxyJump chains) from an OpenSSH client config',
    z.object({ content: z.string().max(4 * 1024 * 1024), dryRun: z.boolean().default(false) }),
    SshConfigImportReport,
  ),
  importKnownHosts: method(
    'Record appliance host keys from an OpenSSH known_hosts file (hashed entries and [host]:port included)',
    z.object({ content: z.string().max(16 * 1024 * 1024), dryRun: z.boolean().default(false) }),
    KnownHostsImportReport,
  ),
  exportKnownHosts: method(
    'Trusted appliance and bastion host keys as an OpenSSH known_hosts file',
    z.object({ hashed: z.boolean().default(false) }),
    z.object({ content: z.string(), entries: z.number().int(), missingKeys: z.array(z.string()) }),
  ),
  trustHostKey: method(
    'Trust the host key an appliance presented at first contact (after comparing the fingerprint out of band)',
    z.object({ serial: Serial, fingerprint: Fingerprint }),
    z.object({ serial: z.string(), fingerprint: z.string() }),
  ),
  hostKeyAlerts: method('Host-key mismatches, newest first', z.object({ open: z.boolean().default(true) }), z.array(HostKeyAlert)),
  resolveHostKeyAlert: method(
    'Close a host-key alert: trust the new key (it was a legitimate re-install) or dismiss it',
    z.object({ id: z.number().int(), trustNewKey: z.boolean() }),
    HostKeyAlert,
  ),
};

export const netEvents = {
  /** An appliance or bastion presented a host key other than the one recorded: connection refused. */
  hostKeyMismatch: z.object({ alertId: z.number().int(), target: z.string(), expected: z.string(), presented: z.string() }),
  /** Jump hosts, routes, settings or trusted keys changed. */
  changed: z.object({ kind: z.enum(['settings', 'fleet-key', 'jump-hosts', 'host-keys']) }),
};

// ---------------------------------------------------------------------------------------------
// Jobs

export const JOB_STATES = ['running', 'done', 'cancelled', 'interrupted'] as const;
export const JobState = z.enum(JOB_STATES);
export type JobState = z.infer<typeof JobState>;

export const RESULT_STATES = ['pending', 'running', 'ok', 'failed', 'cancelled', 'interrupted'] as const;
export const ResultState = z.enum(RESULT_STATES);
export type ResultState = z.infer<typeof ResultState>;

/** A word of a command: any text but NUL, bounded. */
const Word = z.string().max(4096).refine((w) => !w.includes('\0'), 'a command word cannot contain a NUL byte');

export const ExecSelection = z.union([
  z.object({ all: z.literal(true) }),
  z.object({ query: ApplianceQuery.omit({ sort: true, dir: true, offset: true, limit: true }) }),
  z.object({ serials: z.array(Serial).min(1).max(20_000) }),
]);
export type ExecSelection = z.input<typeof ExecSelection>;

export const ExecRequest = z.object({
  selection: ExecSelection,
  /** argv; `ocactl <command> ...` replies are validated against the appliance API. */
  argv: z.array(Word).min(1, 'give a command to run').max(256),
  concurrency: z.number().int().min(1).max(1000).default(50),
  /** Per appliance: connect and command. */
  timeoutMs: z.number().int().min(100).max(3_600_000).optional(),
  /** Trust the host key of appliances met for the first time (as StrictHostKeyChecking=accept-new). */
  acceptNew: z.boolean().default(false),
});
export type ExecRequest = z.input<typeof ExecRequest>;

export const JobProgress = z.object({
  id: z.number().int(),
  state: JobState,
  total: z.number().int(),
  ok: z.number().int(),
  failed: z.number().int(),
  /** ok + failed (+ cancelled and interrupted once the job ends). */
  done: z.number().int(),
  running: z.number().int(),
  remaining: z.number().int(),
  /** Appliances finished per second since the job started. */
  rate: z.number(),
  /** Seconds until all are done at this rate; null before the first result. */
  etaSeconds: z.number().nullable(),
});
export type JobProgress = z.infer<typeof JobProgress>;

export const Job = z.object({
  id: z.number().int(),
  kind: z.string(),
  state: JobState,
  actor: z.string(),
  argv: z.array(z.string()),
  concurrency: z.number().int(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  retryOf: z.number().int().nullable(),
  progress: JobProgress,
});
export type Job = z.infer<typeof Job>;

export const JobResult = z.object({
  serial: z.string(),
  state: ResultState,
  ok: z.boolean(),
  exitCode: z.number().int().nullable(),
  output: z.string().nullable(),
  stderr: z.string().nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type JobResult = z.infer<typeof JobResult>;

export const JobSummary = z.object({
  passed: z.array(z.string()),
  failed: z.array(z.object({ serial: z.string(), errorCode: z.string().nullable(), errorMessage: z.string().nullable() })),
  notRun: z.array(z.object({ serial: z.string(), state: ResultState })),
  /** Appliances that gave the same reply, largest group first. */
  groups: z.array(z.object({ count: z.number().int(), state: ResultState, exitCode: z.number().int().nullable(), errorCode: z.string().nullable(), output: z.string().nullable(), serials: z.array(z.string()) })),
});
export type JobSummary = z.infer<typeof JobSummary>;

/** Blast radius of a selection: how many appliances, per partner and site, before anything runs. */
export const JobPreview = z.object({
  total: z.number().int(),
  /** Largest partner first; sites of a partner largest first. */
  byPartner: z.array(
    z.object({ partner: z.string(), count: z.number().int(), sites: z.array(z.object({ site: z.string(), count: z.number().int() })) }),
  ),
});
export type JobPreview = z.infer<typeof JobPreview>;

/**
 * Fields a job's replies can be grouped by: a name below, or a dotted path into the `ocactl` reply's
 * result (`firmware.active`). Replies that are not `ocactl` JSON group by their state and error code.
 */
export const GROUP_FIELDS = {
  firmware: 'firmware.runningVersion',
  health: 'health',
  serving: 'serving',
  model: 'model',
  slot: 'firmware.active',
  trial: 'firmware.trial',
} as const;
export type GroupFieldName = keyof typeof GROUP_FIELDS;
const GroupField = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, 'a field name (firmware, health, serving, model, slot, trial) or a dotted path such as firmware.active');

export const JobGroups = z.object({
  by: z.array(z.string()),
  /** Largest group first. `values` holds one entry per field of `by` (null: the reply has no such field). */
  groups: z.array(
    z.object({
      values: z.array(z.string().nullable()),
      /** ok, or the state and error code of replies that could not be read for these fields. */
      outcome: z.string(),
      count: z.number().int(),
      serials: z.array(z.string()),
    }),
  ),
  total: z.number().int(),
});
export type JobGroups = z.infer<typeof JobGroups>;

export const jobsMethods = {
  preview: method('How many appliances a selection reaches, per partner and site (nothing is run)', z.object({ selection: ExecSelection }), JobPreview),
  exec: method('Run an ocactl action or a command on a selection of appliances, as a job', ExecRequest, Job),
  list: method(
    'Jobs, newest first',
    z.object({ limit: z.number().int().min(1).max(500).default(50), state: JobState.optional() }),
    z.array(Job),
  ),
  get: method('One job with its summary', z.object({ id: z.number().int() }), z.object({ job: Job, summary: JobSummary })),
  results: method(
    'Per-appliance results of a job',
    z.object({ id: z.number().int(), offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(20_000).default(1000) }),
    z.object({ total: z.number().int(), items: z.array(JobResult) }),
  ),
  cancel: method('Cancel a running job; results already in are kept', z.object({ id: z.number().int() }), Job),
  wait: method(
    'Resolves when the job has ended (or at the timeout, with the job as it is then): how a command line follows a job',
    z.object({ id: z.number().int(), timeoutMs: z.number().int().min(1).max(86_400_000).optional() }),
    Job,
  ),
  groups: method(
    'Group a job\'s replies by chosen fields (firmware version, health, serving state, ...): which appliances differ, at one look',
    z.object({ id: z.number().int(), by: z.array(GroupField).min(1).max(6) }),
    JobGroups,
  ),
  retry: method(
    'Run a job again on the appliances that did not succeed (failed, unreachable, cancelled, interrupted)',
    z.object({ id: z.number().int(), concurrency: z.number().int().min(1).max(1000).optional(), acceptNew: z.boolean().default(false) }),
    Job,
  ),
};

export const jobsEvents = {
  progress: JobProgress,
  /** One appliance's result arrived (journaled before this is sent). */
  result: z.object({ id: z.number().int(), result: JobResult }),
  finished: JobProgress,
};

