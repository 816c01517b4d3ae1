/**
 * `fleetdeck diag run | history | compare | bundle` and `fleetdeck config drift`: diagnostics
 * suites as jobs (progress bar on a terminal, Ctrl-C cancels), their history and what changed since
 * the last good run, bundles to attach to a ticket, and configuration drift. See docs/diagnostics.md.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { ApiClient } from '../api/client';
import { DIAG_CHECKS, type CheckResult, type Comparison, type DiagCheck, type DiagRun, type DriftReport } from '../diagnostics/contract';
import type { ExecSelection } from '../net/contract';
import { follow, parseFilter, resolveFilter } from './exec';
import { action, dataDirOption, processIo, UsageError, withEngine, type Io } from './io';
import { repeated, wholeNumber } from './options';
import { oneLine } from './terminal-text';

function parseChecks(value: string): DiagCheck[] {
  const checks = value
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const bad = checks.find((c) => !(DIAG_CHECKS as readonly string[]).includes(c));
  if (bad !== undefined || checks.length === 0) throw new InvalidArgumentError(`checks are a comma-separated list of ${DIAG_CHECKS.join(', ')}${bad ? ` ("${bad}" is not one)` : ''}`);
  return [...new Set(checks)] as DiagCheck[];
}

interface Selecting {
  all?: boolean;
  where: string[];
  serial: string[];
}

async function selectionOf(api: ApiClient['api'], opts: Selecting, dataDir: string): Promise<ExecSelection> {
  const chosen = [opts.all ? 1 : 0, opts.where.length ? 1 : 0, opts.serial.length ? 1 : 0].reduce((a, b) => a + b, 0);
  if (chosen !== 1) throw new UsageError('choose the appliances with exactly one of --all, --where FILTER or --serial SERIAL');
  if (opts.all) return { all: true };
  if (opts.where.length) return { query: await resolveFilter(api, parseFilter(opts.where), dataDir) };
  return { serials: opts.serial };
}

const MARK: Record<CheckResult['status'], string> = { OK: 'ok  ', Unknown: '?   ', Warning: 'WARN', Error: 'FAIL' };

function figure(r: Pick<CheckResult, 'value' | 'unit'>): string {
  return r.value === null ? '' : ` ${r.value}${r.unit ? ` ${r.unit}` : ''}`;
}

/** A run as lines: the appliance, then one line per check, with what to do under each that is not OK. */
export function runLines(run: DiagRun): string[] {
  const lines = [`${run.serial} (${run.site})  ${run.status ?? 'running'}  run ${run.id}${run.jobId !== null ? `, job ${run.jobId}` : ''}, ${run.startedAt}`];
  for (const r of run.results) {
    lines.push(`  ${MARK[r.status]} ${r.check.padEnd(12)}${figure(r).padEnd(24)} ${oneLine(r.summary, 200)}${r.errorCode ? ` [${r.errorCode}]` : ''}`);
    if (r.action) lines.push(`       -> ${oneLine(r.action, 240)}`);
  }
  const missing = run.checks.filter((c) => !run.results.some((r) => r.check === c));
  if (missing.length) lines.push(`       not run: ${missing.join(', ')}`);
  return lines;
}

export function comparisonLines(c: Comparison): string[] {
  if (!c.run) return [`${c.serial}: no diagnostics run yet (fleetdeck diag run --serial ${c.serial}).`];
  const head = c.lastGood
    ? `${c.serial}: run ${c.run.id} (${c.run.startedAt}, ${c.run.status ?? 'running'}) against the last good run ${c.lastGood.id} (${c.lastGood.startedAt})`
    : `${c.serial}: run ${c.run.id} (${c.run.status ?? 'running'}); no earlier run was all OK, so nothing to compare with`;
  const lines = [head];
  for (const ch of c.changes) {
    const before = ch.before ? `${ch.before.status}${figure(ch.before)}` : '-';
    const after = ch.after ? `${ch.after.status}${figure(ch.after)}` : '-';
    const mark = ch.statusChanged ? 'CHANGED' : 'same   ';
    const delta = ch.valueChange !== null && ch.valueChange !== 0 ? ` (${ch.valueChange > 0 ? '+' : ''}${Math.round(ch.valueChange * 1000) / 10}%)` : '';
    lines.push(`  ${mark} ${ch.check.padEnd(12)} ${before} -> ${after}${delta}${ch.statusChanged && ch.after ? `: ${oneLine(ch.after.summary, 200)}` : ''}`);
  }
  return lines;
}

export function driftLines(report: DriftReport): string[] {
  const lines: string[] = [];
  for (const a of report.drifted) {
    lines.push(`${a.serial} (${a.site}, ${a.partner}): ${a.differences.length} difference${a.differences.length === 1 ? '' : 's'}`);
    for (const d of a.differences) lines.push(`  [${d.source}] ${oneLine(d.message, 300)}`);
  }
  for (const u of report.unreachable) lines.push(`${u.serial} (${u.site}): not read: ${u.code} ${oneLine(u.message, 200)}`);
  lines.push(
    `${report.checked} appliance${report.checked === 1 ? '' : 's'} read, ${report.drifted.length} with drift, ${report.unreachable.length} not read; compared with ${report.sources.join(', ')}.`,
  );
  return lines;
}

function diagCommand(io: Io): Command {
  const diag = new Command('diag').description('Diagnostics: run checks on appliances, history, compare with the last good run, bundles');

  diag
    .command('run')
    .description('Run diagnostics checks on appliances, as a job (progress bar on a terminal; Ctrl-C cancels)')
    .addOption(dataDirOption())
    .option('--all', 'every appliance in the inventory')
    .option('--where <filter>', 'site=GRU1|GRU2,status=online,tag=x; repeatable', repeated, [])
    .option('--serial <serial>', 'one appliance; repeatable', repeated, [])
    .option('--checks <list>', `comma-separated, in order (default all: ${DIAG_CHECKS.join(',')})`, parseChecks)
    .option('--concurrency <n>', 'appliances at once', wholeNumber(1, 1000), 20)
    .option('--timeout <seconds>', 'per check: connect and command', wholeNumber(1, 600))
    .option('--json', 'one JSON document: the job and every run with its results', false)
    .addHelpText('after', '\nExit status: 0 when every check is OK or Warning; 1 when a check failed, could not run, or the command line was wrong; 130 cancelled.')
    .action(
      action(io, 'diag run', async (opts: Selecting & { checks?: DiagCheck[]; concurrency: number; timeout?: number; json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ client, dataDir }) => {
          const selection = await selectionOf(client.api, opts, dataDir);
          const started = await client.api.diagnostics.run({
            selection,
            concurrency: opts.concurrency,
            ...(opts.checks ? { checks: opts.checks } : {}),
            ...(opts.timeout ? { timeoutMs: opts.timeout * 1000 } : {}),
          });
          const tty = Boolean(process.stderr.isTTY) && !opts.json;
          const first = (await client.api.jobs.get({ id: started.jobId })).job;
          const job = await follow(client, io, first, { json: false, tty });
          const runs = (await client.api.diagnostics.history({ jobId: job.id, limit: 500 })).sort((a, b) => a.serial.localeCompare(b.serial));
          const bad = runs.filter((r) => r.status === 'Error' || r.status === 'Unknown' || r.status === null).length + Math.max(0, started.appliances - runs.length);
          if (opts.json) io.out(JSON.stringify({ job, runs }));
          else {
            for (const run of runs) io.out(runLines(run).join('\n'));
            const counts = (s: DiagRun['status']) => runs.filter((r) => r.status === s).length;
            io.out(`job ${job.id} ${job.state}: ${runs.length} of ${started.appliances} appliances diagnosed: ${counts('OK')} OK, ${counts('Warning')} Warning, ${counts('Error')} Error, ${counts('Unknown')} Unknown.`);
          }
          process.exitCode = job.state === 'cancelled' ? 130 : bad > 0 ? 1 : 0;
        });
      }),
    );

  diag
    .command('history')
    .description('Diagnostics runs, newest first')
    .addOption(dataDirOption())
    .option('--serial <serial>', 'one appliance')
    .option('--site <code>', 'one site')
    .option('--limit <n>', 'runs', wholeNumber(1, 500), 10)
    .option('--json', 'JSON', false)
    .action(
      action(io, 'diag history', async (opts: { serial?: string; site?: string; limit: number; json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ api }) => {
          const runs = await api.diagnostics.history({ limit: opts.limit, ...(opts.serial ? { serial: opts.serial } : {}), ...(opts.site ? { site: opts.site } : {}) });
          if (opts.json) io.out(JSON.stringify(runs));
          else io.out(runs.length ? runs.map((r) => runLines(r).join('\n')).join('\n') : 'No diagnostics runs yet.');
        });
      }),
    );

  diag
    .command('compare')
    .description("What changed since the appliance's last good run (every check OK)")
    .addOption(dataDirOption())
    .requiredOption('--serial <serial>', 'the appliance')
    .option('--run <id>', 'compare this run (default: the newest)', wholeNumber(1, Number.MAX_SAFE_INTEGER))
    .option('--json', 'JSON', false)
    .action(
      action(io, 'diag compare', async (opts: { serial: string; run?: number; json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ api }) => {
          const c = await api.diagnostics.compare({ serial: opts.serial, ...(opts.run ? { runId: opts.run } : {}) });
          io.out(opts.json ? JSON.stringify(c) : comparisonLines(c).join('\n'));
        });
      }),
    );

  diag
    .command('bundle')
    .description('Write a diagnostics bundle (tar.gz: status, configuration, BGP, logs, diagnostics, health; secrets redacted)')
    .addOption(dataDirOption())
    .option('--serial <serial>', 'one appliance')
    .option('--site <code>', 'every appliance of a site')
    .requiredOption('--out <file>', 'the archive to write (.tar.gz)')
    .option('--json', 'JSON report', false)
    .action(
      action(io, 'diag bundle', async (opts: { serial?: string; site?: string; out: string; json: boolean }, cmd: Command) => {
        if ((opts.serial === undefined) === (opts.site === undefined)) throw new UsageError('give exactly one of --serial SERIAL or --site CODE');
        await withEngine(cmd, async ({ api, dataDir }) => {
          const site = opts.site !== undefined ? (await resolveFilter(api, { site: [opts.site] }, dataDir)).site![0]! : undefined;
          const report = await api.diagnostics.bundle({ out: opts.out, ...(opts.serial ? { serial: opts.serial } : {}), ...(site ? { site } : {}) });
          if (opts.json) io.out(JSON.stringify(report));
          else {
            io.out(`Wrote ${report.path} (${report.bytes} bytes): ${report.appliances} appliance${report.appliances === 1 ? '' : 's'}, ${report.files.length} files, ${report.redactions} secrets redacted.`);
            for (const u of report.unreachable) io.err(`${u.serial}: not fully read: ${u.code} ${oneLine(u.message, 200)}`);
          }
        });
      }),
    );
  return diag;
}

function configCommand(io: Io): Command {
  const config = new Command('config').description("Appliances' configuration");
  config
    .command('drift')
    .description('Read every selected appliance\'s configuration (ocactl config get) and list where it differs from the inventory and its site peers')
    .addOption(dataDirOption())
    .option('--all', 'every appliance (the default)')
    .option('--where <filter>', 'site=GRU1|GRU2,partner=X; repeatable', repeated, [])
    .option('--serial <serial>', 'one appliance; repeatable', repeated, [])
    .option('--concurrency <n>', 'appliances read at once', wholeNumber(1, 1000), 50)
    .option('--json', 'the report as one JSON document', false)
    .addHelpText('after', '\nExit status: 0 when nothing drifted and every appliance was read; 1 otherwise.')
    .action(
      action(io, 'config drift', async (opts: Selecting & { concurrency: number; json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ api, dataDir }) => {
          const all = !opts.where.length && !opts.serial.length ? true : opts.all;
          const selection = await selectionOf(api, { ...opts, all }, dataDir);
          const report = await api.diagnostics.drift({ selection, concurrency: opts.concurrency });
          io.out(opts.json ? JSON.stringify(report) : driftLines(report).join('\n'));
          process.exitCode = report.drifted.length + report.unreachable.length > 0 ? 1 : 0;
        });
      }),
    );
  return config;
}

export function diagCommands(io: Io = processIo): Command[] {
  return [diagCommand(io), configCommand(io)];
}
