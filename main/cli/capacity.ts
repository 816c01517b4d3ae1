/**
 * `fleetdeck capacity [--site C] [--partner P] [--json]`: each site's serving capacity, its last daily
 * peak and the forecast advice (sites that need attention first); with --site, that site's history and
 * forecast summary and how well each forecasting method did on the last four weeks.
 */
import { Command } from 'commander';
import type { SiteCapacity } from '../capacity/contract';
import { action, dataDirOption, processIo, withEngine, type Io } from './io';
import { oneLine } from './terminal-text';

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${Math.round(x * 100)} %`);

function siteLine(c: SiteCapacity): string {
  const last = c.lastPeak ? `${Math.round(c.lastPeak.peakGbps)} Gbps (${pct(c.capacityGbps ? c.lastPeak.peakGbps / c.capacityGbps : null)})` : 'no history';
  return `${pad(oneLine(c.site), 10)} ${pad(oneLine(c.partner), 20)} ${pad(`${Math.round(c.capacityGbps)} Gbps`, 11)} ${pad(last, 20)} ${c.advice ? oneLine(c.advice.sentence) : 'no history yet: peaks are recorded as health polls the site'}`;
}

export function capacityCommand(io: Io = processIo): Command {
  return new Command('capacity')
    .description("Each site's daily serving peaks against its capacity, forecast for the next weeks, with advice")
    .option('--site <code>', 'one site: its history and forecast')
    .option('--partner <name>', "only this partner's sites")
    .option('--days <n>', 'how far to forecast (days, 7-366)', '56')
    .addOption(dataDirOption())
    .option('--json', 'the result as one JSON object', false)
    .action(
      action(io, 'capacity', async (opts: { site?: string; partner?: string; days: string; json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ api }) => {
          if (opts.site) {
            const f = await api.capacity.site({ site: opts.site, days: Number(opts.days) });
            if (opts.json) return io.out(JSON.stringify(f));
            io.out(siteLine(f));
            if (f.days === 0) return;
            const peaks = f.history.map((p) => p.peakGbps);
            io.out(`history: ${f.days} days from ${f.history[0]!.day} to ${f.history.at(-1)!.day}, highest ${Math.round(Math.max(...peaks))} Gbps`);
            const top = Math.max(...f.forecast.map((p) => p.peakGbps));
            io.out(`forecast (${f.method}): ${f.forecast.length} days to ${f.forecast.at(-1)?.day}, highest ${Math.round(top)} Gbps (${pct(f.capacityGbps ? top / f.capacityGbps : null)} of ${Math.round(f.capacityGbps)} Gbps)`);
            io.out(`scored on the last 28 days it did not see (mean absolute % error): seasonal baseline ${pct(f.scores.seasonalNaive)}, SARIMA ${pct(f.scores.sarima)}`);
            return;
          }
          const sites = await api.capacity.sites(opts.partner ? { partner: opts.partner } : {});
          if (opts.json) return io.out(JSON.stringify({ sites }));
          io.out(`${pad('SITE', 10)} ${pad('PARTNER', 20)} ${pad('CAPACITY', 11)} ${pad('LAST PEAK', 20)} ADVICE`);
          for (const c of sites) io.out(siteLine(c));
        });
      }),
    );
}
