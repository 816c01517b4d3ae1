/**
 * Firmware and boot: two slots (A/B), activation of a staged image into the other slot, commit,
 * rollback, and reboots that boot the pending slot, with fallback when a new image does not boot.
 */
import type { ActivateReply, CommitReply, RebootReply, RollbackReply, Slot } from '../../appliance/contract';
import type { ImageInspection } from '../../appliance/image';
import type { CacheAndFills } from './cache';
import { Subsystem, type ApplianceCore } from './core';
import { ApplianceError } from './errors';
import { otherSlot } from './state';

export class FirmwareAndBoot extends Subsystem {
  constructor(
    core: ApplianceCore,
    private readonly cache: CacheAndFills,
  ) {
    super(core);
  }

  /** The running image is not the committed one. */
  get trial(): boolean {
    return this.state.active !== this.state.committed;
  }

  runningHealthy(): boolean {
    return this.state.slots[this.state.active].healthy;
  }

  activate(file: string, image: ImageInspection): ActivateReply {
    const now = this.advance();
    const s = this.state;
    if (this.trial) {
      throw new ApplianceError(
        'E_STATE',
        `Slot ${s.active} runs trial image ${s.slots[s.active].version}: commit it or roll back before activating another image.`,
      );
    }
    if (!image.valid || image.version === null) {
      throw new ApplianceError('E_IMAGE', `${file} is not a valid image: ${image.problems.join('; ') || 'unreadable header'}.`);
    }
    const target = otherSlot(s.active);
    s.slots[target] = {
      version: image.version,
      installedAt: now,
      boots: !this.hasFault('no-boot-image') && image.labBoot !== 'no-boot',
      healthy: !this.hasFault('bad-health-image') && image.labBoot !== 'bad-health',
    };
    s.pending = target;
    this.log(now, 'info', 'firmware', `installed ${image.version} into slot ${target}; it boots at the next reboot`);
    return { slot: target, version: image.version, rebootRequired: true };
  }

  commit(): CommitReply {
    const now = this.advance();
    const s = this.state;
    const version = s.slots[s.active].version ?? 'unknown';
    if (!this.trial) throw new ApplianceError('E_STATE', `Nothing to commit: ${version} on slot ${s.active} is already committed.`);
    s.committed = s.active;
    this.log(now, 'info', 'firmware', `committed ${version} on slot ${s.active}`);
    return { committed: s.active, version };
  }

  rollback(): RollbackReply {
    const now = this.advance();
    const s = this.state;
    let pending: Slot | null;
    if (this.trial) {
      pending = s.committed;
    } else if (s.pending !== null) {
      pending = null;
    } else if (s.slots[otherSlot(s.active)].version !== null) {
      pending = otherSlot(s.active);
    } else {
      throw new ApplianceError('E_STATE', 'Nothing to roll back to: the other slot is empty.');
    }
    s.pending = pending;
    const version = pending === null ? null : s.slots[pending].version;
    this.log(
      now,
      'info',
      'firmware',
      pending === null ? 'activation cancelled; the running image stays' : `rollback: the next reboot boots ${version} from slot ${pending}`,
    );
    return { pending, version, rebootRequired: pending !== null };
  }

  reboot(): RebootReply {
    const now = this.advance();
    const s = this.state;
    for (const job of s.fills) if (job.state === 'running') this.cache.endFill(job, now, 'failed', 'interrupted by a reboot');
    const target = s.pending ?? s.committed;
    const slot = s.slots[target];
    const fresh = target !== s.committed;
    if (fresh && this.hasFault('no-boot-image')) slot.boots = false;
    if (fresh && this.hasFault('bad-health-image')) slot.healthy = false;
    const bootMs = s.bootSeconds * 1000;
    if (fresh && !slot.boots) {
      const fallback = s.slots[s.committed].version;
      s.nextBoot = {
        attempted: target,
        booted: s.committed,
        outcome: 'fallback',
        message: `image ${slot.version} on slot ${target} did not boot; fell back to ${fallback} on slot ${s.committed}`,
      };
      s.downUntil = now + 3 * bootMs;
    } else {
      const note = !fresh && this.trial ? ` (trial image ${s.slots[s.active].version} was not committed)` : '';
      s.nextBoot = { attempted: target, booted: target, outcome: 'ok', message: `booted ${slot.version} from slot ${target}${note}` };
      s.downUntil = now + bootMs;
    }
    this.log(now, 'info', 'system', `reboot requested; booting slot ${target}`);
    return { rebooting: true, bootSlot: target, expectedDowntimeSeconds: s.bootSeconds };
  }

  /** The reboot in progress has ended: the planned slot runs. */
  finishBoot(): void {
    const s = this.state;
    const at = s.downUntil!;
    const plan = s.nextBoot ?? { attempted: s.committed, booted: s.committed, outcome: 'ok' as const, message: 'booted' };
    s.active = plan.booted;
    s.pending = null;
    s.bootedAt = at;
    s.downUntil = null;
    s.nextBoot = null;
    s.lastBoot = { at, ...plan };
    s.bgpChangedAt = at;
    s.fillFreeAt = Math.max(s.fillFreeAt, at);
    if (s.serving === 'draining') s.serving = 'drained';
    this.log(at, plan.outcome === 'ok' ? 'info' : 'error', 'firmware', plan.message);
  }
}
