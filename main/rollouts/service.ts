/**
 * Rollouts service: plans, the canary judgement and the control of a rollout; the per-appliance
 * steps run as the `rollout` job kind on the jobs kernel (main/rollouts/kind.ts).
 */
import { FleetError } from '../kit/errors';
import type { CallContext } from '../kit/context';
import type { DomainHandlers } from '../kit/contract';
import type { ServiceDeps } from '../deps';
import type { rolloutsEvents, rolloutsMethods } from './contract';

export type RolloutsHandlers = DomainHandlers<typeof rolloutsMethods, CallContext>;

const notBuilt = (): never => {
  throw new FleetError('E_INTERNAL', 'Rollouts are not built yet.');
};

export class RolloutsService {
  readonly handlers: RolloutsHandlers;
  constructor(readonly deps: ServiceDeps<typeof rolloutsEvents>) {
    this.handlers = {
      preview: notBuilt,
      create: notBuilt,
      list: notBuilt,
      get: notBuilt,
      appliances: notBuilt,
      timeline: notBuilt,
      start: notBuilt,
      pause: notBuilt,
      resume: notBuilt,
      abort: notBuilt,
      retryFailed: notBuilt,
      approveMarginal: notBuilt,
      wait: notBuilt,
    };
  }
}
