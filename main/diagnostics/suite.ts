/**
 * The `diag-suite` job kind: one `ocactl diag <check>` per step on each appliance, each result
 * read into a structured CheckResult and stored in the appliance's run as soon as it arrives.
 * Checks only read, so after a crash a check that was under way is simply run again ('redo'),
 * into the same run (a run is keyed by the suite and the serial). The last step closes the run
 * with its worst status; an appliance whose run found an Error ends `failed` (E_DIAG_FAILED) with
 * the failed checks named, so job screens, `jobs retry` and the CLI's exit status see it. An
 * appliance that cannot be reached ends at the check that found it out (the rest would only time
 * out), recorded as Unknown with the error's code.
 */
import { z } from 'zod';
import { MAX_REPLY_BYTES, worstHealth } from '../appliance/contract';
import { ApplianceReplyError, parseOcactlReply } from '../appliance/replies';
import { FleetError } from '../kit/errors';
import type { Clock } from '../kit/time';
import { isoAt } from '../kit/time';
import type { InventoryService } from '../inventory/service';
import type { JobKind, StepOutcome } from '../jobs/kind';
import { failed, ok } from '../jobs/kind';
import type { NetService } from '../net/service';
import type { SshPool, SshRoute } from '../net/ssh-pool';
import { DiagCheck, type CheckResult } from './contract';
import { interpret, notRun } from './interpret';
import type { DiagnosticsRepo } from './repo';

export const DIAG_SUITE_KIND = 'diag-suite';

export const SuiteSpec = z.object({
  /** The suite's key: its runs are (suite, serial). */
  suite: z.string().regex(/^[a-z0-9-]{8,64}$/),
  checks: z.array(DiagCheck).min(1),
  concurrency: z.number().int().min(1).max(1000),
  perGroup: z.number().int().min(1).max(1000).nullable().default(null),
  maxFailures: z.number().int().min(0).nullable().default(null),
  timeoutMs: z.number().int().min(100).max(600_000).nullable().default(null),
});
export type SuiteSpec = z.infer<typeof SuiteSpec>;

export interface SuiteDeps {
  net: NetService;
  inventory: Pick<InventoryService, 'appliance'>;
  repo: DiagnosticsRepo;
  clock: Clock;
  /** A run ended: every check is in. */
  onFinished(run: { runId: number; serial: string; site: string; status: CheckResult['status'] }): void;
}

/** One line per check for the job's output: `disk Error: Cache disk sdc failed ...`. */
export function outputLines(results: readonly CheckResult[]): string {
  return results.map((r) => `${r.check} ${r.status}${r.value !== null ? ` (${r.value} ${r.unit ?? ''})`.replace(' )', ')') : ''}: ${r.summary}`).join('\n');
}

/**
 * One `ocactl diag <check>` over the shared pool, read into a CheckResult. `stopped` is set when
 * the check could not run (unreachable, timeout, a reply outside the contract): the rest of the
 * suite on that appliance would only time out. Used by the suite kind and by provisioning's
 * acceptance step (DiagnosticsService.acceptance).
 */
export async function runCheck(
  pool: SshPool,
  route: SshRoute,
  check: CheckResult['check'],
  timeoutMs: number,
  signal: AbortSignal,
  clock: Clock,
): Promise<{ result: CheckResult; stopped: { code: string; message: string } | null }> {
  const started = Date.now();
  try {
    const r = await pool.exec(route, ['ocactl', 'diag', check], { timeoutMs, signal, maxOutputBytes: MAX_REPLY_BYTES, failOnOverflow: true });
    return { result: interpret(parseOcactlReply('diag', r.stdout), isoAt(clock)), stopped: null };
  } catch (err) {
    if (signal.aborted) throw err;
    if (!(err instanceof FleetError) && !(err instanceof ApplianceReplyError)) throw err;
    return { result: notRun(check, err.code, err.message, isoAt(clock), Date.now() - started), stopped: { code: err.code, message: err.message } };
  }
}

export function diagSuiteKind(deps: SuiteDeps): JobKind<SuiteSpec> {
  const { net, inventory, repo, clock } = deps;
  return {
    name: DIAG_SUITE_KIND,
    spec: SuiteSpec,
    label: () => 'diag',
    describe: (spec) => ['ocactl', 'diag', spec.checks.join(',')],
    steps: (spec) => spec.checks.length,
    group: (target) => target.site,
    afterCrash: 'reconcile',
    async open(spec) {
      await net.checkCredentials();
      const pool = net.sharedPool();
      const settings = net.settings();
      const routeFor = net.router(settings);
      // A throughput test takes seconds: never less than 30 s per check unless asked.
      const timeoutMs = spec.timeoutMs ?? Math.max(settings.commandTimeoutMs, 30_000);

      const finish = (runId: number, serial: string, site: string, ended: StepOutcome | null): StepOutcome => {
        const run = repo.run(runId);
        const results = run?.results ?? [];
        const status = worstHealth(results.map((r) => r.status));
        repo.finishRun(runId, status, isoAt(clock));
        deps.onFinished({ runId, serial, site, status });
        const output = outputLines(results);
        if (ended) return { ...ended, output };
        const bad = results.filter((r) => r.status === 'Error');
        if (bad.length > 0) {
          return failed('E_DIAG_FAILED', `${bad.map((r) => r.check).join(', ')} failed: ${bad[0]!.summary}`, { output });
        }
        return ok({ output, context: { runId } });
      };

      return {
        async act(step, target, signal) {
          const appliance = inventory.appliance(target.serial);
          const runId = repo.openRun(spec.suite, appliance.serial, appliance.site, isoAt(clock));
          const check = spec.checks[step]!;
          const { result, stopped } = await runCheck(pool, routeFor(appliance), check, timeoutMs, signal, clock);
          const stop: StepOutcome | null = stopped ? failed(stopped.code, stopped.message) : null;
          repo.putResult(runId, step, result);
          if (stop || step === spec.checks.length - 1) return finish(runId, appliance.serial, appliance.site, stop);
          return ok({ context: { runId } });
        },
        // Checks only read the appliance: one that was under way is run again.
        reconcile: () => Promise.resolve('redo' as const),
      };
    },
  };
}
