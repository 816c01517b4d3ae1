/**
 * The diagnostics domain: suites as `diag-suite` jobs on the jobs kernel (suite.ts), their history
 * and "what changed since the last good run", bundles (bundle.ts) and configuration drift
 * (drift.ts). See docs/diagnostics.md.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DIAG_CHECKS, MAX_REPLY_BYTES, worstHealth, type OcactlCommand, type OcactlResult } from '../appliance/contract';
import { ApplianceReplyError, parseOcactlReply } from '../appliance/replies';
import type { ServiceDeps } from '../deps';
import type { HealthService } from '../health/service';
import type { Appliance } from '../inventory/contract';
import type { InventoryService } from '../inventory/service';
import type { JobsKernel } from '../jobs/kernel';
import type { CallContext } from '../kit/context';
import type { DomainHandlers } from '../kit/contract';
import { eachLimited } from '../kit/concurrency';
import { FleetError } from '../kit/errors';
import { isoAt } from '../kit/time';
import type { NetService } from '../net/service';
import { writeBundle, type BundleEntry } from './bundle';
import {
  MAX_INLINE_BUNDLE,
  type BundleReport,
  type CheckChange,
  type CheckResult,
  type Comparison,
  type DiagRun,
  type DriftReport,
  type diagnosticsEvents,
  type diagnosticsMethods,
} from './contract';
import { compareFleet, inventorySource, type ExpectationSource, type Observed } from './drift';
import { DiagnosticsRepo } from './repo';
import { DIAG_SUITE_KIND, diagSuiteKind, runCheck } from './suite';

export class DiagnosticsService {
  readonly repo: DiagnosticsRepo;
  readonly handlers: DomainHandlers<typeof diagnosticsMethods, CallContext>;
  /** Sources drift compares with besides the peers (the composition appends provisioning's site survey). */
  readonly driftSources: ExpectationSource[] = [inventorySource];

  constructor(
    private readonly deps: ServiceDeps<typeof diagnosticsEvents>,
    private readonly inventory: InventoryService,
    private readonly net: NetService,
    private readonly jobs: JobsKernel,
    private readonly health: HealthService,
  ) {
    this.repo = new DiagnosticsRepo(deps.db);
    jobs.register(
      diagSuiteKind({
        net,
        inventory,
        repo: this.repo,
        clock: deps.clock,
        onFinished: ({ runId, serial, site, status }) => deps.events.emit('finished', { runId, serial, site, status }),
      }),
    );
    this.handlers = {
      run: (input, ctx) => this.run(input, ctx.actor),
      history: ({ serial, site, jobId, limit }) => this.repo.runs({ serial, site, jobId }, limit),
      get: ({ id }) => this.mustRun(id),
      compare: ({ serial, runId }) => this.compare(serial, runId),
      bundle: (input, ctx) => {
        // A window names no file on the engine's machine: it gets the archive inline (its own download).
        if (input.out !== undefined && (ctx.host === 'desktop' || ctx.host === 'browser')) {
          throw new FleetError('E_FORBIDDEN', 'A window cannot choose where the engine writes a bundle; ask for it inline and save the download.');
        }
        return this.bundle(input);
      },
      drift: (input) => this.drift(input),
    };
  }

  async run(
    input: { selection: unknown; checks: CheckResult['check'][]; concurrency: number; perSite: number | null; timeoutMs: number | null },
    actor: string,
  ): Promise<{ jobId: number; appliances: number }> {
    const targets = this.jobs.select(input.selection);
    if (targets.length === 0) throw new FleetError('E_VALIDATION', 'The selection matches no appliance; nothing was run.');
    const suite = randomUUID();
    this.repo.insertSuite(suite, input.checks, actor, isoAt(this.deps.clock));
    const job = await this.jobs.start(
      DIAG_SUITE_KIND,
      { suite, checks: input.checks, concurrency: input.concurrency, perGroup: input.perSite, timeoutMs: input.timeoutMs },
      targets,
      actor,
    );
    this.repo.setSuiteJob(suite, job.id);
    return { jobId: job.id, appliances: targets.length };
  }

  /**
   * Checks run inside another domain's job step (provisioning's acceptance): one run in the
   * appliance's diagnostics history, the same structured results as a suite, stored as each
   * arrives; it stops at a check that could not run. Resolves with the finished run.
   */
  async acceptance(serial: string, checks: readonly CheckResult['check'][], options: { actor: string; jobId: number | null; timeoutMs: number; signal: AbortSignal }): Promise<DiagRun> {
    const appliance = this.inventory.appliance(serial);
    const suite = randomUUID();
    const at = () => isoAt(this.deps.clock);
    this.repo.insertSuite(suite, checks, options.actor, at());
    if (options.jobId !== null) this.repo.setSuiteJob(suite, options.jobId);
    const runId = this.repo.openRun(suite, appliance.serial, appliance.site, at());
    const pool = this.net.sharedPool();
    const route = this.net.routeFor(appliance);
    for (const [position, check] of checks.entries()) {
      const { result, stopped } = await runCheck(pool, route, check, options.timeoutMs, options.signal, this.deps.clock);
      this.repo.putResult(runId, position, result);
      if (stopped) break;
    }
    const results = this.repo.run(runId)?.results ?? [];
    const status = worstHealth(results.map((r) => r.status));
    this.repo.finishRun(runId, status, at());
    this.deps.events.emit('finished', { runId, serial: appliance.serial, site: appliance.site, status });
    return this.mustRun(runId);
  }

  private mustRun(id: number): DiagRun {
    const run = this.repo.run(id);
    if (!run) throw new FleetError('E_NOT_FOUND', `There is no diagnostics run ${id}.`, { missing: [String(id)] });
    return run;
  }

  compare(serial: string, runId?: number): Comparison {
    this.inventory.appliance(serial);
    const run = runId !== undefined ? this.mustRun(runId) : (this.repo.runs({ serial }, 1)[0] ?? null);
    if (run && run.serial !== serial) throw new FleetError('E_VALIDATION', `Run ${run.id} is of ${run.serial}, not ${serial}.`);
    const lastGood = run ? (this.repo.lastGood(serial, run.id) ?? null) : null;
    return { serial, run, lastGood, changes: run ? changesBetween(lastGood, run) : [] };
  }

  // -------------------------------------------------------------------------------------------
  // Reading appliances directly (bundles, drift): short, read-only, through the shared pool.

  private async ocactl<C extends OcactlCommand>(appliance: Appliance, command: C, argv: string[], timeoutMs: number): Promise<OcactlResult<C>> {
    const r = await this.net.sharedPool().exec(this.net.routeFor(appliance), ['ocactl', ...argv], { timeoutMs, maxOutputBytes: MAX_REPLY_BYTES, failOnOverflow: true });
    return parseOcactlReply(command, r.stdout);
  }

  async bundle(input: { serial?: string | undefined; site?: string | undefined; out?: string | undefined; logLimit: number; inline?: boolean }): Promise<BundleReport> {
    const appliances = input.serial !== undefined ? [this.inventory.appliance(input.serial)] : this.siteAppliances(input.site!);
    const name = input.serial ?? input.site!;
    const stamp = isoAt(this.deps.clock).replace(/[:.]/g, '-');
    const top = `fleetdeck-diag-${name}-${stamp}`;
    const path = resolve(input.out ?? join(this.deps.dataDir, 'bundles', `${top}.tar.gz`));
    mkdirSync(dirname(path), { recursive: true });
    await this.net.checkCredentials();
    const timeoutMs = this.net.settings().commandTimeoutMs;
    const unreachable: BundleReport['unreachable'] = [];
    const perAppliance = new Map<string, BundleEntry[]>();
    await eachLimited(appliances, 8, async (a) => {
      const { appliance, site } = this.inventory.getAppliance(a.serial);
      const entries: BundleEntry[] = [{ name: `${a.serial}/inventory.json`, content: { appliance, site } }];
      const errors: Array<{ command: string; code: string; message: string }> = [];
      for (const [file, command, argv] of [
        ['status.json', 'status', ['status']],
        ['config.json', 'config get', ['config', 'get']],
        ['bgp.json', 'bgp status', ['bgp', 'status']],
        ['logs.json', 'logs', ['logs', '--limit', String(input.logLimit)]],
      ] as const) {
        if (errors.some((e) => e.code === 'E_UNREACHABLE' || e.code === 'E_TIMEOUT' || e.code === 'E_HOSTKEY_MISMATCH')) break;
        try {
          entries.push({ name: `${a.serial}/${file}`, content: await this.ocactl(a, command, [...argv], timeoutMs) });
        } catch (err) {
          if (!(err instanceof FleetError) && !(err instanceof ApplianceReplyError)) throw err;
          errors.push({ command: `ocactl ${argv.join(' ')}`, code: err.code, message: err.message });
        }
      }
      if (errors.length) {
        entries.push({ name: `${a.serial}/errors.json`, content: errors });
        unreachable.push({ serial: a.serial, code: errors[0]!.code, message: errors[0]!.message });
      }
      entries.push({ name: `${a.serial}/diagnostics.json`, content: this.repo.runs({ serial: a.serial }, 10) });
      entries.push({ name: `${a.serial}/health.json`, content: this.health.appliance(a.serial) });
      perAppliance.set(a.serial, entries);
    });
    const manifest = {
      kind: 'fleetdeck diagnostics bundle',
      subject: input.serial !== undefined ? { serial: input.serial } : { site: input.site },
      createdAt: isoAt(this.deps.clock),
      appliances: appliances.map((a) => a.serial),
      unreachable,
      note: 'Secrets are replaced by [REDACTED]. Each appliance has inventory, status, config, bgp, logs, diagnostics (its last 10 runs) and health (with the history this engine holds).',
    };
    const entries = [{ name: 'manifest.json', content: manifest }, ...appliances.flatMap((a) => perAppliance.get(a.serial) ?? [])];
    const written = await writeBundle(path, top, entries, new Date(this.deps.clock.now()));
    this.deps.log.info('diagnostics bundle written', { path, appliances: appliances.length, redactions: written.redactions });
    const bytes = (await stat(path)).size;
    const report: BundleReport = { path, bytes, files: written.files, appliances: appliances.length, unreachable, redactions: written.redactions };
    if (input.inline) {
      if (bytes > MAX_INLINE_BUNDLE) throw new FleetError('E_TOO_LARGE', `The bundle is ${bytes} bytes, too large to hand to a window; it is at ${path}.`, { bytes, limit: MAX_INLINE_BUNDLE });
      report.base64 = (await readFile(path)).toString('base64');
    }
    return report;
  }

  private siteAppliances(site: string): Appliance[] {
    const targets = this.jobs.select({ query: { site: [site] } });
    if (targets.length === 0) throw new FleetError('E_NOT_FOUND', `Site ${site} has no appliances in the inventory.`, { missing: [site] });
    return targets.map((t) => this.inventory.appliance(t.serial));
  }

  async drift(input: { selection: unknown; concurrency: number; timeoutMs: number | null }): Promise<DriftReport> {
    const targets = this.jobs.select(input.selection);
    if (targets.length === 0) throw new FleetError('E_VALIDATION', 'The selection matches no appliance; nothing was read.');
    await this.net.checkCredentials();
    const timeoutMs = input.timeoutMs ?? this.net.settings().commandTimeoutMs;
    const observed: Observed[] = [];
    const unreachable: DriftReport['unreachable'] = [];
    await eachLimited(targets, input.concurrency, async (t) => {
      const { appliance, site } = this.inventory.getAppliance(t.serial);
      try {
        observed.push({ appliance, site, config: await this.ocactl(appliance, 'config get', ['config', 'get'], timeoutMs) });
      } catch (err) {
        if (!(err instanceof FleetError) && !(err instanceof ApplianceReplyError)) throw err;
        unreachable.push({ serial: t.serial, site: t.site, code: err.code, message: err.message });
      }
    });
    unreachable.sort((a, b) => a.site.localeCompare(b.site) || a.serial.localeCompare(b.serial));
    return {
      at: isoAt(this.deps.clock),
      checked: observed.length,
      sources: [...this.driftSources.map((s) => s.name), 'peers'],
      drifted: compareFleet(observed, this.driftSources),
      unreachable,
    };
  }
}

/** Per check (in the suite's order), what changed from `before` (the last good run) to `after`. */
export function changesBetween(before: DiagRun | null, after: DiagRun): CheckChange[] {
  const pick = (r: CheckResult | undefined) => (r ? { status: r.status, value: r.value, unit: r.unit, summary: r.summary } : null);
  return DIAG_CHECKS.filter((c) => after.results.some((r) => r.check === c) || before?.results.some((r) => r.check === c)).map((check) => {
    const b = before?.results.find((r) => r.check === check);
    const a = after.results.find((r) => r.check === check);
    const valueChange = a?.value != null && b?.value != null && b.value !== 0 ? Math.round(((a.value - b.value) / Math.abs(b.value)) * 1000) / 1000 : null;
    return { check, before: pick(b), after: pick(a), statusChanged: (a?.status ?? null) !== (b?.status ?? null), valueChange };
  });
}
