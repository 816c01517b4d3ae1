/**
 * The kernel survives kill -9. A child process runs an engine with a multi-step job (config-steps:
 * four `ocactl config set` per appliance, in order, per-site limit) on a lab fleet that lives in
 * this process; the test kills the child with SIGKILL at random points, starts it again, and so on
 * until the job completes. Then, from the APPLIANCES' own state (their config change log and their
 * config), each appliance ran every step exactly once and in order: none repeated, none skipped.
 * The SQLite file passes integrity_check. Lab replies are slowed so kills land while steps are
 * under way on the appliance (the change made, the reply not yet back): exactly where a kernel
 * without reconcile would run a step twice.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../engine';
import type { FaultId } from '../lab/contract';
import { LabFleet } from '../lab/fleet';
import { configValue, type ConfigStepsSpec } from '../net/config-steps';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import { enrollLabFleet } from '../../tests/support/lab-inventory';
import { integrityCheck, KILL9_SEED as SEED, killLoop } from '../../tests/support/kill9';

const SIZE = 12;
const STEPS: ConfigStepsSpec['steps'] = [
  { key: 'hostname', value: 'kill9-a' },
  { key: 'interface.eth0.mtu', value: '1600' },
  { key: 'interface.mgmt0.mtu', value: '1400' },
  { key: 'interface.eth0.up', value: 'false' },
];

describe('jobs kernel under kill -9', () => {
  const root = mkdtempSync(join(tmpdir(), 'fleetdeck-kill9-'));
  const dataDir = join(root, 'data');
  let fleet: LabFleet;
  let serials: string[] = [];

  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    const vault = await openNodeVault(dataDir, { env: {} });
    const engine = createEngine({ dataDir, host: 'test', vault, log: silentLogger });
    try {
      const key = await engine.client().api.net.generateFleetKey({});
      fleet = await LabFleet.start({ dir: join(root, 'lab'), appliances: SIZE, sites: 4, seed: 11, speed: 1, authorizedKeys: key.publicKey, slowDelayMs: 120 });
      serials = enrollLabFleet(engine.inventory, fleet, { recordHostKeys: true });
    } finally {
      engine.close();
    }
    for (const s of serials) fleet.setFault(s, 'slow' as FaultId, true);
  });

  afterAll(async () => {
    await fleet?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it(`runs every step exactly once per appliance, in order, across random SIGKILLs (seed ${SEED})`, { timeout: 600_000 }, async () => {
    const spec = { steps: STEPS, concurrency: 4, perGroup: 1 };
    const { kills, final } = await killLoop({
      program: 'tests/support/jobs-kill9-engine.ts',
      args: [dataDir, JSON.stringify(spec)],
      seed: SEED,
      killWithinMs: 700,
      maxLives: 80,
      maxKills: 12,
      lifeTimeoutMs: 60_000,
    });
    expect(final, 'the job never completed').not.toBeNull();
    expect(final!.code, final!.stderr).toBe(0);
    expect(final!.stdout).toContain(`"state":"done","ok":${SIZE},"failed":0`);
    console.log(`kill9: job completed after ${kills} SIGKILLs (seed ${SEED})`);
    // At least the first life's early kill: how many more depends on how fast this machine does the work.
    expect(kills).toBeGreaterThanOrEqual(1);

    // From the appliances themselves: each step's change exactly once, in the steps' order.
    for (const serial of serials) {
      const appliance = fleet.appliance(serial)!;
      const changes = appliance.state.logs.filter(([, , component, message]) => component === 'config' && message.startsWith('changed ')).map(([, , , m]) => m);
      expect(changes, `config changes on ${serial}`).toEqual(STEPS.map((s) => `changed ${s.key}`));
      const config = appliance.configGet();
      for (const s of STEPS) expect(configValue(config, s.key), `${s.key} on ${serial}`).toBe(s.value);
    }

    expect(integrityCheck(dataDir)).toBe('ok');
  });
});
