/**
 * One life of the engine in the rollouts kill -9 test (main/rollouts/kill9.test.ts): open the data
 * dir (which resumes a rollout's job left running, each appliance in flight reconciled with what it
 * reports), then go on with the list of rollouts: start the next one that is created, or create the
 * next (image `VERSIONS[i]`), and wait for each to end. Prints `done` when every rollout has ended.
 * The test kills this process with SIGKILL at random points and starts it again.
 * argv: DATA_DIR VERSIONS_JSON
 */
import { join } from 'node:path';
import { createEngine } from '../../main/engine';
import { fileLogger } from '../../main/store/log';
import { openNodeVault } from '../../main/vault/node-vault';
import { FINAL_ROLLOUT_STATES } from '../../main/rollouts/contract';

export async function main(argv: string[]): Promise<number> {
  const [dataDir, versionsJson] = argv;
  if (!dataDir || !versionsJson) {
    process.stderr.write('usage: kill9-child.mjs tests/support/rollouts-kill9-engine.ts DATA_DIR VERSIONS_JSON\n');
    return 2;
  }
  const versions = JSON.parse(versionsJson) as string[];
  const vault = await openNodeVault(dataDir, { env: {} });
  const engine = createEngine({ dataDir, host: 'test', vault, log: fileLogger(join(dataDir, 'kill9.log'), () => Date.now()), resumeJobs: true, rollouts: { pollMs: 40 } });
  const api = engine.client({ actor: 'test:kill9' }).api;
  process.stdout.write('open\n');
  for (;;) {
    const all = (await api.rollouts.list({ limit: 100 })).sort((a, b) => a.id - b.id);
    const open = all.find((r) => !FINAL_ROLLOUT_STATES.includes(r.state));
    if (open) {
      if (open.state === 'created') await api.rollouts.start({ id: open.id });
      const ended = await api.rollouts.wait({ id: open.id });
      process.stdout.write(`${JSON.stringify({ id: ended.id, state: ended.state, ...ended.counts, reason: ended.reason })}\n`);
      if (!FINAL_ROLLOUT_STATES.includes(ended.state)) {
        engine.close();
        return 1;
      }
      continue;
    }
    if (all.length >= versions.length) break;
    const total = (await api.inventory.listAppliances({ limit: 1 })).total;
    await api.rollouts.create({
      image: versions[all.length]!,
      selection: { all: true },
      canary: { kind: 'count', value: 1 },
      waves: { kind: 'percent', steps: [50, 100] },
      maxUnavailablePerSite: { kind: 'count', value: 1 },
      window: 'now',
      confirmCount: total,
      judgement: { observeSeconds: 0 },
    });
  }
  process.stdout.write('done\n');
  engine.close();
  return 0;
}
