/**
 * `fleetdeck rollout`: firmware rollouts (docs/rollouts.md).
 *
 *   fleetdeck rollout create --image VERSION (--all | --where FILTER) [--canary N|P%] [--canary-serial S]...
 *                            [--waves 10%,50%,100% | 5,20 | rate:N/h] [--max-unavailable-per-site P%|N]
 *                            [--window maintenance|fill|now] [--failure-budget N|P%] [--observe SECONDS]
 *                            [--note TEXT] [--confirm COUNT] [--yes] [--json]
 *   fleetdeck rollout start ID [--no-follow] [--json]
 *   fleetdeck rollout status ID [--json]
 *   fleetdeck rollout pause ID [--reason TEXT] [--json]
 *   fleetdeck rollout resume ID [--no-follow] [--json]
 *   fleetdeck rollout abort ID [--reason TEXT] [--yes] [--json]
 *   fleetdeck rollout retry ID [--no-follow] [--json]
 *   fleetdeck rollout approve ID [--note TEXT] [--json]       accept a marginal canary
 *   fleetdeck rollout list [--limit N] [--json]
 *
 * A rollout runs in the process that started it (this command, while it follows it, or
 * `fleetdeck serve`); the journal keeps it when that process ends, and the next `fleetdeck serve`
 * or `fleetdeck rollout resume ID` takes it up (each appliance in flight asked where it is first).
 */
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import type { ApiClient } from '../api/client';
import {
  parseCountOrPercent,
  formatCountOrPercent,
  type CanaryPlan,
  type CountOrPercent,
  type CreateInput,
  type Rollout,
  type RolloutDetail,
  type WavePlan,
  type WindowKind,
} from '../rollouts/contract';
import type { ExecSelection } from '../net/contract';
import { oneLine } from './terminal-text';
import { action, dataDirOption, processIo, UsageError, withEngine, type Io } from './io';
import { ask, repeated, wholeNumber } from './options';
import { parseFilter, resolveFilter } from './exec';

function countOrPercent(what: string) {
  return (value: string): CountOrPercent => {
    const v = parseCountOrPercent(value);
    if (!v) throw new InvalidArgumentError(`${what} is a count (3) or a percentage (10%)`);
    return v;
  };
}

/** `10%,50%,100%` (cumulative shares), `5,20` (sizes per wave) or `rate:20/h`. */
export function parseWaves(value: string): WavePlan {
  const rate = /^rate:(\d+(?:\.\d+)?)\/h$/.exec(value.trim());
  if (rate) return { kind: 'rate', perHour: Number(rate[1]) };
  const parts = value.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw new InvalidArgumentError('waves look like 10%,50%,100% or 5,20 or rate:20/h');
  if (parts.every((p) => /^\d+(\.\d+)?%$/.test(p))) {
    const steps = parts.map((p) => Number(p.slice(0, -1)));
    if (steps.some((s, i) => s <= 0 || s > 100 || (i > 0 && s <= steps[i - 1]!))) throw new InvalidArgumentError('wave percentages go up, each above 0 and at most 100 (10%,50%,100%)');
    return { kind: 'percent', steps };
  }
  if (parts.every((p) => /^\d+$/.test(p) && Number(p) > 0)) return { kind: 'count', sizes: parts.map(Number) };
  throw new InvalidArgumentError('waves are all percentages (10%,50%,100%), all counts (5,20), or rate:N/h');
}

function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 86_400) throw new InvalidArgumentError('whole seconds from 0 to 86400');
  return n;
}

const idArg = (value: string): number => wholeNumber(1, Number.MAX_SAFE_INTEGER)(value);

function stateLine(r: Rollout): string {
  const c = r.counts;
  const phase = r.phase === 'waves' ? `wave ${r.currentWave}/${r.waveCount}` : r.phase;
  return `rollout ${r.id} ${r.state} (${phase}): ${c.ok} updated, ${c.failed} failed, ${c.inFlight} in flight, ${c.waiting} waiting, ${c.pending} to stage${c.cancelled ? `, ${c.cancelled} not run` : ''} of ${c.total}`;
}

function printDetail(io: Io, d: RolloutDetail): void {
  const r = d.rollout;
  io.out(stateLine(r));
  io.out(`  image ${r.image}  targets ${r.targets} in ${r.sites} sites (${oneLine(r.selection, 120)})  window ${r.plan.window}  per site ${formatCountOrPercent(r.plan.maxUnavailablePerSite)}  failure budget ${r.failureBudget}`);
  io.out(`  created ${r.createdAt} by ${r.createdBy}${r.startedAt ? `, started ${r.startedAt}` : ''}${r.finishedAt ? `, finished ${r.finishedAt}` : ''}${r.jobId ? `, job ${r.jobId}` : ''}`);
  if (r.reason) io.out(`  ${r.reason.code}: ${oneLine(r.reason.message, 400)}`);
  for (const w of d.waves) io.out(`  ${w.label.padEnd(8)} ${w.state.padEnd(8)} ${w.ok}/${w.total} updated, ${w.failed} failed, ${w.inFlight} in flight`);
  if (d.judgement) {
    const j = d.judgement;
    io.out(`  canary judgement: ${j.verdict}${j.approvedBy ? ` (approved by ${j.approvedBy})` : ''}; baseline ${j.baseline.length} appliance(s)`);
    for (const m of j.metrics) io.out(`    ${m.metric.padEnd(16)} ${m.verdict.padEnd(8)} ${oneLine(m.note, 200)}`);
  }
  for (const s of d.sites) {
    io.out(`  site ${s.site.padEnd(10)} ${s.ok}/${s.total} updated, ${s.failed} failed, out now ${s.outNow} (limit ${s.maxAtOnce}), window ${s.windowOpen ? 'open' : `closed${s.nextWindowAt ? `, opens ${s.nextWindowAt}` : ''}`}`);
  }
}

const interactive = () => Boolean(process.stdin.isTTY && process.stderr.isTTY);

/**
 * Follow a rollout until it ends, pauses or waits for approval: a progress bar on a terminal,
 * one JSON line per change with --json. Ctrl-C pauses it (appliances in flight finish); a second
 * Ctrl-C leaves at once (the journal keeps it for the next host).
 */
async function follow(client: ApiClient, io: Io, id: number, json: boolean): Promise<Rollout> {
  const tty = Boolean(process.stderr.isTTY) && !json;
  const first = (await client.api.rollouts.get({ id })).rollout;
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: ' {bar} {value}/{total} | {phase} | failed {failed} | in flight {inFlight} | waiting {waiting}', stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  const show = (r: Pick<Rollout, 'phase' | 'currentWave' | 'counts' | 'waveCount'>) => ({
    phase: r.phase === 'waves' ? `wave ${r.currentWave}/${r.waveCount}` : r.phase,
    failed: r.counts.failed,
    inFlight: r.counts.inFlight,
    waiting: r.counts.waiting,
  });
  bar?.start(first.targets, first.counts.ok, show(first));
  let last = '';
  const off = client.on('rollouts.progress', (p) => {
    if (p.id !== id) return;
    bar?.update(p.counts.ok, show({ ...p, waveCount: first.waveCount }));
    if (json) {
      const line = JSON.stringify({ id, state: p.state, phase: p.phase, wave: p.currentWave, ...p.counts });
      if (line !== last) io.out((last = line));
    }
  });
  let pausing = false;
  const onSigint = () => {
    pausing = true;
    bar?.stop();
    io.err(`Pausing rollout ${id}: appliances in flight finish their update (Ctrl-C again leaves now; the journal keeps the rollout).`);
    void client.api.rollouts.pause({ id, reason: 'Ctrl-C on the command line' }).catch(() => undefined);
  };
  process.once('SIGINT', onSigint);
  try {
    let r = await client.api.rollouts.wait({ id });
    // Paused or waiting for a person: this process runs the appliances in flight; let them finish.
    while (r.counts.inFlight > 0 && (r.state === 'paused' || r.state === 'awaiting-approval')) {
      await new Promise((res) => setTimeout(res, 200));
      r = (await client.api.rollouts.get({ id })).rollout;
    }
    if (pausing && r.state === 'running') r = await client.api.rollouts.wait({ id });
    return r;
  } finally {
    process.off('SIGINT', onSigint);
    off();
    bar?.stop();
  }
}

/** Exit status: 0 succeeded (or waiting as asked), 1 failed or aborted, 3 paused or awaiting approval. */
function exitOf(r: Rollout): number {
  if (r.state === 'succeeded' || r.state === 'created' || r.state === 'running') return 0;
  if (r.state === 'paused' || r.state === 'awaiting-approval') return 3;
  return 1;
}

function ended(io: Io, r: Rollout, json: boolean): void {
  if (json) io.out(JSON.stringify({ id: r.id, state: r.state, phase: r.phase, reason: r.reason, ...r.counts }));
  else {
    io.out(stateLine(r));
    if (r.reason) io.out(`  ${r.reason.code}: ${oneLine(r.reason.message, 400)}`);
    if (r.state === 'awaiting-approval') io.out(`  look at the judgement (fleetdeck rollout status ${r.id}), then: fleetdeck rollout approve ${r.id}  or  fleetdeck rollout abort ${r.id}`);
    if (r.state === 'paused') io.out(`  fleetdeck rollout resume ${r.id} goes on`);
    if ((r.state === 'failed' || r.state === 'aborted') && r.counts.failed + r.counts.cancelled > 0) io.out(`  fleetdeck rollout retry ${r.id} runs the failed and not-run appliances again`);
  }
  process.exitCode = exitOf(r);
}

interface CreateOpts {
  image: string;
  all?: boolean;
  where: string[];
  canary?: CountOrPercent;
  canarySerial: string[];
  waves?: WavePlan;
  maxUnavailablePerSite?: CountOrPercent;
  window?: WindowKind;
  failureBudget?: CountOrPercent;
  observe?: number;
  note?: string;
  confirm?: number;
  yes: boolean;
  json: boolean;
}

export function rolloutCommand(io: Io = processIo): Command {
  const rollout = new Command('rollout').description('Firmware rollouts: canary, waves, per-site limits, windows (docs/rollouts.md)');

  rollout
    .command('create')
    .description('Create a rollout (targets frozen now; shows the plan; nothing runs until `rollout start`)')
    .addOption(dataDirOption())
    .requiredOption('--image <version>', 'an image in the store (fleetdeck firmware list)')
    .option('--all', 'every appliance in the inventory')
    .option('--where <filter>', 'site=GRU1|GRU2,status=online,tag=x (as fleetdeck exec); repeatable', repeated, [])
    .option('--canary <n|p%>', 'canary: N appliances or P % of the targets, across different sites (default 1)', countOrPercent('--canary'))
    .option('--canary-serial <serial>', 'canary: this appliance (repeatable)', repeated, [])
    .option('--waves <waves>', 'after the canary: cumulative 10%,50%,100% | sizes 5,20 | rate:N/h (default 10%,50%,100%)', parseWaves)
    .option('--max-unavailable-per-site <p%|n>', 'at most this share of a site\'s serving capacity (or this many appliances) out at once, counting those already out (default 25%)', countOrPercent('--max-unavailable-per-site'))
    .option('--window <window>', 'maintenance (default), fill, or now (ignores windows: needs the count typed back)', (v: string): WindowKind => {
      if (v !== 'maintenance' && v !== 'fill' && v !== 'now') throw new InvalidArgumentError('maintenance, fill or now');
      return v;
    })
    .option('--failure-budget <n|p%>', 'failed appliances the whole rollout may have before it stops (default 0)', countOrPercent('--failure-budget'))
    .option('--observe <seconds>', 'how long the canary is watched against its baseline before the waves (default 300)', positiveSeconds)
    .option('--note <text>', 'why (shown with the rollout)')
    .option('--confirm <count>', 'window now: the number of target appliances, typed back', wholeNumber(0, 10_000_000))
    .option('--yes', 'create without asking (needed where there is no terminal)', false)
    .option('--json', 'print the new rollout as one JSON line (its id first)', false)
    .action(
      action(io, 'rollout create', async (opts: CreateOpts, cmd: Command) => {
        if ((opts.all ? 1 : 0) + (opts.where.length ? 1 : 0) !== 1) throw new UsageError('choose the appliances with exactly one of --all or --where FILTER');
        if (opts.canary && opts.canarySerial.length) throw new UsageError('give --canary or --canary-serial, not both');
        const filter = opts.where.length ? parseFilter(opts.where) : null;
        await withEngine(cmd, async ({ client, dataDir }) => {
          const selection: ExecSelection = opts.all ? { all: true } : { query: await resolveFilter(client.api, filter!, dataDir) };
          const canary: CanaryPlan | undefined = opts.canarySerial.length ? { kind: 'serials', serials: opts.canarySerial } : opts.canary;
          const plan = {
            image: opts.image,
            selection,
            ...(canary ? { canary } : {}),
            ...(opts.waves ? { waves: opts.waves } : {}),
            ...(opts.maxUnavailablePerSite ? { maxUnavailablePerSite: opts.maxUnavailablePerSite } : {}),
            ...(opts.window ? { window: opts.window } : {}),
            ...(opts.failureBudget ? { failureBudget: opts.failureBudget } : {}),
            ...(opts.observe !== undefined ? { judgement: { observeSeconds: opts.observe, sampleEverySeconds: Math.max(0.05, Math.min(15, opts.observe / 20 || 1)) } } : {}),
          } satisfies CreateInput;
          const preview = await client.api.rollouts.preview(plan);
          if (!opts.json) {
            io.out(`${preview.total} appliances in ${preview.sites.length} sites, image ${preview.image.version} (signed by ${oneLine(preview.image.signer, 120)})`);
            for (const p of preview.byPartner) io.out(`  ${p.partner}: ${p.count} (${p.sites.map((s) => `${s.site} ${s.count}`).join(', ')})`);
            io.out(`  canary ${preview.canary.length ? preview.canary.join(', ') : 'none'}; waves ${preview.waves.map((w) => w.size).join(', ') || 'none'}; failure budget ${preview.failureBudget}`);
            for (const s of preview.sites) {
              io.out(`  site ${s.site.padEnd(10)} ${s.targets}/${s.appliances} targets, capacity ${s.capacityGbps} Gbps, already out ${s.alreadyOut.count}, at most ${s.maxAtOnce} at once${s.window ? `, window ${s.window} ${s.timezone} (${s.windowOpen ? 'open' : 'closed'})` : ''}${s.blocked ? '  BLOCKED' : ''}`);
            }
            for (const w of preview.warnings) io.err(`warning: ${w}`);
          }
          let confirmCount = opts.confirm;
          if (preview.needsConfirm && confirmCount === undefined) {
            if (!interactive() || opts.json) throw new UsageError(`window now drains and reboots ${preview.total} appliances outside their windows: add --confirm ${preview.total}`);
            const typed = await ask(`Window "now" ignores maintenance windows. Type ${preview.total} to confirm: `, `pass --confirm ${preview.total} to confirm without a prompt`);
            if (!/^\d+$/.test(typed)) throw new UsageError('not confirmed; nothing was created');
            confirmCount = Number(typed);
          }
          if (!opts.yes) {
            if (!interactive()) throw new UsageError('no terminal to confirm on: add --yes to create the rollout');
            const answer = (await ask(`Create this rollout of ${preview.total} appliances? [y/N] `)).toLowerCase();
            if (answer !== 'y' && answer !== 'yes') {
              io.err('Not created.');
              process.exitCode = 1;
              return;
            }
          }
          const created = await client.api.rollouts.create({ ...plan, ...(opts.note ? { note: opts.note } : {}), ...(confirmCount !== undefined ? { confirmCount } : {}) });
          if (opts.json) io.out(JSON.stringify({ id: created.id, state: created.state, targets: created.targets, sites: created.sites, image: created.image }));
          else io.out(`rollout ${created.id} created: ${created.targets} appliances; start it with: fleetdeck rollout start ${created.id}`);
        });
      }),
    );

  const following = (name: 'start' | 'resume' | 'retry', description: string) =>
    rollout
      .command(name)
      .description(description)
      .addOption(dataDirOption())
      .argument('<id>', 'rollout id', idArg)
      .option('--no-follow', 'return at once (the rollout runs while this process does: use fleetdeck serve to keep it going)')
      .option('--json', 'JSON lines: progress, then the outcome', false)
      .action(
        action(io, `rollout ${name}`, async (id: number, opts: { follow: boolean; json: boolean }, cmd: Command) => {
          await withEngine(cmd, async ({ client }) => {
            const r = name === 'start' ? await client.api.rollouts.start({ id }) : name === 'resume' ? await client.api.rollouts.resume({ id }) : await client.api.rollouts.retryFailed({ id });
            if (!opts.follow) return ended(io, r, opts.json);
            ended(io, await follow(client, io, id, opts.json), opts.json);
          });
        }),
      );
  following('start', 'Start a created rollout and follow it (a progress bar on a terminal; Ctrl-C pauses it)');
  following('resume', 'Resume a paused rollout (or take up one no process runs) and follow it');
  following('retry', 'Run the failed and not-run appliances of an ended rollout again, and follow it');

  rollout
    .command('status')
    .description('A rollout: overall, per-wave and per-site progress, the canary judgement')
    .addOption(dataDirOption())
    .argument('<id>', 'rollout id', idArg)
    .option('--json', 'one JSON object', false)
    .action(
      action(io, 'rollout status', async (id: number, opts: { json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ client }) => {
          const d = await client.api.rollouts.get({ id });
          if (opts.json) io.out(JSON.stringify(d));
          else printDetail(io, d);
        });
      }),
    );

  rollout
    .command('pause')
    .description('Pause: no more appliances start; those in flight finish their update')
    .addOption(dataDirOption())
    .argument('<id>', 'rollout id', idArg)
    .option('--reason <text>', 'why (audited)')
    .option('--json', 'one JSON line', false)
    .action(
      action(io, 'rollout pause', async (id: number, opts: { reason?: string; json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ client }) => ended(io, await client.api.rollouts.pause({ id, ...(opts.reason ? { reason: opts.reason } : {}) }), opts.json));
      }),
    );

  rollout
    .command('abort')
    .description('Abort: start no more appliances; those in flight are finished or put back')
    .addOption(dataDirOption())
    .argument('<id>', 'rollout id', idArg)
    .option('--reason <text>', 'why (audited)')
    .option('--yes', 'abort without asking (needed where there is no terminal)', false)
    .option('--json', 'one JSON line', false)
    .action(
      action(io, 'rollout abort', async (id: number, opts: { reason?: string; yes: boolean; json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ client }) => {
          if (!opts.yes) {
            if (!interactive()) throw new UsageError('no terminal to confirm on: add --yes to abort the rollout');
            const answer = (await ask(`Abort rollout ${id}? [y/N] `)).toLowerCase();
            if (answer !== 'y' && answer !== 'yes') {
              io.err('Not aborted.');
              process.exitCode = 1;
              return;
            }
          }
          const r = await client.api.rollouts.abort({ id, ...(opts.reason ? { reason: opts.reason } : {}) });
          ended(io, r.state === 'aborting' ? await follow(client, io, id, opts.json) : r, opts.json);
        });
      }),
    );

  rollout
    .command('approve')
    .description('Accept a marginal canary judgement and go on with the waves (audited)')
    .addOption(dataDirOption())
    .argument('<id>', 'rollout id', idArg)
    .option('--note <text>', 'why (audited)')
    .option('--no-follow', 'return at once')
    .option('--json', 'JSON lines', false)
    .action(
      action(io, 'rollout approve', async (id: number, opts: { note?: string; follow: boolean; json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ client }) => {
          const r = await client.api.rollouts.approveMarginal({ id, ...(opts.note ? { note: opts.note } : {}) });
          ended(io, opts.follow ? await follow(client, io, id, opts.json) : r, opts.json);
        });
      }),
    );

  rollout
    .command('list')
    .description('Rollouts, newest first')
    .addOption(dataDirOption())
    .option('--limit <n>', 'how many', wholeNumber(1, 500), 50)
    .option('--json', 'one JSON line per rollout', false)
    .action(
      action(io, 'rollout list', async (opts: { limit: number; json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ client }) => {
          const list = await client.api.rollouts.list({ limit: opts.limit });
          for (const r of list) {
            if (opts.json) io.out(JSON.stringify(r));
            else io.out(`${String(r.id).padStart(4)}  ${r.state.padEnd(17)} ${r.image.padEnd(12)} ${String(r.counts.ok).padStart(5)}/${String(r.targets).padEnd(5)} updated  ${r.counts.failed} failed  created ${r.createdAt} by ${r.createdBy}`);
          }
          if (!opts.json && list.length === 0) io.out('no rollouts');
        });
      }),
    );

  return rollout;
}
