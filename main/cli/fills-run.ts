/**
 * `fleetdeck fills` — the execution side: turn a placement into a site's fill plan, run it, follow it.
 *
 *   fleetdeck fills run PLAN_ID [--site S] [--yes] [--out-of-cycle --max-gbps G --max-gb N --confirm COUNT] [--poll-ms MS] [--json]
 *   fleetdeck fills prepare --placement FILE.json [--out-of-cycle --max-gbps G --max-gb N] [--json]
 *   fleetdeck fills start RUN_ID [--yes] [--confirm COUNT] [--poll-ms MS] [--json]
 *   fleetdeck fills status [RUN_ID] [--site S] [--json]
 *
 * `run` takes a stored placement plan (fleetdeck fills plan), makes each site's fill plan against
 * what its appliances hold now and runs it; `prepare` + `start` do the same from a placement file.
 * The job runs in this process and is followed to its end: a byte progress bar on a terminal,
 * JSON lines with --json; Ctrl-C cancels (what has landed stays; `fleetdeck jobs retry JOB` goes on).
 */
import { readFile } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import type { ApiClient } from '../api/client';
import type { FillRun, FillRunSummary } from '../fills/exec/contract';
import type { SitePlacement } from '../fills/placement-contract';
import { FleetError } from '../kit/errors';
import { formatBytes } from '../kit/bytes';
import { action, dataDirOption, processIo, UsageError, withEngine, type Io } from './io';
import { ask } from './options';

/** Fill volumes: decimal units, as capacities are counted. */
const bytes = (n: number) => formatBytes(n, 'decimal');
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const EXIT_CANCELLED = 130;

function positive(value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('a positive number');
  return n;
}

function whole(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a whole number');
  return Number(value);
}

/** The plan, as a field engineer reads it: per appliance when it starts, at what rate, what moves. */
export function planLines(run: FillRun): string[] {
  const p = run.plan;
  const lines = [
    `Fill run ${run.id} for ${run.site} (${run.day}), ${run.state}${run.outOfCycle ? ', OUT OF CYCLE' : ''}`,
    p.outOfCycle
      ? `Starts ${p.windowStart} outside the fill window, at most ${p.outOfCycle.maxGbps} Gbps and ${bytes(p.outOfCycle.maxBytes)} per appliance`
      : `Window ${p.fillWindow} ${p.timezone}: ${p.windowStart} to ${p.windowEnd}; every appliance starts together`,
    `To fill ${bytes(p.totals.fillBytes)} (${bytes(p.totals.fromPeersBytes)} from peers, ${bytes(p.totals.fromOriginBytes)} from the origin), evict ${bytes(p.totals.evictBytes)}` +
      (p.totals.droppedItems ? `; DROPPED ${p.totals.droppedItems} items (${bytes(p.totals.droppedBytes)}) that do not fit, lowest value first` : '; nothing dropped'),
    `Forecast value held now ${bytes(p.totals.valueHeld)}/day, after the fill ${bytes(p.totals.valuePlanned)}/day, of a target ${bytes(p.totals.valueTarget)}/day`,
    `${pad('APPLIANCE', 12)} ${pad('MODEL', 8)} ${pad('GBPS', 5)} ${pad('ITEMS', 6)} ${pad('FILL', 10)} ${pad('EVICT', 10)} ${pad('DROPPED', 10)} ENDS`,
  ];
  for (const a of p.appliances) {
    lines.push(
      `${pad(a.serial, 12)} ${pad(a.model, 8)} ${pad(String(a.rateGbps), 5)} ${pad(String(a.fill.length), 6)} ${pad(bytes(a.fillBytes), 10)} ${pad(bytes(a.evictBytes), 10)} ${pad(a.dropped.items ? `${a.dropped.items} (${bytes(a.dropped.bytes)})` : '-', 10)} ${a.endAt}`,
    );
  }
  return lines;
}

function summaryLine(r: FillRunSummary): string {
  const pct = r.bytesTotal > 0 ? Math.floor((r.bytesDone / r.bytesTotal) * 100) : 100;
  return `${pad(String(r.id), 5)} ${pad(r.site, 8)} ${pad(r.state + (r.outOfCycle ? '*' : ''), 10)} ${pad(String(r.jobId ?? '-'), 6)} ${pad(`${bytes(r.bytesDone)}/${bytes(r.bytesTotal)} ${pct}%`, 24)} ${pad(`${r.verified}/${r.appliances}`, 9)} ${r.windowStart}`;
}

/** Follow a run's job to its end with a byte progress bar (TTY) or JSON lines; Ctrl-C cancels. */
async function follow(client: ApiClient, io: Io, run: FillRun, opts: { json: boolean; tty: boolean }): Promise<FillRun> {
  const total = run.plan.totals.fillBytes;
  const bar =
    opts.tty && !opts.json
      ? new cliProgress.SingleBar(
          { format: ' {bar} {percentage}% | {done} of {all} | {verified}/{appliances} verified', stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
      : null;
  bar?.start(Math.max(1, total), 0, { done: bytes(0), all: bytes(total), verified: 0, appliances: run.plan.appliances.length });
  let last = 0;
  const off = client.on('fills.progress', (p) => {
    if (p.runId !== run.id) return;
    last = p.bytesDone;
    bar?.update(Math.min(p.bytesDone, Math.max(1, total)), { done: bytes(p.bytesDone), all: bytes(total) });
    if (opts.json) io.out(JSON.stringify({ event: 'progress', ...p }));
  });
  const onSigint = () => {
    bar?.stop();
    io.err(`Cancelling fill run ${run.id} (job ${run.jobId}): what has landed stays.`);
    void client.api.jobs.cancel({ id: run.jobId! });
  };
  process.once('SIGINT', onSigint);
  try {
    await client.api.jobs.wait({ id: run.jobId! });
    const ended = await client.api.fills.getRun({ id: run.id });
    bar?.update(Math.max(1, total), { done: bytes(Math.max(last, ended.progress.reduce((s, p) => s + p.bytesDone, 0))), verified: ended.progress.filter((p) => p.phase === 'verified').length });
    return ended;
  } finally {
    process.off('SIGINT', onSigint);
    off();
    bar?.stop();
  }
}

export function fillsRunCommands(io: Io = processIo): Command[] {
  const prepare = new Command('prepare')
    .description("Make a site's fill plan from a placement (target contents per appliance) and what its appliances hold now")
    .requiredOption('--placement <file>', 'the placement as JSON: {site, day, appliances: [{serial, capacityBytes, items: [{contentId, bytes, value}]}]}')
    .option('--placement-id <id>', 'the placement plan it comes from (recorded with the run)')
    .option('--out-of-cycle', 'a hot release: start now, outside the fill window (needs --max-gbps and --max-gb)', false)
    .option('--max-gbps <gbps>', 'out of cycle: rate cap per appliance', positive)
    .option('--max-gb <gb>', 'out of cycle: at most this many GB per appliance', positive)
    .addOption(dataDirOption())
    .option('--json', 'the fill run (plan included) as JSON', false)
    .action(
      action(io, 'fills prepare', async (opts: { placement: string; placementId?: string; outOfCycle: boolean; maxGbps?: number; maxGb?: number; json: boolean }, cmd: Command) => {
        let placement: unknown;
        try {
          placement = JSON.parse(await readFile(opts.placement, 'utf8'));
        } catch {
          throw new UsageError(`cannot read a JSON placement from ${opts.placement}`);
        }
        if (opts.outOfCycle && (opts.maxGbps === undefined || opts.maxGb === undefined)) throw new UsageError('an out-of-cycle fill needs --max-gbps and --max-gb');
        await withEngine(cmd, async ({ api }) => {
          const run = await api.fills.prepare({
            placement: placement as SitePlacement,
            placementId: opts.placementId ?? null,
            outOfCycle: opts.outOfCycle ? { maxGbps: opts.maxGbps!, maxBytes: Math.round(opts.maxGb! * 1e9) } : null,
          });
          if (opts.json) return io.out(JSON.stringify(run));
          for (const line of planLines(run)) io.out(line);
          io.out(`Start it: fleetdeck fills start ${run.id}`);
        });
      }),
    );

  const start = new Command('start')
    .description('Start a prepared fill run: post the fills inside the window, follow them, verify each appliance holds what was asked')
    .argument('<id>', 'the fill run id (fleetdeck fills prepare)', whole)
    .option('--yes', 'start without asking (needed without a terminal)', false)
    .option('--confirm <count>', 'out of cycle: the number of appliances, typed back', whole)
    .option('--poll-ms <ms>', 'how often each fill is polled', whole, 5000)
    .addOption(dataDirOption())
    .option('--json', 'progress and the final run as JSON lines', false)
    .addHelpText(
      'after',
      '\nOn a terminal a progress bar shows the bytes filled; Ctrl-C cancels (what has landed stays; fleetdeck jobs retry JOB goes on).\n' +
        'Exit status: 0 every appliance verified; 1 an appliance failed or was not run; 130 cancelled.',
    )
    .action(
      action(io, 'fills start', async (id: number, opts: { yes: boolean; confirm?: number; pollMs: number; json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ client }) => {
          process.exitCode = await startRun(io, client, id, opts);
        });
      }),
    );

  const run = new Command('run')
    .description("Run a stored placement plan (fleetdeck fills plan): each site's fill plan against what its appliances hold now, run inside its window")
    .argument('<plan-id>', 'the plan id (fleetdeck fills plans)', whole)
    .option('--site <code>', 'only this site of the plan')
    .option('--yes', 'start without asking (needed without a terminal)', false)
    .option('--out-of-cycle', 'a hot release: start now, outside the fill window (needs --max-gbps, --max-gb and the count typed back)', false)
    .option('--max-gbps <gbps>', 'out of cycle: rate cap per appliance', positive)
    .option('--max-gb <gb>', 'out of cycle: at most this many GB per appliance', positive)
    .option('--confirm <count>', 'out of cycle: the number of appliances, typed back', whole)
    .option('--poll-ms <ms>', 'how often each fill is polled', whole, 5000)
    .addOption(dataDirOption())
    .option('--json', 'progress and each final run as JSON lines', false)
    .addHelpText('after', '\nExit status: 0 every appliance of every site verified; 1 an appliance failed or was not run; 130 cancelled.')
    .action(
      action(
        io,
        'fills run',
        async (
          planId: number,
          opts: { site?: string; yes: boolean; outOfCycle: boolean; maxGbps?: number; maxGb?: number; confirm?: number; pollMs: number; json: boolean },
          cmd: Command,
        ) => {
          if (opts.outOfCycle && (opts.maxGbps === undefined || opts.maxGb === undefined)) throw new UsageError('an out-of-cycle fill needs --max-gbps and --max-gb');
          await withEngine(cmd, async ({ client, api }) => {
            const plan = await api.fills.getPlan({ id: planId });
            const sites = plan.sites.map((s) => s.site).filter((s) => !opts.site || s.toLowerCase() === opts.site.toLowerCase());
            if (sites.length === 0) throw new UsageError(`plan ${planId} has no site ${opts.site ?? ''}`.trim());
            let status = 0;
            for (const site of sites) {
              const prepared = await api.fills.prepareFromPlan({
                site,
                planId,
                outOfCycle: opts.outOfCycle ? { maxGbps: opts.maxGbps!, maxBytes: Math.round(opts.maxGb! * 1e9) } : null,
              });
              const code = await startRun(io, client, prepared.id, opts);
              status = Math.max(status, code);
            }
            process.exitCode = status;
          });
        },
      ),
    );
  return [prepare, run, start, statusCommand(io)];
}

/** Start a prepared run (asking first on a terminal) and follow it; returns the exit status. */
async function startRun(io: Io, client: ApiClient, id: number, opts: { yes: boolean; confirm?: number; pollMs: number; json: boolean }): Promise<number> {
  const { api } = client;
  const tty = Boolean(process.stderr.isTTY) && Boolean(process.stdin.isTTY);
  const planned = await api.fills.getRun({ id });
  if (!opts.json) for (const line of planLines(planned)) io.out(line);
  let confirm = opts.confirm ?? null;
  if (planned.outOfCycle && confirm === null) {
    if (!tty) throw new FleetError('E_CONFIRM', `An out-of-cycle fill needs the number of appliances typed back: add --confirm ${planned.plan.appliances.length}.`);
    const typed = await ask(
      `Out of cycle on ${planned.plan.appliances.length} appliances of ${planned.site}: type the number of appliances to start (anything else cancels): `,
      `pass --confirm ${planned.plan.appliances.length} to start it without a prompt`,
    );
    if (!/^\d+$/.test(typed)) throw new FleetError('E_CONFIRM', 'Not confirmed; nothing was run.');
    confirm = Number(typed);
  } else if (!planned.outOfCycle && !opts.yes) {
    if (!tty) throw new UsageError('add --yes to start fills without a terminal');
    const answer = await ask(`Start fills on ${planned.plan.appliances.length} appliances of ${planned.site} (${bytes(planned.plan.totals.fillBytes)})? [y/N] `);
    if (answer !== 'y' && answer !== 'yes') {
      io.err('Not started.');
      return 1;
    }
  }
  const started = await api.fills.run({ id, confirm, pollMs: opts.pollMs });
  const ended = await follow(client, io, started, { json: opts.json, tty: Boolean(process.stderr.isTTY) });
  if (opts.json) io.out(JSON.stringify({ event: 'run', run: ended }));
  else {
    io.out(`Fill run ${ended.id}: ${ended.state}`);
    for (const p of ended.progress) io.out(`  ${pad(p.serial, 12)} ${pad(p.phase, 9)} ${bytes(p.bytesDone)}/${bytes(p.bytesTotal)}${p.retries ? ` (${p.retries} retries)` : ''}${p.message ? `  ${p.message}` : ''}`);
    if (ended.state !== 'done' && ended.jobId !== null) io.out(`retry what did not finish: fleetdeck jobs retry ${ended.jobId}`);
  }
  return ended.state === 'done' ? 0 : ended.state === 'cancelled' ? EXIT_CANCELLED : 1;
}

function statusCommand(io: Io): Command {
  return new Command('status')
    .description('Fill runs and their progress (one run in detail with ID)')
    .argument('[id]', 'a fill run id', whole)
    .option('--site <code>', 'runs of one site')
    .addOption(dataDirOption())
    .option('--json', 'as JSON', false)
    .action(
      action(io, 'fills status', async (id: number | undefined, opts: { site?: string; json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ api }) => {
          if (id !== undefined) {
            const r = await api.fills.getRun({ id });
            if (opts.json) return io.out(JSON.stringify(r));
            for (const line of planLines(r)) io.out(line);
            for (const p of r.progress) io.out(`  ${pad(p.serial, 12)} ${pad(p.phase, 9)} ${bytes(p.bytesDone)}/${bytes(p.bytesTotal)} ${p.rateGbps} Gbps${p.message ? `  ${p.message}` : ''}`);
            return;
          }
          const runs = await api.fills.listRuns({ ...(opts.site ? { site: opts.site } : {}), limit: 50 });
          if (opts.json) return io.out(JSON.stringify(runs));
          if (runs.length === 0) return io.out('No fill runs yet (fleetdeck fills run PLAN_ID).');
          io.out(`${pad('RUN', 5)} ${pad('SITE', 8)} ${pad('STATE', 10)} ${pad('JOB', 6)} ${pad('FILLED', 24)} ${pad('VERIFIED', 9)} STARTS`);
          for (const r of runs) io.out(summaryLine(r));
        });
      }),
    );
}

/** `fleetdeck fills` with the execution commands (the planning commands join it from main/cli/fills.ts). */
export function fillsCommand(io: Io = processIo): Command {
  const fills = new Command('fills').description('Predictive cache fills: plans per site, run inside the fill window');
  for (const c of fillsRunCommands(io)) fills.addCommand(c);
  return fills;
}
