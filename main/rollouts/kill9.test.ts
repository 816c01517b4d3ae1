/**
 * Rollouts survive kill -9. A child process runs an engine that creates, starts and follows a list
 * of rollouts (one image after another) on a lab fleet living in this process (fast clock); the
 * test kills the child with SIGKILL at random points (while staging, draining, rebooting,
 * verifying, committing, judging, between two rollouts) and starts it again until every rollout
 * has ended. Then, from the APPLIANCES' own logs and state: every appliance installed each image
 * exactly once (never activated twice, none skipped) and runs the last one, committed and serving;
 * no site ever had more than its limit out of service (sampled from the appliances all along,
 * dead engine or not); every rollout succeeded; the SQLite file passes integrity_check.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_FILE } from '../store/db';
import { KEYGEN, startRolloutLab, type RolloutLab } from '../../tests/support/rollout-lab';
import { integrityCheck, KILL9_SEED as SEED, killLoop, type KillLoopResult } from '../../tests/support/kill9';

const VERSIONS = ['40.1.0', '40.2.0', '40.3.0'];
const missing = !existsSync(KEYGEN);
if (missing) console.log(`SKIPPED: rollouts kill -9: ${KEYGEN} missing`);

describe.skipIf(missing)('rollouts under kill -9', () => {
  let lab: RolloutLab;
  let dataDir = '';
  beforeAll(async () => {
    lab = await startRolloutLab({ appliances: 8, sites: 2, speed: 600, seed: 3 });
    dataDir = lab.dataDir;
    for (const v of VERSIONS) await lab.image(v);
    lab.engine.close(); // the children own the data dir from here
  }, 60_000);
  afterAll(async () => {
    await lab?.fleet.stop();
    if (lab) rmSync(lab.root, { recursive: true, force: true });
  });

  it(`every appliance gets each image exactly once, within the site limit, across random SIGKILLs (seed ${SEED})`, { timeout: 600_000 }, async () => {
    let maxOut = 0;
    const sampler = setInterval(() => {
      for (const list of lab.outNow().values()) maxOut = Math.max(maxOut, list.length);
    }, 5);
    let result: KillLoopResult;
    try {
      result = await killLoop({
        program: 'tests/support/rollouts-kill9-engine.ts',
        args: [dataDir, JSON.stringify(VERSIONS)],
        seed: SEED,
        killWithinMs: 2500,
        maxLives: 150,
        maxKills: 20,
        lifeTimeoutMs: 120_000,
      });
    } finally {
      clearInterval(sampler);
    }
    const { kills, final } = result;
    expect(final, 'the rollouts never completed').not.toBeNull();
    expect(final!.code, final!.stderr).toBe(0);
    expect(final!.stdout).toContain('done');
    console.log(`rollouts kill9: ${VERSIONS.length} rollouts of ${lab.serials.length} appliances completed after ${kills} SIGKILLs (seed ${SEED})`);
    expect(kills).toBeGreaterThanOrEqual(5);
    expect(maxOut).toBeLessThanOrEqual(1);

    for (const serial of lab.serials) {
      const appliance = lab.fleet.appliance(serial)!;
      const installs = appliance.state.logs.filter(([, , component, message]) => component === 'firmware' && message.startsWith('installed ')).map(([, , , m]) => m.split(' ')[1]);
      expect(installs, `images installed on ${serial}`).toEqual(VERSIONS);
      const st = appliance.status();
      expect(st.firmware.runningVersion).toBe(VERSIONS.at(-1));
      expect(st.firmware.trial).toBe(false);
      expect(st.serving).toBe('serving');
    }
    expect(integrityCheck(dataDir)).toBe('ok');
    const db = new Database(join(dataDir, DB_FILE), { readonly: true });
    try {
      const states = db.prepare('SELECT state, COUNT(*) AS n FROM rollouts GROUP BY state').all() as Array<{ state: string; n: number }>;
      expect(states).toEqual([{ state: 'succeeded', n: VERSIONS.length }]);
      const firmware = db.prepare('SELECT DISTINCT firmware FROM appliances').all() as Array<{ firmware: string }>;
      expect(firmware).toEqual([{ firmware: VERSIONS.at(-1) }]);
    } finally {
      db.close();
    }
  });
});
