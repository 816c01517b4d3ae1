/**
 * A lab fleet (main/lab/fleet.ts, started in the test process) entered into an engine's inventory,
 * as the site survey would have it: every site, every appliance online at 127.0.0.1 on its own
 * SSH and API ports.
 */
import type { z } from 'zod';
import type { ApplianceInput } from '../../main/inventory/contract';
import type { InventoryService } from '../../main/inventory/service';
import type { LabFleet } from '../../main/lab/fleet';
import type { ManifestAppliance } from '../../main/lab/manifest';

/** The inventory record of one lab appliance. */
export function labApplianceInput(a: ManifestAppliance, tags: string[] = []): z.output<typeof ApplianceInput> {
  return {
    serial: a.serial,
    hostname: a.hostname,
    site: a.site,
    model: a.model,
    ipv4: '127.0.0.1',
    ipv6: null,
    sshPort: a.sshPort,
    apiPort: a.apiPort,
    storageTb: a.storageTb,
    nicGbps: a.nicGbps,
    firmware: a.firmware,
    status: 'online',
    tags: [...tags],
    notes: '',
  };
}

export interface EnrollOptions {
  /** Tags on every appliance; default none. */
  tags?: string[];
  /** Record each appliance's host key too, as a site survey does (otherwise the first contact meets it). */
  recordHostKeys?: boolean;
  /** Who the audit log names; default `test`. */
  actor?: string;
}

/** Puts the fleet's sites and appliances into the inventory; returns the serials, sorted. */
export function enrollLabFleet(
  inventory: Pick<InventoryService, 'upsertSite' | 'createAppliance' | 'updateAppliance'>,
  fleet: Pick<LabFleet, 'plan' | 'manifestAppliances'>,
  options: EnrollOptions = {},
): string[] {
  const actor = options.actor ?? 'test';
  for (const site of fleet.plan.sites) inventory.upsertSite(site, actor);
  const appliances = fleet.manifestAppliances();
  for (const a of appliances) {
    inventory.createAppliance(labApplianceInput(a, options.tags), actor);
    if (options.recordHostKeys) inventory.updateAppliance(a.serial, { hostKeyFingerprint: a.hostKeyFingerprint }, actor);
  }
  return appliances.map((a) => a.serial).sort();
}
