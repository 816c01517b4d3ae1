/**
 * What a field engineer types first, through the real `fleetdeck` command on a fresh data dir with
 * the sample inventory and no lab: the top help shows the first steps and each command an example;
 * commands on a fleet nobody has polled yet say so instead of "nothing needs attention"; an empty
 * job list says how jobs are made instead of printing nothing.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runFleetdeck } from '../support/cli';
import { tempDir } from '../support/temp-dir';

describe('fleetdeck: the first commands on a fresh data dir', () => {
  let dir: string;
  const run = async (args: string[]) => {
    const r = await runFleetdeck(dir, args);
    expect(r.code, `fleetdeck ${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };

  beforeAll(async () => {
    dir = tempDir('first-steps-');
    await run(['inventory', 'import', join(REPO, 'resources/samples/sites.csv')]);
    await run(['inventory', 'import', join(REPO, 'resources/samples/appliances.csv')]);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shows the first steps under --help and an example under each command', async () => {
    const top = await run(['--help']);
    expect(top).toMatch(/First steps:\n\s+fleetdeck lab start --appliances 60 --sites 12\s+simulated appliances/);
    const jump = await run(['net', 'jump', 'add', '--help']);
    expect(jump).toContain('Add or change a jump host');
    expect(jump).toMatch(/Example:\n\s+fleetdeck net jump add bastion-gru bastion\.gru\.example --user ops/);
  });

  it('says that nobody has polled the fleet yet instead of "Nothing needs attention"', async () => {
    const actionable = await run(['health', 'actionable']);
    expect(actionable).not.toContain('Nothing needs attention');
    // The sample has 12 appliances, one in RMA (never polled by the monitor, so not counted).
    expect(actionable).toContain('None of the 11 appliances has been polled yet');
    expect(actionable).toContain('fleetdeck health poll');
    expect(await run(['health'])).toContain('None of the 11 appliances has been polled yet');
  });

  it('says how a job is made when there is none', async () => {
    expect((await run(['jobs', 'list'])).trim()).toMatch(/^No jobs yet: fleetdeck exec .* runs one/);
    expect(JSON.parse(await run(['jobs', 'list', '--json']))).toEqual([]);
  });
});
