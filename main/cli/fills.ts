/**
 * `fleetdeck fills plan`, `fleetdeck catalog import`, `fleetdeck demand import`: the model side of
 * predictive fills (docs/fills.md).
 *
 *   fleetdeck catalog import FILE               CSV (content_id,title,bytes,kind,release_date) or JSON lines
 *   fleetdeck demand import FILE                CSV (site,day,content_id,bytes,plays) or JSON lines
 *   fleetdeck fills plan [--site S] [--day D] [--json]
 *   fleetdeck fills plans [--json] | fills show-plan ID [--json]
 *   fleetdeck fills savings [--partner P] [--json]   transit avoided per partner (latest plans)
 *
 * Imports are all or nothing: any bad row and nothing changes; every bad row is listed with its line.
 */
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Plan, SavingsReport, SitePlanSummary } from '../fills/contract';
import { formatBytes } from '../kit/bytes';
import { explainImport } from './inventory';
import { action, dataDirOption, jsonOption, processIo, UsageError, withEngine, type Io } from './io';

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
/** Catalog, cache and transit volumes: decimal units, as capacities are counted. */
const bytes = (n: number) => formatBytes(n, 'decimal');

function day(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new InvalidArgumentError('a date, YYYY-MM-DD');
  return value;
}

function positive(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('a whole number from 1');
  return n;
}

export function describeSitePlan(s: SitePlanSummary): string[] {
  const lines = [
    `${s.site} for ${s.day}: ${s.titles} titles (${s.copies} copies, ${bytes(s.placedBytes)}) on ${s.appliances} appliances of ${bytes(s.capacityBytes)}; ` +
      `offload ${pct(s.offload)} of the forecast ${bytes(s.forecastBytes)}, bound ${pct(s.bound)} (${pct(s.bound > 0 ? s.offload / s.bound : 0)} of it)`,
    `  to fill: ${bytes(s.churnBytes)}${s.previousPlanId === null ? ' (no earlier plan: everything)' : ` against plan ${s.previousPlanId}`}; history ${s.historyDays} days` +
      (s.dropped ? `; ${s.dropped} titles fit no appliance` : ''),
  ];
  if (s.quality) {
    lines.push(
      `  forecast of ${s.quality.day}: hit ratio ${pct(s.quality.hitRatio)} vs oracle ${pct(s.quality.oracleHitRatio)}, churn ${bytes(s.quality.churnBytes)}`,
    );
  } else lines.push('  forecast quality: needs 3 days of history');
  return lines;
}

function describePlan(io: Io, plan: Plan): void {
  io.out(`Plan ${plan.id} (${plan.createdAt}, ${plan.createdBy}): ${plan.sites.length} site${plan.sites.length === 1 ? '' : 's'}`);
  for (const s of plan.sites) for (const line of describeSitePlan(s)) io.out(line);
}

export function fillsCommands(io: Io = processIo): Command[] {
  const catalog = new Command('catalog').description('The content catalog the fills plan from');
  catalog
    .command('import')
    .description('Import a catalog file (CSV or JSON lines); all or nothing')
    .argument('<file>', 'content_id,title,bytes,kind,release_date')
    .addOption(dataDirOption())
    .addOption(jsonOption('the import report'))
    .action(
      action(
        io,
        'catalog import',
        async (file: string, opts: { json: boolean }, cmd: Command) => {
          await withEngine(cmd, async ({ api }) => {
            const r = await api.fills.importCatalog({ path: resolve(file) });
            if (opts.json) return io.out(JSON.stringify(r));
            io.out(`Imported ${file}: ${r.rows} rows; ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged; the catalog has ${r.titles} titles.`);
          });
        },
        (err) => explainImport(io, err),
      ),
    );

  const demand = new Command('demand').description('Demand logs: bytes streamed per site, day and title');
  demand
    .command('import')
    .description('Import demand logs (CSV or JSON lines); each site-day in the file replaces the stored one; all or nothing')
    .argument('<file>', 'site,day,content_id,bytes,plays')
    .addOption(dataDirOption())
    .addOption(jsonOption('the import report'))
    .action(
      action(
        io,
        'demand import',
        async (file: string, opts: { json: boolean }, cmd: Command) => {
          await withEngine(cmd, async ({ api }) => {
            const r = await api.fills.importDemand({ path: resolve(file) });
            if (opts.json) return io.out(JSON.stringify(r));
            io.out(
              `Imported ${file}: ${r.rows} rows, ${r.siteDays} site-days (${r.sites.length} sites, ${r.firstDay ?? '-'} to ${r.lastDay ?? '-'}), ${bytes(r.bytes)} streamed.`,
            );
          });
        },
        (err) => explainImport(io, err),
      ),
    );

  const fills = new Command('fills').description('Predictive fills: forecast, place and plan what each appliance should hold');
  fills
    .command('plan')
    .description("Forecast each site's next day, place it on the site's online appliances and store the plan")
    .option('--site <code>', 'one site (default: every site with demand history)')
    .addOption(new Option('--day <day>', "the day to plan for (default: tomorrow in each site's time zone)").argParser(day))
    .option('--json', 'print the plan as JSON')
    .addOption(dataDirOption())
    .action(
      action(io, 'fills plan', async (opts: { site?: string; day?: string; json?: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ api }) => {
          const plan = await api.fills.plan({ ...(opts.site ? { site: opts.site } : {}), ...(opts.day ? { day: opts.day } : {}) });
          if (opts.json) io.out(JSON.stringify(plan));
          else describePlan(io, plan);
        });
      }),
    );
  fills
    .command('plans')
    .description('Stored plans, newest first')
    .addOption(new Option('--limit <n>', 'how many').argParser(positive).default(20))
    .option('--json', 'print JSON')
    .addOption(dataDirOption())
    .action(
      action(io, 'fills plans', async (opts: { limit: number; json?: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ api }) => {
          const plans = await api.fills.listPlans({ limit: Math.min(200, opts.limit) });
          if (opts.json) return io.out(JSON.stringify(plans));
          if (plans.length === 0) io.out('No plans yet: fleetdeck fills plan.');
          for (const p of plans) io.out(`${p.id}  ${p.createdAt}  ${p.createdBy}  ${p.sites.map((s) => `${s.site} ${pct(s.offload)}`).join(', ')}`);
        });
      }),
    );
  fills
    .command('show-plan')
    .description('One stored plan')
    .argument('<id>', 'plan id')
    .option('--json', 'print JSON')
    .addOption(dataDirOption())
    .action(
      action(io, 'fills show-plan', async (id: string, opts: { json?: boolean }, cmd: Command) => {
        if (!/^\d+$/.test(id)) throw new UsageError(`"${id}" is not a plan id`);
        await withEngine(cmd, async ({ api }) => {
          const plan = await api.fills.getPlan({ id: Number(id) });
          if (opts.json) io.out(JSON.stringify(plan));
          else describePlan(io, plan);
        });
      }),
    );
  fills
    .command('savings')
    .description("Transit avoided per partner by each site's latest plan: bytes a day and Gbps at the partner's peak hour")
    .option('--partner <name>', 'one partner')
    .option('--json', 'print JSON')
    .addOption(dataDirOption())
    .action(
      action(io, 'fills savings', async (opts: { partner?: string; json?: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ api }) => {
          const report = await api.fills.savings(opts.partner ? { partner: opts.partner } : {});
          if (opts.json) return io.out(JSON.stringify(report));
          describeSavings(io, report);
        });
      }),
    );
  return [fills, catalog, demand];
}

const gbps = (g: number) => `${g.toFixed(g >= 100 ? 0 : 1)} Gbps`;
const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;

/** What the appliances measured beside a forecast line (or that they did not). */
function measuredText(m: SavingsReport['totals']['measured']): string {
  if (!m) return 'measured: no appliance reported transit in the last 24 h';
  return `measured over ${m.hours} h of the last 24: ${bytes(m.avoidedBytes)} served from cache, ${bytes(m.transitBytes)} over transit (offload ${pct(m.offload)}), ${gbps(m.peakGbpsAvoided)} at the busiest quarter hour`;
}

function describeSavings(io: Io, r: SavingsReport): void {
  if (r.partners.length === 0) {
    io.out(`No site has a plan yet${r.sitesWithoutPlan.length ? ` (${r.sitesWithoutPlan.length} without one)` : ''}: fleetdeck fills plan.`);
    return;
  }
  for (const p of r.partners) {
    io.out(
      `${p.partner}: ${bytes(p.avoidedBytes)} a day kept off transit (${pct(p.offload)} of ${bytes(p.demandBytes)}), ` +
        `${gbps(p.peakGbpsAvoided)} at its peak hour (${hh(p.peakUtcHour)} UTC); ${bytes(p.transitBytes)} a day still over transit (forecast)`,
    );
    io.out(`  ${measuredText(p.measured)}`);
    for (const s of p.sites) {
      io.out(
        `  ${s.site} (plan ${s.planId}, ${s.day}): ${bytes(s.avoidedBytes)} a day avoided, offload ${pct(s.offload)} (bound ${pct(s.bound)}), ` +
          `${gbps(s.peakGbpsAvoided)} at ${hh(s.peakLocalHour)} local` +
          (s.yesterdayHitRatio !== null ? `; yesterday's forecast hit ${pct(s.yesterdayHitRatio)}` : ''),
      );
      io.out(`    ${measuredText(s.measured)}`);
    }
  }
  io.out(`All: ${bytes(r.totals.avoidedBytes)} a day avoided of ${bytes(r.totals.demandBytes)} (${pct(r.totals.offload)}, forecast); ${measuredText(r.totals.measured)}.`);
  if (r.sitesWithoutPlan.length) io.out(`Without a plan (not counted): ${r.sitesWithoutPlan.join(', ')}.`);
}
