/**
 * Lab contract: start, inspect and stop a fleet of simulated appliances, and inject faults into
 * them. The lab runs in its own process (the lab daemon) and writes what it built into the inventory.
 */
import { z } from 'zod';
import { method } from '../kit/contract';

export const FAULT_IDS = [
  'drop',
  'stall',
  'corrupt',
  'bad-health-image',
  'no-boot-image',
  'host-key-rotation',
  'malformed',
  'oversized',
  'slow',
  'disk-failure',
  'bgp-down',
  'unreachable',
  'nic-errors',
] as const;
export const FaultId = z.enum(FAULT_IDS);
export type FaultId = z.infer<typeof FaultId>;

/** What each fault does, for the CLI's help and the UI. */
export const FAULT_EFFECTS: Record<FaultId, string> = {
  drop: 'drops the connection mid-transfer (SSH exec output, SFTP upload, HTTP body)',
  stall: 'accepts connections, then never answers (SSH and HTTP)',
  corrupt: 'corrupts the bytes SFTP writes to disk',
  'bad-health-image': 'the next activated firmware boots but fails its health checks',
  'no-boot-image': 'the next activated firmware never boots; the appliance falls back to the previous slot',
  'host-key-rotation': 'the SSH server presents a different host key, as a man in the middle would',
  malformed: 'replies with malformed JSON (ocactl and HTTP)',
  oversized: 'replies with a body larger than the API allows (ocactl and HTTP)',
  slow: 'every reply is delayed by seconds and SFTP crawls',
  'disk-failure': 'a cache disk fails: health Error, fills fail, serving halves',
  'bgp-down': 'the BGP session drops: health Error, serving falls to zero',
  unreachable: 'every connection is reset (SSH and HTTP), as if the appliance were offline',
  'nic-errors': 'the service NIC eth0 takes CRC errors and flaps: health Warning, the nic diagnostic Error',
};

export const LabStartInput = z.object({
  appliances: z.number().int().min(1, 'a lab has at least 1 appliance').max(2000, 'a lab has at most 2000 appliances').default(60),
  sites: z.number().int().min(1, 'a lab has at least 1 site').max(200, 'a lab has at most 200 sites').default(12),
  /** Lab clock speed: 1 is real time, 60 makes a lab minute pass in a second. */
  speed: z.number().min(0.01).max(10_000).default(1),
  /** Extra OpenSSH public keys (authorized_keys lines) the appliances trust, besides the fleet key. */
  authorizedKeys: z.array(z.string().max(16_384)).max(32).default([]),
  /**
   * Release keys (ed25519 OpenSSH public key lines) the appliances verify firmware signatures with:
   * `ocactl firmware activate` refuses an image without a good `<image>.sig` by one of them (E_IMAGE).
   * None: the appliances activate unsigned images, as before.
   */
  releaseKeys: z.array(z.string().max(16_384)).max(32).default([]),
  /** Seed of the behaviour model; the same seed builds the same fleet. */
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
});
export type LabStartInput = z.input<typeof LabStartInput>;

export const LabApplianceFaults = z.object({ serial: z.string(), faults: z.array(FaultId) });

export const LabStatus = z.object({
  running: z.boolean(),
  pid: z.number().int().nullable(),
  startedAt: z.string().nullable(),
  speed: z.number().nullable(),
  appliances: z.number().int(),
  sites: z.number().int(),
  /** Lab time now (it runs ahead of the wall clock when speed > 1). */
  labTime: z.string().nullable(),
  /** Appliances with at least one fault on. */
  faults: z.array(LabApplianceFaults),
});
export type LabStatus = z.infer<typeof LabStatus>;

/**
 * The lab's demand handed over for plans (docs/fills.md, "The demo's demand"): a catalog of the
 * lab model's most popular titles and the last days of its sites' demand, written as a streaming
 * service's files and imported through the fills domain. Sized to take seconds.
 */
export const DEMO_DEMAND_TITLES = 5_000;
export const DEMO_DEMAND_DAYS = 3;
export const HandOverDemandInput = z
  .object({
    titles: z.number().int().min(1).max(80_000).default(DEMO_DEMAND_TITLES),
    days: z.number().int().min(1).max(28).default(DEMO_DEMAND_DAYS),
  })
  .default({ titles: DEMO_DEMAND_TITLES, days: DEMO_DEMAND_DAYS });
export const HandOverDemandReport = z.object({
  titles: z.number().int(),
  sites: z.number().int(),
  demandRows: z.number().int(),
  firstDay: z.string(),
  lastDay: z.string(),
  /** Wall-clock milliseconds it took, writing and importing. */
  tookMs: z.number(),
});
export type HandOverDemandReport = z.infer<typeof HandOverDemandReport>;

export const labMethods = {
  start: method('Start a lab of simulated appliances and write it into the inventory', LabStartInput, LabStatus, { writes: true }),
  status: method('Is a lab running, how big, which faults are on', z.object({}).default({}), LabStatus, { writes: false }),
  stop: method('Stop the running lab (its appliances stay in the inventory)', z.object({}).default({}), z.object({ stopped: z.boolean() }), { writes: true }),
  setFault: method(
    'Turn a fault on or off for one lab appliance',
    z.object({ serial: z.string().min(1).max(64), fault: FaultId, on: z.boolean().default(true) }),
    LabApplianceFaults,
    { writes: true },
  ),
  handOverDemand: method(
    "Write the running lab's catalog and its sites' last days of demand as a streaming service's files and import them (a call while one runs joins it)",
    HandOverDemandInput,
    HandOverDemandReport,
    { writes: true },
  ),
  addSite: method(
    'Add a site of factory-fresh appliances (factory password only, no fleet key, no network or BGP configuration) to the running lab; returns the matching site survey',
    z.object({
      code: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'a site code is 1-32 letters, digits, dash or underscore'),
      appliances: z.number().int().min(1).max(200),
      withoutFingerprints: z.boolean().default(false),
    }),
    z.object({ survey: z.record(z.string(), z.unknown()) }), { writes: true },
  ),
};

export const labEvents = {
  /** The lab started, stopped or a fault changed. */
  changed: z.object({ running: z.boolean() }),
};
