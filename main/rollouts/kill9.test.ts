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
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_FILE } from '../store/db';
import { seededRng } from '../kit/time';
import { KEYGEN, startRolloutLab, type RolloutLab } from '../../tests/support/rollout-lab';

const REPO = resolve(import.meta.dirname, '../..');
const CHILD = join(REPO, 'tests/support/rollouts-kill9-child.mjs');
const VERSIONS = ['40.1.0', '40.2.0', '40.3.0'];
const SEED = Number(process.env['KILL9_SEED'] ?? Date.now() % 100_000);
const missing = !existsSync(KEYGEN);
if (missing) console.log(`SKIPPED: rollouts kill -9: ${KEYGEN} missing`);

interface Life {
  killed: boolean;
  code: number | null;
  stdout: string;
  stderr: string;
}

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

  const live = (killAfterMs: number | null): Promise<Life> =>
    new Promise((resolveLife, reject) => {
      const child = spawn(process.execPath, [CHILD, dataDir, JSON.stringify(VERSIONS)], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      const life: Life = { killed: false, code: null, stdout: '', stderr: '' };
      const guard = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`an engine life did not end in 120 s:\n${life.stdout}\n${life.stderr}`));
      }, 120_000);
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        const first = !life.stdout.includes('open\n');
        life.stdout += d;
        if (first && life.stdout.includes('open\n') && killAfterMs !== null) {
          setTimeout(() => {
            if (child.exitCode === null && child.signalCode === null) {
              life.killed = true;
              child.kill('SIGKILL');
            }
          }, killAfterMs);
        }
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => (life.stderr += d));
      child.once('close', (code) => {
        clearTimeout(guard);
        life.code = code;
        resolveLife(life);
      });
    });

  it(`every appliance gets each image exactly once, within the site limit, across random SIGKILLs (seed ${SEED})`, { timeout: 600_000 }, async () => {
    const rng = seededRng(SEED);
    let maxOut = 0;
    const sampler = setInterval(() => {
      for (const list of lab.outNow().values()) maxOut = Math.max(maxOut, list.length);
    }, 5);
    let kills = 0;
    let final: Life | null = null;
    try {
      for (let life = 0; life < 150 && !final; life++) {
        const l = await live(Math.floor(rng.next() * 2500));
        if (l.killed) kills++;
        else final = l;
      }
    } finally {
      clearInterval(sampler);
    }
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
    const db = new Database(join(dataDir, DB_FILE), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const states = db.prepare('SELECT state, COUNT(*) AS n FROM rollouts GROUP BY state').all() as Array<{ state: string; n: number }>;
      expect(states).toEqual([{ state: 'succeeded', n: VERSIONS.length }]);
      const firmware = db.prepare('SELECT DISTINCT firmware FROM appliances').all() as Array<{ firmware: string }>;
      expect(firmware).toEqual([{ firmware: VERSIONS.at(-1) }]);
    } finally {
      db.close();
    }
  });
});
