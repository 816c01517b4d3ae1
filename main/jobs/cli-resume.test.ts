/**
 * Which hosts resume jobs, through the real CLI: a multi-step job left running by an engine that
 * stopped is not resumed by an unrelated `fleetdeck` command (the CLI opens an engine per command),
 * and `fleetdeck jobs resume ID` reconciles it and runs it to the end, each step once per appliance.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../engine';
import type { FaultId } from '../lab/contract';
import { LabFleet } from '../lab/fleet';
import type { ConfigStepsSpec } from '../net/config-steps';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import { enrollLabFleet } from '../../tests/support/lab-inventory';
import { runFleetdeck } from '../../tests/support/cli';

const STEPS: ConfigStepsSpec['steps'] = [
  { key: 'hostname', value: 'cli-resume' },
  { key: 'interface.eth0.mtu', value: '1700' },
  { key: 'interface.mgmt0.mtu', value: '1300' },
];

describe('fleetdeck and jobs left running', () => {
  const root = mkdtempSync(join(tmpdir(), 'fleetdeck-cli-resume-'));
  const dataDir = join(root, 'data');
  let fleet: LabFleet;
  let serials: string[] = [];
  let jobId = 0;

  const changes = (serial: string) =>
    fleet
      .appliance(serial)!
      .state.logs.filter(([, , component, message]) => component === 'config' && message.startsWith('changed '))
      .map(([, , , m]) => m);

  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    const engine = createEngine({ dataDir, host: 'test', vault: await openNodeVault(dataDir, { env: {} }), log: silentLogger });
    try {
      const key = await engine.client().api.net.generateFleetKey({});
      fleet = await LabFleet.start({ dir: join(root, 'lab'), appliances: 4, sites: 2, seed: 3, speed: 1, authorizedKeys: key.publicKey, slowDelayMs: 150 });
      serials = enrollLabFleet(engine.inventory, fleet, { recordHostKeys: true });
      for (const s of serials) fleet.setFault(s, 'slow' as FaultId, true);
      const job = await engine.jobs.start('config-steps', { steps: STEPS, concurrency: 2 }, engine.jobs.select({ all: true }), 'test');
      jobId = job.id;
      const deadline = Date.now() + 10_000;
      while (changes(serials[0]!).length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    } finally {
      // Stops mid-job: the job stays running in the journal (as after a crash, minus the crash).
      engine.close();
    }
    // As if its process had died (this test process is alive and would count as its owner).
    const engine2 = createEngine({ dataDir, host: 'cli', vault: await openNodeVault(dataDir, { env: {} }), log: silentLogger });
    engine2.db.prepare('UPDATE jobs SET owner_pid = NULL WHERE id = ?').run(jobId);
    engine2.close();
  }, 60_000);

  afterAll(async () => {
    await fleet?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('an unrelated command does not resume it; jobs resume finishes it with each step once', { timeout: 120_000 }, async () => {
    const before = serials.map((s) => changes(s).length);
    expect(before.reduce((a, b) => a + b, 0)).toBeLessThan(serials.length * STEPS.length);

    const list = await runFleetdeck(dataDir, ['jobs', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${jobId}\\s+\\S+\\s+running`));
    await new Promise((r) => setTimeout(r, 300));
    expect(serials.map((s) => changes(s).length)).toEqual(before);

    const resumed = await runFleetdeck(dataDir, ['jobs', 'resume', String(jobId), '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    for (const s of serials) expect(changes(s), s).toEqual(STEPS.map((st) => `changed ${st.key}`));
    const show = await runFleetdeck(dataDir, ['jobs', 'show', String(jobId), '--json']);
    expect(JSON.parse(show.stdout).job).toMatchObject({ state: 'done', progress: { ok: serials.length } });
  });
});
