/**
 * Rollouts service: plans (preview, create with the targets frozen), control (start, pause,
 * resume, abort, retry the failed, approve a marginal canary; each audited) and reading (list,
 * get with per-wave and per-site progress, appliances, timelines). The per-appliance work is the
 * `rollout` job kind on the jobs kernel (runner.ts), resumed and reconciled after a crash.
 */
import { z } from 'zod';
import { FleetError, fieldError } from '../kit/errors';
import type { CallContext } from '../kit/context';
import type { DomainHandlers } from '../kit/contract';
import { isoAt } from '../kit/time';
import type { ServiceDeps } from '../deps';
import type { Appliance } from '../inventory/contract';
import type { InventoryService } from '../inventory/service';
import type { NetService } from '../net/service';
import type { FirmwareService } from '../firmware/service';
import type { HealthService } from '../health/service';
import type { JobsKernel } from '../jobs/kernel';
import type { JobKind, KindRun, Target } from '../jobs/kind';
import { appliancesBySerial, selectAppliances } from '../jobs/targets';
import {
  CreateInput,
  FINAL_ROLLOUT_STATES,
  PlanInput,
  formatCountOrPercent,
  type CanaryJudgement,
  type Plan,
  type Rollout,
  type RolloutAppliance,
  type RolloutDetail,
  type RolloutPreview,
  type RolloutState,
  type SitePreview,
  type rolloutsEvents,
  type rolloutsMethods,
} from './contract';
import { amountOf, assignWaves, maxMoreAtOnce, pickCanary, siteLimit, waveCount, windowState, type PlanAppliance } from './plan';
import { RolloutsRepo, type RolloutRow, type TargetRow } from './repo';
import { KERNEL_STEPS, RolloutRun } from './runner';
import type { RolloutEnv } from './env';

export type RolloutsHandlers = DomainHandlers<typeof rolloutsMethods, CallContext>;

export const ROLLOUT_KIND = 'rollout';

export const RolloutJobSpec = z.object({
  rolloutId: z.number().int().min(1),
  concurrency: z.number().int().min(1).max(1_000_000),
  perGroup: z.null().default(null),
  maxFailures: z.null().default(null),
});
export type RolloutJobSpec = z.infer<typeof RolloutJobSpec>;

export interface RolloutsOptions {
  /** How often appliances are asked where they are during a step (ms); tests make it short. */
  pollMs?: number;
}

type Selection = z.output<typeof PlanInput>['selection'];

function describeSelection(sel: Selection): string {
  if ('all' in sel) return 'all';
  if ('serials' in sel) return `serials ${sel.serials.slice(0, 5).join(',')}${sel.serials.length > 5 ? `,… (${sel.serials.length})` : ''}`;
  const parts = Object.entries(sel.query)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : String(v)}`);
  return parts.length ? parts.join(',') : 'all';
}

const ACTIVE: readonly RolloutState[] = ['running', 'paused', 'awaiting-approval', 'aborting'];

export class RolloutsService {
  readonly repo: RolloutsRepo;
  readonly handlers: RolloutsHandlers;
  private readonly env: RolloutEnv;
  private readonly runs = new Map<number, RolloutRun>();
  private readonly progressTimers = new Map<number, NodeJS.Timeout>();
  private outageCache: { at: number; map: Map<string, string> } | null = null;
  private closed = false;

  constructor(
    private readonly deps: ServiceDeps<typeof rolloutsEvents>,
    private readonly services: { inventory: InventoryService; net: NetService; firmware: FirmwareService; health: HealthService; jobs: JobsKernel },
    options: RolloutsOptions = {},
  ) {
    this.repo = new RolloutsRepo(deps.db);
    this.env = { deps, repo: this.repo, inventory: services.inventory, net: services.net, firmware: services.firmware, health: services.health, pollMs: options.pollMs ?? (Number(process.env['FLEETDECK_ROLLOUT_POLL_MS']) || 1000) };
    services.health.setExpectedOutages((serial) => this.expectedOutage(serial));
    this.linkJobsAfterCrash();
    this.handlers = {
      preview: (input) => this.preview(input),
      create: (input, ctx) => this.create(input, ctx.actor),
      list: ({ limit, state }) => this.repo.list(limit, state).map((r) => this.toRollout(r)),
      get: ({ id }) => this.get(id),
      appliances: ({ id, offset, limit, state, site, wave }) => {
        this.mustFind(id);
        const page = this.repo.page(id, offset, limit, { state, site, wave });
        return { total: page.total, items: page.items.map(toAppliance) };
      },
      timeline: ({ id, serial }) => {
        this.mustFind(id);
        if (!this.repo.target(id, serial)) throw new FleetError('E_NOT_FOUND', `${serial} is not a target of rollout ${id}.`, { missing: [serial] });
        return { serial, entries: this.repo.timeline(id, serial) };
      },
      start: ({ id }, ctx) => this.start(id, ctx.actor),
      pause: ({ id, reason }, ctx) => this.pause(id, ctx.actor, reason),
      resume: ({ id }, ctx) => this.resume(id, ctx.actor),
      abort: ({ id, reason }, ctx) => this.abort(id, ctx.actor, reason),
      retryFailed: ({ id }, ctx) => this.retryFailed(id, ctx.actor),
      approveMarginal: ({ id, note }, ctx) => this.approveMarginal(id, ctx.actor, note),
      wait: ({ id, timeoutMs }) => this.wait(id, timeoutMs),
    };
  }

  /**
   * A process that died inside start (or retry) may have left a rollout marked running whose job
   * was created but not yet recorded, or not created at all: link the job (found by its spec), or
   * put the rollout back to where it was before (created) when there is none.
   */
  private linkJobsAfterCrash(): void {
    for (const row of this.repo.active()) {
      const current = row.job_id === null ? undefined : this.services.jobs.repo.job(row.job_id);
      if (current?.state === 'running') continue;
      const job = this.services.jobs.repo.list(500).find((j) => j.runner === ROLLOUT_KIND && (j.spec as { rolloutId?: unknown }).rolloutId === row.id);
      if (job && job.id !== row.job_id) this.repo.update(row.id, { job_id: job.id });
      else if (row.job_id === null) this.repo.update(row.id, { state: 'created', phase: 'not-started', started_at: null, wave_started_at: null });
      else this.finalize(row.id); // its job ended while nobody could record the rollout's end
    }
  }

  // ------------------------------------------------------------------------------------ the job kind

  kind(): JobKind<RolloutJobSpec> {
    return {
      name: ROLLOUT_KIND,
      spec: RolloutJobSpec,
      label: () => 'rollout',
      describe: (spec) => {
        const row = this.repo.rollout(spec.rolloutId);
        return ['rollout', String(spec.rolloutId), ...(row ? [row.image] : [])];
      },
      steps: () => KERNEL_STEPS.length,
      group: (t) => t.site,
      afterCrash: 'reconcile',
      // The job is the rollout's steps; controlled alone it would skip the plan (waves, canary, site limits, windows, budget).
      refuseControl: (spec, jobId, action) => {
        const instead = action === 'cancel' ? 'abort' : action;
        return `Job ${jobId} runs rollout ${spec.rolloutId}: ${action === 'retry' ? 'retried' : action === 'cancel' ? 'cancelled' : action === 'pause' ? 'paused' : 'resumed'} on its own it would bypass the rollout's plan (waves, canary, per-site limit, windows, failure budget). ${instead[0]!.toUpperCase()}${instead.slice(1)} the rollout instead: fleetdeck rollout ${instead} ${spec.rolloutId}.`;
      },
      open: async (spec) => this.openRun(spec.rolloutId),
    };
  }

  private async openRun(id: number): Promise<KindRun> {
    this.mustFind(id);
    await this.services.net.checkCredentials();
    const pool = this.services.net.sharedPool();
    const router = this.services.net.router();
    const run = new RolloutRun(this.env, id, pool, router, {
      changed: (rid, what) => this.changed(rid, what),
      progress: (rid) => this.progress(rid),
    });
    this.runs.get(id)?.close();
    this.runs.set(id, run);
    return {
      act: (step, t, signal) => run.act(step, t, signal),
      reconcile: (step, t, signal) => run.reconcile(step, t, signal),
      close: () => {
        run.close();
        if (this.runs.get(id) === run) this.runs.delete(id);
        this.finalize(id);
      },
    };
  }

  /** The job ended (or this process stops running it): the rollout's final state, when it has one. */
  private finalize(id: number): void {
    if (this.closed) return; // shutting down: the journal keeps the rollout for the next host
    const row = this.repo.rollout(id);
    if (!row || row.job_id === null || FINAL_ROLLOUT_STATES.includes(row.state)) return;
    const job = this.services.jobs.repo.job(row.job_id);
    if (!job || job.state === 'running') return; // shutting down: the next host resumes it
    const at = isoAt(this.deps.clock);
    let state: RolloutState;
    let reason: { code: string; message: string } | null = row.reason_code ? { code: row.reason_code, message: row.reason_message ?? '' } : null;
    const counts = this.repo.counts(id);
    if (row.state === 'aborting') {
      state = row.reason_code === 'E_ABORTED' ? 'aborted' : 'failed';
    } else if (job.state !== 'done') {
      state = 'aborted';
      reason = { code: 'E_CANCELLED', message: `Its job ${job.id} was ${job.state}.` };
    } else if (counts.ok + counts.failed < counts.total) {
      state = 'failed';
      reason ??= { code: 'E_INTERNAL', message: 'The job ended with appliances not updated.' };
    } else {
      state = counts.failed > row.failure_budget ? 'failed' : 'succeeded';
      if (row.reason_code === 'E_MARGINAL') reason = null;
      if (counts.failed > 0 && state === 'succeeded') reason = { code: 'E_PARTIAL', message: `${counts.failed} appliance(s) failed, within the failure budget of ${row.failure_budget}.` };
    }
    this.repo.transaction(() => {
      this.repo.cancelUnfinished(id, at, reason?.code ?? 'E_CANCELLED', `Not run: ${reason?.message ?? 'the rollout ended'}`);
      this.repo.update(id, { state, phase: 'finished', finished_at: at, reason_code: reason?.code ?? null, reason_message: reason?.message ?? null });
      this.deps.audit.append({ actor: `rollout:${id}`, action: 'rollout.finished', target: `rollout:${id}`, details: { state, ...counts, reason: reason?.message ?? null } });
    });
    this.deps.log.info('rollout finished', { id, state, ...counts });
    this.changed(id, 'state');
    this.progress(id, true);
  }

  // ------------------------------------------------------------------------------------ plans

  private targetsOf(selection: Selection): Appliance[] {
    const inv = this.services.inventory;
    if ('serials' in selection) return appliancesBySerial(inv, selection.serials);
    return selectAppliances(inv, 'query' in selection ? selection.query : {});
  }

  private checkPlan(plan: Plan, targets: readonly Appliance[]): void {
    if (targets.length === 0) throw fieldError(['selection'], 'The selection matches no appliance; there is nothing to roll out.');
    if (plan.canary.kind === 'serials') {
      const known = new Set(targets.map((t) => t.serial));
      const missing = plan.canary.serials.filter((s) => !known.has(s));
      if (missing.length) throw fieldError(['canary', 'serials'], `Canary appliances not among the targets: ${missing.slice(0, 10).join(', ')}.`);
    }
    if (plan.judgement.marginalP < plan.judgement.failP) throw fieldError(['judgement', 'marginalP'], 'marginalP must be at least failP.');
  }

  /**
   * Sites where a target alone is more of the site's capacity than a percent limit allows: it could
   * never be taken out, and the rollout would wait for it for ever. One sentence per site, with the
   * smallest limit that lets it go.
   */
  private neverFit(plan: Plan, targets: readonly Appliance[]): string[] {
    const limit = plan.maxUnavailablePerSite;
    if (limit.kind !== 'percent') return [];
    const bySite = new Map<string, Appliance[]>();
    for (const t of targets) bySite.set(t.site, [...(bySite.get(t.site) ?? []), t]);
    const out: string[] = [];
    for (const [site, mine] of [...bySite].sort((a, b) => a[0].localeCompare(b[0]))) {
      const capacity = selectAppliances(this.services.inventory, { site: [site] }).reduce((sum, a) => sum + a.nicGbps, 0);
      const largest = mine.reduce((a, b) => (b.nicGbps > a.nicGbps ? b : a));
      const share = capacity > 0 ? (largest.nicGbps / capacity) * 100 : 100;
      if (share <= limit.value + 1e-9) continue;
      out.push(
        `${site}: ${largest.serial} (${largest.nicGbps} Gbps) alone is ${Math.round(share * 10) / 10} % of the site's ${capacity} Gbps, more than the ${limit.value} % limit, so it could never be taken out; raise the limit to at least ${Math.ceil(share)} %, give it as a count (1 appliance at a time), or leave it out.`,
      );
    }
    return out;
  }

  /** An appliance is in one rollout at a time (created or under way). */
  private refuseOverlap(serials: readonly string[], self: number | null): void {
    const busy = this.repo.inActiveRollouts(serials, self);
    if (busy.length === 0) return;
    const ids = [...new Set(busy.map((b) => b.rollout_id))];
    throw new FleetError(
      'E_CONFLICT',
      `${busy.length} of these appliances are in rollout ${ids.join(', ')} already (${busy.slice(0, 5).map((b) => b.serial).join(', ')}${busy.length > 5 ? ', …' : ''}): let it finish, or abort it.`,
    );
  }

  preview(raw: z.input<typeof PlanInput>): RolloutPreview {
    const plan = PlanInput.parse(raw);
    const stored = this.services.firmware.stored(plan.image);
    const targets = this.targetsOf(plan.selection);
    this.checkPlan(plan, targets);
    const items: PlanAppliance[] = targets.map((a) => ({ serial: a.serial, site: a.site, partner: a.partner, model: a.model, nicGbps: a.nicGbps }));
    const canary = pickCanary(items, plan.canary);
    const waves = assignWaves(items, canary, plan.waves);
    const sizes = new Map<number, number>();
    for (const w of waves.values()) sizes.set(w, (sizes.get(w) ?? 0) + 1);
    const partners = new Map<string, Map<string, number>>();
    for (const a of targets) {
      const m = partners.get(a.partner) ?? new Map<string, number>();
      partners.set(a.partner, m);
      m.set(a.site, (m.get(a.site) ?? 0) + 1);
    }
    const byPartner = [...partners]
      .map(([partner, sites]) => ({
        partner,
        count: [...sites.values()].reduce((x, y) => x + y, 0),
        sites: [...sites].map(([site, count]) => ({ site, count })).sort((a, b) => b.count - a.count || a.site.localeCompare(b.site)),
      }))
      .sort((a, b) => b.count - a.count || a.partner.localeCompare(b.partner));
    const siteInfo = new Map(this.services.inventory.listSites().map((s) => [s.code, s]));
    const now = this.deps.clock.now();
    const warnings: string[] = [];
    const sites: SitePreview[] = [];
    for (const { partner, sites: list } of byPartner) {
      for (const { site, count } of list) {
        const info = siteInfo.get(site);
        const all = selectAppliances(this.services.inventory, { site: [site] });
        const out = this.alreadyOut(all);
        const lim = siteLimit({ appliances: all, out, limit: plan.maxUnavailablePerSite });
        const mine = targets.filter((t) => t.site === site && !out.has(t.serial));
        const maxAtOnce = maxMoreAtOnce(lim, mine);
        const window = plan.window === 'now' || !info ? null : plan.window === 'fill' ? info.fillWindow : info.maintenanceWindow;
        const ws = window && info ? windowState(window, info.timezone, now) : null;
        const blocked = mine.length > 0 && maxAtOnce === 0;
        if (blocked) warnings.push(`${site}: its limit (${formatCountOrPercent(plan.maxUnavailablePerSite)}) leaves no room for even one appliance now${out.size ? ` (${out.size} already out)` : ''}; its appliances wait until it does.`);
        sites.push({
          site,
          partner,
          timezone: info?.timezone ?? 'UTC',
          window,
          windowOpen: ws ? ws.open : true,
          nextWindowAt: ws?.nextOpenAt ? new Date(ws.nextOpenAt).toISOString() : null,
          targets: count,
          appliances: all.length,
          capacityGbps: Math.round(lim.capacityGbps * 100) / 100,
          alreadyOut: { count: lim.outCount, gbps: Math.round(lim.outGbps * 100) / 100, serials: [...out].sort() },
          limitGbps: lim.limitGbps === null ? null : Math.round(lim.limitGbps * 100) / 100,
          limitCount: lim.limitCount,
          maxAtOnce,
          blocked,
        });
      }
    }
    warnings.push(...this.neverFit(plan, targets));
    if (plan.window === 'now') warnings.push('Window "now": sites\' maintenance windows are ignored; appliances drain and reboot at once (within each site\'s limit).');
    if (!stored.image.signer.trusted) warnings.push(`Firmware ${plan.image} was signed by a key that is no longer trusted; it will not be staged.`);
    return {
      image: { version: stored.image.version, sizeBytes: stored.image.sizeBytes, sha256: stored.image.sha256, signer: `${stored.image.signer.comment} ${stored.image.signer.fingerprint}`.trim(), trusted: stored.image.signer.trusted },
      total: targets.length,
      byPartner,
      sites,
      canary,
      waves: [...sizes].filter(([w]) => w > 0).sort((a, b) => a[0] - b[0]).map(([index, size]) => ({ index, size })),
      failureBudget: amountOf(plan.failureBudget, targets.length),
      alreadyOnVersion: targets.filter((t) => t.firmware === plan.image).length,
      needsConfirm: plan.window === 'now',
      warnings,
    };
  }

  /** Out of service at a site now (not counting any rollout): drained/offline/rma, or measured Error/unreachable. */
  private alreadyOut(appliances: readonly Appliance[]): Set<string> {
    const out = new Set<string>();
    for (const a of appliances) if (a.status === 'drained' || a.status === 'offline' || a.status === 'rma') out.add(a.serial);
    for (const h of this.services.health.assessed(appliances.filter((a) => !out.has(a.serial)))) {
      if (!h.expected && (h.status === 'Error' || (!h.reachable && h.measuredAt !== null))) out.add(h.serial);
    }
    return out;
  }

  create(raw: z.input<typeof CreateInput>, actor: string): Rollout {
    const input = CreateInput.parse(raw);
    const { note, confirmCount, ...planInput } = input;
    const plan: Plan = planInput;
    const stored = this.services.firmware.stored(plan.image);
    if (!stored.image.signer.trusted) {
      throw new FleetError('E_SIGNATURE', `Firmware ${plan.image} was signed by ${stored.image.signer.fingerprint}, a key no longer trusted: trust it again or import a newly signed image.`, { reason: 'untrusted signer', signer: stored.image.signer.fingerprint });
    }
    const targets = this.targetsOf(plan.selection);
    this.checkPlan(plan, targets);
    // The preview lists these as warnings; a rollout that would wait for ever is not created.
    const tooLarge = this.neverFit(plan, targets);
    if (tooLarge.length) throw fieldError(['maxUnavailablePerSite'], `${tooLarge.slice(0, 5).join(' ')}${tooLarge.length > 5 ? ` (and ${tooLarge.length - 5} more sites)` : ''}`);
    this.refuseOverlap(targets.map((t) => t.serial), null);
    const sites = new Set(targets.map((t) => t.site));
    if (plan.window === 'now' && confirmCount !== targets.length) {
      throw new FleetError(
        'E_CONFIRM',
        `Window "now" drains and reboots ${targets.length} appliances in ${sites.size} sites outside their maintenance windows: type ${targets.length} to confirm.`,
        { count: targets.length, sites: sites.size, partners: new Set(targets.map((t) => t.partner)).size, action: 'rollout now' },
      );
    }
    const items: PlanAppliance[] = targets.map((a) => ({ serial: a.serial, site: a.site, partner: a.partner, model: a.model, nicGbps: a.nicGbps }));
    const canary = pickCanary(items, plan.canary);
    const waves = assignWaves(items, canary, plan.waves);
    const at = isoAt(this.deps.clock);
    const { image, selection, ...rest } = plan;
    const budget = amountOf(plan.failureBudget, targets.length);
    const id = this.deps.audit.record(
      { actor, action: 'rollout.created', target: 'rollout', details: { image, selection: describeSelection(selection), targets: targets.length, sites: sites.size, canary, window: plan.window, failureBudget: budget, maxUnavailablePerSite: formatCountOrPercent(plan.maxUnavailablePerSite) } },
      () =>
        this.repo.insert(
          {
            image,
            image_sha256: stored.image.sha256,
            state: 'created',
            phase: 'not-started',
            current_wave: 0,
            wave_count: waveCount(waves),
            wave_started_at: null,
            plan: JSON.stringify(plan),
            selection: JSON.stringify(selection),
            note: note ?? null,
            failure_budget: budget,
            job_id: null,
            created_at: at,
            created_by: actor,
            started_at: null,
            finished_at: null,
            reason_code: null,
            reason_message: null,
            judgement: null,
          },
          targets.map((a) => ({
            serial: a.serial,
            site: a.site,
            partner: a.partner,
            model: a.model,
            nic_gbps: a.nicGbps,
            wave: waves.get(a.serial) ?? 1,
            state: 'pending',
            step: 'stage',
            outcome: null,
            from_version: a.firmware,
            holding: 0,
            cleanup: 0,
            admitted_at: null,
            error_code: null,
            message: null,
            updated_at: at,
          })),
        ),
    );
    void rest;
    this.changed(id, 'created');
    return this.toRollout(this.mustFind(id));
  }

  // ------------------------------------------------------------------------------------ control

  async start(id: number, actor: string): Promise<Rollout> {
    const row = this.mustFind(id);
    if (row.state !== 'created') throw new FleetError('E_CONFLICT', `Rollout ${id} is ${row.state}; only a created rollout starts (resume a paused one, retry a finished one).`);
    const targets = this.repo.targets(id);
    this.refuseOverlap(targets.map((t) => t.serial), id);
    const hasCanary = targets.some((t) => t.wave === 0);
    const at = isoAt(this.deps.clock);
    this.repo.update(id, { state: 'running', phase: hasCanary ? 'canary' : 'waves', current_wave: hasCanary ? 0 : 1, wave_started_at: at, started_at: at });
    try {
      const job = await this.services.jobs.start(ROLLOUT_KIND, { rolloutId: id, concurrency: Math.max(1, targets.length) }, this.kernelTargets(targets), `${actor}`);
      this.deps.audit.record({ actor, action: 'rollout.started', target: `rollout:${id}`, details: { job: job.id, targets: targets.length } }, () => this.repo.update(id, { job_id: job.id }));
    } catch (err) {
      this.repo.update(id, { state: 'created', phase: 'not-started', started_at: null, wave_started_at: null });
      throw err;
    }
    this.changed(id, 'state');
    return this.toRollout(this.mustFind(id));
  }

  private kernelTargets(rows: readonly TargetRow[]): Target[] {
    // Canary first, then by wave: the kernel stages in this order.
    return [...rows].sort((a, b) => a.wave - b.wave || a.serial.localeCompare(b.serial)).map((t) => ({ serial: t.serial, site: t.site, partner: t.partner }));
  }

  pause(id: number, actor: string, reason?: string): Rollout {
    const row = this.mustFind(id);
    if (row.state !== 'running' && row.state !== 'awaiting-approval') throw new FleetError('E_CONFLICT', `Rollout ${id} is ${row.state}; only a running rollout pauses.`);
    this.deps.audit.record({ actor, action: 'rollout.paused', target: `rollout:${id}`, details: { reason: reason ?? null, from: row.state } }, () =>
      this.repo.update(id, { state: 'paused', reason_code: 'E_PAUSED', reason_message: `Paused by ${actor}${reason ? `: ${reason}` : ''}.` }),
    );
    this.changed(id, 'state');
    return this.toRollout(this.mustFind(id));
  }

  resume(id: number, actor: string): Rollout {
    const row = this.mustFind(id);
    if (row.state === 'awaiting-approval') throw new FleetError('E_CONFLICT', `Rollout ${id} waits for its marginal canary to be approved (rollouts.approveMarginal), not for a resume.`);
    if (row.state !== 'paused' && row.state !== 'running') throw new FleetError('E_CONFLICT', `Rollout ${id} is ${row.state}; only a paused rollout resumes.`);
    const judgement = row.judgement ? (JSON.parse(row.judgement) as CanaryJudgement) : null;
    // A rollout paused while its canary was marginal goes back to waiting for approval.
    const next: RolloutState = judgement?.verdict === 'marginal' && judgement.approvedBy === null && row.phase === 'judging' ? 'awaiting-approval' : 'running';
    this.deps.audit.record({ actor, action: 'rollout.resumed', target: `rollout:${id}`, details: {} }, () =>
      this.repo.update(id, { state: next, reason_code: next === 'running' ? null : 'E_MARGINAL', reason_message: next === 'running' ? null : row.reason_message }),
    );
    this.adoptIfOrphaned(row);
    this.runs.get(id)?.afterTargetEnded();
    this.changed(id, 'state');
    return this.toRollout(this.mustFind(id));
  }

  /** A rollout whose job no process runs (the CLI left it): this engine takes it up. */
  private adoptIfOrphaned(row: RolloutRow): void {
    if (row.job_id === null || this.runs.has(row.id)) return;
    const job = this.services.jobs.repo.job(row.job_id);
    if (job?.state !== 'running') return;
    try {
      this.services.jobs.resume(row.job_id);
    } catch (err) {
      this.deps.log.info('rollout job not taken up here', { id: row.id, error: String(err) });
    }
  }

  abort(id: number, actor: string, reason?: string): Rollout {
    const row = this.mustFind(id);
    if (FINAL_ROLLOUT_STATES.includes(row.state)) throw new FleetError('E_CONFLICT', `Rollout ${id} has ended (${row.state}); there is nothing to abort.`);
    const message = `Aborted by ${actor}${reason ? `: ${reason}` : ''}.`;
    if (row.state === 'created') {
      this.deps.audit.record({ actor, action: 'rollout.aborted', target: `rollout:${id}`, details: { reason: reason ?? null } }, () => {
        const at = isoAt(this.deps.clock);
        this.repo.cancelUnfinished(id, at, 'E_ABORTED', message);
        this.repo.update(id, { state: 'aborted', phase: 'finished', finished_at: at, reason_code: 'E_ABORTED', reason_message: message });
      });
      this.changed(id, 'state');
      return this.toRollout(this.mustFind(id));
    }
    this.deps.audit.record({ actor, action: 'rollout.aborted', target: `rollout:${id}`, details: { reason: reason ?? null, from: row.state } }, () =>
      this.repo.update(id, { state: 'aborting', reason_code: 'E_ABORTED', reason_message: message }),
    );
    this.adoptIfOrphaned(row);
    this.runs.get(id)?.poke();
    this.changed(id, 'state');
    return this.toRollout(this.mustFind(id));
  }

  approveMarginal(id: number, actor: string, note?: string): Rollout {
    const row = this.mustFind(id);
    const judgement = row.judgement ? (JSON.parse(row.judgement) as CanaryJudgement) : null;
    if (row.state !== 'awaiting-approval' || !judgement || judgement.verdict !== 'marginal') {
      throw new FleetError('E_CONFLICT', `Rollout ${id} has no marginal canary waiting for approval (it is ${row.state}).`);
    }
    const approved: CanaryJudgement = { ...judgement, approvedBy: actor, approvedAt: isoAt(this.deps.clock) };
    this.deps.audit.record({ actor, action: 'rollout.marginal-approved', target: `rollout:${id}`, details: { note: note ?? null, reasons: judgement.reasons } }, () =>
      this.repo.update(id, { state: 'running', judgement: JSON.stringify(approved), reason_code: null, reason_message: null }),
    );
    this.changed(id, 'judgement');
    this.adoptIfOrphaned(row);
    const run = this.runs.get(id);
    if (run) run.releaseWaves();
    else this.repo.update(id, { phase: 'waves', current_wave: 1, wave_started_at: isoAt(this.deps.clock) });
    return this.toRollout(this.mustFind(id));
  }

  async retryFailed(id: number, actor: string): Promise<Rollout> {
    const row = this.mustFind(id);
    if (!FINAL_ROLLOUT_STATES.includes(row.state)) throw new FleetError('E_CONFLICT', `Rollout ${id} is still ${row.state}; retry runs the failed appliances of an ended rollout.`);
    const counts = this.repo.counts(id);
    if (counts.failed + counts.cancelled === 0) throw new FleetError('E_VALIDATION', `Every appliance of rollout ${id} was updated; there is nothing to retry.`);
    const at = isoAt(this.deps.clock);
    let serials: string[] = [];
    this.deps.audit.record({ actor, action: 'rollout.retried', target: `rollout:${id}`, details: { failed: counts.failed, notRun: counts.cancelled } }, () => {
      serials = this.repo.resetFailed(id, at);
      const targets = this.repo.targets(id).filter((t) => serials.includes(t.serial));
      const minWave = Math.min(...targets.map((t) => t.wave));
      this.repo.update(id, {
        state: 'running',
        phase: minWave === 0 ? 'canary' : 'waves',
        current_wave: Math.max(minWave, 0) === 0 ? 0 : minWave,
        wave_started_at: at,
        finished_at: null,
        reason_code: null,
        reason_message: null,
        ...(minWave === 0 ? { judgement: null } : {}),
      });
    });
    const targets = this.repo.targets(id).filter((t) => serials.includes(t.serial));
    try {
      const job = await this.services.jobs.start(ROLLOUT_KIND, { rolloutId: id, concurrency: Math.max(1, targets.length) }, this.kernelTargets(targets), actor, row.job_id);
      this.repo.update(id, { job_id: job.id });
    } catch (err) {
      this.repo.update(id, { state: row.state, phase: row.phase, finished_at: row.finished_at, reason_code: row.reason_code, reason_message: row.reason_message });
      throw err;
    }
    this.changed(id, 'state');
    return this.toRollout(this.mustFind(id));
  }

  /** Resolves when the rollout has ended, is paused or awaits approval (or at the timeout). */
  async wait(id: number, timeoutMs?: number): Promise<Rollout> {
    const end = Date.now() + (timeoutMs ?? 86_400_000);
    for (;;) {
      const row = this.mustFind(id);
      const settled = FINAL_ROLLOUT_STATES.includes(row.state) || row.state === 'paused' || row.state === 'awaiting-approval' || row.state === 'created';
      if (settled || Date.now() >= end) return this.toRollout(row);
      await new Promise((r) => setTimeout(r, Math.min(200, Math.max(1, end - Date.now()))));
    }
  }

  // ------------------------------------------------------------------------------------ reading

  get(id: number): RolloutDetail {
    const row = this.mustFind(id);
    const rollout = this.toRollout(row);
    const waves = this.repo.countsByWave(id).map((c) => ({
      ...c,
      index: c.wave,
      label: c.wave === 0 ? 'canary' : `wave ${c.wave}`,
      state: (c.ok + c.failed + c.cancelled === c.total ? 'done' : c.inFlight + c.ok + c.failed > 0 || (row.phase === 'waves' && c.wave <= row.current_wave) || (row.phase === 'canary' && c.wave === 0) ? 'running' : 'pending') as 'pending' | 'running' | 'done',
    }));
    const plan = JSON.parse(row.plan) as Plan;
    const siteInfo = new Map(this.services.inventory.listSites().map((s) => [s.code, s]));
    const now = this.deps.clock.now();
    const sites = this.repo.countsBySite(id).map((c) => {
      const all = selectAppliances(this.services.inventory, { site: [c.site] });
      const out = this.alreadyOut(all);
      for (const s of this.repo.holdingAt(c.site)) out.add(s);
      const lim = siteLimit({ appliances: all, out, limit: plan.maxUnavailablePerSite });
      const info = siteInfo.get(c.site);
      const window = plan.window === 'now' || !info ? null : plan.window === 'fill' ? info.fillWindow : info.maintenanceWindow;
      const ws = window && info ? windowState(window, info.timezone, now) : null;
      const maxAtOnce = lim.limitCount ?? maxMoreAtOnce({ ...lim, outGbps: 0, outCount: 0 }, all);
      return { ...c, outNow: out.size, maxAtOnce, windowOpen: ws ? ws.open : true, nextWindowAt: ws?.nextOpenAt ? new Date(ws.nextOpenAt).toISOString() : null };
    });
    return { rollout, waves, sites, judgement: row.judgement ? (JSON.parse(row.judgement) as CanaryJudgement) : null };
  }

  toRollout(row: RolloutRow): Rollout {
    const plan = JSON.parse(row.plan) as Plan;
    const sel = JSON.parse(row.selection) as Selection;
    const counts = this.repo.counts(row.id);
    return {
      id: row.id,
      image: row.image,
      imageSha256: row.image_sha256,
      state: row.state,
      phase: row.phase,
      currentWave: row.current_wave,
      waveCount: row.wave_count,
      plan: {
        canary: plan.canary,
        waves: plan.waves,
        maxUnavailablePerSite: plan.maxUnavailablePerSite,
        window: plan.window,
        failureBudget: plan.failureBudget,
        stepTimeouts: plan.stepTimeouts,
        judgement: plan.judgement,
        stagingConcurrency: plan.stagingConcurrency,
      },
      selection: describeSelection(sel),
      note: row.note,
      targets: counts.total,
      sites: this.repo.countsBySite(row.id).length,
      failureBudget: row.failure_budget,
      counts,
      jobId: row.job_id,
      createdAt: row.created_at,
      createdBy: row.created_by,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      reason: row.reason_code ? { code: row.reason_code, message: row.reason_message ?? '' } : null,
    };
  }

  private mustFind(id: number): RolloutRow {
    const row = this.repo.rollout(id);
    if (!row) throw new FleetError('E_NOT_FOUND', `There is no rollout ${id}.`, { missing: [String(id)] });
    return row;
  }

  // ------------------------------------------------------------------------------------ health and events

  /** "rebooting (rollout 12)" for an appliance out of service for an active rollout, else null. */
  expectedOutage(serial: string): string | null {
    const now = Date.now();
    if (!this.outageCache || now - this.outageCache.at > 1000) {
      const map = new Map<string, string>();
      try {
        for (const r of this.repo.inFlight()) {
          const verb = r.step === 'reboot' || r.step === 'verify' ? 'rebooting' : r.step === 'drain' ? 'draining' : 'updating';
          map.set(r.serial, `${verb} (rollout ${r.rollout_id})`);
        }
      } catch {
        // the database is closing
      }
      this.outageCache = { at: now, map };
    }
    return this.outageCache.map.get(serial) ?? null;
  }

  private changed(id: number, what: 'created' | 'state' | 'phase' | 'wave' | 'judgement' | 'appliance'): void {
    const row = this.repo.rollout(id);
    if (!row) return;
    this.outageCache = null;
    this.deps.events.emit('changed', { id, state: row.state, what });
    this.progress(id, true);
  }

  private progress(id: number, now = false): void {
    this.outageCache = null;
    if (!now) {
      if (this.progressTimers.has(id)) return;
      this.progressTimers.set(
        id,
        setTimeout(() => {
          this.progressTimers.delete(id);
          this.progress(id, true);
        }, 250).unref(),
      );
      return;
    }
    const row = this.repo.rollout(id);
    if (!row) return;
    this.deps.events.emit('progress', { id, state: row.state, phase: row.phase, currentWave: row.current_wave, counts: this.repo.counts(id) });
  }

  /** Engine shutdown: timers stop (runs are closed by the kernel). */
  close(): void {
    this.closed = true;
    for (const t of this.progressTimers.values()) clearTimeout(t);
    this.progressTimers.clear();
  }
}

function toAppliance(t: TargetRow): RolloutAppliance {
  return {
    serial: t.serial,
    site: t.site,
    partner: t.partner,
    model: t.model,
    wave: t.wave,
    state: t.state,
    step: (KERNEL_STEPS as readonly string[]).includes(t.step) || t.step === 'wait' ? (t.step as RolloutAppliance['step']) : 'stage',
    outcome: (t.outcome as RolloutAppliance['outcome']) ?? null,
    fromVersion: t.from_version,
    errorCode: t.error_code,
    message: t.message,
    updatedAt: t.updated_at,
  };
}

export { ACTIVE as ACTIVE_ROLLOUT_STATES };
