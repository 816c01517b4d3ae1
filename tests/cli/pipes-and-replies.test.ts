/**
 * The real `fleetdeck` process (bin/fleetdeck.mjs, from the build) against a real lab of 12, through
 * real pipes: a reader that goes away (`| head`), hostile text in an appliance's reply, site codes
 * typed in the wrong case, what the summary leaves out, and replies grouped by field.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readManifest, type LabManifest } from '../../main/lab/manifest';
import { pidAlive } from '../../main/lab/service';
import { CLI, CLI_ENV, REPO, runFleetdeck, withDataDirApi } from '../support/cli';
import { tempDir } from '../support/temp-dir';

const FLEET = 12;
let root: string;
let dataDir: string;
let lab: LabManifest;
let serials: string[];

const cli = (args: string[], timeoutMs?: number) => runFleetdeck(dataDir, args, timeoutMs);

/** Any escape or control character but newline and tab, raw (as a terminal would obey it). */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/**
 * `fleetdeck ...` with its stdout on a pipe whose reader closes: right away, or after `afterLines`
 * lines, as `| head -n N` does. Resolves with what was read, stderr and the exit status.
 */
function withClosingReader(args: string[], afterLines: number): Promise<{ read: string; stderr: string; code: number | null }> {
  const child = spawn(process.execPath, [CLI, '--data-dir', dataDir, ...args], { cwd: REPO, env: CLI_ENV, stdio: ['pipe', 'pipe', 'pipe'] });
  let read = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  if (afterLines === 0) child.stdout.destroy();
  else
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      read += d;
      if (read.split('\n').length > afterLines) child.stdout.destroy();
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fleetdeck ${args.join(' ')} did not end: ${stderr}`));
    }, 90_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ read, stderr, code });
    });
  });
}

beforeAll(async () => {
  root = tempDir('fleetdeck-cli-pipes-');
  dataDir = join(root, 'data');
  const started = await cli(['lab', 'start', '--appliances', String(FLEET), '--sites', '3'], 90_000);
  expect(started.stderr).toBe('');
  expect(started.code).toBe(0);
  lab = readManifest(join(dataDir, 'lab'))!;
  serials = lab.appliances.map((a) => a.serial).sort();
  // First contact once, so every later job runs on known host keys.
  const first = await cli(['exec', '--all', '--accept-new', '--', 'ocactl', 'status']);
  expect(first.code, first.stdout + first.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await cli(['lab', 'stop']).catch(() => null);
  if (lab && pidAlive(lab.pid)) process.kill(lab.pid, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('fleetdeck through real pipes (lab of 12)', () => {
  it('ends quietly when the reader of its output has gone away', async () => {
    for (const args of [['inventory', 'list', '--json'], ['jobs', 'show', '1', '--json'], ['--help']]) {
      const run = await withClosingReader(args, 0);
      expect(run.stderr, args.join(' ')).not.toMatch(/EPIPE|Error|\n\s+at /);
      expect(run.code, args.join(' ') + run.stderr).toBe(0);
    }
  });

  it('cancels the job it started when the reader goes away mid-job, and records it as cancelled', async () => {
    // One appliance at a time, and slow ones, so the reader is gone long before the job is done.
    await withDataDirApi(dataDir, async (api) => {
      for (const serial of serials.slice(4)) await api.lab.setFault({ serial, fault: 'slow', on: true });
    });
    try {
      const run = await withClosingReader(['exec', '--all', '--json', '--concurrency', '1', '--', 'ocactl', 'status'], 2);
      expect(run.stderr).not.toMatch(/EPIPE|\n\s+at /);
      expect(run.stderr).toMatch(/Output closed: cancelling job \d+/);
      const id = Number(/cancelling job (\d+)/.exec(run.stderr)![1]);
      await withDataDirApi(dataDir, async (api) => {
        const { job } = await api.jobs.get({ id });
        expect(job.state).toBe('cancelled');
        const { items } = await api.jobs.results({ id, limit: 100 });
        expect(items).toHaveLength(FLEET);
        // Every appliance is accounted for: run, or recorded as cancelled; none left pending or "interrupted".
        for (const r of items) expect(['ok', 'cancelled']).toContain(r.state);
        expect(items.filter((r) => r.state === 'cancelled').length).toBeGreaterThan(0);
      });
      expect(run.code).toBe(130);
    } finally {
      await withDataDirApi(dataDir, async (api) => {
        for (const serial of serials.slice(4)) await api.lab.setFault({ serial, fault: 'slow', on: false });
      });
    }
  }, 120_000);

  it('shows a hostile reply with its escape sequences escaped, the failed command\'s stderr, clipped', async () => {
    // The lab's shell echoes an unknown program's name on stderr: here one that retitles the
    // window, clears the screen and writes a fake all-clear over the line.
    const hostile = '\u001b]0;owned\u0007\u001b[2J\u001b[H\r\u009b31mALL OK' + 'x'.repeat(2000);
    const run = await cli(['exec', '--serial', serials[0]!, '--', hostile]);
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).not.toMatch(RAW_CONTROL);
    // The stderr is there, escaped, and clipped.
    expect(run.stdout).toMatch(/failed LAB\d{5}: E_EXIT exited with status 127: sh: 1: \\x1b\]0;owned\\x07\\x1b\[2J\\x1b\[H\\x0d\\u009b31mALL OKx+… \(\d+ more characters\)/);
    expect(Math.max(...run.stdout.split('\n').map((l) => l.length))).toBeLessThan(700);

    // --json keeps the reply, as valid JSON, still without raw control characters.
    const json = await cli(['exec', '--serial', serials[0]!, '--json', '--', hostile]);
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    const line = z.object({ stderr: z.string() }).parse(JSON.parse(json.stdout.split('\n')[0]!));
    expect(line.stderr).toContain(hostile.slice(0, 30));
  });

  it('matches site codes without case, suggests close ones, and names the data dir of an empty result', async () => {
    const site = lab.appliances[0]!.site;
    expect(site).toMatch(/[a-z]/);
    const upper = await cli(['exec', '--where', `site=${site.toUpperCase()}`, '--', 'ocactl', 'status']);
    expect(upper.stderr).toBe('');
    const count = lab.appliances.filter((a) => a.site === site).length;
    expect(upper.stdout).toMatch(new RegExp(`job \\d+ done: ${count} ok, 0 failed of ${count}`));

    const typo = await cli(['exec', '--where', `site=${site.slice(0, -1)}9`, '--', 'ocactl', 'status']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain(`no site "${site.slice(0, -1)}9" in ${dataDir}; did you mean`);
    expect(typo.stderr).toContain(site);

    const none = await cli(['inventory', 'list', '--text', 'no-such-appliance']);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain(`No appliances match, of ${FLEET} in ${dataDir}.`);
    const emptyDir = join(root, 'empty');
    const empty = await runFleetdeck(emptyDir, ['inventory', 'list']);
    expect(empty.stdout).toContain(`the inventory in ${emptyDir} is empty`);
  });

  it('says how many distinct replies the summary did not print', async () => {
    // `ocactl status` differs per appliance (uptime, disk): more distinct replies than are printed.
    const run = await cli(['exec', '--all', '--', 'ocactl', 'status']);
    expect(run.code).toBe(0);
    const m = /\.\.\. (?:at least )?(\d+) more distinct replies \((\d+) appliances\) not printed/.exec(run.stdout);
    expect(m, run.stdout).not.toBeNull();
    const printed = [...run.stdout.matchAll(/^\s+(\d+) × ok:/gm)].reduce((n, x) => n + Number(x[1]), 0);
    expect(printed + Number(m![2])).toBe(FLEET);
  });

  it('groups replies by firmware, health and serving state: the box that differs is one line', async () => {
    const odd = serials[3]!;
    const drained = await cli(['exec', '--serial', odd, '--', 'ocactl', 'drain']);
    expect(drained.code, drained.stdout + drained.stderr).toBe(0);
    try {
      const run = await cli(['exec', '--all', '--group-by', 'firmware,health,serving', '--', 'ocactl', 'status']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`${FLEET} replies in \\d+ group\\(s\\) by firmware, health, serving:`));
      const groups = [...run.stdout.matchAll(/^\s+(\d+) × firmware=(\S+) health=(\S+) serving=(\S+)\s+\[([^\]]+)\]/gm)];
      expect(groups.reduce((n, g) => n + Number(g[1]), 0)).toBe(FLEET);
      const oddGroup = groups.find((g) => g[5]!.includes(odd))!;
      expect(oddGroup[4]).not.toBe('serving');
      expect(Number(oddGroup[1])).toBe(1);

      // The same from the journal afterwards, as JSON.
      const id = Number(/job (\d+) done/.exec(run.stdout)![1]);
      const shown = await cli(['jobs', 'show', String(id), '--json', '--group-by', 'serving']);
      const parsed = z
        .object({ groups: z.object({ by: z.array(z.string()), groups: z.array(z.object({ values: z.array(z.string().nullable()), count: z.number(), serials: z.array(z.string()) })) }) })
        .parse(JSON.parse(shown.stdout));
      expect(parsed.groups.by).toEqual(['serving']);
      expect(parsed.groups.groups.find((g) => g.serials.includes(odd))!.values[0]).not.toBe('serving');
      expect(parsed.groups.groups.find((g) => g.values[0] === 'serving')!.count).toBe(FLEET - 1);
    } finally {
      await cli(['exec', '--serial', odd, '--', 'ocactl', 'undrain']);
    }
  });
});
