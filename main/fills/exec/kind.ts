/**
 * The `fills` job kind: one fill run (a site's fill plan) on the jobs kernel, four steps per
 * appliance, each journaled before it acts:
 *   0 window  wait for the plan's start (the site's fill window opening; now out of cycle);
 *   1 post    POST /v1/fill with the planned items (most valuable first, chunks of at most
 *             MAX_FILL_ITEMS) and evictions; the fill ids go into the target's context;
 *   2 follow  GET /v1/fill/{id} until each is done; a failed fill is posted again (retries);
 *   3 verify  read GET /v1/cache (paged) until the appliance holds every planned item and none of
 *             the evicted ones, while it still has fills under way; else E_FILL_INCOMPLETE.
 * After a crash: a `post` that may have run is done when the appliance has a fill of this run
 * under way or already holds every planned item, else it is posted again — safe, since an
 * appliance skips items it holds or has in flight; `follow` and `verify` only read and are re-run.
 */
import { z } from 'zod';
import { MAX_FILL_ITEMS } from '../../appliance/contract';
import type { Clock } from '../../kit/time';
import { FleetError } from '../../kit/errors';
import { failed, ok, type JobKind, type StepOutcome, type TargetState } from '../../jobs/kind';
import type { ApplianceApi } from './appliances';
import type { ApplianceFillPlan } from './contract';
import type { FillRunsRepo } from './repo';

export const FILLS_KIND = 'fills';
export const STEP_NAMES = ['window', 'post', 'follow', 'verify'] as const;

export const FillsSpec = z.object({
  runId: z.number().int().min(1),
  pollMs: z.number().int().min(20).max(600_000).default(5000),
  retries: z.number().int().min(0).max(20).default(3),
  concurrency: z.number().int().min(1).max(10_000).default(1000),
  perGroup: z.number().int().min(1).nullable().default(null),
  maxFailures: z.number().int().min(0).nullable().default(null),
});
export type FillsSpec = z.infer<typeof FillsSpec>;

const Context = z.object({ fillIds: z.array(z.string()).default([]), retries: z.number().int().default(0) }).catch({ fillIds: [], retries: 0 });

export interface FillsKindDeps {
  api: ApplianceApi;
  repo: FillRunsRepo;
  clock: Clock;
  /** A run's progress changed (the service emits fills.progress). */
  onProgress(runId: number): void;
}

const manifestPrefix = (runId: number, serial: string) => `fillrun-${runId}-${serial}-`;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Transport trouble worth another try; anything else (a refusal) ends the step. */
const transient = (err: unknown) => err instanceof FleetError && (err.code === 'E_UNREACHABLE' || err.code === 'E_TIMEOUT' || err.code === 'E_BAD_REPLY');

function outcomeOf(err: unknown): StepOutcome {
  if (err instanceof FleetError) return failed(err.code, err.message);
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && typeof e.message === 'string') return failed(e.code, e.message);
  throw err;
}

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;

export function fillsKind(deps: FillsKindDeps): JobKind<FillsSpec> {
  const { api, repo, clock } = deps;
  return {
    name: FILLS_KIND,
    spec: FillsSpec,
    label: () => 'fills',
    describe: (spec) => ['fills', 'run', String(spec.runId)],
    steps: () => STEP_NAMES.length,
    group: (target) => target.site,
    afterCrash: 'reconcile',
    async open(spec) {
      const run = repo.get(spec.runId);
      if (!run) throw new FleetError('E_NOT_FOUND', `There is no fill run ${spec.runId}.`);
      const plans = new Map(run.plan.appliances.map((a) => [a.serial, a]));
      const planOf = (serial: string): ApplianceFillPlan => {
        const p = plans.get(serial);
        if (!p) throw new FleetError('E_NOT_FOUND', `Fill run ${run.id} has no plan for ${serial}.`);
        return p;
      };
      const at = () => new Date(clock.now()).toISOString();
      const note = (serial: string, patch: Parameters<FillRunsRepo['update']>[2]) => {
        repo.update(run.id, serial, patch, at());
        deps.onProgress(run.id);
      };

      /** Call with retries on transport trouble (spaced by the poll interval). */
      const withRetries = async <T>(what: () => Promise<T>, signal: AbortSignal): Promise<T> => {
        for (let attempt = 0; ; attempt++) {
          try {
            return await what();
          } catch (err) {
            if (!transient(err) || attempt >= spec.retries || signal.aborted) throw err;
            await sleep(spec.pollMs, signal);
          }
        }
      };

      const post = async (t: TargetState, plan: ApplianceFillPlan, signal: AbortSignal): Promise<string[]> => {
        const ids: string[] = [];
        for (let i = 0, chunk = 0; i < plan.fill.length; i += MAX_FILL_ITEMS, chunk++) {
          const items = plan.fill.slice(i, i + MAX_FILL_ITEMS).map((f) => ({ contentId: f.contentId, bytes: f.bytes, source: f.source }));
          const job = await withRetries(
            () =>
              api.postFill(
                t.serial,
                {
                  manifestId: `${manifestPrefix(run.id, t.serial)}${chunk}`,
                  items,
                  evict: chunk === 0 ? plan.evict : [],
                  ...(run.plan.outOfCycle ? { outOfWindow: true, maxGbps: run.plan.outOfCycle.maxGbps } : {}),
                },
                signal,
              ),
            signal,
          );
          ids.push(job.id);
        }
        return ids;
      };

      const holdsAll = async (t: TargetState, plan: ApplianceFillPlan, signal: AbortSignal) => {
        const { items } = await withRetries(() => api.cache(t.serial, signal), signal);
        const held = new Set(items.map((i) => i.contentId));
        const missing = plan.fill.filter((f) => !held.has(f.contentId));
        const stale = plan.evict.filter((id) => held.has(id));
        return { missing, stale };
      };

      return {
        async act(step, t, signal) {
          const plan = planOf(t.serial);
          const ctx = Context.parse(t.context ?? {});
          try {
            if (step === 0) {
              const start = Date.parse(plan.startAt);
              if (plan.fill.length === 0) {
                note(t.serial, { phase: 'verified', message: 'nothing to fill' });
                return ok({ output: 'nothing to fill: it holds its target', context: ctx });
              }
              return ok({ output: `starts ${plan.startAt}`, context: ctx, ...(start > clock.now() ? { notBefore: start } : {}) });
            }
            if (step === 1) {
              if (plan.fill.length === 0) return ok({ output: 'nothing to fill', context: ctx });
              const fillIds = await post(t, plan, signal);
              note(t.serial, { phase: 'posted', fillIds, message: null });
              return ok({ output: `posted ${plan.fill.length} items (${gb(plan.fillBytes)}) as ${fillIds.join(', ')}`, context: { ...ctx, fillIds } });
            }
            if (step === 2) {
              let retries = ctx.retries;
              const ids = [...ctx.fillIds];
              for (let i = 0; i < ids.length; i++) {
                for (;;) {
                  const job = await withRetries(() => api.fill(t.serial, ids[i]!, signal), signal);
                  // Progress: what is left of the fills, out of the plan's bytes.
                  note(t.serial, { phase: 'filling', bytesDone: Math.max(0, plan.fillBytes - (job.bytesTotal - job.bytesDone) - remainingAfter(plan, i)), rateGbps: job.rateGbps });
                  if (job.state === 'done') break;
                  if (job.state === 'failed') {
                    if (retries >= spec.retries) {
                      note(t.serial, { phase: 'failed', message: job.error ?? 'the fill failed' });
                      return failed('E_FILL_FAILED', `Fill ${job.id} on ${t.serial} failed${job.error ? `: ${job.error}` : ''}; ${retries} retries spent.`);
                    }
                    retries++;
                    note(t.serial, { retries });
                    // Posted again: the appliance skips what it already holds.
                    const again = await post(t, { ...plan, evict: [] }, signal);
                    ids.splice(i, ids.length - i, ...again);
                    continue;
                  }
                  await sleep(spec.pollMs, signal);
                }
              }
              return ok({ output: `filled (${ids.length} fill${ids.length === 1 ? '' : 's'})`, context: { fillIds: ids, retries } });
            }
            // Verify: the appliance holds what was asked (waiting while it still has fills under way).
            for (;;) {
              const { missing, stale } = await holdsAll(t, plan, signal);
              if (missing.length === 0 && stale.length === 0) {
                note(t.serial, { phase: 'verified', bytesDone: plan.fillBytes, rateGbps: 0, message: null });
                return ok({ output: `holds all ${plan.fill.length} planned items (${gb(plan.fillBytes)}), ${plan.evict.length} evicted`, context: ctx });
              }
              const m = await withRetries(() => api.metrics(t.serial, signal), signal);
              if (!m.fill.active && m.fill.queued === 0) {
                const message = `${missing.length} of ${plan.fill.length} planned items missing${stale.length ? `, ${stale.length} not evicted` : ''}`;
                note(t.serial, { phase: 'failed', message });
                return failed('E_FILL_INCOMPLETE', `${t.serial}: ${message} after its fills ended.`);
              }
              await sleep(spec.pollMs, signal);
            }
          } catch (err) {
            if (signal.aborted) throw err;
            const outcome = outcomeOf(err);
            note(t.serial, { phase: 'failed', message: outcome.errorMessage });
            return outcome;
          }
        },
        async reconcile(step, t, signal) {
          if (step !== 1) return 'redo';
          const plan = planOf(t.serial);
          try {
            const m = await api.metrics(t.serial, signal);
            if (m.fill.jobId) {
              const job = await api.fill(t.serial, m.fill.jobId, signal);
              if (job.manifestId?.startsWith(manifestPrefix(run.id, t.serial))) return 'done';
            }
            const { missing } = await holdsAll(t, plan, signal);
            return missing.length === 0 ? 'done' : 'redo';
          } catch (err) {
            if (signal.aborted) throw err;
            return outcomeOf(err);
          }
        },
      };
    },
  };
}

/** Planned bytes in chunks after chunk `i` (not yet counted by the fill being followed). */
function remainingAfter(plan: ApplianceFillPlan, i: number): number {
  return plan.fill.slice((i + 1) * MAX_FILL_ITEMS).reduce((s, f) => s + f.bytes, 0);
}

