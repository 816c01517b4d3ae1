/**
 * Provisioning contract: the site survey (what the ISP and the vendor agree before shipping) and
 * the provisioning of a site's factory-fresh appliances as one job on the jobs kernel, each
 * appliance with its own checklist (docs/provisioning.md).
 */
import { z } from 'zod';
import { method } from '../kit/contract';
import { HostKeyFingerprint, Hostname, Ipv4, Ipv6, Port, Serial, ShortText, SiteCode } from '../kit/fields';
import { ApplianceModel, Asn, NicGbps, StorageTb, withManagementAddress } from '../inventory/contract';
import { AuditEntry } from '../audit/contract';
import { Job } from '../jobs/contract';

/** The streaming service's own AS when a survey names none (Open Connect's is AS2906). */
export const DEFAULT_LOCAL_ASN = 2906;

const Cidr4 = z.string().trim().regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(\/([12]?\d|3[0-2]))?$/, 'an IPv4 address, optionally with /prefix');
const Cidr6 = z.string().trim().regex(/^[0-9A-Fa-f:.]{2,45}(\/(\d{1,2}|1[01]\d|12[0-8]))?$/, 'an IPv6 address, optionally with /prefix').refine((v) => v.includes(':'), 'an IPv6 address, optionally with /prefix');

/** One appliance of a site survey. `factoryPassword` goes to the vault, never to SQLite. */
export const SurveyAppliance = withManagementAddress(
  z.strictObject({
    serial: Serial,
    model: ApplianceModel,
    /** The hostname provisioning gives it. */
    hostname: Hostname,
    /** Management addresses: where the appliance is found at the site. */
    ipv4: Ipv4.nullable().default(null),
    ipv6: Ipv6.nullable().default(null),
    sshPort: Port.default(22),
    apiPort: Port.default(443),
    storageTb: StorageTb,
    nicGbps: NicGbps,
    /** Service addresses on the serving interface (eth0), pushed by provisioning. */
    serviceIpv4: Cidr4.nullable().default(null),
    serviceIpv6: Cidr6.nullable().default(null),
    bgpNeighbor: z.union([Ipv4, Ipv6], { message: 'the BGP neighbor is an IPv4 or IPv6 address' }),
    bgpNeighborAsn: Asn,
    localAsn: Asn.default(DEFAULT_LOCAL_ASN),
    /** The factory host key's fingerprint, when the vendor sent it. */
    hostKeyFingerprint: HostKeyFingerprint.nullable().default(null),
    /**
     * How the factory password is retired: `off` (password login off, the fleet key only) or
     * `rotate` (a new random password, kept only in the vault); null: as the provisioning run says.
     */
    passwordLogin: z.enum(['off', 'rotate'], { message: 'password_login is off or rotate' }).nullable().default(null),
    /** The factory credential of user `oca`, when the vendor sent it. */
    factoryPassword: z.string().min(1, 'an empty factory password is not a password').max(256).nullable().default(null),
  }),
);
export type SurveyAppliance = z.output<typeof SurveyAppliance>;
/** A survey appliance as stored (no credential). */
export type StoredSurveyAppliance = Omit<SurveyAppliance, 'factoryPassword'>;

/** The CSV columns a survey must have (the others may be left out or empty). */
export const SURVEY_CSV_REQUIRED = ['site', 'serial', 'model', 'hostname', 'storage_tb', 'nic_gbps', 'bgp_neighbor', 'bgp_neighbor_asn'] as const;

/**
 * A CSV survey to start from (the provisioning view offers it for download): every column, one
 * example appliance of site `gru9` (replace it with a site of the inventory). survey.test.ts reads
 * it with the importer, so it cannot drift from what an import takes.
 */
export const SURVEY_CSV_TEMPLATE = [
  'site,serial,model,hostname,ipv4,ipv6,ssh_port,api_port,storage_tb,nic_gbps,service_ipv4,service_ipv6,bgp_neighbor,bgp_neighbor_asn,local_asn,host_key_fingerprint,password_login,factory_password',
  'gru9,OCA-GRU9-01,storage,oca01.gru9.example.net,192.0.2.10,,22,443,240,100,100.64.1.11/24,,100.64.1.1,64777,2906,,off,factory-password-from-the-vendor',
  '',
].join('\n');

export const SurveyImportInput = z.object({
  /** The survey file's text: CSV (one appliance per row, the site already in the inventory) or JSON (the site with it). */
  content: z.string().min(1, 'the survey file is empty').max(8 * 1024 * 1024),
  /** Its name (for the audit log and to tell CSV from JSON). */
  fileName: ShortText(255).default('survey'),
  dryRun: z.boolean().default(false),
});

export const SurveyImportReport = z.object({
  site: z.string(),
  dryRun: z.boolean(),
  appliances: z.number().int(),
  created: z.number().int(),
  /** Appliances whose factory credential went to the vault. */
  credentials: z.number().int(),
});
export type SurveyImportReport = z.infer<typeof SurveyImportReport>;

/** The checklist every appliance goes through, in order. */
export const PROVISION_STEPS = ['find', 'host-key', 'secure', 'drain', 'configure', 'accept', 'online'] as const;
export type ProvisionStep = (typeof PROVISION_STEPS)[number];
export const STEP_LABELS: Record<ProvisionStep, string> = {
  find: 'Found at the survey address, serial matches',
  'host-key': 'Host key checked',
  secure: 'Fleet key installed, factory password retired',
  drain: 'Drained',
  configure: 'Hostname, addresses and BGP session pushed',
  accept: 'BGP up, acceptance diagnostics pass',
  online: 'Undrained and online',
};

export const ChecklistState = z.enum(['waiting', 'running', 'failed', 'done']);
export type ChecklistState = z.infer<typeof ChecklistState>;

export const ProvisioningAppliance = z.object({
  serial: z.string(),
  hostname: z.string(),
  model: ApplianceModel,
  address: z.string(),
  /** Inventory status (awaiting-install, provisioning, online, ...). */
  status: z.string(),
  /** Steps done (0..PROVISION_STEPS.length). */
  stepsDone: z.number().int(),
  state: ChecklistState,
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  /** What to do about the failure. */
  hint: z.string().nullable(),
  surveyFingerprint: z.string().nullable(),
  /** The key the appliance presented at its last contact. */
  presentedFingerprint: z.string().nullable(),
  /** A first-contact key an engineer confirmed. */
  confirmedFingerprint: z.string().nullable(),
  /** An expected re-key is open (with its reason). */
  rekeyReason: z.string().nullable(),
  hasCredential: z.boolean(),
  /** Provisioning rotated its factory password: the vault entry holding the new one (never the password). */
  passwordVault: z.string().nullable(),
  jobId: z.number().int().nullable(),
  updatedAt: z.string(),
});
export type ProvisioningAppliance = z.infer<typeof ProvisioningAppliance>;

export const ProvisioningSite = z.object({
  site: z.string(),
  appliances: z.array(ProvisioningAppliance),
  /** The last provisioning job of the site. */
  job: Job.nullable(),
  audit: z.array(AuditEntry),
});
export type ProvisioningSite = z.infer<typeof ProvisioningSite>;

export const SurveyedSite = z.object({ site: z.string(), appliances: z.number().int(), online: z.number().int(), failed: z.number().int() });

export const StartInput = z.object({
  site: SiteCode,
  /** Trust a first-contact host key (no survey fingerprint) without a confirmation. */
  acceptNew: z.boolean().default(false),
  /**
   * How the factory password is retired where the survey does not say: `off` (password login
   * off) or `rotate` (a new random password set on the appliance, stored only in the vault).
   */
  passwordLogin: z.enum(['off', 'rotate']).default('off'),
  /** Only these appliances (default: every surveyed appliance of the site not online yet). */
  serials: z.array(Serial).max(1000).optional(),
  concurrency: z.number().int().min(1).max(200).default(20),
});

export const provisioningMethods = {
  importSurvey: method(
    'Import a site survey (CSV or JSON, all or nothing): creates the site and its appliances as awaiting-install; factory credentials go to the vault',
    SurveyImportInput,
    SurveyImportReport, { writes: true },
  ),
  sites: method('Sites with surveyed appliances, with how many are online', z.object({}).default({}), z.array(SurveyedSite), { writes: false }),
  site: method('A site’s provisioning: each appliance’s checklist, the last job and the audit', z.object({ site: SiteCode }), ProvisioningSite, { writes: false }),
  start: method('Provision a site (one job; appliances in parallel; re-running continues where each stopped)', StartInput, Job, { writes: true }),
  confirmHostKey: method(
    'Confirm the host key an appliance presented at first contact (compared with the label or the vendor), so provisioning trusts it',
    z.object({ serial: Serial, fingerprint: HostKeyFingerprint }),
    ProvisioningAppliance, { writes: true },
  ),
  expectRekey: method(
    'An appliance was re-imaged at the site: forget its recorded host key and provision it again from the start (the new key still needs a confirmation); audited',
    z.object({ serial: Serial, reason: ShortText(500).min(3, 'say why the appliance was re-imaged') }),
    ProvisioningAppliance, { writes: true },
  ),
};

export const provisioningEvents = {
  /** A surveyed appliance's checklist changed. */
  changed: z.object({ site: z.string(), serial: z.string().nullable() }),
};
