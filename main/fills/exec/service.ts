/**
 * Fill execution: make a site's fill plan from its placement and what its appliances hold now,
 * store it as a fill run, run it as a `fills` job, and report its progress.
 */
import type { z } from 'zod';
import type { ServiceDeps } from '../../deps';
import type { InventoryService } from '../../inventory/service';
import { JobsRepo } from '../../jobs/repo';
import type { JobsKernel } from '../../jobs/kernel';
import { eachLimited } from '../../kit/concurrency';
import type { CallContext } from '../../kit/context';
import type { DomainHandlers } from '../../kit/contract';
import { FleetError } from '../../kit/errors';
import type { NetService } from '../../net/service';
import { ApplianceApi } from './appliances';
import type { SitePlacement } from '../placement-contract';
import { FillModel, PrepareFromPlanInput, PrepareInput, RunInput, type FillRun, type FillRunSummary, type fillsExecEvents, type fillsExecMethods } from './contract';
import { FILLS_KIND, fillsKind } from './kind';
import { planSiteFills, type ApplianceNow } from './plan';
import { FillRunsRepo, type RunRow, type RunState } from './repo';

type Handlers = DomainHandlers<typeof fillsExecMethods, CallContext>;

/** Stored placement plans (the fills planner), read by id or as a site's latest. */
export interface StoredPlacements {
  latestPlanOf(site: string): number | undefined;
  placement(site: string, planId: number): SitePlacement;
}

/** Appliances read at once when a plan is made. */
const READ_CONCURRENCY = 8;
/** Recent jobs looked through for one already started for a run (see run()). */
const ADOPT_SCAN_JOBS = 1000;
/** fills.progress at most this often per run. */
const PROGRESS_EVERY_MS = 250;

export class FillsExecService {
  readonly handlers: Handlers;
  readonly repo: FillRunsRepo;
  readonly api: ApplianceApi;
  private readonly jobsRepo: JobsRepo;
  private readonly lastProgress = new Map<number, number>();
  private readonly trailing = new Map<number, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly deps: ServiceDeps<typeof fillsExecEvents>,
    private readonly inventory: InventoryService,
    net: NetService,
    private readonly jobs: JobsKernel,
    private readonly placements: StoredPlacements | null = null,
  ) {
    this.repo = new FillRunsRepo(deps.db);
    this.jobsRepo = new JobsRepo(deps.db);
    this.api = new ApplianceApi(inventory, net);
    this.handlers = {
      prepare: (input, ctx) => this.prepare(input, ctx.actor),
      prepareFromPlan: (input, ctx) => this.prepareFromPlan(input, ctx.actor),
      run: (input, ctx) => this.run(input, ctx.actor),
      getRun: ({ id }) => this.getRun(id),
      listRuns: ({ site, limit }) => this.listRuns(site, limit),
    };
  }

  /** The job kind, registered with the kernel by the composition. */
  kind() {
    return fillsKind({ api: this.api, repo: this.repo, clock: this.deps.clock, onProgress: (id) => this.progressed(id) });
  }

  async prepare(raw: z.input<typeof PrepareInput>, actor: string): Promise<FillRun> {
    const input = PrepareInput.parse(raw);
    const { placement } = input;
    const { site } = this.inventory.getSite(placement.site);
    const serials = placement.appliances.map((a) => a.serial);
    if (serials.length === 0) throw new FleetError('E_VALIDATION', `The placement for ${placement.site} names no appliance.`);
    const appliances = serials.map((serial) => this.inventory.appliance(serial));
    const elsewhere = appliances.filter((a) => a.site !== site.code);
    if (elsewhere.length) {
      throw new FleetError('E_VALIDATION', `${elsewhere.map((a) => a.serial).join(', ')} ${elsewhere.length === 1 ? 'is' : 'are'} not in site ${site.code}; a fill plan covers one site.`);
    }
    const now: ApplianceNow[] = await eachLimited(appliances, READ_CONCURRENCY, async (a) => {
      const cache = await this.api.cache(a.serial);
      return {
        serial: a.serial,
        model: FillModel.parse(a.model),
        capacityBytes: Math.round(a.storageTb * 1e12),
        usedBytes: cache.usedBytes,
        held: cache.items.map((i) => ({ contentId: i.contentId, bytes: i.bytes, storedAt: Date.parse(i.storedAt) })),
      };
    });
    const plan = planSiteFills({
      site: { code: site.code, timezone: site.timezone, fillWindow: site.fillWindow },
      placement,
      appliances: now,
      now: this.deps.clock.now(),
      outOfCycle: input.outOfCycle,
    });
    const at = new Date(this.deps.clock.now()).toISOString();
    const id = this.deps.audit.record(
      { actor, action: 'fills.prepare', target: `site:${site.code}`, details: { fillBytes: plan.totals.fillBytes, droppedBytes: plan.totals.droppedBytes, outOfCycle: plan.outOfCycle !== null } },
      () => this.repo.create(plan, input.placementId, at, actor),
    );
    return this.getRun(id);
  }

  /** prepare() on a stored placement plan, read here rather than carried through the caller. */
  async prepareFromPlan(raw: z.input<typeof PrepareFromPlanInput>, actor: string): Promise<FillRun> {
    const input = PrepareFromPlanInput.parse(raw);
    const site = this.inventory.getSite(input.site).site.code;
    const planId = input.planId ?? this.placements?.latestPlanOf(site);
    if (planId === undefined || this.placements === null) {
      throw new FleetError('E_NOT_FOUND', `No plan places site ${site} yet: make one first (Plan tomorrow, or fleetdeck fills plan --site ${site}).`);
    }
    const placement = this.placements.placement(site, planId);
    return this.prepare({ placement, placementId: String(planId), outOfCycle: input.outOfCycle }, actor);
  }

  async run(raw: z.input<typeof RunInput>, actor: string): Promise<FillRun> {
    const input = RunInput.parse(raw);
    const run = this.mustRun(input.id);
    if (run.state !== 'planned') throw new FleetError('E_CONFLICT', `Fill run ${run.id} is ${run.state}; only a planned run starts.`);
    const targets = run.plan.appliances.map((a) => a.serial);
    if (run.outOfCycle && input.confirm !== targets.length) {
      throw new FleetError(
        'E_CONFIRM',
        `An out-of-cycle fill runs outside ${run.site}'s fill window on ${targets.length} appliance${targets.length === 1 ? '' : 's'}; type the count back to confirm.`,
        { count: targets.length, sites: 1, partners: 1, action: 'out-of-cycle fill' },
      );
    }
    // A job may have been started for this run by an engine that died before recording it (the
    // job is resumed on open): adopt it rather than start a second one that posts the fills again.
    const started = this.jobsRepo.list(ADOPT_SCAN_JOBS).find((j) => j.runner === FILLS_KIND && (j.spec as { runId?: unknown }).runId === run.id);
    if (started) {
      this.repo.setJob(run.id, started.id);
      this.progressed(run.id);
      return this.getRun(run.id);
    }
    const appliances = targets.map((serial) => this.inventory.appliance(serial));
    const job = await this.jobs.start(
      FILLS_KIND,
      { runId: run.id, pollMs: input.pollMs, retries: input.retries, concurrency: Math.max(1, targets.length) },
      appliances.map((a) => ({ serial: a.serial, site: a.site, partner: a.partner })),
      actor,
    );
    this.deps.audit.record({ actor, action: 'fills.run', target: `site:${run.site}`, details: { run: run.id, job: job.id, appliances: targets.length, outOfCycle: run.outOfCycle } }, () =>
      this.repo.setJob(run.id, job.id),
    );
    this.progressed(run.id);
    return this.getRun(run.id);
  }

  getRun(id: number): FillRun {
    const run = this.settle(this.mustRun(id));
    return { ...this.head(run), plan: run.plan, progress: this.repo.progress(run.id) };
  }

  listRuns(site: string | undefined, limit: number): FillRunSummary[] {
    return this.repo.list(site, limit).map((r) => {
      const run = this.settle(r);
      const t = this.repo.totals(run.id);
      return {
        ...this.head(run),
        appliances: run.plan.appliances.length,
        bytesTotal: t.bytesTotal,
        bytesDone: t.bytesDone,
        droppedBytes: run.plan.totals.droppedBytes,
        verified: t.verified,
        failed: t.failed,
        windowStart: run.plan.windowStart,
        windowEnd: run.plan.windowEnd,
      };
    });
  }

  private head(run: RunRow) {
    return {
      id: run.id,
      site: run.site,
      day: run.day,
      placementId: run.placementId,
      state: run.state,
      jobId: run.jobId,
      createdAt: run.createdAt,
      createdBy: run.createdBy,
      outOfCycle: run.outOfCycle,
    };
  }

  /** A running run ends with its job: done when every appliance verified, else failed or cancelled. */
  private settle(run: RunRow): RunRow {
    if (run.state !== 'running' || run.jobId === null) return run;
    const job = this.jobsRepo.job(run.jobId);
    if (!job || job.state === 'running') return run;
    const t = this.repo.totals(run.id);
    const state: RunState = job.state === 'done' ? (t.failed > 0 || t.verified < run.plan.appliances.length ? 'failed' : 'done') : job.state === 'cancelled' ? 'cancelled' : 'failed';
    this.repo.setState(run.id, state);
    return { ...run, state };
  }

  private mustRun(id: number): RunRow {
    const run = this.repo.get(id);
    if (!run) throw new FleetError('E_NOT_FOUND', `There is no fill run ${id}.`, { missing: [String(id)] });
    return run;
  }

  private progressed(runId: number): void {
    const since = Date.now() - (this.lastProgress.get(runId) ?? 0);
    if (since < PROGRESS_EVERY_MS) {
      // Throttled, but the last change is always sent (trailing).
      if (!this.trailing.has(runId)) {
        const timer = setTimeout(() => {
          this.trailing.delete(runId);
          this.progressed(runId);
        }, PROGRESS_EVERY_MS - since);
        timer.unref?.();
        this.trailing.set(runId, timer);
      }
      return;
    }
    this.lastProgress.set(runId, Date.now());
    const run = this.repo.get(runId);
    if (!run) return;
    const t = this.repo.totals(runId);
    this.deps.events.emit('progress', { runId, state: this.settle(run).state, bytesTotal: t.bytesTotal, bytesDone: t.bytesDone });
  }

  close(): void {
    for (const timer of this.trailing.values()) clearTimeout(timer);
    this.trailing.clear();
  }
}
