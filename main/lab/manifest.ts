/**
 * What a running lab publishes in <data-dir>/lab/state.json: its process, its control port and the
 * fleet it built (each appliance's ports and host-key fingerprint), so the engine can write the
 * inventory and reach the control API. The control token sits beside it in control.token (0600).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ApplianceKind } from '../appliance/contract';

export const STATE_FILE = 'state.json';
export const TOKEN_FILE = 'control.token';
export const CONFIG_FILE = 'config.json';
export const LOG_FILE = 'daemon.log';

export const ManifestAppliance = z.object({
  serial: z.string(),
  hostname: z.string(),
  site: z.string(),
  model: ApplianceKind,
  sshPort: z.number().int(),
  apiPort: z.number().int(),
  hostKeyFingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/),
  storageTb: z.number(),
  nicGbps: z.number(),
  firmware: z.string(),
});
export type ManifestAppliance = z.infer<typeof ManifestAppliance>;

export const ManifestSite = z.object({
  code: z.string(),
  partner: z.string(),
  asn: z.number().int(),
  name: z.string(),
  city: z.string(),
  country: z.string(),
  latitude: z.number(),
  longitude: z.number(),
  timezone: z.string(),
  maintenanceWindow: z.string(),
  fillWindow: z.string(),
});

export const LabManifest = z.object({
  version: z.literal(1),
  pid: z.number().int(),
  controlPort: z.number().int(),
  /** Address every appliance listens on. */
  host: z.string(),
  startedAt: z.string(),
  speed: z.number(),
  seed: z.number().int(),
  partners: z.array(z.object({ name: z.string(), asn: z.number().int() })),
  sites: z.array(ManifestSite),
  appliances: z.array(ManifestAppliance),
});
export type LabManifest = z.infer<typeof LabManifest>;

/** The daemon's start request, written by the engine before it spawns the daemon. */
export const LabConfig = z.object({
  appliances: z.number().int().min(1),
  sites: z.number().int().min(1),
  speed: z.number().positive(),
  seed: z.number().int().min(0),
  /** authorized_keys lines: the fleet key's public half and any extra keys. Never private keys. */
  authorizedKeys: z.array(z.string()),
  stagingCapBytes: z.number().int().positive().optional(),
  /** Release keys firmware must be signed with (public key lines); none: unsigned images activate. */
  releaseKeys: z.array(z.string()).optional(),
  slowDelayMs: z.number().int().min(0).optional(),
});
export type LabConfig = z.infer<typeof LabConfig>;

/** The manifest of the lab in `labDir`, or null when there is none or it is unreadable. */
export function readManifest(labDir: string): LabManifest | null {
  try {
    const parsed = LabManifest.safeParse(JSON.parse(readFileSync(join(labDir, STATE_FILE), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
