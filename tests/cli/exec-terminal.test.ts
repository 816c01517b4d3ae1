/**
 * `fleetdeck exec` and `fleetdeck jobs` as a person runs them: the real CLI process
 * (bin/fleetdeck.mjs) against a real lab of 30 appliances started with `fleetdeck lab start`.
 * On a pseudo-terminal (tests/cli/support/pty.ts): the progress bar, the y/N prompt for host keys
 * met for the first time, and Ctrl-C cancelling a job. Through plain pipes: no bar, no escape
 * codes, `--json` lines, exit statuses, and never a prompt.
 */
import { rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ApiClient } from '../../main/api/client';
import type { FaultId } from '../../main/lab/contract';
import { readManifest, type LabManifest } from '../../main/lab/manifest';
import { pidAlive } from '../../main/lab/service';
import { CLI, CLI_ENV, REPO, runFleetdeck, withDataDirApi, withDataDirEngine } from '../support/cli';
import { tempDir } from '../support/temp-dir';
import { plainText, ptyUnavailable, spawnInPty, type PtySession } from './support/pty';

const FLEET = 30;

const noPty = ptyUnavailable();
if (noPty) console.log(`SKIPPED fleetdeck exec on a terminal (the pipe tests still run): ${noPty}`);
/** A test that needs a pseudo-terminal. */
const onTerminal = noPty ? it.skip : it;

let root: string;
let dataDir: string;
let lab: LabManifest;
let serials: string[];

/** The CLI on this suite's data dir through plain pipes (tests/support/cli.ts). */
const cli = (args: string[], timeoutMs?: number) => runFleetdeck(dataDir, args, timeoutMs);

const terminals: PtySession[] = [];

/** The CLI on a fresh pseudo-terminal (killed after the test if it is still running). */
function terminal(args: string[]): PtySession {
  const session = spawnInPty([process.execPath, CLI, '--data-dir', dataDir, ...args], { cwd: REPO, env: CLI_ENV });
  terminals.push(session);
  return session;
}

/** The engine on the same data dir, in this process, for setting up and checking what the CLI did. */
const withApi = <T>(fn: (api: ApiClient['api']) => Promise<T>) => withDataDirApi(dataDir, fn);

async function setFault(targets: readonly string[], fault: FaultId, on: boolean): Promise<void> {
  await withApi(async (api) => {
    for (const serial of targets) await api.lab.setFault({ serial, fault, on });
  });
}

const fingerprintOf = (serial: string) => lab.appliances.find((a) => a.serial === serial)!.hostKeyFingerprint;

/** Forget the recorded host keys, as for appliances never contacted; returns the last audit id before. */
async function forgetHostKeys(targets: readonly string[]): Promise<number> {
  // A trusted key cannot be removed by an edit; the engine in-process can forget it (audited).
  await withDataDirEngine(dataDir, (engine) => {
    for (const serial of targets) engine.inventory.forgetHostKey(serial, 'test', 'test set-up: as never contacted');
  });
  return withApi(async (api) => (await api.inventory.audit({ limit: 1 }))[0]?.id ?? 0);
}

/** One frame of the bar as cli-progress draws it: cursor to column 1, the line, erase to its end. */
const FRAME = /\u001b\[1G (\S+) (\d+)\/(\d+) \| ok (\d+) failed (\d+) running (\d+) \| ([\d.]+)\/s \| ETA (\S+)\u001b\[0K/g;

interface Frame {
  bar: string;
  done: number;
  total: number;
  ok: number;
  failed: number;
  running: number;
  rate: number;
  eta: string;
}

function framesOf(raw: string): Frame[] {
  return [...raw.matchAll(FRAME)].map((m) => ({
    bar: m[1]!,
    done: Number(m[2]),
    total: Number(m[3]),
    ok: Number(m[4]),
    failed: Number(m[5]),
    running: Number(m[6]),
    rate: Number(m[7]),
    eta: m[8]!,
  }));
}

/** What `--json` prints for each appliance. */
const ResultLine = z.object({
  serial: z.string().regex(/^LAB\d{5}$/),
  ok: z.boolean(),
  state: z.enum(['ok', 'failed', 'cancelled', 'interrupted']),
  exitCode: z.number().int().nullable(),
  output: z.string().nullable(),
  stderr: z.string().nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
});
const SummaryLine = z.object({
  job: z.number().int().positive(),
  state: z.enum(['done', 'cancelled', 'interrupted']),
  total: z.number().int(),
  ok: z.number().int(),
  failed: z.number().int(),
  notRun: z.number().int(),
});

/** Every line of a --json run, each parsed and checked: per-appliance lines, then one summary. */
function jsonLines(stdout: string): { results: z.infer<typeof ResultLine>[]; summary: z.infer<typeof SummaryLine> } {
  const lines = stdout.trimEnd().split('\n');
  expect(lines.length).toBeGreaterThanOrEqual(2);
  const results = lines.slice(0, -1).map((line) => ResultLine.parse(JSON.parse(line)));
  return { results, summary: SummaryLine.parse(JSON.parse(lines.at(-1)!)) };
}

const JobShow = z.object({
  job: z.object({ id: z.number(), state: z.string(), retryOf: z.number().nullable(), progress: z.object({ ok: z.number(), total: z.number() }) }),
  summary: z.object({ notRun: z.array(z.object({ serial: z.string(), state: z.string() })) }),
  results: z.array(z.object({ serial: z.string(), state: z.string(), ok: z.boolean(), errorCode: z.string().nullable() })),
});

beforeAll(async () => {
  root = tempDir('fleetdeck-cli-tty-');
  dataDir = join(root, 'data');
  const started = await cli(['lab', 'start', '--appliances', String(FLEET), '--sites', '3'], 90_000);
  expect(started.stderr).toBe('');
  expect(started.code).toBe(0);
  lab = readManifest(join(dataDir, 'lab'))!;
  serials = lab.appliances.map((a) => a.serial).sort();
  expect(serials).toHaveLength(FLEET);
}, 120_000);

afterAll(async () => {
  const stopped = await cli(['lab', 'stop']).catch(() => null);
  if (lab && pidAlive(lab.pid)) process.kill(lab.pid, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
  expect(stopped?.stdout).toMatch(/Lab stopped/);
});

describe('fleetdeck exec on a terminal and through pipes (real CLI, lab of 30)', () => {
  let cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const session of terminals.splice(0)) session.kill();
    for (const undo of cleanup.reverse()) await undo();
    cleanup = [];
  });
  const withFault = async (targets: readonly string[], fault: FaultId) => {
    await setFault(targets, fault, true);
    cleanup.push(() => setFault(targets, fault, false));
  };
  const withForgottenKeys = async (targets: readonly string[]) => {
    const lastAudit = await forgetHostKeys(targets);
    cleanup.push(() =>
      withApi(async (api) => {
        for (const serial of targets) await api.inventory.updateAppliance({ serial, patch: { hostKeyFingerprint: fingerprintOf(serial) } });
      }),
    );
    return lastAudit;
  };

  onTerminal('draws a progress bar whose counter moves, with rate and ETA, and ends with a summary', async () => {
    // Two slow appliances, run last, hold the bar short of the end for a few seconds.
    const slow = serials.slice(-2);
    await withFault(slow, 'slow');
    const term = terminal(['exec', '--all', '--accept-new', '--concurrency', '4', '--', 'ocactl', 'status']);
    const { code } = await term.exit(60_000);
    expect(code, term.text).toBe(0);

    const frames = framesOf(term.output);
    expect(frames.length, term.output).toBeGreaterThanOrEqual(3);
    for (const f of frames) {
      expect(f.total).toBe(FLEET);
      // 40 cells, filled in proportion to done/total.
      expect(f.bar).toMatch(/^[█░]{40}$/);
      expect(f.bar.replaceAll('░', '').length).toBe(Math.round((f.done / FLEET) * 40));
      expect(f.ok + f.failed).toBe(f.done);
    }
    const done = frames.map((f) => f.done);
    expect(done).toEqual([...done].sort((a, b) => a - b)); // never goes back
    expect(new Set(done).size).toBeGreaterThanOrEqual(3); // 0, at least one step between, 30
    expect(frames[0]).toMatchObject({ done: 0, eta: '?' });
    expect(frames.at(-1)).toMatchObject({ done: FLEET, ok: FLEET, failed: 0, running: 0 });
    // While the slow two are out, the bar says so: every fast one done, two running.
    expect(frames).toContainEqual(expect.objectContaining({ done: FLEET - slow.length, running: slow.length }));
    const between = frames.filter((f) => f.done > 0 && f.done < FLEET);
    expect(between.length).toBeGreaterThan(0);
    for (const f of between) {
      expect(f.rate).toBeGreaterThan(0);
      expect(f.eta).toMatch(/^\d+s$/);
    }
    // The cursor is hidden while the bar draws and shown again before the summary.
    expect(term.output.indexOf('\u001b[?25l')).toBeLessThan(term.output.indexOf(' 0/30 |'));
    const shown = term.output.lastIndexOf('\u001b[?25h');
    expect(shown).toBeGreaterThan(term.output.lastIndexOf('30/30 |'));
    expect(plainText(term.output.slice(shown))).toMatch(/^job \d+ done: 30 ok, 0 failed of 30$/m);
  }, 90_000);

  it('through a pipe: no bar and no escape codes, a plain summary, exit status 0', async () => {
    const run = await cli(['exec', '--all', '--accept-new', '--', 'ocactl', 'status']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    for (const text of [run.stdout, run.stderr]) {
      expect(text).not.toContain('\u001b');
      expect(text).not.toMatch(/[█░]/);
    }
    expect(run.stdout.split('\n')[0]).toMatch(/^job \d+ done: 30 ok, 0 failed of 30$/);
  });

  it('--json prints one valid line per appliance, then a summary line; a failure makes the exit status 1', async () => {
    const broken = serials[3]!;
    await withFault([broken], 'malformed');
    const run = await cli(['exec', '--all', '--json', '--', 'ocactl', 'status']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toBe('');
    expect(run.stdout).not.toContain('\u001b');
    const { results, summary } = jsonLines(run.stdout);
    expect(results.map((r) => r.serial).sort()).toEqual(serials); // each appliance exactly once
    for (const r of results) {
      if (r.serial === broken) {
        expect(r).toMatchObject({ ok: false, state: 'failed', errorCode: 'E_BAD_REPLY' });
        expect(r.errorMessage).toMatch(/\S/);
      } else {
        expect(r).toMatchObject({ ok: true, state: 'ok', exitCode: 0, errorCode: null, errorMessage: null });
        // The output is the appliance's own ocactl reply, about itself.
        expect(JSON.parse(r.output!)).toMatchObject({ ok: true, command: 'status', result: { serial: r.serial } });
      }
    }
    expect(summary).toMatchObject({ state: 'done', total: FLEET, ok: FLEET - 1, failed: 1, notRun: 0 });
  });

  it('documents its exit statuses in --help', async () => {
    for (const command of [['exec'], ['jobs', 'retry']]) {
      const help = await cli([...command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/Exit status:\n\s+0\s+every appliance succeeded\n\s+1\s+an appliance failed.*\n\s+130\s+cancelled with Ctrl-C/);
    }
  });

  onTerminal('first contact on a terminal: shows each SHA256 fingerprint; n refuses and records nothing', async () => {
    const targets = serials.slice(0, 2);
    const lastAudit = await withForgottenKeys(targets);
    const term = terminal(['exec', '--serial', targets[0]!, '--serial', targets[1]!, '--serial', serials[2]!, '--', 'ocactl', 'status']);
    await term.waitFor(/\[y\/N\] $/);
    expect(term.text).toContain('First contact with 2 appliance(s)');
    for (const serial of targets) expect(term.text).toContain(`  ${serial}  ${fingerprintOf(serial)}`);
    term.write('n\r');
    const { code } = await term.exit();
    expect(code, term.text).toBe(1);
    expect(term.text).toContain('Not trusted; nothing was recorded.');
    expect(term.text).toMatch(/^job \d+ done: 1 ok, 2 failed of 3$/m);
    for (const serial of targets) expect(term.text).toContain(`failed ${serial}: E_HOSTKEY_UNKNOWN First contact with ${serial}`);
    await withApi(async (api) => {
      for (const serial of targets) expect((await api.inventory.getAppliance({ serial })).appliance.hostKeyFingerprint).toBeNull();
      expect((await api.inventory.audit({ limit: 10 })).filter((e) => e.id > lastAudit)).toEqual([]);
    });
  });

  onTerminal('first contact on a terminal: Ctrl-C at the prompt is a no', async () => {
    const target = serials[4]!;
    await withForgottenKeys([target]);
    const term = terminal(['exec', '--serial', target, '--', 'ocactl', 'status']);
    await term.waitFor(/\[y\/N\] $/);
    term.interrupt();
    const { code } = await term.exit();
    expect(code, term.text).toBe(1);
    expect(term.text).toContain('Not trusted; nothing was recorded.');
    await withApi(async (api) => expect((await api.inventory.getAppliance({ serial: target })).appliance.hostKeyFingerprint).toBeNull());
  });

  onTerminal('first contact on a terminal: y trusts the keys (inventory and audit log, with the actor) and runs on them', async () => {
    const targets = serials.slice(5, 7);
    const lastAudit = await withForgottenKeys(targets);
    const term = terminal(['exec', '--serial', targets[0]!, '--serial', targets[1]!, '--', 'ocactl', 'status']);
    await term.waitFor(/\[y\/N\] $/);
    term.write('y\r');
    const { code } = await term.exit();
    expect(code, term.text).toBe(0);
    const [first, retry] = [...term.text.matchAll(/^job (\d+) done: (\d+) ok, (\d+) failed of 2$/gm)].map((m) => m.slice(1).map(Number));
    expect(first).toEqual([expect.any(Number), 0, 2]);
    expect(retry).toEqual([first![0]! + 1, 2, 0]);
    await withApi(async (api) => {
      const entries = (await api.inventory.audit({ limit: 20 })).filter((e) => e.id > lastAudit);
      for (const serial of targets) {
        expect((await api.inventory.getAppliance({ serial })).appliance.hostKeyFingerprint).toBe(fingerprintOf(serial));
        const entry = entries.find((e) => e.target === `appliance:${serial}`);
        expect(entry).toMatchObject({ actor: `cli:${userInfo().username}`, action: 'appliance.update' });
        expect(JSON.stringify(entry!.details)).toContain(fingerprintOf(serial));
      }
    });
  });

  it('first contact without a terminal: never asks, reports E_HOSTKEY_UNKNOWN with the fingerprint', async () => {
    const target = serials[7]!;
    await withForgottenKeys([target]);
    const run = await cli(['exec', '--serial', target, '--', 'ocactl', 'status'], 30_000);
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).not.toMatch(/\[y\/N\]|First contact with 1 appliance/);
    expect(run.stderr).toContain(`${target}: E_HOSTKEY_UNKNOWN First contact with ${target}: it presents the ssh-ed25519 key ${fingerprintOf(target)}`);
    expect(run.stdout).toMatch(/^job \d+ done: 0 ok, 1 failed of 1$/m);
    await withApi(async (api) => expect((await api.inventory.getAppliance({ serial: target })).appliance.hostKeyFingerprint).toBeNull());
  });

  onTerminal('Ctrl-C cancels a job mid-way: results already in are kept, the rest cancelled, and retry runs only those', async () => {
    await withFault(serials, 'slow');
    const term = terminal(['exec', '--all', '--concurrency', '2', '--', 'ocactl', 'status']);
    // Wait until the bar shows results, then press Ctrl-C while the next two are in flight.
    await term.waitFor((t) => framesOf(t.output).some((f) => f.done >= 2), 45_000);
    const seen = Math.max(...framesOf(term.output).map((f) => f.done));
    term.interrupt();
    const { code } = await term.exit(30_000);
    expect(code, term.text).toBe(130);
    const id = Number(/Cancelling job (\d+): results already in are kept/.exec(term.text)?.[1]);
    const line = new RegExp(`^job ${id} cancelled: (\\d+) ok, 0 failed, (\\d+) not run of 30$`, 'm').exec(term.text);
    expect(line, term.text).not.toBeNull();
    await setFault(serials, 'slow', false);

    const shown = await cli(['jobs', 'show', String(id), '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const { job, summary, results } = JobShow.parse(JSON.parse(shown.stdout));
    expect(job.state).toBe('cancelled');
    const ok = results.filter((r) => r.state === 'ok').map((r) => r.serial);
    const cancelled = results.filter((r) => r.state === 'cancelled').map((r) => r.serial);
    expect(ok.length).toBeGreaterThanOrEqual(seen); // nothing received before Ctrl-C is lost
    expect(ok.length).toBeGreaterThan(0);
    expect(ok.length + cancelled.length).toBe(FLEET); // the rest cancelled: none left pending or running
    expect([Number(line![1]), Number(line![2])]).toEqual([ok.length, cancelled.length]);
    expect(summary.notRun.map((n) => n.serial).sort()).toEqual([...cancelled].sort());

    const retried = await cli(['jobs', 'retry', String(id), '--json']);
    expect(retried.code, retried.stderr).toBe(0);
    const again = jsonLines(retried.stdout);
    expect(again.results.map((r) => r.serial).sort()).toEqual([...cancelled].sort());
    expect(again.results.every((r) => r.ok)).toBe(true);
    expect(again.summary).toMatchObject({ state: 'done', total: cancelled.length, ok: cancelled.length, failed: 0 });
    const retryJob = JobShow.parse(JSON.parse((await cli(['jobs', 'show', String(again.summary.job), '--json'])).stdout)).job;
    expect(retryJob.retryOf).toBe(id);
  }, 120_000);
});
