/**
 * Net and jobs contract. `net`: the fleet's SSH identity, host-key trust (alerts, known_hosts),
 * jump hosts (bastions) and routes. `jobs`: fan-out of an `ocactl` action or a raw command over
 * a selection of appliances, journaled in SQLite, with progress events, cancel and retry.
 * Private keys and passphrases go in (import) but never come out.
 */
import { z } from 'zod';
import { method } from '../kit/contract';
import { Hostname, Port, Serial, ShortText, SiteCode } from '../kit/fields';

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
  settings: method('SSH settings: auth mode, login user, timeouts', z.object({}).default({}), NetSettings, { writes: false }),
  updateSettings: method('Change SSH settings', NetSettings.partial(), NetSettings, { writes: true }),
  fleetKey: method('The fleet SSH key (public half only), or null', z.object({}).default({}), FleetKeyInfo.nullable(), { writes: false }),
  generateFleetKey: method(
    'Generate the fleet ed25519 key (kept in the vault)',
    z.object({ comment: ShortText(120).optional(), replace: z.boolean().default(false) }),
    FleetKeyInfo,
    { writes: true },
  ),
  importFleetKey: method(
    'Import an OpenSSH private key (ed25519, ECDSA, RSA; passphrase-protected too) into the vault',
    z.object({
      privateKey: z.string().min(1).max(64 * 1024),
      passphrase: z.string().max(1024).optional(),
      replace: z.boolean().default(false),
    }),
    FleetKeyInfo,
    { writes: true },
  ),
  listJumpHosts: method('Jump hosts (bastions) and routes', z.object({}).default({}), z.object({ jumpHosts: z.array(JumpHost), routes: z.array(Route) }), { writes: false }),
  upsertJumpHost: method('Add or change a jump host', JumpHostInput, JumpHost, { writes: true }),
  deleteJumpHost: method('Remove a jump host (and the routes through it)', z.object({ name: JumpHostName }), z.object({ deleted: z.boolean() }), { writes: true }),
  setRoute: method(
    'Reach a site or one appliance through a jump host (null: directly)',
    z.object({ scope: RouteScope, key: z.union([SiteCode, Serial]), jumpHost: JumpHostName.nullable() }),
    z.object({ routes: z.array(Route) }),
    { writes: true },
  ),
  importSshConfig: method(
    'Import Host blocks (HostName, Port, User, ProxyJump chains) from an OpenSSH client config',
    z.object({ content: z.string().max(4 * 1024 * 1024), dryRun: z.boolean().default(false) }),
    SshConfigImportReport,
    { writes: true },
  ),
  importKnownHosts: method(
    'Record appliance host keys from an OpenSSH known_hosts file (hashed entries and [host]:port included)',
    z.object({ content: z.string().max(16 * 1024 * 1024), dryRun: z.boolean().default(false) }),
    KnownHostsImportReport,
    { writes: true },
  ),
  exportKnownHosts: method(
    'Trusted appliance and bastion host keys as an OpenSSH known_hosts file',
    z.object({ hashed: z.boolean().default(false) }),
    z.object({ content: z.string(), entries: z.number().int(), missingKeys: z.array(z.string()) }),
    { writes: false },
  ),
  trustHostKey: method(
    'Trust the host key an appliance presented at first contact (after comparing the fingerprint out of band)',
    z.object({ serial: Serial, fingerprint: Fingerprint }),
    z.object({ serial: z.string(), fingerprint: z.string() }),
    { writes: true },
  ),
  hostKeyAlerts: method('Host-key mismatches, newest first', z.object({ open: z.boolean().default(true) }), z.array(HostKeyAlert), { writes: false }),
  resolveHostKeyAlert: method(
    'Close a host-key alert: trust the new key (it was a legitimate re-install) or dismiss it',
    z.object({ id: z.number().int(), trustNewKey: z.boolean() }),
    HostKeyAlert,
    { writes: true },
  ),
};

export const netEvents = {
  /** An appliance or bastion presented a host key other than the one recorded: connection refused. */
  hostKeyMismatch: z.object({ alertId: z.number().int(), target: z.string(), expected: z.string(), presented: z.string() }),
  /** Jump hosts, routes, settings or trusted keys changed. */
  changed: z.object({ kind: z.enum(['settings', 'fleet-key', 'jump-hosts', 'host-keys']) }),
};

// Jobs: the kernel's contract (main/jobs/contract.ts), re-exported for the combined contract.
export * from '../jobs/contract';
