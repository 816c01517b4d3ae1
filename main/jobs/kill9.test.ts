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
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../engine';
import { DB_FILE } from '../store/db';
import type { FaultId } from '../lab/contract';
import { LabFleet } from '../lab/fleet';
import { configValue, type ConfigStepsSpec } from '../net/config-steps';
import { seededRng } from '../kit/time';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import { enrollLabFleet } from '../../tests/support/lab-inventory';

const REPO = resolve(import.meta.dirname, '../..');
const CHILD = join(REPO, 'tests/support/jobs-kill9-child.mjs');
const SIZE = 12;
const STEPS: ConfigStepsSpec['steps'] = [
  { key: 'hostname', value: 'kill9-a' },
  { key: 'interface.eth0.mtu', value: '1600' },
  { key: 'interface.mgmt0.mtu', value: '1400' },
  { key: 'interface.eth0.up', value: 'false' },
];
const SEED = Number(process.env['KILL9_SEED'] ?? Date.now() % 100_000);

interface Life {
  killed: boolean;
  code: number | null;
  stdout: string;
  stderr: string;
}

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

  /** One life of the engine: killed after `killAfterMs` from its "open" line, or left to end. */
  const live = (killAfterMs: number | null): Promise<Life> =>
    new Promise((resolveLife, reject) => {
      const spec = { steps: STEPS, concurrency: 4, perGroup: 1 };
      const child = spawn(process.execPath, [CHILD, dataDir, JSON.stringify(spec)], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      const life: Life = { killed: false, code: null, stdout: '', stderr: '' };
      const guard = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`an engine life did not end in 60 s:\n${life.stdout}\n${life.stderr}`));
      }, 60_000);
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

  it(`runs every step exactly once per appliance, in order, across random SIGKILLs (seed ${SEED})`, { timeout: 300_000 }, async () => {
    const rng = seededRng(SEED);
    let kills = 0;
    let final: Life | null = null;
    for (let life = 0; life < 80 && !final; life++) {
      // Kill at a random point of this life (startup, reconcile, mid-step), until it completes.
      const l = await live(Math.floor(rng.next() * 700));
      if (l.killed) kills++;
      else final = l;
    }
    expect(final, 'the job never completed').not.toBeNull();
    expect(final!.code, final!.stderr).toBe(0);
    expect(final!.stdout).toContain(`"state":"done","ok":${SIZE},"failed":0`);
    console.log(`kill9: job completed after ${kills} SIGKILLs (seed ${SEED})`);
    expect(kills).toBeGreaterThanOrEqual(5);

    // From the appliances themselves: each step's change exactly once, in the steps' order.
    for (const serial of serials) {
      const appliance = fleet.appliance(serial)!;
      const changes = appliance.state.logs.filter(([, , component, message]) => component === 'config' && message.startsWith('changed ')).map(([, , , m]) => m);
      expect(changes, `config changes on ${serial}`).toEqual(STEPS.map((s) => `changed ${s.key}`));
      const config = appliance.configGet();
      for (const s of STEPS) expect(configValue(config, s.key), `${s.key} on ${serial}`).toBe(s.value);
    }

    const db = new Database(join(dataDir, DB_FILE), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });
});
