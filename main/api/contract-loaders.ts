/**
 * The combined contract, loaded one domain at a time. main/api/contract.ts is the contract as one
 * object (its types, and tests that walk every method); the dispatcher and the RPC sessions use
 * this instead, so an engine builds a domain's zod schemas when a call first names that domain:
 * `fleetdeck inventory list` never compiles the rollouts or fills schemas (docs/architecture.md).
 *
 * A new domain adds one line here too; the type below makes a missing or extra line a compile error,
 * and contract-loaders.test.ts checks that each line loads exactly the domain's map in contract.ts.
 */
import type { MethodMap } from '../kit/contract';
import type { Contract, Domain } from './contract';

type Loaders = { [D in Domain]: () => Promise<Contract[D]> };

const LOADERS: Loaders = {
  system: () => import('./system-contract').then((m) => m.systemMethods),
  inventory: () => import('../inventory/contract').then((m) => m.inventoryMethods),
  lab: () => import('../lab/contract').then((m) => m.labMethods),
  net: () => import('../net/contract').then((m) => m.netMethods),
  jobs: () => import('../jobs/contract').then((m) => m.jobsMethods),
  health: () => import('../health/contract').then((m) => m.healthMethods),
  firmware: () => import('../firmware/contract').then((m) => m.firmwareMethods),
  capacity: () => import('../capacity/contract').then((m) => m.capacityMethods),
  history: () => import('../history/contract').then((m) => m.historyMethods),
  terminal: () => import('../terminal/contract').then((m) => m.terminalMethods),
  diagnostics: () => import('../diagnostics/contract').then((m) => m.diagnosticsMethods),
  provisioning: () => import('../provisioning/contract').then((m) => m.provisioningMethods),
  snapshots: () => import('../snapshots/contract').then((m) => m.snapshotsMethods),
  fills: () => Promise.all([import('../fills/contract'), import('../fills/exec/contract')]).then(([a, b]) => ({ ...a.fillsMethods, ...b.fillsExecMethods })),
  rollouts: () => import('../rollouts/contract').then((m) => m.rolloutsMethods),
};

/** Every domain's wire name (`<domain>.<method>`), known without loading any schema. */
export const DOMAINS = Object.keys(LOADERS) as Domain[];

export function isDomain(name: string): name is Domain {
  return Object.hasOwn(LOADERS, name);
}

const loaded = new Map<Domain, Promise<MethodMap>>();

/** One domain's methods (its module is loaded once per process, on the first call that names it). */
export function methodsOf(domain: Domain): Promise<MethodMap> {
  let methods = loaded.get(domain);
  if (!methods) {
    methods = LOADERS[domain]() as Promise<MethodMap>;
    // A failed load (a missing chunk) is not remembered: the next call tries again.
    methods.catch(() => loaded.delete(domain));
    loaded.set(domain, methods);
  }
  return methods;
}
