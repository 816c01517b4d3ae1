/**
 * One life of the engine in the jobs kill -9 test (main/jobs/kill9.test.ts): open the data dir
 * (which resumes a config-steps job left running, after reconciling its in-flight targets), or
 * start the job if there is none yet; wait for it to end; print its final state. The test kills
 * this process with SIGKILL at random points and starts it again.
 * argv: DATA_DIR SPEC_JSON
 */
import { createEngine } from '../../main/engine';
import { fileLogger } from '../../main/store/log';
import { openNodeVault } from '../../main/vault/node-vault';
import { join } from 'node:path';

export async function main(argv: string[]): Promise<number> {
  const [dataDir, specJson] = argv;
  if (!dataDir || !specJson) {
    process.stderr.write('usage: kill9-child.mjs tests/support/jobs-kill9-engine.ts DATA_DIR SPEC_JSON\n');
    return 2;
  }
  const vault = await openNodeVault(dataDir, { env: {} });
  const engine = createEngine({ dataDir, host: 'test', vault, log: fileLogger(join(dataDir, 'kill9.log'), () => Date.now()), resumeJobs: true });
  process.stdout.write('open\n');
  let job = engine.jobs.repo.list(1)[0];
  if (!job) {
    const started = await engine.jobs.start('config-steps', JSON.parse(specJson), engine.jobs.select({ all: true }), 'test:kill9');
    job = engine.jobs.repo.job(started.id)!;
  }
  process.stdout.write(`job ${job.id}\n`);
  const ended = await engine.jobs.wait(job.id);
  process.stdout.write(JSON.stringify({ state: ended.state, ok: ended.progress.ok, failed: ended.progress.failed }) + '\n');
  engine.close();
  return ended.state === 'done' ? 0 : 1;
}
