/**
 * `lab add-site CODE --appliances N --factory`: a site of factory-fresh appliances added to the
 * running lab (model/factory.ts), and the site survey that matches it: what the ISP and the vendor
 * agree before shipping (serial, model, addresses, hostname, BGP neighbor and ASN, the factory
 * host-key fingerprint and the factory password). Fleetdeck's `site-survey import` reads it.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { generateEd25519 } from '../keys/openssh-keygen';
import type { LabFleet } from './fleet';
import { createFactoryState } from './model/factory';
import type { ApplianceSpec } from './model/state';
import { CURRENT_FIRMWARE, FILL_WINDOW, LAB_SERVICE_ASN, MAINTENANCE_WINDOW, PREVIOUS_FIRMWARE } from './plan';

export const AddSiteRequest = z.object({
  code: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'a site code is 1-32 letters, digits, dash or underscore'),
  appliances: z.number().int().min(1).max(200),
  /** Leave the factory host-key fingerprints out of the survey (the vendor did not send them). */
  withoutFingerprints: z.boolean().default(false),
});
export type AddSiteRequest = z.input<typeof AddSiteRequest>;

/** The survey as the lab writes it (the manager validates it with its own schema). */
export interface FactorySurvey {
  format: 'fleetdeck-site-survey';
  version: 1;
  partner: { name: string; asn: number };
  site: Record<string, string | number>;
  appliances: Record<string, string | number | null>[];
}

const FACTORY_PARTNER = { name: 'Factory Lab ISP', asn: 64777 };

export async function addFactorySite(fleet: LabFleet, raw: AddSiteRequest): Promise<FactorySurvey> {
  const req = AddSiteRequest.parse(raw);
  const code = req.code;
  const tag = code.toUpperCase().replace(/[^A-Z0-9]/g, '');
  const taken = Array.from({ length: req.appliances }, (_, i) => `FAC-${tag}-${String(i + 1).padStart(2, '0')}`).find((s) => fleet.appliance(s));
  if (taken) throw new Error(`the lab already has an appliance ${taken}: pick another site code`);
  const third = 1 + (Array.from(tag).reduce((n, c) => n + c.charCodeAt(0), 0) % 250);
  const survey: FactorySurvey = {
    format: 'fleetdeck-site-survey',
    version: 1,
    partner: FACTORY_PARTNER,
    site: {
      code,
      partner: FACTORY_PARTNER.name,
      asn: FACTORY_PARTNER.asn,
      name: `${code} (factory-fresh lab site)`,
      city: 'Sao Paulo',
      country: 'BR',
      latitude: -23.55,
      longitude: -46.63,
      timezone: 'America/Sao_Paulo',
      maintenanceWindow: MAINTENANCE_WINDOW,
      fillWindow: FILL_WINDOW,
    },
    appliances: [],
  };
  for (let i = 0; i < req.appliances; i++) {
    const n = i + 1;
    const serial = `FAC-${tag}-${String(n).padStart(2, '0')}`;
    const kind = i % 3 === 2 ? 'flash' : 'storage';
    const nicGbps = kind === 'storage' ? 100 : 400;
    const neighbor = `100.200.${third}.1`;
    const spec: ApplianceSpec = {
      serial,
      kind,
      hostname: `oca${String(n).padStart(2, '0')}.${code.toLowerCase()}.factory.test`,
      timezone: 'America/Sao_Paulo',
      seed: 7000 + third * 100 + n,
      storageTb: kind === 'storage' ? 240 : 30,
      nicGbps,
      firmware: { current: CURRENT_FIRMWARE, previous: PREVIOUS_FIRMWARE },
      interfaces: [
        { name: 'mgmt0', ipv4: '127.0.0.1/8', ipv6: null, mtu: 1500, speedGbps: 1, up: true },
        { name: 'eth0', ipv4: null, ipv6: null, mtu: 9000, speedGbps: nicGbps, up: true },
      ],
      bgp: { localAsn: LAB_SERVICE_ASN, neighbor: { address: neighbor, asn: FACTORY_PARTNER.asn } },
    };
    const password = randomBytes(12).toString('base64url');
    const hostKey = generateEd25519(`${serial}@factory`).privateKey;
    const added = await fleet.addAppliance(code, createFactoryState(spec, password, fleet.clock.now()), hostKey);
    survey.appliances.push({
      serial,
      model: kind,
      hostname: spec.hostname,
      ipv4: '127.0.0.1',
      ipv6: null,
      sshPort: added.sshPort,
      apiPort: added.apiPort,
      storageTb: spec.storageTb,
      nicGbps,
      serviceIpv4: `100.200.${third}.${10 + n}/24`,
      serviceIpv6: null,
      bgpNeighbor: neighbor,
      bgpNeighborAsn: FACTORY_PARTNER.asn,
      localAsn: LAB_SERVICE_ASN,
      hostKeyFingerprint: req.withoutFingerprints ? null : added.fingerprint,
      factoryPassword: password,
    });
  }
  return survey;
}
