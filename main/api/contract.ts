/**
 * The whole contract: every domain's methods and events, composed in one place.
 * Wire names are `<domain>.<method>` and `<domain>.<event>`.
 * A new domain adds one line to each map below.
 */
import type { z } from 'zod';
import type { DomainClient, EventMap, MethodMap } from '../kit/contract';
import { inventoryEvents, inventoryMethods } from '../inventory/contract';
import { labEvents, labMethods } from '../lab/contract';
import { jobsEvents, jobsMethods, netEvents, netMethods } from '../net/contract';
import { healthEvents, healthMethods } from '../health/contract';
import { firmwareEvents, firmwareMethods } from '../firmware/contract';
import { capacityEvents, capacityMethods } from '../capacity/contract';
import { terminalEvents, terminalMethods } from '../terminal/contract';
import { diagnosticsEvents, diagnosticsMethods } from '../diagnostics/contract';
import { provisioningEvents, provisioningMethods } from '../provisioning/contract';
import { snapshotsEvents, snapshotsMethods } from '../snapshots/contract';
import { fillsEvents, fillsMethods } from '../fills/contract';
import { fillsExecEvents, fillsExecMethods } from '../fills/exec/contract';
import { rolloutsEvents, rolloutsMethods } from '../rollouts/contract';
import { historyEvents, historyMethods } from '../history/contract';
import { systemEvents, systemMethods } from './system-contract';

export const contract = {
  system: systemMethods,
  inventory: inventoryMethods,
  lab: labMethods,
  net: netMethods,
  jobs: jobsMethods,
  health: healthMethods,
  firmware: firmwareMethods,
  capacity: capacityMethods,
  terminal: terminalMethods,
  diagnostics: diagnosticsMethods,
  provisioning: provisioningMethods,
  snapshots: snapshotsMethods,
  fills: { ...fillsMethods, ...fillsExecMethods },
  rollouts: rolloutsMethods,
  history: historyMethods,
} satisfies Record<string, MethodMap>;

export const eventContract = {
  system: systemEvents,
  inventory: inventoryEvents,
  lab: labEvents,
  net: netEvents,
  jobs: jobsEvents,
  health: healthEvents,
  firmware: firmwareEvents,
  capacity: capacityEvents,
  terminal: terminalEvents,
  diagnostics: diagnosticsEvents,
  provisioning: provisioningEvents,
  snapshots: snapshotsEvents,
  fills: { ...fillsEvents, ...fillsExecEvents },
  rollouts: rolloutsEvents,
  history: historyEvents,
} satisfies Record<string, EventMap>;

export type Contract = typeof contract;
export type Domain = keyof Contract;
export type EventContract = typeof eventContract;

/** The typed API every window and the CLI use: api.inventory.listAppliances({...}). */
export type Api = { [D in Domain]: DomainClient<Contract[D]> };

/** `inventory.changed` → payload type. */
export type EventName = {
  [D in keyof EventContract]: `${D & string}.${keyof EventContract[D] & string}`;
}[keyof EventContract];
export type EventPayload<N extends EventName> = N extends `${infer D}.${infer E}`
  ? D extends keyof EventContract
    ? E extends keyof EventContract[D]
      ? EventContract[D][E] extends z.ZodType
        ? z.output<EventContract[D][E]>
        : never
      : never
    : never
  : never;
