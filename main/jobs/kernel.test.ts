/**
 * The jobs kernel's scheduling and journal, through a real engine on a real SQLite file, with a
 * small kind whose "appliances" are in this process (so concurrency, waits and effects can be
 * observed exactly): global and per-site limits, steps in order, not-before waits, pause / resume /
 * cancel, the failure budget, and resume after a shutdown (reconcile first; a CLI-like host does
 * not resume by surprise). Fan-out exec over real SSH is covered by main/net/jobs*.test.ts and the
 * kill -9 test by main/jobs/kill9.test.ts.
 */
import { rmSync } from 'node:fs';
import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../engine';
import { silentLogger } from '../store/log';
import { memoryVault } from '../../tests/support/memory-vault';
import { tempDir } from '../../tests/support/temp-dir';
import { until } from '../../tests/support/wait';
import type { JobKind, StepOutcome, Target } from './kind';
import { failed, ok } from './kind';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const DemoSpec = z.object({
  steps: z.number().int().min(1),
  stepMs: z.number().int().default(15),
  /** After step 0, wait this long before step 1 (a window). */
  waitMs: z.number().int().default(0),
  failing: z.array(z.string()).default([]),
  concurrency: z.number().int().min(1),
  perGroup: z.number().int().nullable().default(null),
  maxFailures: z.number().int().nullable().default(null),
});
type DemoSpec = z.infer<typeof DemoSpec>;

/** Appliances in memory: the steps each has applied, and what runs now. */
class Bench {
  applied = new Map<string, number[]>();
  startedAt = new Map<string, number[]>();
  active = 0;
  maxActive = 0;
  activeBySite = new Map<string, number>();
  maxBySite = 0;
  site = new Map<string, string>();
  reconciles = 0;

  kind(): JobKind<DemoSpec> {
    return {
      name: 'demo',
      spec: DemoSpec,
      describe: (spec) => ['demo', String(spec.steps)],
      steps: (spec) => spec.steps,
      group: (t) => t.site,
      afterCrash: 'reconcile',
      open: async (spec) => ({
        act: async (step, target): Promise<StepOutcome> => {
          const site = this.site.get(target.serial)!;
          this.active++;
          this.activeBySite.set(site, (this.activeBySite.get(site) ?? 0) + 1);
          this.maxActive = Math.max(this.maxActive, this.active);
          this.maxBySite = Math.max(this.maxBySite, this.activeBySite.get(site)!);
          (this.startedAt.get(target.serial) ?? this.startedAt.set(target.serial, []).get(target.serial)!).push(Date.now());
          try {
            // The effect happens first, the reply later: a crash in between leaves it applied.
            if (spec.failing.includes(target.serial)) return failed('E_DEMO', `${target.serial} refused step ${step}.`);
            (this.applied.get(target.serial) ?? this.applied.set(target.serial, []).get(target.serial)!).push(step);
            await sleep(spec.stepMs);
            return ok({ output: `step ${step}`, context: { last: step }, ...(step === 0 && spec.waitMs ? { notBefore: Date.now() + spec.waitMs } : {}) });
          } finally {
            this.active--;
            this.activeBySite.set(site, this.activeBySite.get(site)! - 1);
          }
        },
        reconcile: async (step, target) => {
          this.reconciles++;
          return (this.applied.get(target.serial) ?? []).includes(step) ? 'done' : 'redo';
        },
      }),
    };
  }

  targets(sites: number, perSite: number): Target[] {
    const out: Target[] = [];
    for (let s = 0; s < sites; s++)
      for (let i = 0; i < perSite; i++) {
        const serial = `D${s}-${i}`;
        this.site.set(serial, `S${s}`);
        out.push({ serial, site: `S${s}`, partner: 'P' });
      }
    return out;
  }
}

describe('jobs kernel', () => {
  const dirs: string[] = [];
  const engines: Engine[] = [];
  const open = (dir: string, resumeJobs = true) => {
    const engine = createEngine({ dataDir: dir, host: 'test', vault: memoryVault(), log: silentLogger, checkOutputs: true, resumeJobs });
    engines.push(engine);
    return engine;
  };
  const fresh = (bench: Bench) => {
    const dir = tempDir();
    dirs.push(dir);
    const engine = open(dir);
    engine.jobs.register(bench.kind());
    return { dir, engine };
  };
  afterEach(() => {
    for (const e of engines.splice(0)) {
      try {
        e.close();
      } catch {
        // closed by the test
      }
    }
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('keeps the global and the per-site limits and runs each target’s steps in order', async () => {
    const bench = new Bench();
    const { engine } = fresh(bench);
    const job = await engine.jobs.start('demo', { steps: 3, concurrency: 4, perGroup: 1 }, bench.targets(3, 4), 'test');
    const done = await engine.jobs.wait(job.id);
    expect(done.state).toBe('done');
    expect(done.progress.ok).toBe(12);
    expect(done.argv).toEqual(['demo', '3']);
    expect(bench.maxBySite).toBe(1);
    expect(bench.maxActive).toBe(3);
    for (const steps of bench.applied.values()) expect(steps).toEqual([0, 1, 2]);

    const wide = new Bench();
    const second = fresh(wide);
    const job2 = await second.engine.jobs.start('demo', { steps: 2, concurrency: 4, perGroup: 2 }, wide.targets(3, 4), 'test');
    await second.engine.jobs.wait(job2.id);
    expect(wide.maxBySite).toBe(2);
    expect(wide.maxActive).toBe(4);
  });

  it('waits for a target’s not-before time between steps, journaled as pending', async () => {
    const bench = new Bench();
    const { engine } = fresh(bench);
    const job = await engine.jobs.start('demo', { steps: 2, concurrency: 2, waitMs: 1500 }, bench.targets(1, 1), 'test');
    // Step 0 ends when the machine lets it: wait for the journal to say so (the wait is long enough to be seen).
    const read = () => engine.db.prepare('SELECT state, step, not_before FROM job_results WHERE job_id = ?').get(job.id) as { state: string; step: number; not_before: string | null };
    const row = await until(() => (read().step === 1 ? read() : null), 'step 0 to end');
    expect(row).toMatchObject({ state: 'pending', step: 1 });
    expect(row.not_before).not.toBeNull();
    expect(bench.startedAt.get('D0-0')).toHaveLength(1);
    await engine.jobs.wait(job.id);
    const [first, second] = bench.startedAt.get('D0-0')!;
    expect(second! - first!).toBeGreaterThanOrEqual(1500);
  });

  it('pause starts nothing new until resume; cancel while paused ends the job keeping what ran', async () => {
    const bench = new Bench();
    const { engine } = fresh(bench);
    const client = engine.client();
    const job = await engine.jobs.start('demo', { steps: 2, concurrency: 1, stepMs: 30 }, bench.targets(1, 6), 'test');
    const applied = () => [...bench.applied.values()].flat().length;
    await until(() => applied() >= 1, 'the first step');
    const paused = await client.api.jobs.pause({ id: job.id });
    expect(paused.paused).toBe(true);
    await until(() => bench.active === 0, 'the step under way to finish');
    const frozen = applied();
    await sleep(200); // nothing may start while paused (a slow machine can only make this pass, not fail)
    expect(applied()).toBe(frozen);
    expect(bench.active).toBe(0);
    expect(frozen).toBeLessThan(12);
    const resumed = await client.api.jobs.resume({ id: job.id });
    expect(resumed.paused).toBe(false);
    await until(() => applied() > frozen, 'a step after resume');
    await client.api.jobs.pause({ id: job.id });
    await until(() => bench.active === 0, 'the step under way to finish');
    const cancelled = await client.api.jobs.cancel({ id: job.id });
    const ended = await engine.jobs.wait(cancelled.id);
    expect(ended.state).toBe('cancelled');
    expect(ended.paused).toBe(false);
    expect(ended.progress.ok + ended.progress.total - ended.progress.ok).toBe(6);
    const { summary } = await client.api.jobs.get({ id: job.id });
    expect(summary.notRun.length).toBeGreaterThan(0);
    expect(summary.passed.length).toBe(ended.progress.ok);
  });

  it('stops starting targets once the failure budget is spent', async () => {
    const bench = new Bench();
    const { engine } = fresh(bench);
    const targets = bench.targets(1, 10);
    const job = await engine.jobs.start('demo', { steps: 1, concurrency: 1, maxFailures: 1, failing: targets.slice(0, 5).map((t) => t.serial) }, targets, 'test');
    const done = await engine.jobs.wait(job.id);
    expect(done.state).toBe('cancelled');
    expect(done.progress.failed).toBe(2);
    expect(bench.applied.size).toBe(0);
    const { items } = await engine.client().api.jobs.results({ id: job.id });
    expect(items.filter((r) => r.errorCode === 'E_BUDGET')).toHaveLength(8);
  });

  it('after a shutdown, a CLI-like host leaves the job alone; a resuming host reconciles and finishes it without repeating a step', async () => {
    const bench = new Bench();
    const { dir, engine } = fresh(bench);
    const job = await engine.jobs.start('demo', { steps: 3, concurrency: 2, stepMs: 40 }, bench.targets(2, 3), 'test');
    await until(() => [...bench.applied.values()].flat().length >= 2 && bench.active > 0, 'steps under way');
    engine.close();
    const before = [...bench.applied.values()].flat().length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(18);

    // A host that does not resume (the CLI): the job stays running, nothing is run.
    const cli = open(dir, false);
    cli.jobs.register(bench.kind());
    cli.jobs.recover();
    await sleep(150);
    expect([...bench.applied.values()].flat().length).toBe(before);
    expect((await cli.client().api.jobs.get({ id: job.id })).job.state).toBe('running');
    cli.close();

    // A host that resumes: in-flight targets are reconciled, then the job goes on from the journal.
    const desktop = open(dir, true);
    desktop.jobs.register(bench.kind());
    desktop.jobs.recover();
    const done = await desktop.jobs.wait(job.id);
    expect(done.state).toBe('done');
    expect(done.progress.ok).toBe(6);
    expect(bench.reconciles).toBeGreaterThan(0);
    for (const steps of bench.applied.values()) expect(steps).toEqual([0, 1, 2]);
  });

  it('a kind registered by name loads when a job of it is resumed, listed or started; recover() waits for nothing else', async () => {
    const bench = new Bench();
    const { dir, engine } = fresh(bench);
    const job = await engine.jobs.start('demo', { steps: 3, concurrency: 2, stepMs: 40 }, bench.targets(2, 2), 'test');
    // Closed while a step is under way (applied, its reply not yet journaled): it is reconciled later.
    await until(() => bench.applied.size > 0, 'a first step');
    engine.close();
    expect([...bench.applied.values()].flat().length).toBeLessThan(12);

    // A resuming host that knows the kind by name only: recover() loads it, then resumes the job.
    const desktop = open(dir, true);
    let loads = 0;
    desktop.jobs.registerLater('demo', 'reconcile', async () => {
      loads++;
      await sleep(30); // a module loading
      desktop.jobs.register(bench.kind());
    });
    desktop.jobs.recover();
    expect(loads).toBe(1);
    // wait() waits for the job resumed once its kind has loaded, not the job as the journal left it.
    const done = await desktop.jobs.wait(job.id);
    expect(done.state).toBe('done');
    expect(done.argv).toEqual(['demo', '3']);
    expect(loads).toBe(1);
    expect(bench.reconciles).toBeGreaterThan(0);
    for (const steps of bench.applied.values()) expect(steps).toEqual([0, 1, 2]);

    // A host that does not resume reads the kind's afterCrash without loading it; a list loads it.
    const cli = open(dir, false);
    let cliLoads = 0;
    cli.jobs.registerLater('demo', 'reconcile', async () => {
      cliLoads++;
      cli.jobs.register(bench.kind());
    });
    cli.jobs.recover();
    expect(cliLoads).toBe(0);
    const api = cli.client().api;
    const [listed] = await Promise.all([api.jobs.list({}), api.jobs.get({ id: job.id })]);
    expect(listed.find((j) => j.id === job.id)?.argv).toEqual(['demo', '3']);
    expect(cliLoads).toBe(1);
  });

  it('refuses a kind whose registration by name promised another afterCrash', () => {
    const { engine } = fresh(new Bench());
    engine.jobs.registerLater('other', 'interrupted', () => Promise.resolve());
    expect(() => engine.jobs.register({ ...new Bench().kind(), name: 'other' })).toThrow(/registered by name as afterCrash 'interrupted' but is 'reconcile'/);
    expect(() => engine.jobs.registerLater('demo', 'reconcile', () => Promise.resolve())).toThrow(/registered twice/);
  });

  it('an explicit resume runs a job a non-resuming host found; a one-off exec job is not resumed', async () => {
    const bench = new Bench();
    const { dir, engine } = fresh(bench);
    const job = await engine.jobs.start('demo', { steps: 2, concurrency: 1, stepMs: 40 }, bench.targets(1, 4), 'test');
    await sleep(60);
    engine.close();
    const cli = open(dir, false);
    cli.jobs.register(bench.kind());
    cli.jobs.recover();
    await cli.client().api.jobs.resume({ id: job.id });
    expect((await cli.jobs.wait(job.id)).state).toBe('done');
    for (const steps of bench.applied.values()) expect(steps).toEqual([0, 1]);

    const exec = cli.jobs.repo.create('exec', 'test', { argv: ['uptime'], concurrency: 1, timeoutMs: null, acceptNew: false }, ['X1'], new Date().toISOString(), null);
    cli.db.prepare('UPDATE jobs SET owner_pid = NULL WHERE id = ?').run(exec);
    await expect(cli.client().api.jobs.resume({ id: exec })).rejects.toMatchObject({ code: 'E_CONFLICT' });
  });
});
