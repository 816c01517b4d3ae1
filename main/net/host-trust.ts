/**
 * Host-key trust for the fleet, as OpenSSH's StrictHostKeyChecking does it:
 * - a fingerprint recorded in the inventory (appliances) or on the jump host is verified;
 * - a mismatch refuses the connection (this runs inside ssh2's hostVerifier, before any
 *   credential is offered), opens an alert with both fingerprints and emits net.hostKeyMismatch;
 *   the recorded key is never replaced without an explicit decision;
 * - a first contact is refused with E_HOSTKEY_UNKNOWN showing the fingerprint, unless the caller
 *   chose accept-new, in which case the key is recorded through the InventoryService (audited).
 */
import { FleetError } from '../kit/errors';
import type { DomainEvents } from '../kit/events';
import type { netEvents } from './contract';
import type { InventoryService } from '../inventory/service';
import { isoAt, type Clock } from '../kit/time';
import type { Logger } from '../store/log';
import type { HostKey } from '../keys/host-key';
import type { NetRepo } from './repo';
import type { HostKeyPolicy, SshEndpoint } from './ssh-pool';

export const BASTION_PREFIX = 'bastion:';

/** `appliance:<serial>` or `bastion:<name>` for an endpoint label. */
export function trustTarget(label: string): { kind: 'appliance' | 'bastion'; name: string; target: string } {
  return label.startsWith(BASTION_PREFIX)
    ? { kind: 'bastion', name: label.slice(BASTION_PREFIX.length), target: label }
    : { kind: 'appliance', name: label, target: `appliance:${label}` };
}

export interface TrustDeps {
  repo: NetRepo;
  inventory: InventoryService;
  events: DomainEvents<typeof netEvents>;
  clock: Clock;
  log: Logger;
}

export class HostKeyTrust {
  constructor(private readonly deps: TrustDeps) {}

  /** The policy one job (or one caller) connects with. */
  policy(options: { actor: string; acceptNew: boolean }): HostKeyPolicy {
    return { verify: (endpoint, key) => this.verify(endpoint, key, options) };
  }

  recorded(label: string): string | null {
    const t = trustTarget(label);
    if (t.kind === 'bastion') {
      const jump = this.deps.repo.jumpHost(t.name);
      if (!jump) throw new FleetError('E_NOT_FOUND', `There is no jump host named ${t.name}.`);
      return jump.hostKeyFingerprint;
    }
    return this.deps.inventory.appliance(t.name).hostKeyFingerprint;
  }

  private async verify(endpoint: SshEndpoint, key: HostKey, options: { actor: string; acceptNew: boolean }): Promise<void> {
    const { repo, log } = this.deps;
    const at = isoAt(this.deps.clock);
    const t = trustTarget(endpoint.label);
    repo.rememberHostKey(t.target, key, at);
    const expected = this.recorded(endpoint.label);
    if (expected === key.fingerprint) return;
    if (expected !== null) {
      const alert = repo.recordMismatch({ target: t.target, host: endpoint.host, port: endpoint.port, expected, presented: key.fingerprint }, at);
      log.warn('host key mismatch: connection refused before authentication', { target: t.target, expected, presented: key.fingerprint });
      this.deps.events.emit('hostKeyMismatch', { alertId: alert.id, target: t.target, expected, presented: key.fingerprint });
      throw new FleetError(
        'E_HOSTKEY_MISMATCH',
        `${endpoint.label} presented a different host key than the one recorded: expected ${expected}, got ${key.fingerprint}. ` +
          'Fleetdeck refused the connection before sending any credential. If the appliance was re-installed, resolve the alert; otherwise treat it as an attack.',
        { expected, presented: key.fingerprint },
      );
    }
    if (!options.acceptNew) {
      throw new FleetError(
        'E_HOSTKEY_UNKNOWN',
        `First contact with ${endpoint.label}: it presents the ${key.type} key ${key.fingerprint}. Compare it with the site survey, then trust it ` +
          `(fleetdeck net trust ${t.name} ${key.fingerprint}) or run again with --accept-new.`,
        { presented: key.fingerprint, keyType: key.type },
      );
    }
    this.record(endpoint.label, key.fingerprint, options.actor, 'first-contact');
    log.info('host key trusted on first contact (accept-new)', { target: t.target, fingerprint: key.fingerprint, actor: options.actor });
  }

  /** Record a fingerprint as trusted for an appliance (through the inventory, audited) or a jump host. */
  record(label: string, fingerprint: string, actor: string, why: 'first-contact' | 'alert-resolved' | 'known-hosts'): void {
    const t = trustTarget(label);
    if (t.kind === 'bastion') this.deps.repo.setJumpHostFingerprint(t.name, fingerprint, isoAt(this.deps.clock));
    else this.deps.inventory.recordHostKey(t.name, fingerprint, actor, why);
  }
}
