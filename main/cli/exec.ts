/**
 * `fleetdeck exec`, `fleetdeck jobs` and `fleetdeck net`: run commands on the fleet, read jobs,
 * and manage how appliances are reached (fleet key, host keys, jump hosts).
 *
 *   fleetdeck exec (--all | --where FILTER... | --serial S...) [--concurrency N] [--timeout SECONDS]
 *                  [--json] [--accept-new] [--confirm COUNT] -- CMD [ARG...]
 *   fleetdeck jobs list [--limit N] [--json]
 *   fleetdeck jobs show ID [--json]
 *   fleetdeck jobs retry ID [--accept-new] [--concurrency N] [--json]
 *   fleetdeck jobs pause ID | resume ID [--json]
 *   fleetdeck net key | keygen [--replace] | import-key FILE [--passphrase-env VAR] [--replace]
 *   fleetdeck net trust SERIAL SHA256:...
 *   fleetdeck net known-hosts import FILE [--dry-run] | export [--hashed]
 *   fleetdeck net ssh-config import [FILE] [--dry-run]
 *   fleetdeck net jump add NAME HOST [--port N] [--user U] [--via NAME] | list | route (site|appliance) KEY (NAME|none)
 *   fleetdeck net alerts [--all] | alerts resolve ID (--trust-new-key | --dismiss)
 *
 * FILTER is comma-separated key=value terms, all of which must hold; a key given twice, or values
 * joined with |, matches any of them: `site=GRU1|GRU2,status=online,tag=rack:a`. Keys: site,
 * status, partner, model, tag, firmware, text (free text over hostname, serial, addresses, firmware).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import type { ApiClient } from '../api/client';
import { detailsOf, FleetError } from '../kit/errors';
import { LIFECYCLE_STATUSES, APPLIANCE_MODELS } from '../inventory/contract';
import { GROUP_FIELDS, type ExecSelection, type Job, type JobGroups, type JobProgress, type JobResult } from '../net/contract';
import { oneLine } from './terminal-text';
import { action, dataDirOption, jsonOption, onOutputClosed, outputClosed, processIo, UsageError, withEngine, type Io } from './io';
import { repeated, wholeNumber } from './options';

const FILTER_KEYS = ['site', 'status', 'partner', 'model', 'tag', 'firmware', 'text'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
export type ExecFilter = NonNullable<Extract<ExecSelection, { query: unknown }>['query']>;

/** Parse `site=GRU1|GRU2,status=online` (repeatable) into an inventory query. */
export function parseFilter(terms: readonly string[]): ExecFilter {
  const out: { text?: string } & Partial<Record<Exclude<FilterKey, 'text'>, string[]>> = {};
  for (const term of terms.flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean)) {
    const eq = term.indexOf('=');
    if (eq <= 0) throw new UsageError(`"${term}" is not key=value (keys: ${FILTER_KEYS.join(', ')})`);
    const key = term.slice(0, eq).trim().toLowerCase() as FilterKey;
    const values = term
      .slice(eq + 1)
      .split('|')
      .map((v) => v.trim())
      .filter(Boolean);
    if (!FILTER_KEYS.includes(key)) throw new UsageError(`unknown filter key "${key}" (keys: ${FILTER_KEYS.join(', ')})`);
    if (values.length === 0) throw new UsageError(`the filter ${key}= has no value`);
    if (key === 'text') {
      if (out.text !== undefined || values.length > 1) throw new UsageError('text= takes one value');
      out.text = values[0]!;
      continue;
    }
    if (key === 'status') {
      const bad = values.find((v) => !(LIFECYCLE_STATUSES as readonly string[]).includes(v));
      if (bad) throw new UsageError(`status "${bad}" is not one of ${LIFECYCLE_STATUSES.join(', ')}`);
    }
    if (key === 'model') {
      const bad = values.find((v) => !(APPLIANCE_MODELS as readonly string[]).includes(v));
      if (bad) throw new UsageError(`model "${bad}" is not one of ${APPLIANCE_MODELS.join(', ')}`);
    }
    out[key] = [...(out[key] ?? []), ...values];
  }
  // status and model were checked against their enums above; the engine validates the rest.
  return out as ExecFilter;
}

/** Edit distance, for "did you mean" (short strings only). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * Site codes in a filter as the inventory spells them: `site=GRU1` finds `gru1` (codes compare
 * without case). A code no site has is refused with the close ones, instead of "matches no appliance".
 */
export async function resolveFilter(api: ApiClient['api'], filter: ExecFilter, dataDir: string): Promise<ExecFilter> {
  if (!filter.site?.length) return filter;
  const codes = (await api.inventory.facets({})).sites.map((s) => s.code);
  const site = filter.site.map((given) => {
    if (codes.includes(given)) return given;
    const same = codes.filter((c) => c.toLowerCase() === given.toLowerCase());
    if (same.length === 1) return same[0]!;
    const near = codes
      .map((c) => ({ c, d: distance(c.toLowerCase(), given.toLowerCase()) }))
      .filter((x) => x.d <= 2 || x.c.toLowerCase().startsWith(given.toLowerCase()))
      .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c))
      .slice(0, 5)
      .map((x) => x.c);
    throw new UsageError(
      codes.length === 0
        ? `no site "${given}": the inventory in ${dataDir} has no sites (another data dir? --data-dir DIR or FLEETDECK_DATA_DIR)`
        : `no site "${given}" in ${dataDir}${near.length ? `; did you mean ${near.join(', ')}?` : ` (${codes.length} sites, e.g. ${codes.slice(0, 5).join(', ')})`}`,
    );
  });
  return { ...filter, site };
}

/** One appliance's result as `--json` prints it (one JSON object per line). */
function resultLine(r: JobResult): string {
  return JSON.stringify({ serial: r.serial, ok: r.ok, state: r.state, exitCode: r.exitCode, output: r.output, stderr: r.stderr, errorCode: r.errorCode, errorMessage: r.errorMessage });
}

interface RunOptions {
  json: boolean;
  tty: boolean;
}

/**
 * Follow a job to its end: progress bar on a TTY, NDJSON with --json, and Ctrl-C cancels it
 * (results already in are kept).
 */
export async function follow(client: ApiClient, io: Io, job: Job, opts: RunOptions): Promise<Job> {
  const bar =
    opts.tty && !opts.json
      ? new cliProgress.SingleBar(
          { format: ' {bar} {value}/{total} | ok {ok} failed {failed} running {running} | {rate}/s | ETA {eta_s}', stream: process.stderr, hideCursor: true, etaBuffer: 50 },
          cliProgress.Presets.shades_classic,
        )
      : null;
  bar?.start(job.progress.total, 0, { ok: 0, failed: 0, running: 0, rate: 0, eta_s: '?' });
  const offProgress = client.on('jobs.progress', (p: JobProgress) => {
    if (p.id !== job.id || cancelling) return;
    bar?.update(p.done, { ok: p.ok, failed: p.failed, running: p.running, rate: p.rate, eta_s: p.etaSeconds === null ? '?' : `${Math.round(p.etaSeconds)}s` });
  });
  const printed = new Set<string>();
  const offResult = client.on('jobs.result', ({ id, result }) => {
    if (id !== job.id) return;
    printed.add(result.serial);
    if (opts.json) io.out(resultLine(result));
    else if (!result.ok && !bar) io.err(`${result.serial}: ${result.errorCode} ${oneLine(result.errorMessage ?? '', 240)}`.trim());
  });
  // Ctrl-C: cancel the job and wait for the appliances in flight to stop; a second Ctrl-C
  // (the handler is gone by then) ends the process at once.
  let cancelling = false;
  const onSigint = () => {
    cancelling = true;
    bar?.stop();
    io.err(`Cancelling job ${job.id}: results already in are kept (Ctrl-C again quits without waiting).`);
    void client.api.jobs.cancel({ id: job.id });
  };
  process.once('SIGINT', onSigint);
  // The reader of our output went away (`| head`): nobody sees the rest, so the job is cancelled
  // and recorded as cancelled (not left running to be found "interrupted" later).
  const offClosed = onOutputClosed(() => {
    cancelling = true;
    bar?.stop();
    io.err(`Output closed: cancelling job ${job.id}; results already in are kept (fleetdeck jobs retry ${job.id} runs the rest).`);
    void client.api.jobs.cancel({ id: job.id }).catch(() => {});
  });
  if (outputClosed()) void client.api.jobs.cancel({ id: job.id }).catch(() => {});
  try {
    const ended = await client.api.jobs.wait({ id: job.id });
    // Events still in flight when the job ended: the journal has every result.
    if (opts.json) {
      const { items } = await client.api.jobs.results({ id: job.id, limit: 20_000 });
      for (const r of items) if (!printed.has(r.serial) && r.state !== 'pending') io.out(resultLine(r));
    }
    return ended;
  } finally {
    process.off('SIGINT', onSigint);
    offClosed();
    offProgress();
    offResult();
    bar?.stop();
  }
}

const EXIT_CANCELLED = 130;
const EXIT_STATUS_HELP = `
Exit status:
  0    every appliance succeeded
  1    an appliance failed, was unreachable or was not run; or the command line was wrong
  ${EXIT_CANCELLED}  cancelled with Ctrl-C (results already in are kept; fleetdeck jobs retry ID runs the rest)`;

/** Exit status of a job, as EXIT_STATUS_HELP tells it. */
export function exitStatusOf(job: Pick<Job, 'state' | 'progress'>, notRun: number): number {
  if (job.progress.failed + notRun === 0) return 0;
  return job.state === 'cancelled' ? EXIT_CANCELLED : 1;
}

const SHOWN_GROUPS = 5;
const SHOWN_FAILED = 20;

/** A failed result in one line: its code and message, and for a raw command the end of its stderr. */
function failureLine(f: { serial: string; errorCode: string | null; errorMessage: string | null }, stderr: string | null | undefined): string {
  const tail = stderr?.trim() ? `: ${oneLine(stderr.trim().split('\n').slice(-3).join('\n'), 240)}` : '';
  return `  failed ${f.serial}: ${f.errorCode ?? ''} ${oneLine(f.errorMessage ?? '', 240)}${tail}`.trimEnd();
}

/** Replies grouped by fields (--group-by): one line per distinct combination, largest first. */
export function groupLines(g: JobGroups, limit = 20): string[] {
  const out = [`${g.total} replies in ${g.groups.length} group(s) by ${g.by.join(', ')}:`];
  for (const group of g.groups.slice(0, limit)) {
    const values = g.by.map((field, i) => `${field}=${oneLine(group.values[i] ?? '-', 60)}`).join(' ');
    const who = group.serials.length > 6 ? `${group.serials.slice(0, 6).join(', ')} and ${group.serials.length - 6} more` : group.serials.join(', ');
    out.push(`  ${String(group.count).padStart(5)} × ${values}${group.outcome === 'ok' ? '' : `  (${group.outcome})`}  [${who}]`);
  }
  if (g.groups.length > limit) {
    const rest = g.groups.slice(limit);
    out.push(`  ... ${rest.length} more groups (${rest.reduce((n, x) => n + x.count, 0)} appliances) not printed`);
  }
  return out;
}

const groupByOption = () =>
  new Option('--group-by <fields>', `group the replies by these fields, comma-separated: ${Object.keys(GROUP_FIELDS).join(', ')}, or a dotted path into the ocactl reply (firmware.active)`).argParser(
    (value: string) => value.split(',').map((f) => f.trim()).filter(Boolean),
  );

/** With --group-by: the replies grouped (a JSON line with --json). */
async function printGroups(client: ApiClient, io: Io, id: number, by: string[] | undefined, json: boolean): Promise<void> {
  if (!by?.length) return;
  const groups = await client.api.jobs.groups({ id, by });
  if (json) io.out(JSON.stringify({ groups }));
  else for (const line of groupLines(groups)) io.out(line);
}

/** Prints the job's outcome and returns its exit status. */
async function report(client: ApiClient, io: Io, job: Job, json: boolean): Promise<number> {
  const { summary } = await client.api.jobs.get({ id: job.id });
  const p = job.progress;
  if (json) {
    io.out(JSON.stringify({ job: job.id, state: job.state, total: p.total, ok: p.ok, failed: p.failed, notRun: summary.notRun.length }));
  } else {
    io.out(`job ${job.id} ${job.state}: ${p.ok} ok, ${p.failed} failed${summary.notRun.length ? `, ${summary.notRun.length} not run` : ''} of ${p.total}`);
    for (const g of summary.groups.slice(0, SHOWN_GROUPS)) {
      const who = g.serials.length > 4 ? `${g.serials.slice(0, 4).join(', ')} and ${g.serials.length - 4} more` : g.serials.join(', ');
      const what = g.state === 'ok' ? oneLine((g.output ?? '').trim().split('\n').slice(0, 3).join(' | '), 160) : `${g.errorCode ?? g.state}`;
      io.out(`  ${String(g.count).padStart(5)} × ${g.state}: ${what}  [${who}]`);
    }
    if (summary.groups.length > SHOWN_GROUPS) {
      // The engine sends the 50 largest groups; the appliances not printed are counted from the totals.
      const all = summary.passed.length + summary.failed.length + summary.notRun.length;
      const printed = summary.groups.slice(0, SHOWN_GROUPS).reduce((n, g) => n + g.count, 0);
      const more = summary.groups.length - SHOWN_GROUPS;
      io.out(
        `  ... ${summary.groups.length >= 50 ? `at least ${more}` : more} more distinct replies (${all - printed} appliances) not printed: fleetdeck jobs show ${job.id} --json, or --group-by FIELD`,
      );
    }
    const shown = summary.failed.slice(0, SHOWN_FAILED);
    // A raw command that failed says why on its stderr: show the end of it.
    const stderrOf = new Map<string, string | null>();
    if (shown.some((f) => f.errorCode === 'E_EXIT')) {
      const { items } = await client.api.jobs.results({ id: job.id, limit: 20_000 });
      for (const r of items) if (r.state === 'failed') stderrOf.set(r.serial, r.stderr);
    }
    for (const f of shown) io.out(failureLine(f, stderrOf.get(f.serial)));
    if (summary.failed.length > SHOWN_FAILED) io.out(`  ... ${summary.failed.length - SHOWN_FAILED} more failed not printed (fleetdeck jobs show ${job.id} --json)`);
    if (p.failed + summary.notRun.length > 0) io.out(`retry the failed and unreachable only: fleetdeck jobs retry ${job.id}`);
  }
  return exitStatusOf(job, summary.notRun.length);
}

/**
 * On a TTY, when the engine asks for a large change to be confirmed (E_CONFIRM): the user types the
 * count; the answer (or null for anything but a whole number) goes back as confirmCount.
 */
async function askCount(io: Io, err: Error): Promise<number | null> {
  io.err(err.message);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question('Type the number of appliances to run it on them (anything else cancels): ').catch(() => '')).trim();
    return /^\d+$/.test(answer) ? Number(answer) : null;
  } finally {
    rl.close();
  }
}

/** On a TTY: show the fingerprints met for the first time, and trust them only if the user says so. */
async function confirmFirstContact(client: ApiClient, io: Io, job: Job): Promise<boolean> {
  const { items } = await client.api.jobs.results({ id: job.id, limit: 20_000 });
  const unknown = items
    .filter((r) => r.errorCode === 'E_HOSTKEY_UNKNOWN')
    .map((r) => ({ serial: r.serial, fingerprint: detailsOf({ code: r.errorCode, details: r.errorDetails }, 'E_HOSTKEY_UNKNOWN')?.presented }))
    .filter((u): u is { serial: string; fingerprint: string } => !!u.fingerprint);
  if (unknown.length === 0) return false;
  io.err(`First contact with ${unknown.length} appliance(s); compare these host keys with the site survey:`);
  for (const u of unknown.slice(0, 50)) io.err(`  ${u.serial}  ${u.fingerprint}`);
  if (unknown.length > 50) io.err(`  ... and ${unknown.length - 50} more`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    // Ctrl-C at the prompt rejects the question: that is a no, like an empty answer.
    const answer = (await rl.question('Trust these host keys and run the command on them? [y/N] ').catch(() => '')).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') {
      io.err('Not trusted; nothing was recorded.');
      return false;
    }
  } finally {
    rl.close();
  }
  for (const u of unknown) await client.api.net.trustHostKey(u);
  return true;
}

export function execCommand(io: Io = processIo): Command {
  return new Command('exec')
    .description('Run an ocactl action or a command on a selection of appliances, as a job')
    .addOption(dataDirOption())
    .option('--all', 'every appliance in the inventory')
    .option('--where <filter>', 'site=GRU1|GRU2,status=online,tag=x (keys: site, status, partner, model, tag, firmware, text); repeatable', repeated, [])
    .option('--serial <serial>', 'one appliance; repeatable', repeated, [])
    .option('--concurrency <n>', 'appliances at once', wholeNumber(1, 1000), 50)
    .option('--timeout <seconds>', 'per appliance: connect and command', wholeNumber(1, 3600))
    .option('--accept-new', 'trust host keys met for the first time (StrictHostKeyChecking=accept-new)', false)
    .option('--json', 'one JSON line per appliance as results arrive, then a summary line', false)
    .option('--confirm <count>', 'the number of appliances a changing action reaches, typed back (needed above 10 appliances or 1 site)', wholeNumber(0, 1_000_000))
    .addOption(groupByOption())
    .argument('<command...>', 'argv to run after --, e.g. -- ocactl status')
    .addHelpText(
      'after',
      '\nFILTER: comma-separated key=value terms that must all hold; a|b matches either.\nExample: fleetdeck exec --where site=GRU1,status=online -- ocactl status\n' +
        '\nOn a terminal a progress bar shows done/total, ok, failed, rate and ETA; Ctrl-C cancels the job.\n' +
        'A host key met for the first time is shown for you to trust (y) or refuse; without a terminal it is refused\n' +
        '(E_HOSTKEY_UNKNOWN, with its fingerprint) unless --accept-new is given.\n' +
        'A changing ocactl action (drain, undrain, reboot, firmware activate/commit/rollback, config set) on more than\n' +
        '10 appliances or more than one site runs only with the count typed back: asked on a terminal, else --confirm COUNT.\n' +
        EXIT_STATUS_HELP,
    )
    .action(
      action(io, 'exec', async (argv: string[], opts: { all?: boolean; where: string[]; serial: string[]; concurrency: number; timeout?: number; acceptNew: boolean; json: boolean; confirm?: number; groupBy?: string[] }, cmd: Command) => {
        const chosen = [opts.all ? 1 : 0, opts.where.length ? 1 : 0, opts.serial.length ? 1 : 0].reduce((a, b) => a + b, 0);
        if (chosen !== 1) throw new UsageError('choose the appliances with exactly one of --all, --where FILTER or --serial SERIAL');
        const filter = opts.where.length ? parseFilter(opts.where) : null;
        await withEngine(cmd, async ({ client, dataDir }) => {
          const selection: ExecSelection = opts.all ? { all: true } : filter ? { query: await resolveFilter(client.api, filter, dataDir) } : { serials: opts.serial };
          const tty = Boolean(process.stderr.isTTY);
          const request = {
            selection,
            argv,
            concurrency: opts.concurrency,
            acceptNew: opts.acceptNew,
            ...(opts.timeout ? { timeoutMs: opts.timeout * 1000 } : {}),
            ...(opts.confirm !== undefined ? { confirmCount: opts.confirm } : {}),
          };
          let job = await client.api.jobs.exec(request).catch(async (err: unknown) => {
            // A large change: on a terminal the user types the count; elsewhere the error says to.
            if (!(err instanceof Error) || (err as { code?: unknown }).code !== 'E_CONFIRM' || opts.confirm !== undefined || opts.json || !tty || !process.stdin.isTTY) throw err;
            const typed = await askCount(io, err);
            if (typed === null) throw new FleetError('E_CONFIRM', 'Not confirmed; nothing was run.');
            return client.api.jobs.exec({ ...request, confirmCount: typed });
          });
          job = await follow(client, io, job, { json: opts.json, tty });
          if (!opts.json && tty && process.stdin.isTTY && (await confirmFirstContact(client, io, job))) {
            await report(client, io, job, false);
            const retry = await client.api.jobs.retry({ id: job.id });
            job = await follow(client, io, retry, { json: false, tty });
          }
          // The groups come after the summary on a terminal, before it with --json (the summary line stays last).
          if (opts.json) await printGroups(client, io, job.id, opts.groupBy, true);
          process.exitCode = await report(client, io, job, opts.json);
          if (!opts.json) await printGroups(client, io, job.id, opts.groupBy, false);
        });
      }, explainConfirm(io)),
    );
}

/** After an E_CONFIRM refusal: how to confirm from a script. */
function explainConfirm(io: Io) {
  return (err: unknown) => {
    const count = detailsOf(err, 'E_CONFIRM')?.count;
    if (count !== undefined) io.err(`To run it anyway, add --confirm ${count} (the number of appliances it reaches).`);
  };
}

export function jobsCommand(io: Io = processIo): Command {
  const jobs = new Command('jobs').description('Jobs: list, show, retry, pause, resume');
  jobs
    .command('list')
    .description('Jobs, newest first')
    .addOption(dataDirOption())
    .option('--limit <n>', 'how many', wholeNumber(1, 500), 20)
    .option('--json', 'JSON output', false)
    .action(
      action(io, 'jobs list', async (opts: { limit: number; json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ api }) => {
          const list = await api.jobs.list({ limit: opts.limit });
          if (opts.json) return io.out(JSON.stringify(list));
          if (list.length === 0) return io.out('No jobs yet: fleetdeck exec (--all | --where FILTER | --serial S) -- CMD runs one; so do rollouts, diagnostics, fills and provisioning.');
          for (const j of list) {
            const p = j.progress;
            io.out(`${String(j.id).padStart(5)}  ${j.createdAt}  ${j.state.padEnd(11)} ${String(p.ok).padStart(5)} ok ${String(p.failed).padStart(5)} failed /${p.total}  ${j.argv.join(' ').slice(0, 60)}`);
          }
        });
      }),
    );
  jobs
    .command('show')
    .description('One job: summary, or every result with --json')
    .argument('<id>', 'job id', wholeNumber(1, Number.MAX_SAFE_INTEGER))
    .addOption(dataDirOption())
    .option('--json', 'the job, its summary and every per-appliance result as JSON', false)
    .addOption(groupByOption())
    .action(
      action(io, 'jobs show', async (id: number, opts: { json: boolean; groupBy?: string[] }, cmd: Command) => {
        await withEngine(cmd, async ({ client }) => {
          const { job, summary } = await client.api.jobs.get({ id });
          if (opts.json) {
            const { items } = await client.api.jobs.results({ id, limit: 20_000 });
            const groups = opts.groupBy?.length ? { groups: await client.api.jobs.groups({ id, by: opts.groupBy }) } : {};
            return io.out(JSON.stringify({ job, summary, results: items, ...groups }));
          }
          io.out(`job ${job.id} (${job.kind}) by ${job.actor}, ${job.createdAt}${job.retryOf ? `, retry of ${job.retryOf}` : ''}: ${job.argv.join(' ')}`);
          await printGroups(client, io, id, opts.groupBy, false);
          process.exitCode = await report(client, io, job, false);
          if (job.state === 'interrupted') io.out(`Fleetdeck stopped while this job ran. Finish it: fleetdeck jobs retry ${job.id}`);
        });
      }),
    );
  jobs
    .command('retry')
    .description('Run a job again on the appliances that did not succeed')
    .argument('<id>', 'job id', wholeNumber(1, Number.MAX_SAFE_INTEGER))
    .addOption(dataDirOption())
    .option('--concurrency <n>', 'appliances at once', wholeNumber(1, 1000))
    .option('--accept-new', 'trust host keys met for the first time', false)
    .option('--json', 'one JSON line per appliance, then a summary line', false)
    .addHelpText('after', EXIT_STATUS_HELP)
    .action(
      action(io, 'jobs retry', async (id: number, opts: { concurrency?: number; acceptNew: boolean; json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ client }) => {
          const retry = await client.api.jobs.retry({ id, acceptNew: opts.acceptNew, ...(opts.concurrency ? { concurrency: opts.concurrency } : {}) });
          const job = await follow(client, io, retry, { json: opts.json, tty: Boolean(process.stderr.isTTY) });
          process.exitCode = await report(client, io, job, opts.json);
        });
      }),
    );
  jobs
    .command('pause')
    .description('Pause a running job: no new appliance starts until it is resumed')
    .argument('<id>', 'job id', wholeNumber(1, Number.MAX_SAFE_INTEGER))
    .addOption(dataDirOption())
    .addOption(jsonOption('the paused job'))
    .action(
      action(io, 'jobs pause', async (id: number, opts: { json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ api }) => {
          const job = await api.jobs.pause({ id });
          if (opts.json) return io.out(JSON.stringify(job));
          io.out(`job ${job.id} paused`);
        });
      }),
    );
  jobs
    .command('resume')
    .description('Resume a paused job, or a multi-step job left running by a Fleetdeck that stopped (here, following it to the end)')
    .argument('<id>', 'job id', wholeNumber(1, Number.MAX_SAFE_INTEGER))
    .addOption(dataDirOption())
    .option('--json', 'one JSON line per appliance, then a summary line', false)
    .addHelpText('after', EXIT_STATUS_HELP)
    .action(
      action(io, 'jobs resume', async (id: number, opts: { json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ client }) => {
          const resumed = await client.api.jobs.resume({ id });
          const job = await follow(client, io, resumed, { json: opts.json, tty: Boolean(process.stderr.isTTY) });
          process.exitCode = await report(client, io, job, opts.json);
        });
      }),
    );
  return jobs;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

export function netCommand(io: Io = processIo): Command {
  const net = new Command('net').description('How appliances are reached: fleet key, host keys, jump hosts');
  const run = (name: string, fn: (client: ApiClient, ...args: never[]) => Promise<void>) =>
    action(io, `net ${name}`, async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      await withEngine(cmd, ({ client }) => fn(client, ...(args.slice(0, -1) as never[])));
    });

  net
    .command('key')
    .description('Show the fleet public key (for authorized_keys) and its fingerprint')
    .addOption(dataDirOption())
    .addOption(jsonOption('the public key, its fingerprint and type'))
    .action(
      run('key', async (client, opts: { json: boolean }) => {
        const info = await client.api.net.fleetKey({});
        if (!info) throw new UsageError('there is no fleet key yet: fleetdeck net keygen');
        if (opts.json) return io.out(JSON.stringify(info));
        io.out(info.publicKey);
        io.err(`${info.fingerprint} (${info.type}${info.passphraseProtected ? ', passphrase-protected' : ''})`);
      }),
    );
  net
    .command('keygen')
    .description('Generate the fleet ed25519 key; the private key stays in the vault')
    .addOption(dataDirOption())
    .option('--replace', 'replace an existing fleet key', false)
    .addOption(jsonOption('the new public key, its fingerprint and type'))
    .action(
      run('keygen', async (client, opts: { replace: boolean; json: boolean }) => {
        const info = await client.api.net.generateFleetKey({ replace: opts.replace });
        if (opts.json) return io.out(JSON.stringify(info));
        io.out(info.publicKey);
        io.err(`${info.fingerprint}: add the line above to each appliance's authorized_keys`);
      }),
    );
  net
    .command('import-key')
    .description('Import an OpenSSH private key (ed25519, ECDSA, RSA) as the fleet key')
    .argument('<file>', 'private key file')
    .addOption(dataDirOption())
    .addOption(new Option('--passphrase-env <var>', 'environment variable holding the key passphrase'))
    .option('--replace', 'replace an existing fleet key', false)
    .addOption(jsonOption('the imported key: public key, fingerprint, type'))
    .action(
      run('import-key', async (client, file: string, opts: { passphraseEnv?: string; replace: boolean; json: boolean }) => {
        const passphrase = opts.passphraseEnv ? process.env[opts.passphraseEnv] : undefined;
        if (opts.passphraseEnv && passphrase === undefined) throw new UsageError(`${opts.passphraseEnv} is not set`);
        const info = await client.api.net.importFleetKey({ privateKey: readText(file), replace: opts.replace, ...(passphrase ? { passphrase } : {}) });
        if (opts.json) return io.out(JSON.stringify(info));
        io.out(`${info.fingerprint} (${info.type}) imported into the vault`);
      }),
    );
  net
    .command('trust')
    .description('Trust an appliance host key after comparing its fingerprint out of band')
    .argument('<serial>')
    .argument('<fingerprint>', 'SHA256:...')
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(
      run('trust', async (client, serial: string, fingerprint: string, opts: { json: boolean }) => {
        const result = await client.api.net.trustHostKey({ serial, fingerprint });
        if (opts.json) return io.out(JSON.stringify(result));
        io.out(`${serial}: ${fingerprint} trusted`);
      }),
    );
  const knownHosts = net.command('known-hosts').description('OpenSSH known_hosts import and export');
  knownHosts
    .command('import')
    .description("Record appliances' host keys from an OpenSSH known_hosts file (conflicts with the inventory are listed, not applied)")
    .argument('[file]', 'known_hosts file', join(homedir(), '.ssh', 'known_hosts'))
    .addOption(dataDirOption())
    .option('--dry-run', 'report only', false)
    .addOption(jsonOption('the report (recorded, matching, conflicts, problems)'))
    .action(
      run('known-hosts import', async (client, file: string, opts: { dryRun: boolean; json: boolean }) => {
        const r = await client.api.net.importKnownHosts({ content: readText(file), dryRun: opts.dryRun });
        if (opts.json) return io.out(JSON.stringify(r));
        io.out(`${r.entries} entries: ${r.recorded.length} recorded, ${r.matching.length} already matching, ${r.conflicts.length} conflicts${r.dryRun ? ' (dry run)' : ''}`);
        for (const c of r.conflicts) io.out(`  conflict ${c.serial}: inventory ${c.inventory}, file ${c.file.join(' ')}`);
        for (const p of r.problems) io.err(`  line ${p.line}: ${p.reason}`);
      }),
    );
  knownHosts
    .command('export')
    .description('Print every trusted appliance host key as known_hosts lines, for OpenSSH')
    .addOption(dataDirOption())
    .option('--hashed', 'hash host names (|1|salt|hmac)', false)
    .addOption(jsonOption('the known_hosts text and the fingerprints with no stored key'))
    .action(
      run('known-hosts export', async (client, opts: { hashed: boolean; json: boolean }) => {
        const r = await client.api.net.exportKnownHosts({ hashed: opts.hashed });
        if (opts.json) return io.out(JSON.stringify(r));
        process.stdout.write(r.content);
        if (r.missingKeys.length) io.err(`${r.missingKeys.length} trusted fingerprints have no stored key yet (contact them once): ${r.missingKeys.slice(0, 10).join(', ')}`);
      }),
    );
  net
    .command('ssh-config')
    .description('Import Host blocks and ProxyJump chains from an OpenSSH client config')
    .command('import')
    .description('Add the jump hosts and routes an OpenSSH client config describes (Host blocks, ProxyJump)')
    .argument('[file]', 'ssh config', join(homedir(), '.ssh', 'config'))
    .addOption(dataDirOption())
    .option('--dry-run', 'report only', false)
    .addOption(jsonOption('the jump hosts, routes and skipped hosts'))
    .action(
      run('ssh-config import', async (client, file: string, opts: { dryRun: boolean; json: boolean }) => {
        const r = await client.api.net.importSshConfig({ content: readText(file), dryRun: opts.dryRun });
        if (opts.json) return io.out(JSON.stringify(r));
        for (const j of r.jumpHosts) io.out(`jump host ${j.name}: ${j.username}@${j.host}:${j.port}${j.via ? ` via ${j.via}` : ''}`);
        for (const rt of r.routes) io.out(`route ${rt.scope} ${rt.key} -> ${rt.jumpHost}`);
        for (const s of r.skipped) io.err(`skipped ${s.host}: ${s.reason}`);
      }),
    );
  const jump = net.command('jump').description('Jump hosts (bastions) and routes');
  jump
    .command('add')
    .description('Add or change a jump host (bastion); --via chains it behind another')
    .argument('<name>', 'a name for it')
    .argument('<host>', 'its address')
    .addOption(dataDirOption())
    .option('--port <n>', 'SSH port', wholeNumber(1, 65535), 22)
    .option('--user <user>', 'login user', process.env.USER ?? 'root')
    .option('--via <name>', 'reached through this jump host (ProxyJump chain)')
    .addOption(jsonOption('the jump host'))
    .action(
      run('jump add', async (client, name: string, host: string, opts: { port: number; user: string; via?: string; json: boolean }) => {
        const j = await client.api.net.upsertJumpHost({ name, host, port: opts.port, username: opts.user, via: opts.via ?? null });
        if (opts.json) return io.out(JSON.stringify(j));
        io.out(`jump host ${j.name}: ${j.username}@${j.host}:${j.port}${j.via ? ` via ${j.via}` : ''}`);
      }),
    );
  jump
    .command('list')
    .description('Jump hosts with their host keys, and which sites and appliances go through them')
    .addOption(dataDirOption())
    .addOption(jsonOption('the jump hosts and routes'))
    .action(
      run('jump list', async (client, opts: { json: boolean }) => {
        const list = await client.api.net.listJumpHosts({});
        if (opts.json) return io.out(JSON.stringify(list));
        const { jumpHosts, routes } = list;
        for (const j of jumpHosts) io.out(`${j.name}  ${j.username}@${j.host}:${j.port}${j.via ? ` via ${j.via}` : ''}  ${j.hostKeyFingerprint ?? '(host key not yet trusted)'}`);
        for (const r of routes) io.out(`route ${r.scope} ${r.key} -> ${r.jumpHost}`);
      }),
    );
  jump
    .command('route')
    .description('Reach a site or one appliance through a jump host (none: directly)')
    .argument('<scope>', 'site or appliance')
    .argument('<key>', 'site code or serial')
    .argument('<jump-host>', 'jump host name, or none')
    .addOption(dataDirOption())
    .addOption(jsonOption('the route'))
    .action(
      run('jump route', async (client, scope: string, key: string, jumpHost: string, opts: { json: boolean }) => {
        if (scope !== 'site' && scope !== 'appliance') throw new UsageError('scope is site or appliance');
        const route = { scope, key, jumpHost: jumpHost === 'none' ? null : jumpHost } as const;
        await client.api.net.setRoute(route);
        if (opts.json) return io.out(JSON.stringify(route));
        io.out(`${scope} ${key}: ${jumpHost === 'none' ? 'reached directly' : `through ${jumpHost}`}`);
      }),
    );
  const alerts = net
    .command('alerts')
    .description('Host-key mismatches')
    .addOption(dataDirOption())
    .option('--all', 'resolved ones too', false)
    .addOption(jsonOption('the alerts'))
    .action(
      run('alerts', async (client, opts: { all: boolean; json: boolean }) => {
        const list = await client.api.net.hostKeyAlerts({ open: !opts.all });
        if (opts.json) return io.out(JSON.stringify(list));
        for (const a of list) {
          io.out(`${a.id}  ${a.target}  expected ${a.expected}  presented ${a.presented}  seen ${a.count}x, last ${a.lastSeenAt}${a.resolvedAt ? `  ${a.resolution} by ${a.resolvedBy}` : ''}`);
        }
      }),
    );
  alerts
    .command('resolve')
    .description('Close a host-key alert: trust the key presented now, or dismiss it and keep the recorded one')
    .argument('<id>', 'alert id', wholeNumber(1, Number.MAX_SAFE_INTEGER))
    .addOption(dataDirOption())
    .option('--trust-new-key', 'the appliance was re-installed: trust the key it presents now')
    .option('--dismiss', 'keep the recorded key; close the alert')
    .addOption(jsonOption('the resolved alert'))
    .action(
      run('alerts resolve', async (client, id: number, opts: { trustNewKey?: boolean; dismiss?: boolean; json: boolean }) => {
        if (Boolean(opts.trustNewKey) === Boolean(opts.dismiss)) throw new UsageError('choose --trust-new-key or --dismiss');
        const a = await client.api.net.resolveHostKeyAlert({ id, trustNewKey: Boolean(opts.trustNewKey) });
        if (opts.json) return io.out(JSON.stringify(a));
        io.out(`alert ${a.id}: ${a.resolution}`);
      }),
    );
  return net;
}

/** Every command group this file adds to `fleetdeck`. */
export function fleetCommands(io: Io = processIo): Command[] {
  return [execCommand(io), jobsCommand(io), netCommand(io)];
}
