/**
 * One life of the engine in the fills kill -9 test (main/fills/exec/kill9.test.ts): open the data
 * dir (which resumes a `fills` job left running, each appliance in flight reconciled with what it
 * reports), prepare the fill run from the placement if there is none yet, start it if it is still
 * planned, wait for its job to end and print the run's final state. The engine's clock is the lab's
 * accelerated clock, rebuilt from the same (speed, labStart, realStart) as the test's lab.
 * argv: DATA_DIR PLACEMENT_FILE CLOCK_JSON
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine } from '../../main/engine';
import { LabClock } from '../../main/lab/model/clock';
import { fileLogger } from '../../main/store/log';
import { openNodeVault } from '../../main/vault/node-vault';
import type { SitePlacement } from '../../main/fills/placement-contract';

export async function main(argv: string[]): Promise<number> {
  const [dataDir, placementFile, clockJson] = argv;
  if (!dataDir || !placementFile || !clockJson) {
    process.stderr.write('usage: kill9-child.mjs tests/support/fills-kill9-engine.ts DATA_DIR PLACEMENT_FILE CLOCK_JSON\n');
    return 2;
  }
  const c = JSON.parse(clockJson) as { speed: number; labStart: number; realStart: number };
  const clock = new LabClock(c.speed, undefined, c.labStart, c.realStart);
  const vault = await openNodeVault(dataDir, { env: {} });
  const engine = createEngine({ dataDir, host: 'test', vault, clock, log: fileLogger(join(dataDir, 'kill9.log'), () => Date.now()), resumeJobs: true });
  const api = engine.client({ actor: 'test:kill9' }).api;
  process.stdout.write('open\n');
  let run = (await api.fills.listRuns({ limit: 1 }))[0];
  if (!run) {
    const placement = JSON.parse(readFileSync(placementFile, 'utf8')) as SitePlacement;
    const prepared = await api.fills.prepare({ placement, placementId: 'kill9' });
    process.stdout.write(`prepared ${prepared.id}\n`);
    run = (await api.fills.listRuns({ limit: 1 }))[0]!;
  }
  if (run.state === 'planned') {
    const started = await api.fills.run({ id: run.id, pollMs: 50 });
    process.stdout.write(`started ${run.id} as job ${started.jobId}\n`);
  }
  const jobId = (await api.fills.getRun({ id: run.id })).jobId!;
  const job = await engine.jobs.wait(jobId);
  const ended = await api.fills.getRun({ id: run.id });
  process.stdout.write(`${JSON.stringify({ run: ended.id, state: ended.state, job: job.state, phases: ended.progress.map((p) => p.phase) })}\n`);
  engine.close();
  return ended.state === 'done' ? 0 : 1;
}
