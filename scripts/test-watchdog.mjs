// The test run's watchdog. Vitest times a test out by waiting on a timer in the worker: a worker
// whose main thread is blocked (a native deadlock, an Atomics.wait) never sees that timer, and the
// run waits for it until CI's own cap (90 minutes once). Here the run is watched from outside:
//
// - the default export is a Vitest reporter (in Vitest's main process, never blocked by a worker)
//   that appends what starts and ends, one JSON line each, to the file named by FLEETDECK_TEST_PROGRESS;
// - `runWatched` starts Vitest as its own process group with that reporter, reads the lines, and when
//   a test file has run longer than the file limit, or none of its tests finished for the stall
//   limit, names the file(s) and the test running, shows each worker's threads (and their native
//   stacks where gdb is installed), kills the whole run and returns a non-zero status with a sentence.
//
// Limits (seconds) from FLEETDECK_TEST_FILE_LIMIT_S (default 1800) and FLEETDECK_TEST_STALL_LIMIT_S
// (default 600: no test or hook may take longer than 180 s, vitest.config.ts).
// `node scripts/test-watchdog.mjs [vitest run args...]` runs `vitest run` watched (its test uses it).
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);

/** The Vitest reporter: one JSON line per file start/end and test start/end, appended to FLEETDECK_TEST_PROGRESS. */
export default class WatchdogReporter {
  constructor() {
    this.out = process.env.FLEETDECK_TEST_PROGRESS;
  }
  write(event) {
    if (this.out) appendFileSync(this.out, `${JSON.stringify({ ...event, at: Date.now() })}\n`);
  }
  // Queued is sent by the worker as it starts collecting the file, so a file blocked at import counts too.
  onTestModuleQueued(m) {
    this.write({ e: 'start', file: m.moduleId });
  }
  onTestCaseReady(t) {
    this.write({ e: 'test', file: t.module.moduleId, name: t.fullName });
  }
  onTestCaseResult(t) {
    this.write({ e: 'done', file: t.module.moduleId });
  }
  onTestModuleEnd(m) {
    this.write({ e: 'end', file: m.moduleId });
  }
  onTestRunEnd() {
    this.write({ e: 'run-end' });
  }
}

/** What the lines said so far: the files running (start, last test finished, test running) and the last event. */
export function emptyProgress(now) {
  return { running: new Map(), lastEventAt: now, ended: false };
}

export function applyEvent(progress, ev) {
  progress.lastEventAt = Math.max(progress.lastEventAt, ev.at);
  const file = ev.file;
  if (ev.e === 'start') progress.running.set(file, { startedAt: ev.at, lastDoneAt: ev.at, test: null });
  else if (ev.e === 'end') progress.running.delete(file);
  else if (ev.e === 'run-end') progress.ended = true;
  else {
    const f = progress.running.get(file);
    if (f && ev.e === 'test') f.test = ev.name;
    if (f && ev.e === 'done') f.lastDoneAt = ev.at;
  }
}

/**
 * The files past a limit at `now`: a file longer than fileLimitMs, or one in which no test finished
 * for stallLimitMs; with no file running, a run that said nothing for the longer of the two limits
 * (file null: Vitest itself stuck, starting or between files; its start takes many seconds on a loaded machine).
 */
export function overdue(progress, now, { fileLimitMs, stallLimitMs }) {
  const late = [];
  for (const [file, f] of progress.running) {
    if (now - f.startedAt > fileLimitMs) late.push({ file, test: f.test, reason: 'file', ms: now - f.startedAt });
    else if (now - f.lastDoneAt > stallLimitMs) late.push({ file, test: f.test, reason: 'stall', ms: now - f.lastDoneAt });
  }
  if (late.length === 0 && progress.running.size === 0 && !progress.ended && now - progress.lastEventAt > Math.max(fileLimitMs, stallLimitMs)) {
    late.push({ file: null, test: null, reason: 'stall', ms: now - progress.lastEventAt });
  }
  return late;
}

const minutes = (ms) => (ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 60_000).toFixed(1)} min`);

/** One sentence per overdue file. */
export function describeOverdue(late, { fileLimitMs, stallLimitMs }, cwd = process.cwd()) {
  return late.map(({ file, test, reason, ms }) => {
    if (file === null) return `no test file has started or ended for ${minutes(ms)} (limit ${minutes(Math.max(fileLimitMs, stallLimitMs))})`;
    const where = `${relative(cwd, file)}${test ? ` (running "${test}")` : ''}`;
    return reason === 'file'
      ? `${where} has run for ${minutes(ms)} (limit ${minutes(fileLimitMs)})`
      : `${where}: no test in it finished for ${minutes(ms)} (limit ${minutes(stallLimitMs)})`;
  });
}

/** Every process below `root` (Linux /proc; elsewhere none), parents first. */
function descendants(root) {
  if (!existsSync('/proc')) return [];
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const out = [];
  const walk = (pid) => {
    for (const c of children.get(pid) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

const readProc = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

/** Each process of the run; for Vitest's workers, each thread's state and kernel wait, and their main thread's native stack where gdb is installed. */
function showProcesses(vitestPid, pids, log) {
  const gdb = spawnSync('gdb', ['--version'], { stdio: 'ignore' }).status === 0;
  for (const pid of pids) {
    const cmd = readProc(`/proc/${pid}/cmdline`).split('\0').join(' ').trim();
    if (!cmd) continue;
    const worker = pid !== vitestPid && /vitest/.test(cmd);
    log(`  ${pid === vitestPid ? 'vitest' : worker ? 'vitest worker' : 'process'} ${pid}: ${cmd.slice(0, 200)}`);
    if (!worker) continue;
    for (const tid of existsSync(`/proc/${pid}/task`) ? readdirSync(`/proc/${pid}/task`) : []) {
      const stat = readProc(`/proc/${pid}/task/${tid}/stat`);
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      log(`    thread ${tid} ${readProc(`/proc/${pid}/task/${tid}/comm`).trim()}: state ${state}, waiting in ${readProc(`/proc/${pid}/task/${tid}/wchan`) || '?'}`);
    }
    if (!gdb) continue;
    const bt = spawnSync('gdb', ['-p', String(pid), '-batch', '-nx', '-ex', 'thread apply 1 bt 30'], { encoding: 'utf8', timeout: 60_000 });
    const lines = (bt.stdout ?? '').split('\n').filter((l) => /^#/.test(l));
    if (lines.length) log(`    main thread (gdb):\n${lines.map((l) => `      ${l}`).join('\n')}`);
  }
}

function killAll(child, pids) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // the group is gone
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

function envSeconds(name, fallback) {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v * 1000 : fallback;
}

/**
 * Runs `vitest run ...args` with the watchdog. Resolves with the exit status (124 when the watchdog
 * stopped it). The run is its own process group (so it can be killed whole); Ctrl-C and SIGTERM are
 * passed on to it.
 */
export function runWatched(args, { env = process.env, log = console.error } = {}) {
  const limits = {
    fileLimitMs: envSeconds('FLEETDECK_TEST_FILE_LIMIT_S', 30 * 60_000),
    stallLimitMs: envSeconds('FLEETDECK_TEST_STALL_LIMIT_S', 10 * 60_000),
  };
  const dir = mkdtempSync(join(tmpdir(), 'fleetdeck-test-progress-'));
  const progressFile = join(dir, 'progress.jsonl');
  const vitest = join(dirname(SELF), '../node_modules/vitest/vitest.mjs');
  // Reporters named on the command line replace the config's: keep Vitest's own output.
  const reporters = args.some((a) => a.startsWith('--reporter')) ? [] : ['--reporter=default'];
  const child = spawn(process.execPath, [vitest, 'run', ...reporters, `--reporter=${SELF}`, ...args], {
    stdio: 'inherit',
    detached: true,
    env: { ...env, FLEETDECK_TEST_PROGRESS: progressFile },
  });
  const forward = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // gone
    }
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, forward);

  const progress = emptyProgress(Date.now());
  let read = 0;
  const poll = () => {
    const text = existsSync(progressFile) ? readFileSync(progressFile, 'utf8') : '';
    const complete = text.slice(read, text.lastIndexOf('\n') + 1);
    read += complete.length;
    for (const line of complete.split('\n')) if (line) applyEvent(progress, JSON.parse(line));
    return overdue(progress, Date.now(), limits);
  };
  const pollMs = Math.min(5000, Math.max(200, Math.min(limits.fileLimitMs, limits.stallLimitMs) / 10));

  return new Promise((resolveStatus) => {
    let tripped = false;
    const timer = setInterval(() => {
      const late = poll();
      if (late.length === 0 || tripped) return;
      tripped = true;
      clearInterval(timer);
      const why = describeOverdue(late, limits);
      const banner = '!'.repeat(100);
      log(`\n${banner}\nWATCHDOG: ${why.join('; ')}.`);
      log('The processes of the run (a worker whose threads all wait in the kernel, futex_wait, is blocked):');
      const pids = descendants(child.pid);
      showProcesses(child.pid, [child.pid, ...pids], log);
      killAll(child, pids);
      log(`WATCHDOG: the test run was stopped: ${why.join('; ')}. Vitest cannot time out a test whose worker's main thread is blocked; find what blocks it in the stacks above.\n${banner}`);
    }, pollMs);
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      for (const s of signals) process.off(s, forward);
      rmSync(dir, { recursive: true, force: true });
      resolveStatus(tripped ? 124 : (code ?? (signal ? 1 : 0)));
    });
  });
}

if (process.argv[1] === SELF) {
  process.exitCode = await runWatched(process.argv.slice(2));
}
