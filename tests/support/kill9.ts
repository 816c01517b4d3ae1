/**
 * The kill -9 loop the crash tests share (main/jobs/kill9.test.ts, main/rollouts/kill9.test.ts,
 * main/fills/exec/kill9.test.ts): start an engine program in a child process, wait for its `open`
 * line, SIGKILL it after a random delay (seeded), start it again, and so on until one life ends by
 * itself. Each test's engine program is a TypeScript module exporting `main(argv)`, run through
 * tests/support/kill9-child.mjs (tsx). The test then checks the appliances' own state and the
 * SQLite file (integrityCheck).
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { seededRng } from '../../main/kit/time';
import { DB_FILE } from '../../main/store/db';

const REPO = resolve(import.meta.dirname, '../..');
const CHILD = join(REPO, 'tests/support/kill9-child.mjs');

/** The seed of a kill -9 test: KILL9_SEED to replay a failure, else a new one each run (printed by the test). */
export const KILL9_SEED = Number(process.env['KILL9_SEED'] ?? Date.now() % 100_000);

export interface Life {
  killed: boolean;
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface KillLoopOptions {
  /** The engine program: a module path relative to the repository, exporting `main(argv): Promise<number>`. */
  program: string;
  args: readonly string[];
  seed: number;
  /** Each life is killed a random 0..killWithinMs after it prints `open` (unless it ends first). */
  killWithinMs: number;
  /** Give up after this many lives (the test then fails: the work never completed). */
  maxLives: number;
  /**
   * After this many kills the next life is left to end by itself: on a loaded machine an engine
   * takes seconds to start, and a life may too often be killed before the work can progress; this
   * bounds the test's time without making it depend on the machine's speed. Default: no bound.
   */
  maxKills?: number;
  /** A life that neither ends nor is killed within this is a hang: the loop fails with its output. */
  lifeTimeoutMs: number;
}

export interface KillLoopResult {
  /** Lives ended by SIGKILL. */
  kills: number;
  /** The life that ended by itself, or null when maxLives ran out. */
  final: Life | null;
  lives: number;
}

/**
 * One life of the engine program: killed `killAfterMs` after its `open` line, or left to end (null).
 * `arm`, when given, is handed a kill function as the child starts (a test kills at the exact
 * moment something happens, e.g. an appliance takes a command); it returns its disarm.
 */
export function live(opts: Pick<KillLoopOptions, 'program' | 'args' | 'lifeTimeoutMs'>, killAfterMs: number | null, arm?: (kill: () => void) => () => void): Promise<Life> {
  return new Promise((resolveLife, reject) => {
    const child = spawn(process.execPath, [CHILD, join(REPO, opts.program), ...opts.args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    const life: Life = { killed: false, code: null, stdout: '', stderr: '' };
    const disarm = arm?.(() => {
      if (child.exitCode === null && child.signalCode === null) {
        life.killed = true;
        child.kill('SIGKILL');
      }
    });
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`an engine life did not end in ${opts.lifeTimeoutMs / 1000} s:\n${life.stdout}\n${life.stderr}`));
    }, opts.lifeTimeoutMs);
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
      disarm?.();
      life.code = code;
      resolveLife(life);
    });
  });
}

/** Kill the engine at random points of its lives until one life completes the work (or maxLives). */
export async function killLoop(opts: KillLoopOptions): Promise<KillLoopResult> {
  const rng = seededRng(opts.seed);
  let kills = 0;
  let lives = 0;
  while (lives < opts.maxLives) {
    lives++;
    // Kill at a random point of this life (startup, reconcile, mid-step), until it completes. The
    // first life is killed early (within 100 ms of opening), so that every run survives at least one
    // kill however fast the machine does the work; how many more depends on the machine's speed.
    const delay = Math.floor(rng.next() * (lives === 1 ? Math.min(100, opts.killWithinMs) : opts.killWithinMs));
    const life = await live(opts, kills >= (opts.maxKills ?? Infinity) ? null : delay);
    if (!life.killed) return { kills, final: life, lives };
    kills++;
  }
  return { kills, final: null, lives };
}

/** SQLite's integrity_check of the data dir's database: 'ok' when sound. */
export function integrityCheck(dataDir: string): string {
  const db = new Database(join(dataDir, DB_FILE), { readonly: true });
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}
