/**
 * One rollout at work: the `rollout` job kind's runner (KindRun) for the jobs kernel. The kernel
 * journals each appliance's step before it acts and reconciles after a crash; this runner says what
 * each step does on the appliance and decides who may go when:
 *
 *   stage → drain (first waits for its wave, its site's window and a place in its site's limit) →
 *   activate → reboot → verify (back, healthy, on the new version) → commit → undrain
 *
 * Admission (a place in the site's limit) is written to SQLite (`holding`) before the drain, and
 * given back only once the appliance serves again (or is known to be out anyway). A failure at any
 * step restores the appliance (cancel the activation, roll back a trial image, undrain) before the
 * failure is recorded; the appliance's own A/B fallback is recognised and reported as such.
 * The canary wave is judged (judge.ts) before the next wave is released; the failure budget is
 * counted over the whole rollout. See docs/rollouts.md.
 */
import { setMaxListeners } from 'node:events';
import { FleetError } from '../kit/errors';
import { isoAt } from '../kit/time';
import { Slots } from '../kit/concurrency';
import { ApplianceReplyError, parseOcactlReply } from '../appliance/replies';
import type { OcactlCommand, OcactlResult, StatusReply } from '../appliance/contract';
import type { Appliance } from '../inventory/contract';
import type { KindRun, StepOutcome, TargetState } from '../jobs/kind';
import { failed as failedOutcome, ok as okOutcome } from '../jobs/kind';
import { selectAppliances } from '../jobs/targets';
import type { SshPool, SshRoute } from '../net/ssh-pool';
import { FirmwareService } from '../firmware/service';
import type { ApplianceOutcome, Plan, RolloutState, StepName } from './contract';
import { FINAL_ROLLOUT_STATES } from './contract';
import { fitsLimit, releasedWaves, siteLimit, windowState } from './plan';
import { judge, type Sample } from './judge';
import type { RolloutRow, TargetRow } from './repo';
import type { RolloutEnv } from './env';

/** The kernel's steps, in order (the timeline also shows `wait`, the part of drain spent waiting). */
export const KERNEL_STEPS = ['stage', 'drain', 'activate', 'reboot', 'verify', 'commit', 'undrain'] as const satisfies readonly StepName[];
export type KernelStep = (typeof KERNEL_STEPS)[number];

/** What a target carries from step to step (journaled by the kernel). */
interface Ctx {
  /** Already on the image's version, committed: nothing to do. */
  already?: boolean;
  /** The slot the image was activated into. */
  slot?: 'A' | 'B';
}

const asCtx = (c: unknown): Ctx => (c && typeof c === 'object' ? (c as Ctx) : {});

const ENDED_STATES = new Set(['ok', 'failed', 'cancelled']);

class StepFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly outcome: ApplianceOutcome | null = null,
  ) {
    super(message);
  }
}

function codeOf(err: unknown): string {
  if (err instanceof FleetError || err instanceof ApplianceReplyError || err instanceof StepFailure) return err.code;
  return 'E_INTERNAL';
}

/** Errors that mean "not answering now" (rebooting, reset), not "refused". */
function transient(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'E_UNREACHABLE' || code === 'E_TIMEOUT' || code === 'E_UNAVAILABLE' || code === 'E_BAD_REPLY';
}

export interface RunnerHooks {
  /** The rollout's state, phase, wave or judgement changed. */
  changed(id: number, what: 'state' | 'phase' | 'wave' | 'judgement' | 'appliance'): void;
  progress(id: number): void;
}

export class RolloutRun implements KindRun {
  private readonly waiters = new Map<string, { wave: number; site: string; resolve: (go: boolean) => void }>();
  private readonly stagingSlots: Slots;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private judging: Promise<void> | null = null;
  /** When the wave gates were last looked at (performance.now()). */
  private lastWaveCheck = 0;
  private readonly controller = new AbortController();
  private readonly plan: Plan;
  private readonly image: string;
  private readonly imageName: string;
  private siteCache = new Map<string, { at: number; appliances: Appliance[] }>();
  private windowCache: { at: number; sites: Map<string, { timezone: string; maintenanceWindow: string; fillWindow: string }> } | null = null;

  constructor(
    private readonly env: RolloutEnv,
    readonly id: number,
    private readonly pool: SshPool,
    private readonly routeOf: (a: Appliance) => SshRoute,
    private readonly hooks: RunnerHooks,
  ) {
    const row = this.row();
    this.plan = JSON.parse(row.plan) as Plan;
    this.image = row.image;
    this.imageName = FirmwareService.stagedName(row.image);
    this.stagingSlots = new Slots(this.plan.stagingConcurrency);
    // Decisions the last process may not have taken (it died after the canary's last update, ...).
    queueMicrotask(() => this.afterTargetEnded());
  }

  // ------------------------------------------------------------------------------------ small helpers

  private get now(): number {
    return this.env.deps.clock.now();
  }
  private iso(): string {
    return isoAt(this.env.deps.clock);
  }
  private row(): RolloutRow {
    const row = this.env.repo.rollout(this.id);
    if (!row) throw new FleetError('E_NOT_FOUND', `There is no rollout ${this.id}.`);
    return row;
  }
  private target(serial: string): TargetRow {
    const t = this.env.repo.target(this.id, serial);
    if (!t) throw new FleetError('E_NOT_FOUND', `${serial} is not a target of rollout ${this.id}.`);
    return t;
  }
  private setTarget(serial: string, patch: Parameters<RolloutEnv['repo']['updateTarget']>[2]): void {
    this.env.repo.updateTarget(this.id, serial, { ...patch, updated_at: this.iso() });
    this.hooks.progress(this.id);
  }
  private timeoutMs(step: keyof Plan['stepTimeouts']): number {
    return this.plan.stepTimeouts[step] * 1000;
  }
  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason as Error);
      const t = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async ocactl<C extends OcactlCommand>(serial: string, command: C, args: string[], timeoutMs: number, signal: AbortSignal): Promise<OcactlResult<C>> {
    const appliance = this.env.inventory.appliance(serial);
    const r = await this.pool.exec(this.routeOf(appliance), ['ocactl', ...command.split(' '), ...args], {
      timeoutMs: Math.max(1000, Math.min(timeoutMs, 60_000)),
      signal,
      maxOutputBytes: 256 * 1024,
      failOnOverflow: true,
    });
    return parseOcactlReply(command, r.stdout);
  }

  /**
   * `ocactl status`, and the appliance it names must be this target (identity per appliance, never
   * per connection): an address that reaches another box is refused before anything is done there.
   */
  private async status(serial: string, signal: AbortSignal, timeoutMs = 15_000): Promise<StatusReply> {
    const st = await this.ocactl(serial, 'status', [], timeoutMs, signal);
    if (st.serial !== serial) {
      throw new StepFailure(
        'E_SERIAL_MISMATCH',
        `The address of ${serial} reaches a different appliance: it answered as ${st.serial.slice(0, 64)}. Nothing was done on it; check the address, port and host key in the inventory.`,
      );
    }
    return st;
  }

  /** `ocactl status`, waiting through reboots and resets until `deadline`. */
  private async statusBy(serial: string, deadline: number, signal: AbortSignal): Promise<StatusReply> {
    for (;;) {
      try {
        return await this.status(serial, signal, Math.max(1000, deadline - this.now));
      } catch (err) {
        if (!transient(err) || this.now >= deadline || signal.aborted) throw err;
        await this.sleep(this.env.pollMs, signal);
      }
    }
  }

  /** An idempotent command (drain, undrain), sent again while the appliance does not answer, until `deadline`. */
  private async ocactlBy<C extends OcactlCommand>(serial: string, command: C, deadline: number, signal: AbortSignal): Promise<OcactlResult<C>> {
    for (;;) {
      try {
        return await this.ocactl(serial, command, [], Math.max(1000, deadline - this.now), signal);
      } catch (err) {
        if (!transient(err) || this.now >= deadline || signal.aborted) throw err;
        await this.sleep(this.env.pollMs, signal);
      }
    }
  }

  /** One timeline entry around fn: written before it acts, ended with its outcome. */
  private async timed<T>(serial: string, step: StepName, fn: () => Promise<T>): Promise<T> {
    const entry = this.env.repo.stepStart(this.id, serial, step, this.iso());
    try {
      const value = await fn();
      this.env.repo.stepEnd(entry, 'ok', this.iso(), null, null);
      return value;
    } catch (err) {
      const cancelled = err instanceof StepFailure && err.code === 'E_CANCELLED';
      if (!this.closed) this.env.repo.stepEnd(entry, cancelled ? 'cancelled' : 'failed', this.iso(), codeOf(err), err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  // ------------------------------------------------------------------------------------ the kind's steps

  async act(step: number, t: TargetState, signal: AbortSignal): Promise<StepOutcome> {
    // Every target of the job waits on the job's one signal.
    setMaxListeners(0, signal);
    const name = KERNEL_STEPS[step]!;
    const ctx = asCtx(t.context);
    try {
      if (ctx.already && name !== 'stage') return okOutcome({ output: `${t.serial}: already on ${this.image}` });
      switch (name) {
        case 'stage':
          return await this.stage(t.serial, signal);
        case 'drain':
          return await this.drain(t.serial, signal);
        case 'activate':
          return await this.activate(t.serial, ctx, signal);
        case 'reboot':
          return await this.reboot(t.serial, ctx, signal);
        case 'verify':
          return await this.verify(t.serial, ctx, signal);
        case 'commit':
          return await this.commit(t.serial, signal);
        case 'undrain':
          return await this.undrain(t.serial, signal);
      }
    } catch (err) {
      return this.fail(t.serial, name, err, signal);
    }
  }

  /** A step failed: put the appliance back as its state needs, record why, count it. */
  private async fail(serial: string, step: KernelStep, err: unknown, signal: AbortSignal): Promise<StepOutcome> {
    if (signal.aborted && this.shuttingDown(signal)) throw err; // the journal keeps the target; the next host reconciles it
    if (err instanceof StepFailure && err.code === 'E_CANCELLED') {
      this.setTarget(serial, { state: 'cancelled', step, error_code: 'E_CANCELLED', message: err.message, outcome: 'not-changed' });
      this.afterTargetEnded();
      return { ...failedOutcome('E_CANCELLED', err.message), state: 'cancelled' };
    }
    const code = codeOf(err);
    const message = err instanceof Error ? err.message : String(err);
    let outcome: ApplianceOutcome | null = err instanceof StepFailure ? err.outcome : null;
    let note = '';
    const t = this.target(serial);
    if (t.holding === 1 || t.cleanup === 1) {
      this.setTarget(serial, { cleanup: 1, error_code: code, message });
      // A cancelled job's signal is aborted already: putting the appliance back gets its own time.
      const restoreSignal = signal.aborted ? AbortSignal.timeout(this.timeoutMs('verify') + 120_000) : signal;
      const restored = await this.restore(serial, restoreSignal).catch((e: unknown) => e);
      if (restored instanceof Error || typeof restored !== 'string') {
        note = `; putting it back failed too (${restored instanceof Error ? restored.message : String(restored)}): it stays counted against ${t.site}'s limit`;
      } else {
        note = restored ? `; ${restored}` : '';
        outcome ??= restored.includes('rolled back') ? 'rolled-back' : 'not-changed';
      }
    }
    const full = `${step}: ${message}${note}`;
    this.setTarget(serial, { state: 'failed', step, error_code: code, message: full, outcome: outcome ?? 'not-changed' });
    this.env.deps.log.warn('rollout appliance failed', { rollout: this.id, serial, step, code, message: full });
    this.afterTargetEnded();
    return failedOutcome(code, full);
  }

  private shuttingDown(signal: AbortSignal): boolean {
    const reason = signal.reason as { code?: string } | undefined;
    return reason?.code === 'E_UNAVAILABLE';
  }

  private async stage(serial: string, signal: AbortSignal): Promise<StepOutcome> {
    if (!(await this.runnable(signal))) throw new StepFailure('E_CANCELLED', `Not started: rollout ${this.id} was stopped (${this.row().reason_message ?? 'aborted'}).`);
    const release = await this.stagingSlots.acquire(signal);
    try {
      if (!(await this.runnable(signal))) throw new StepFailure('E_CANCELLED', `Not started: rollout ${this.id} was stopped (${this.row().reason_message ?? 'aborted'}).`);
      this.setTarget(serial, { state: 'staging', step: 'stage' });
      return await this.timed(serial, 'stage', async () => {
        const deadline = this.now + this.timeoutMs('stage');
        const st = await this.statusBy(serial, deadline, signal);
        this.setTarget(serial, { from_version: st.firmware.runningVersion });
        if (st.firmware.runningVersion === this.image && !st.firmware.trial) {
          this.setTarget(serial, { state: 'waiting', step: 'stage', outcome: 'already-on-version', message: `already runs ${this.image}` });
          return okOutcome({ output: `already on ${this.image}`, context: { already: true } satisfies Ctx });
        }
        if (st.firmware.trial) {
          throw new StepFailure('E_STATE', `${serial} runs trial image ${st.firmware.runningVersion} not yet committed: commit it or roll it back first.`);
        }
        const timeout = AbortSignal.timeout(Math.max(1, deadline - this.now));
        const both = AbortSignal.any([signal, timeout]);
        try {
          const r = await this.env.firmware.stageOn(this.pool, this.routeOf(this.env.inventory.appliance(serial)), this.image, st.firmware.stagingDir, { signal: both });
          this.setTarget(serial, { state: 'waiting', step: 'drain', message: `staged (${r.sentBytes} bytes sent${r.resumedFrom.length ? `, resumed from ${r.resumedFrom.join(', ')}` : ''}); sha256 checked on the appliance` });
          return okOutcome({ output: `staged ${r.name}`, context: {} satisfies Ctx });
        } catch (err) {
          if (timeout.aborted && !signal.aborted) throw new StepFailure('E_TIMEOUT', `Staging did not finish within ${this.plan.stepTimeouts.stage} s.`);
          throw err;
        }
      });
    } finally {
      release();
    }
  }

  /** Wait for a place (wave, window, site limit), then drain; a window that closed meanwhile gives the place back. */
  private async drain(serial: string, signal: AbortSignal): Promise<StepOutcome> {
    for (;;) {
      if (this.target(serial).holding !== 1) {
        this.setTarget(serial, { state: 'waiting', step: 'wait' });
        const go = await this.timed(serial, 'wait', async () => {
          const admitted = await this.admit(serial, signal);
          if (!admitted) throw new StepFailure('E_CANCELLED', `Not started: rollout ${this.id} was stopped (${this.row().reason_message ?? 'aborted'}).`);
          return admitted;
        });
        if (!go) continue;
      }
      this.setTarget(serial, { state: 'in-flight', step: 'drain' });
      const drained = await this.timed(serial, 'drain', async () => {
        const deadline = this.now + this.timeoutMs('drain');
        await this.ocactlBy(serial, 'drain', deadline, signal);
        for (;;) {
          const st = await this.statusBy(serial, deadline, signal);
          if (st.serving === 'drained') break;
          if (this.now >= deadline) throw new StepFailure('E_TIMEOUT', `${serial} did not stop serving within ${this.plan.stepTimeouts.drain} s (${st.serving}).`);
          await this.sleep(this.env.pollMs, signal);
        }
        // Activate and reboot only inside the window: if it closed while draining, give the place back.
        const site = this.target(serial).site;
        if (!this.windowOpen(site)) {
          await this.ocactl(serial, 'undrain', [], this.timeoutMs('undrain'), signal);
          this.release(serial);
          return false;
        }
        return true;
      });
      if (drained) return okOutcome({ output: `${serial} drained` });
    }
  }

  private async activate(serial: string, ctx: Ctx, signal: AbortSignal): Promise<StepOutcome> {
    if (this.row().state === 'aborting') {
      const restored = await this.restore(serial, signal);
      throw new StepFailure('E_CANCELLED', `Stopped before activation (${this.row().reason_message ?? 'aborted'}); ${restored || 'nothing had changed'}.`);
    }
    this.setTarget(serial, { state: 'in-flight', step: 'activate' });
    return this.timed(serial, 'activate', async () => {
      const r = await this.ocactl(serial, 'firmware activate', [this.imageName], this.timeoutMs('activate'), signal);
      return okOutcome({ output: `activated ${r.version} into slot ${r.slot}`, context: { ...ctx, slot: r.slot } satisfies Ctx });
    });
  }

  private async reboot(serial: string, ctx: Ctx, signal: AbortSignal): Promise<StepOutcome> {
    this.setTarget(serial, { state: 'in-flight', step: 'reboot' });
    return this.timed(serial, 'reboot', async () => {
      const r = await this.ocactl(serial, 'reboot', [], this.timeoutMs('reboot'), signal);
      return okOutcome({ output: `rebooting into slot ${r.bootSlot}`, context: ctx });
    });
  }

  /** Back, on the new version, healthy; or fell back by itself; or unhealthy (rolled back); or never back. */
  private async verify(serial: string, ctx: Ctx, signal: AbortSignal): Promise<StepOutcome> {
    this.setTarget(serial, { state: 'in-flight', step: 'verify' });
    return this.timed(serial, 'verify', async () => {
      const deadline = this.now + this.timeoutMs('verify');
      let errors = 0;
      for (;;) {
        let st: StatusReply | null = null;
        try {
          st = await this.status(serial, signal, Math.max(1000, Math.min(15_000, deadline - this.now)));
        } catch (err) {
          if (!transient(err)) throw err;
        }
        if (st && st.firmware.pending === null) {
          const fw = st.firmware;
          const onNew = fw.runningVersion === this.image && (ctx.slot === undefined || fw.active === ctx.slot);
          if (!onNew && fw.lastBoot?.outcome === 'fallback' && (ctx.slot === undefined || fw.lastBoot.attempted === ctx.slot)) {
            throw new StepFailure('E_FALLBACK', `${this.image} did not boot; the appliance fell back to ${fw.runningVersion} by itself (${fw.lastBoot.message}).`, 'fell-back');
          }
          if (!onNew) throw new StepFailure('E_STATE', `${serial} came back on ${fw.runningVersion} (slot ${fw.active}), not ${this.image}.`);
          if (st.health === 'Error') {
            if (++errors >= 2) throw new StepFailure('E_HEALTH', `${this.image} booted but the appliance reports health Error.`);
          } else if (st.health !== 'Unknown') {
            return okOutcome({ output: `${serial} runs ${this.image} on trial, health ${st.health}`, context: ctx });
          }
        }
        if (this.now >= deadline) {
          throw new StepFailure('E_TIMEOUT', st ? `${serial} did not come back healthy on ${this.image} within ${this.plan.stepTimeouts.verify} s (health ${st.health}).` : `${serial} did not come back within ${this.plan.stepTimeouts.verify} s.`);
        }
        await this.sleep(this.env.pollMs, signal);
      }
    });
  }

  private async commit(serial: string, signal: AbortSignal): Promise<StepOutcome> {
    this.setTarget(serial, { state: 'in-flight', step: 'commit' });
    return this.timed(serial, 'commit', async () => {
      try {
        await this.ocactl(serial, 'firmware commit', [], this.timeoutMs('commit'), signal);
      } catch (err) {
        // Committed already (the reply was lost): the appliance says so.
        const st = await this.status(serial, signal).catch(() => null);
        if (!(st && !st.firmware.trial && st.firmware.runningVersion === this.image)) throw err;
      }
      this.followFirmware(serial, this.image);
      return okOutcome({ output: `committed ${this.image}` });
    });
  }

  private async undrain(serial: string, signal: AbortSignal): Promise<StepOutcome> {
    this.setTarget(serial, { state: 'in-flight', step: 'undrain' });
    await this.timed(serial, 'undrain', async () => {
      const deadline = this.now + this.timeoutMs('undrain');
      await this.ocactlBy(serial, 'undrain', deadline, signal);
      for (;;) {
        const st = await this.statusBy(serial, deadline, signal);
        if (st.serving === 'serving') break;
        if (this.now >= deadline) throw new StepFailure('E_TIMEOUT', `${serial} did not serve again within ${this.plan.stepTimeouts.undrain} s.`);
        await this.sleep(this.env.pollMs, signal);
      }
    });
    this.release(serial, false);
    this.setTarget(serial, { state: 'ok', step: 'undrain', outcome: 'updated', error_code: null, message: `runs ${this.image}` });
    this.afterTargetEnded();
    return okOutcome({ output: `${serial} runs ${this.image}` });
  }

  /**
   * Put an appliance back in service as its state needs: cancel a pending activation, roll back a
   * trial image (reboot into the committed slot and wait for it), undrain. Returns what it did.
   */
  private async restore(serial: string, signal: AbortSignal): Promise<string> {
    this.setTarget(serial, { cleanup: 1 });
    const done: string[] = [];
    const deadline = this.now + this.timeoutMs('verify');
    let st = await this.statusBy(serial, deadline, signal);
    if (st.firmware.trial) {
      await this.ocactl(serial, 'firmware rollback', [], this.timeoutMs('commit'), signal);
      await this.ocactl(serial, 'reboot', [], this.timeoutMs('reboot'), signal);
      for (;;) {
        await this.sleep(this.env.pollMs, signal);
        st = await this.statusBy(serial, deadline, signal);
        if (!st.firmware.trial && st.firmware.pending === null && st.health !== 'Unknown') break;
        if (this.now >= deadline) throw new StepFailure('E_TIMEOUT', `${serial} did not come back on its committed image within ${this.plan.stepTimeouts.verify} s of the rollback.`);
      }
      done.push(`rolled back to ${st.firmware.runningVersion}`);
    } else if (st.firmware.pending !== null) {
      await this.ocactl(serial, 'firmware rollback', [], this.timeoutMs('commit'), signal);
      done.push('activation cancelled');
    }
    if (st.serving !== 'serving') {
      await this.ocactl(serial, 'undrain', [], this.timeoutMs('undrain'), signal);
      done.push('undrained');
    }
    this.followFirmware(serial, st.firmware.runningVersion);
    this.release(serial);
    this.setTarget(serial, { cleanup: 0 });
    return done.join(', ');
  }

  /** The inventory's firmware field follows the appliance (audited by the inventory). */
  private followFirmware(serial: string, version: string): void {
    try {
      if (this.env.inventory.appliance(serial).firmware !== version) this.env.inventory.updateAppliance(serial, { firmware: version }, `rollout:${this.id}`);
    } catch (err) {
      this.env.deps.log.warn('inventory firmware not updated', { serial, error: String(err) });
    }
  }

  // ------------------------------------------------------------------------------------ after a crash

  async reconcile(step: number, t: TargetState, signal: AbortSignal): Promise<'done' | 'redo' | StepOutcome> {
    setMaxListeners(0, signal);
    const name = KERNEL_STEPS[step]!;
    const ctx = asCtx(t.context);
    const row = this.target(t.serial);
    const last = this.env.repo.lastStep(this.id, t.serial);
    if (last && last.state === 'running') this.env.repo.stepEnd(last.id, 'cancelled', this.iso(), 'E_INTERRUPTED', 'Fleetdeck stopped during this step; the appliance was asked where it is.');
    if (ENDED_STATES.has(row.state) && row.holding === 0 && row.cleanup === 0) {
      // It ended before the kernel heard of it: that end stands.
      if (row.state === 'ok') return okOutcome({ output: row.message });
      return { ...failedOutcome(row.error_code ?? 'E_INTERNAL', row.message ?? 'ended before a restart'), state: row.state === 'cancelled' ? 'cancelled' : 'failed' };
    }
    if (row.cleanup === 1) {
      // It was being put back when the last process died: finish that, and keep its failure.
      return this.fail(t.serial, name, new StepFailure(row.error_code ?? 'E_INTERRUPTED', row.message ?? 'interrupted while being put back'), signal);
    }
    if (ctx.already || name === 'stage' || name === 'drain' || name === 'verify' || name === 'undrain') return 'redo';
    const deadline = this.now + this.timeoutMs('verify');
    let st: StatusReply;
    try {
      st = await this.statusBy(t.serial, deadline, signal);
    } catch (err) {
      if (name === 'reboot' && transient(err)) return 'done'; // down: it is rebooting
      throw err;
    }
    const fw = st.firmware;
    switch (name) {
      case 'activate': {
        const pending = fw.pending;
        // Activated already (the reply was lost): never activate twice.
        if (pending !== null && fw.slots.find((s) => s.slot === pending)?.version === this.image) return okOutcome({ output: `activated ${this.image} into slot ${pending} (found after a restart)`, context: { ...ctx, slot: pending } });
        return 'redo';
      }
      case 'reboot':
        return fw.pending !== null ? 'redo' : 'done';
      case 'commit':
        if (!fw.trial && fw.runningVersion === this.image) {
          this.followFirmware(t.serial, this.image);
          return 'done';
        }
        return 'redo';
    }
  }

  // ------------------------------------------------------------------------------------ admission

  /** The rollout may start new work (not paused); false once it is stopped. Waits while paused. */
  private async runnable(signal: AbortSignal): Promise<boolean> {
    for (;;) {
      const state = this.row().state;
      if (state === 'aborting' || FINAL_ROLLOUT_STATES.includes(state)) return false;
      if (state !== 'paused') return true;
      await this.sleep(Math.max(this.env.pollMs, 200), signal);
    }
  }

  private admit(serial: string, signal: AbortSignal): Promise<boolean> {
    const t = this.target(serial);
    return new Promise<boolean>((resolve, reject) => {
      const onAbort = () => {
        this.waiters.delete(serial);
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.set(serial, {
        wave: t.wave,
        site: t.site,
        resolve: (go) => {
          signal.removeEventListener('abort', onAbort);
          this.waiters.delete(serial);
          resolve(go);
        },
      });
      this.poke();
    });
  }

  /** Re-evaluate who may go now (also every pollMs while anybody waits). */
  poke(): void {
    if (this.closed) return;
    try {
      this.evaluate();
    } catch (err) {
      this.env.deps.log.error('rollout admission failed', { rollout: this.id, error: String(err) });
    }
    if (this.waiters.size > 0 && !this.timer) {
      this.timer = setInterval(() => this.poke(), Math.max(50, this.env.pollMs)).unref();
    } else if (this.waiters.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private releasedWave(row: RolloutRow): number {
    if (row.phase === 'canary') return 0;
    if (row.phase === 'waves') return row.current_wave;
    return -1;
  }

  private evaluate(): void {
    if (this.waiters.size === 0) return;
    let row = this.row();
    if (row.state === 'aborting' || FINAL_ROLLOUT_STATES.includes(row.state)) {
      for (const w of [...this.waiters.values()]) w.resolve(false);
      return;
    }
    if (row.state !== 'running') return;
    // A window that closed since the last end may release a wave: look again now and then while a later wave waits.
    if (row.phase === 'waves' && performance.now() - this.lastWaveCheck >= 1000 && [...this.waiters.values()].some((w) => w.wave > row.current_wave)) row = this.advanceWaves(row);
    const released = this.releasedWave(row);
    let rateRoom = Number.POSITIVE_INFINITY;
    if (this.plan.waves.kind === 'rate' && row.phase === 'waves') {
      const since = row.wave_started_at ? Date.parse(row.wave_started_at) : this.now;
      const allowed = Math.floor(((this.now - since) / 3_600_000) * this.plan.waves.perHour) + 1;
      rateRoom = allowed - this.env.repo.admittedInWave(this.id, row.current_wave);
    }
    const order = [...this.waiters.entries()].sort((a, b) => a[1].wave - b[1].wave || a[0].localeCompare(b[0]));
    const outBySite = new Map<string, Set<string>>();
    for (const [serial, w] of order) {
      if (w.wave > released) continue;
      if (w.wave > 0 && rateRoom <= 0) continue;
      if (!this.windowOpen(w.site)) continue;
      const appliances = this.siteAppliances(w.site);
      let out = outBySite.get(w.site);
      if (!out) outBySite.set(w.site, (out = this.outOfService(w.site, appliances)));
      const me = appliances.find((a) => a.serial === serial);
      const limit = siteLimit({ appliances, out, limit: this.plan.maxUnavailablePerSite });
      if (!fitsLimit(limit, { nicGbps: me?.nicGbps ?? 0 }, out.has(serial))) continue;
      // Journaled before the drain: a place in the site's limit, held until it serves again.
      this.env.repo.updateTarget(this.id, serial, { holding: 1, admitted_at: this.iso(), updated_at: this.iso() });
      out.add(serial);
      if (w.wave > 0) rateRoom--;
      w.resolve(true);
    }
  }

  private release(serial: string, progress = true): void {
    this.env.repo.updateTarget(this.id, serial, { holding: 0, updated_at: this.iso() });
    if (progress) this.hooks.progress(this.id);
    queueMicrotask(() => this.poke());
  }

  private siteAppliances(site: string): Appliance[] {
    const cached = this.siteCache.get(site);
    if (cached && this.now - cached.at < 2000) return cached.appliances;
    const appliances = selectAppliances(this.env.inventory, { site: [site] });
    this.siteCache.set(site, { at: this.now, appliances });
    return appliances;
  }

  /** Out of service at a site now: drained/offline/rma in the inventory, measured Error or unreachable, or holding a place for a rollout. */
  outOfService(site: string, appliances: readonly Appliance[]): Set<string> {
    const out = new Set(this.env.repo.holdingAt(site));
    for (const a of appliances) if (a.status === 'drained' || a.status === 'offline' || a.status === 'rma') out.add(a.serial);
    // What this rollout saw itself after updating an appliance is newer than a poll made before (during its reboot).
    const seenOk = new Map<string, number>();
    for (const a of appliances) {
      const t = this.env.repo.target(this.id, a.serial);
      if (t?.state === 'ok' && t.updated_at) seenOk.set(a.serial, Date.parse(t.updated_at));
    }
    for (const h of this.env.health.assessed(appliances.filter((a) => !out.has(a.serial)))) {
      if (h.expected) continue;
      const ours = seenOk.get(h.serial);
      if (ours !== undefined && (h.lastPollAt === null || Date.parse(h.lastPollAt) <= ours)) continue;
      if (h.status === 'Error' || (!h.reachable && h.measuredAt !== null)) out.add(h.serial);
    }
    return out;
  }

  windowOpen(site: string): boolean {
    if (this.plan.window === 'now') return true;
    if (!this.windowCache || this.now - this.windowCache.at > 2000) {
      this.windowCache = { at: this.now, sites: new Map(this.env.inventory.listSites().map((s) => [s.code, s])) };
    }
    const s = this.windowCache.sites.get(site);
    if (!s) return false;
    return windowState(this.plan.window === 'fill' ? s.fillWindow : s.maintenanceWindow, s.timezone, this.now).open;
  }

  // ------------------------------------------------------------------------------------ waves, canary, budget

  /** After an appliance ended (or at open): budget, canary, next wave. */
  afterTargetEnded(): void {
    if (this.closed) return;
    const row = this.row();
    if (row.state === 'aborting' || FINAL_ROLLOUT_STATES.includes(row.state)) {
      this.poke();
      return;
    }
    const waves = this.env.repo.countsByWave(this.id);
    const ended = (w: number) => {
      const c = waves.find((x) => x.wave === w);
      return !c || c.ok + c.failed + c.cancelled === c.total;
    };
    if (row.phase === 'canary') {
      const canary = this.env.repo.targets(this.id).filter((t) => t.wave === 0);
      const bad = canary.filter((t) => t.state === 'failed');
      if (bad.length > 0) {
        this.stop('E_CANARY', `Canary failed: ${bad.map((t) => `${t.serial} (${t.message ?? t.error_code})`).join('; ')}.`);
        return;
      }
      if (ended(0)) {
        this.env.repo.update(this.id, { phase: 'judging' });
        this.hooks.changed(this.id, 'phase');
        this.startJudging();
      }
      return;
    }
    if (row.phase === 'judging') {
      this.startJudging();
      return;
    }
    const counts = this.env.repo.counts(this.id);
    if (counts.failed > row.failure_budget) {
      this.stop('E_BUDGET', `${counts.failed} appliances failed, more than the rollout's failure budget of ${row.failure_budget}; no more are started.`);
      return;
    }
    this.advanceWaves(row);
    this.poke();
  }

  /**
   * Release the next waves whose gates have passed (plan.ts releasedWaves): every earlier target ended
   * or waiting only for its own site's closed window. Returns the row as it is now.
   */
  private advanceWaves(row: RolloutRow): RolloutRow {
    this.lastWaveCheck = performance.now();
    if (row.phase !== 'waves' || row.state !== 'running' || row.current_wave >= row.wave_count) return row;
    const released = releasedWaves(row.current_wave, row.wave_count, this.env.repo.unended(this.id), (site) => this.windowOpen(site));
    if (released === row.current_wave) return row;
    const at = this.iso();
    this.env.repo.update(this.id, { current_wave: released, wave_started_at: at });
    this.env.deps.log.info('rollout wave released', { rollout: this.id, wave: released });
    this.hooks.changed(this.id, 'wave');
    return { ...row, current_wave: released, wave_started_at: at };
  }

  /** Stop: no more appliances start; those in flight finish or are put back. */
  stop(code: string, message: string): void {
    this.env.repo.update(this.id, { state: 'aborting', reason_code: code, reason_message: message });
    this.env.deps.audit.append({ actor: `rollout:${this.id}`, action: 'rollout.stopped', target: `rollout:${this.id}`, details: { code, message } });
    this.env.deps.log.warn('rollout stopped', { rollout: this.id, code, message });
    this.hooks.changed(this.id, 'state');
    this.poke();
  }

  private startJudging(): void {
    if (this.judging) return;
    this.judging = this.runJudgement()
      .catch((err: unknown) => {
        if (this.closed) return;
        this.env.deps.log.error('canary judgement failed', { rollout: this.id, error: String(err) });
        this.stop('E_JUDGEMENT', `The canary could not be judged: ${err instanceof Error ? err.message : String(err)}`);
      })
      .finally(() => (this.judging = null));
  }

  private async runJudgement(): Promise<void> {
    const signal = this.controller.signal;
    const targets = this.env.repo.targets(this.id);
    const canarySerials = targets.filter((t) => t.wave === 0 && t.state === 'ok').map((t) => t.serial);
    const canaries = canarySerials.map((s) => this.env.inventory.appliance(s));
    const baseline = this.pickBaseline(canaries, new Set(targets.filter((t) => t.state === 'ok' || t.holding === 1).map((t) => t.serial)));
    const { observeSeconds, sampleEverySeconds } = this.plan.judgement;
    const from = this.iso();
    const end = this.now + observeSeconds * 1000;
    const samples: Sample[] = [];
    for (;;) {
      const probe = await this.env.health.probe([...canaries, ...baseline]);
      for (const { serial, outcome } of probe) {
        samples.push(
          outcome.kind === 'reached'
            ? { serial, reached: true, health: outcome.health.status, servingGbps: outcome.metrics?.servingGbps ?? null, errorsPerSecond: outcome.metrics?.errorsPerSecond ?? null, cacheHitRatio: outcome.metrics?.cacheHitRatio ?? null }
            : { serial, reached: false, health: null, servingGbps: null, errorsPerSecond: null, cacheHitRatio: null },
        );
      }
      if (this.now >= end || this.closed) break;
      await this.sleep(Math.min(sampleEverySeconds * 1000, Math.max(1, end - this.now)), signal);
    }
    if (this.closed) return;
    const judgement = judge({ canaries: canarySerials, baseline: baseline.map((a) => a.serial), samples, plan: this.plan.judgement, period: { from, to: this.iso() }, decidedAt: this.iso() });
    const row = this.row();
    if (row.phase !== 'judging') return;
    const state: RolloutState = row.state;
    this.env.repo.transaction(() => {
      this.env.repo.update(this.id, { judgement: JSON.stringify(judgement) });
      this.env.deps.audit.append({ actor: `rollout:${this.id}`, action: 'rollout.canary-judged', target: `rollout:${this.id}`, details: { verdict: judgement.verdict, reasons: judgement.reasons } });
    });
    this.hooks.changed(this.id, 'judgement');
    if (judgement.verdict === 'fail') {
      this.stop('E_CANARY', `Canary judged fail: ${judgement.reasons.join('; ')}`);
    } else if (judgement.verdict === 'marginal') {
      this.env.repo.update(this.id, { state: state === 'running' ? 'awaiting-approval' : state, reason_code: 'E_MARGINAL', reason_message: `Canary judged marginal, waiting for a person to approve: ${judgement.reasons.join('; ')}` });
      this.hooks.changed(this.id, 'state');
    } else {
      this.releaseWaves();
    }
  }

  /** After a passed (or approved) canary: the first wave goes. */
  releaseWaves(): void {
    this.env.repo.update(this.id, { phase: 'waves', current_wave: 1, wave_started_at: this.iso() });
    this.hooks.changed(this.id, 'phase');
    this.afterTargetEnded();
  }

  /** Untouched appliances of the canaries' models: at the canaries' sites (same time of day), else elsewhere. */
  private pickBaseline(canaries: readonly Appliance[], touched: ReadonlySet<string>): Appliance[] {
    const models = new Set(canaries.map((c) => c.model));
    const sites = new Set(canaries.map((c) => c.site));
    const canarySet = new Set(canaries.map((c) => c.serial));
    const out: Appliance[] = [];
    for (const model of models) {
      const candidates = selectAppliances(this.env.inventory, { model: [model], status: ['online'] }).filter(
        (a) => !canarySet.has(a.serial) && !touched.has(a.serial) && a.firmware !== this.image,
      );
      // Traffic follows each site's time of day: other sites are a baseline only when the canaries' own have none.
      const near = candidates.filter((a) => sites.has(a.site));
      const far = candidates.filter((a) => !sites.has(a.site));
      out.push(...(near.length > 0 ? near : far).slice(0, this.plan.judgement.baselineMax));
    }
    return out;
  }

  close(): void {
    this.closed = true;
    this.controller.abort(new FleetError('E_UNAVAILABLE', 'The rollout runner closed.'));
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
