/**
 * One life of the engine in the provisioning kill -9 test (main/provisioning/kill9.test.ts): open
 * the data dir (which resumes a provision job left running, the step under way reconciled with
 * what each appliance reports), or start provisioning the site with its factory passwords rotated
 * into the vault if no job exists yet; wait for the job to end; print its final state. The test
 * kills this process with SIGKILL at chosen and random points and starts it again.
 * argv: DATA_DIR SITE
 */
import { join } from 'node:path';
import { createEngine } from '../../main/engine';
import { fileLogger } from '../../main/store/log';
import { openNodeVault } from '../../main/vault/node-vault';

export async function main(argv: string[]): Promise<number> {
  const [dataDir, site] = argv;
  if (!dataDir || !site) {
    process.stderr.write('usage: kill9-child.mjs tests/support/provisioning-kill9-engine.ts DATA_DIR SITE\n');
    return 2;
  }
  const vault = await openNodeVault(dataDir, { env: {} });
  const engine = createEngine({ dataDir, host: 'test', vault, log: fileLogger(join(dataDir, 'kill9.log'), () => Date.now()), resumeJobs: true });
  process.stdout.write('open\n');
  let id = engine.jobs.repo.list(1)[0]?.id;
  if (id === undefined) id = (await engine.client({ actor: 'test:kill9' }).api.provisioning.start({ site, passwordLogin: 'rotate', concurrency: 2 })).id;
  process.stdout.write(`job ${id}\n`);
  const ended = await engine.jobs.wait(id);
  process.stdout.write(JSON.stringify({ state: ended.state, ok: ended.progress.ok, failed: ended.progress.failed }) + '\n');
  engine.close();
  return ended.state === 'done' && ended.progress.failed === 0 ? 0 : 1;
}
