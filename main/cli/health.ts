/**
 * `fleetdeck health`: the fleet's measured health beside its lifecycle, roll-ups, what needs
 * attention, and polling.
 *
 *   fleetdeck health [--where FILTER]... [--status S]... [--json]     roll-ups and every appliance with its age
 *   fleetdeck health poll [--where FILTER... | --serial S...] [--json]  poll now (default: the monitor's selection)
 *   fleetdeck health actionable [--site S]... [--partner P]... [--json]
 *   fleetdeck health watch [--where FILTER]... [--interval SECONDS] [--sweeps N]
 *   fleetdeck health monitor [--enable | --disable] [--interval S] [--concurrency N] [--timeout-ms N] [--history N] [--where FILTER]... [--json]
 *   fleetdeck health thresholds [--model M [--disk-warn PCT] [--disk-error PCT] [--errors-warn N] [--errors-error N]
 *                               [--hit-warn-below RATIO] [--stale-after SECONDS]] [--json]
 *
 * Polling itself runs in a long-lived engine (the desktop app or `fleetdeck serve`) when the monitor
 * is enabled; `health poll` and `health watch` poll from this process. FILTER as for `fleetdeck exec`.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { ApiClient } from '../api/client';
import { HEALTH_STATUSES } from '../appliance/contract';
import type { ActionItem, ApplianceHealth, HealthStatus, MonitorSettings, Rollup, SweepReport, Thresholds } from '../health/contract';
import { formatAge } from '../health/assess';
import { APPLIANCE_MODELS, type ApplianceModel } from '../inventory/contract';
import { parseFilter, resolveFilter } from './exec';
import { oneLine, terminalSafe } from './terminal-text';
import { action, dataDirOption, processIo, UsageError, withEngine, type Io } from './io';
import { repeated, wholeNumber } from './options';

function decimal(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`a number from ${min} to ${max}`);
    return n;
  };
}
function statusOf(value: string, previous: HealthStatus[] = []): HealthStatus[] {
  const found = HEALTH_STATUSES.find((s) => s.toLowerCase() === value.toLowerCase());
  if (!found) throw new InvalidArgumentError(`one of ${HEALTH_STATUSES.join(', ')}`);
  return [...previous, found];
}

type FleetHealth = Awaited<ReturnType<ApiClient['api']['health']['fleet']>>;

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const gbps = (x: number) => `${Math.round(x * 10) / 10} Gbps`;

function countsLine(r: Rollup): string {
  const c = r.counts;
  const parts = [`${c.OK} OK`, `${c.Warning} Warning`, `${c.Error} Error`, `${c.Unknown} Unknown`];
  return `${parts.join(', ')}${c.unreachable ? ` (${c.unreachable} unreachable)` : ''}, serving ${gbps(r.servingGbps)}`;
}

function reachLine(h: ApplianceHealth): string {
  if (h.lastPollAt === null) return 'never polled';
  return h.reachable ? 'reachable' : `unreachable (${h.lastError?.code ?? '?'})`;
}

/** Non-OK components, short. */
function problemsOf(h: ApplianceHealth): string {
  return h.components
    .filter((c) => c.status !== 'OK')
    .map((c) => `${oneLine(c.name, 40)} ${c.status}`)
    .join(', ');
}

/** The fleet view as text lines; `limit` caps the appliance rows (worst first). */
export function fleetLines(f: FleetHealth, limit = Infinity): string[] {
  const out: string[] = [];
  out.push(`Fleet: ${f.totals.status} - ${f.items.length} appliances: ${countsLine(f.totals)}`);
  out.push('', 'Partners');
  for (const p of f.byPartner) out.push(`  ${pad(p.status, 8)} ${pad(p.partner, 24)} ${countsLine(p)}`);
  out.push('', 'Sites');
  for (const s of f.bySite) out.push(`  ${pad(s.status, 8)} ${pad(s.site, 10)} ${pad(s.partner, 24)} ${countsLine(s)}`);
  out.push('', 'Appliances (health is measured; lifecycle is what an operator set)');
  out.push(`  ${pad('SERIAL', 14)} ${pad('SITE', 10)} ${pad('LIFECYCLE', 16)} ${pad('HEALTH', 8)} ${pad('REACH', 28)} ${pad('AGE', 10)} PROBLEMS`);
  const rank = (s: HealthStatus) => ['Error', 'Warning', 'Unknown', 'OK'].indexOf(s);
  const rows = limit === Infinity ? f.items : [...f.items].sort((a, b) => rank(a.status) - rank(b.status) || a.serial.localeCompare(b.serial)).slice(0, limit);
  for (const h of rows) {
    const age = h.ageSeconds === null ? '-' : formatAge(h.ageSeconds);
    out.push(`  ${pad(h.serial, 14)} ${pad(h.site, 10)} ${pad(h.lifecycle, 16)} ${pad(h.status, 8)} ${pad(reachLine(h), 28)} ${pad(age, 10)} ${problemsOf(h)}`.trimEnd());
  }
  if (rows.length < f.items.length) out.push(`  ... and ${f.items.length - rows.length} more`);
  const unpolled = neverPolledLine(f.items);
  if (unpolled) out.push('', unpolled);
  return out;
}

/**
 * Says how many appliances were never polled (their health is not known) and how to poll them; null
 * when none. Appliances in RMA are left out: the monitor does not poll them.
 */
function neverPolledLine(items: readonly ApplianceHealth[]): string | null {
  const polledOnes = items.filter((h) => h.lifecycle !== 'rma');
  const never = polledOnes.filter((h) => h.lastPollAt === null).length;
  if (never === 0) return null;
  const who = never === polledOnes.length ? `None of the ${never} appliances has` : `${never} of ${polledOnes.length} appliances have`;
  return `${who} been polled yet, so their health is not known: fleetdeck health poll polls them now; the app and fleetdeck serve poll on an interval (fleetdeck health monitor).`;
}

/** The actionable items; with none, "nothing needs attention" only when the appliances were polled. */
export function itemLines(items: readonly ActionItem[], fleet: readonly ApplianceHealth[] = []): string[] {
  const unpolled = neverPolledLine(fleet);
  if (items.length === 0) return [unpolled ?? 'Nothing needs attention.'];
  const out: string[] = [];
  for (const i of items) {
    out.push(`${pad(i.severity, 8)} ${i.serial ?? '-'} (${i.site}, ${i.partner}) since ${i.since}`);
    out.push(`         ${oneLine(i.problem, 300)}`);
    out.push(`         fix: ${i.suggestedFix}`);
  }
  if (unpolled) out.push(unpolled);
  return out;
}

const sweepLine = (r: SweepReport) => `polled ${r.polled}: ${r.reached} reached, ${r.failed} failed in ${(r.durationMs / 1000).toFixed(2)} s`;

function selectionFrom(where: string[]) {
  return where.length ? parseFilter(where) : {};
}

export function healthCommand(io: Io = processIo): Command {
  const health = new Command('health').description('Measured health of the fleet: roll-ups, actionable items, polling');

  health
    .command('show', { isDefault: true })
    .description('Roll-ups per partner and site, and every appliance with its health, lifecycle and age')
    .addOption(dataDirOption())
    .option('--where <filter>', 'site=GRU1|GRU2,status=online,... (as for exec); repeatable', repeated, [])
    .option('--status <status>', 'only appliances with this measured health (OK, Unknown, Warning, Error); repeatable', statusOf)
    .option('--json', 'the whole view as one JSON object', false)
    .action(
      action(io, 'health', async (opts: { where: string[]; status?: HealthStatus[]; json: boolean }, cmd: Command) => {
        const query = selectionFrom(opts.where);
        await withEngine(cmd, async ({ client, dataDir }) => {
          const view = await client.api.health.fleet({ query: await resolveFilter(client.api, query, dataDir), ...(opts.status ? { status: opts.status } : {}) });
          if (opts.json) io.out(JSON.stringify(view));
          else for (const line of fleetLines(view)) io.out(line);
        });
      }),
    );

  health
    .command('poll')
    .description('Poll now from this process: the monitor selection, a filter, or serials')
    .addOption(dataDirOption())
    .option('--where <filter>', 'appliances to poll (as for exec); repeatable', repeated, [])
    .option('--serial <serial>', 'one appliance; repeatable', repeated, [])
    .option('--json', 'the sweep report as one JSON object', false)
    .action(
      action(io, 'health poll', async (opts: { where: string[]; serial: string[]; json: boolean }, cmd: Command) => {
        if (opts.where.length && opts.serial.length) throw new UsageError('choose the appliances with --where or --serial, not both');
        await withEngine(cmd, async ({ client, dataDir }) => {
          let serials: string[] | undefined = opts.serial.length ? opts.serial : undefined;
          if (opts.where.length) {
            const page = await client.api.inventory.listAppliances({ ...(await resolveFilter(client.api, parseFilter(opts.where), dataDir)), limit: 20_000 });
            serials = page.items.map((a) => a.serial);
            if (serials.length === 0) throw new UsageError(`no appliance in ${dataDir} matches the filter`);
          }
          const report = await client.api.health.pollNow(serials ? { serials } : {});
          if (opts.json) return io.out(JSON.stringify(report));
          io.out(sweepLine(report));
          if (report.failed) {
            const { items } = await client.api.health.fleet({ query: {} });
            const polled = serials ? new Set(serials) : null;
            for (const h of items.filter((x) => !x.reachable && x.lastError && (!polled || polled.has(x.serial)))) {
              io.out(`  ${h.serial}: ${h.lastError!.code} ${oneLine(h.lastError!.message, 240)}`);
            }
          }
        });
      }),
    );

  health
    .command('actionable')
    .description('What needs attention, worst first, with a suggested fix for each')
    .addOption(dataDirOption())
    .option('--site <code>', 'only this site; repeatable', repeated)
    .option('--partner <name>', 'only this partner; repeatable', repeated)
    .option('--json', 'the items as one JSON array', false)
    .action(
      action(io, 'health actionable', async (opts: { site?: string[]; partner?: string[]; json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ client }) => {
          const items = await client.api.health.actionable({ ...(opts.site ? { site: opts.site } : {}), ...(opts.partner ? { partner: opts.partner } : {}) });
          if (opts.json) return io.out(JSON.stringify(items));
          // The same selection's appliances, to tell "nothing wrong" from "nothing known yet".
          const scope = { ...(opts.site ? { site: opts.site } : {}), ...(opts.partner ? { partner: opts.partner } : {}) };
          const { items: fleet } = await client.api.health.fleet({ query: scope });
          for (const line of itemLines(items, fleet)) io.out(line);
        });
      }),
    );

  health
    .command('watch')
    .description('Poll from this process on an interval and show the fleet live (Ctrl-C ends it)')
    .addOption(dataDirOption())
    .option('--where <filter>', 'appliances to poll and show (as for exec); repeatable', repeated, [])
    .option('--interval <seconds>', 'seconds between sweeps (default: the monitor setting)', wholeNumber(2, 3600))
    .option('--sweeps <n>', 'stop after this many sweeps', wholeNumber(1, 1_000_000))
    .action(
      action(io, 'health watch', async (opts: { where: string[]; interval?: number; sweeps?: number }, cmd: Command) => {
        const query = selectionFrom(opts.where);
        await withEngine(cmd, async ({ client, local }) => {
          const tty = Boolean(process.stdout.isTTY);
          const interval = opts.interval ?? (await client.api.health.monitor({})).intervalSec;
          let sweeps = 0;
          let done = false;
          await new Promise<void>((resolve) => {
            const finish = () => {
              done = true;
              process.off('SIGINT', finish);
              off();
              local.stopPollingHere();
              resolve();
            };
            const off = client.on('health.swept', (report) => {
              void (async () => {
                if (done) return;
                sweeps++;
                const view = await client.api.health.fleet({ query });
                if (tty) {
                  const rows = Math.max(5, (process.stdout.rows ?? 40) - 20);
                  const items = await client.api.health.actionable({});
                  const lines = [
                    `fleetdeck health watch - every ${interval} s - ${report.at} - ${sweepLine(report)} (Ctrl-C ends)`,
                    '',
                    ...fleetLines(view, rows),
                    '',
                    `Actionable: ${items.length}`,
                    ...itemLines(items.slice(0, 5)),
                  ];
                  process.stdout.write('\u001b[H\u001b[2J' + lines.map(terminalSafe).join('\n') + '\n');
                } else {
                  const c = view.totals.counts;
                  io.out(`${report.at} ${sweepLine(report)} | ${view.totals.status}: ${c.OK} OK, ${c.Warning} Warning, ${c.Error} Error, ${c.Unknown} Unknown, ${c.unreachable} unreachable`);
                }
                if (opts.sweeps !== undefined && sweeps >= opts.sweeps) finish();
              })().catch((err: unknown) => {
                // Ctrl-C while the view was being read: the engine is closing; nothing to show.
                if (!done) io.err(`fleetdeck health watch: ${err instanceof Error ? err.message : String(err)}`);
              });
            });
            process.once('SIGINT', finish);
            local.pollHere(interval, query);
          });
          // A sweep still in flight is cancelled when the engine closes.
        });
      }),
    );

  health
    .command('monitor')
    .description('Show or change the polling settings (polling runs in the desktop app or fleetdeck serve)')
    .addOption(dataDirOption())
    .addOption(new Option('--enable', 'poll on the interval').conflicts('disable'))
    .option('--disable', 'stop polling')
    .option('--interval <seconds>', 'seconds between sweeps', wholeNumber(2, 3600))
    .option('--concurrency <n>', 'appliances polled at once', wholeNumber(1, 1000))
    .option('--timeout-ms <ms>', 'deadline of each request', wholeNumber(200, 60_000))
    .option('--history <n>', 'samples kept per appliance', wholeNumber(10, 10_000))
    .option('--where <filter>', 'which appliances to poll (as for exec); repeatable', repeated, [])
    .option('--all', 'poll every appliance not in rma (clears --where)')
    .option('--json', 'the settings as one JSON object', false)
    .action(
      action(
        io,
        'health monitor',
        async (
          opts: { enable?: boolean; disable?: boolean; interval?: number; concurrency?: number; timeoutMs?: number; history?: number; where: string[]; all?: boolean; json: boolean },
          cmd: Command,
        ) => {
          if (opts.all && opts.where.length) throw new UsageError('--all and --where exclude each other');
          const patch: Partial<MonitorSettings> = {
            ...(opts.enable ? { enabled: true } : opts.disable ? { enabled: false } : {}),
            ...(opts.interval !== undefined ? { intervalSec: opts.interval } : {}),
            ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
            ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
            ...(opts.history !== undefined ? { historySize: opts.history } : {}),
            ...(opts.where.length ? { selection: parseFilter(opts.where) } : opts.all ? { selection: {} } : {}),
          };
          await withEngine(cmd, async ({ client }) => {
            const settings = Object.keys(patch).length ? await client.api.health.setMonitor(patch) : await client.api.health.monitor({});
            if (opts.json) return io.out(JSON.stringify(settings));
            const sel = Object.keys(settings.selection).length ? JSON.stringify(settings.selection) : 'every appliance not in rma';
            io.out(`Monitor ${settings.enabled ? 'enabled' : 'disabled'}: every ${settings.intervalSec} s, ${settings.concurrency} at once, ${settings.timeoutMs} ms deadline, ${settings.historySize} samples kept`);
            io.out(`Polls: ${sel}`);
            if (settings.enabled && Object.keys(patch).length) io.out('Polling runs in the desktop app or `fleetdeck serve` on this data directory.');
          });
        },
      ),
    );

  health
    .command('thresholds')
    .description('Show the thresholds per model, or change one model')
    .addOption(dataDirOption())
    .addOption(new Option('--model <model>', 'the model to change').choices(APPLIANCE_MODELS))
    .option('--disk-warn <pct>', 'disk used %: Warning at or above', decimal(1, 100))
    .option('--disk-error <pct>', 'disk used %: Error at or above', decimal(1, 100))
    .option('--errors-warn <n>', 'errors per second: Warning at or above', decimal(0, 1e9))
    .option('--errors-error <n>', 'errors per second: Error at or above', decimal(0, 1e9))
    .option('--hit-warn-below <ratio>', 'cache hit ratio below this is a Warning (0 disables)', decimal(0, 1))
    .option('--stale-after <seconds>', 'older measurements turn Unknown (0 disables)', wholeNumber(0, 86_400))
    .option('--json', 'the thresholds as one JSON array', false)
    .action(
      action(
        io,
        'health thresholds',
        async (
          opts: { model?: ApplianceModel; diskWarn?: number; diskError?: number; errorsWarn?: number; errorsError?: number; hitWarnBelow?: number; staleAfter?: number; json: boolean },
          cmd: Command,
        ) => {
          const change = {
            ...(opts.diskWarn !== undefined ? { diskWarnPct: opts.diskWarn } : {}),
            ...(opts.diskError !== undefined ? { diskErrorPct: opts.diskError } : {}),
            ...(opts.errorsWarn !== undefined ? { errorsWarnPerSec: opts.errorsWarn } : {}),
            ...(opts.errorsError !== undefined ? { errorsErrorPerSec: opts.errorsError } : {}),
            ...(opts.hitWarnBelow !== undefined ? { cacheHitWarnBelow: opts.hitWarnBelow } : {}),
            ...(opts.staleAfter !== undefined ? { staleAfterSec: opts.staleAfter } : {}),
          };
          if (Object.keys(change).length && !opts.model) throw new UsageError('say which model to change with --model storage|flash');
          await withEngine(cmd, async ({ client }) => {
            let all: Thresholds[] = await client.api.health.thresholds({});
            if (opts.model && Object.keys(change).length) {
              const current = all.find((t) => t.model === opts.model)!;
              all = await client.api.health.setThresholds({ ...current, ...change });
            }
            if (opts.json) return io.out(JSON.stringify(all));
            for (const t of all) {
              io.out(
                `${pad(t.model, 8)} disk Warning ${t.diskWarnPct}% Error ${t.diskErrorPct}%; errors/s Warning ${t.errorsWarnPerSec} Error ${t.errorsErrorPerSec}; ` +
                  `hit ratio Warning below ${t.cacheHitWarnBelow}; stale after ${t.staleAfterSec} s`,
              );
            }
          });
        },
      ),
    );

  return health;
}
