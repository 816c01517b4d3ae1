/**
 * Charts and availability in the terminal:
 *
 *   fleetdeck health history (--serial S | --site C | --partner P | --fleet) [--metric serving|hit|errors] [--range 24h] [--json]
 *   fleetdeck availability [--partner P] [--site C] [--range 30d] [--json]
 *
 * The series is aggregated by the engine (at most 360 points); the terminal gets a line of block
 * characters, the range's span and its lowest, mean, highest and last values. See docs/fleet-at-a-glance.md.
 */
import { Command, Option } from 'commander';
import { AVAILABILITY_RANGES, SERIES_RANGES, type Availability, type AvailabilityRange, type Series, type SeriesPoint, type SeriesRange, type SeriesScope } from '../history/contract';
import { action, dataDirOption, processIo, UsageError, withEngine, type Io } from './io';
import { oneLine } from './terminal-text';

export const METRICS = {
  serving: { label: 'serving', unit: 'Gbps', value: (p: SeriesPoint) => p.servingGbps, digits: 1 },
  hit: { label: 'cache hit ratio', unit: '%', value: (p: SeriesPoint) => (p.cacheHitRatio === null ? null : p.cacheHitRatio * 100), digits: 1 },
  errors: { label: 'errors', unit: '/s', value: (p: SeriesPoint) => p.errorsPerSecond, digits: 2 },
} as const;
export type MetricName = keyof typeof METRICS;

const BLOCKS = '▁▂▃▄▅▆▇█';
const WIDTH = 60;

/** The values as one line of block characters (a gap is a space), at most WIDTH wide. */
export function sparkline(values: readonly (number | null)[], width = WIDTH): string {
  const cells: (number | null)[] = [];
  const per = Math.max(1, values.length / width);
  for (let c = 0; c * per < values.length; c++) {
    const slice = values.slice(Math.floor(c * per), Math.floor((c + 1) * per)).filter((v): v is number => v !== null);
    cells.push(slice.length ? slice.reduce((a, b) => a + b, 0) / slice.length : null);
  }
  const known = cells.filter((v): v is number => v !== null);
  if (known.length === 0) return '';
  const lo = Math.min(...known);
  const hi = Math.max(...known);
  return cells.map((v) => (v === null ? ' ' : BLOCKS[hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * (BLOCKS.length - 1))])).join('');
}

const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
const scopeName = (s: SeriesScope) => (s.kind === 'fleet' ? 'the fleet' : s.kind === 'partner' ? `partner ${oneLine(s.partner)}` : s.kind === 'site' ? `site ${oneLine(s.site)}` : `appliance ${oneLine(s.serial)}`);
const stepName = (sec: number) => (sec < 3600 ? `${sec / 60}-minute` : `${sec / 3600}-hour`);

export function seriesLines(series: Series, metric: MetricName): string[] {
  const m = METRICS[metric];
  const expected = Math.round((Date.parse(series.to) - Date.parse(series.from)) / 1000 / series.stepSec);
  const head = `${scopeName(series.scope)}: ${m.label} (${m.unit}) over ${series.range}, ${stepName(series.stepSec)} points (${series.points.length} of ${expected})`;
  const span = `${utc(series.from)} - ${utc(series.to)} UTC`;
  // Steps with no point are gaps.
  const byStep = new Map(series.points.map((p) => [Math.floor((Date.parse(p.at) - Date.parse(series.from)) / 1000 / series.stepSec), m.value(p)]));
  const values = Array.from({ length: expected }, (_, i) => byStep.get(i) ?? null);
  const known = values.filter((v): v is number => v !== null);
  if (known.length === 0) return [head, span, 'no history in this range yet: points are recorded as health polls the fleet'];
  const f = (v: number) => `${v.toFixed(m.digits)}`;
  const mean = known.reduce((a, b) => a + b, 0) / known.length;
  return [head, span, sparkline(values), `lowest ${f(Math.min(...known))}, mean ${f(mean)}, highest ${f(Math.max(...known))}, last ${f(known.at(-1)!)} ${m.unit}`];
}

function oneOf<T extends string>(allowed: readonly T[], what: string) {
  return new Option(`--${what} <${what}>`).choices(allowed);
}

export function healthHistoryCommand(io: Io = processIo): Command {
  return new Command('history')
    .description('Serving, cache hit ratio or errors over a range, for an appliance, a site, a partner or the fleet')
    .option('--serial <serial>', 'one appliance')
    .option('--site <code>', 'one site')
    .option('--partner <name>', "one partner's sites")
    .option('--fleet', 'the whole fleet', false)
    .addOption(oneOf(Object.keys(METRICS) as MetricName[], 'metric').default('serving'))
    .addOption(oneOf(SERIES_RANGES, 'range').default('24h'))
    .addOption(dataDirOption())
    .option('--json', 'the series as one JSON object', false)
    .action(
      action(io, 'health history', async (opts: { serial?: string; site?: string; partner?: string; fleet: boolean; metric: MetricName; range: SeriesRange; json: boolean }, cmd: Command) => {
        const chosen: SeriesScope[] = [
          ...(opts.serial ? [{ kind: 'appliance' as const, serial: opts.serial }] : []),
          ...(opts.site ? [{ kind: 'site' as const, site: opts.site }] : []),
          ...(opts.partner ? [{ kind: 'partner' as const, partner: opts.partner }] : []),
          ...(opts.fleet ? [{ kind: 'fleet' as const }] : []),
        ];
        if (chosen.length !== 1) throw new UsageError('choose one of --serial S, --site C, --partner P or --fleet');
        await withEngine(cmd, async ({ api }) => {
          const series = await api.history.series({ scope: chosen[0]!, range: opts.range });
          if (opts.json) return io.out(JSON.stringify({ metric: opts.metric, ...series }));
          for (const line of seriesLines(series, opts.metric)) io.out(line);
        });
      }),
    );
}

const pct = (a: number | null) => (a === null ? '—' : `${(Math.floor(a * 100_000) / 1000).toFixed(3)} %`);
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const verdict = (a: Availability) => (a.meetsTarget === null ? 'not observed' : a.meetsTarget ? 'meets 99.9 %' : 'BELOW 99.9 %');
const gbpsH = (x: number) => `${x < 10 ? x.toFixed(2) : Math.round(x).toLocaleString('en-US')}`;

function availabilityLine(name: string, a: Availability): string {
  return `${pad(name, 30)} ${pad(pct(a.availability), 10)} ${pad(verdict(a), 13)} ${pad(gbpsH(a.downGbpsH), 9)} ${pad(gbpsH(a.allowedDownGbpsH), 9)} ${pad(gbpsH(a.maintenanceGbpsH), 12)} ${a.observedHours} h`;
}

export function availabilityCommand(io: Io = processIo): Command {
  return new Command('availability')
    .description('Availability per site and partner: capacity-hours serving against the 99.9 % partners are promised, maintenance apart')
    .option('--partner <name>', "only this partner's sites")
    .option('--site <code>', 'only this site')
    .addOption(oneOf(AVAILABILITY_RANGES, 'range').default('30d'))
    .addOption(dataDirOption())
    .option('--json', 'the report as one JSON object', false)
    .action(
      action(io, 'availability', async (opts: { partner?: string; site?: string; range: AvailabilityRange; json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ api }) => {
          const r = await api.history.availability({ range: opts.range, ...(opts.partner ? { partner: opts.partner } : {}), ...(opts.site ? { site: opts.site } : {}) });
          if (opts.json) return io.out(JSON.stringify(r));
          io.out(`Availability over ${r.range} (${utc(r.from)} - ${utc(r.to)} UTC) against ${r.target * 100} %: capacity-hours serving / (serving + down), maintenance apart`);
          io.out(`${pad('', 30)} ${pad('SERVING', 10)} ${pad('TARGET', 13)} ${pad('DOWN', 9)} ${pad('ALLOWED', 9)} ${pad('MAINTENANCE', 12)} OBSERVED   (Gbps·h)`);
          if (!opts.partner && !opts.site) io.out(availabilityLine('Fleet', r.fleet));
          if (r.sites.length === 0) return io.out('nothing observed in this range yet: availability is recorded as health polls the fleet');
          io.out('Partners');
          for (const p of r.partners) io.out(availabilityLine(`  ${oneLine(p.partner, 26)}`, p));
          io.out('Sites');
          for (const s of r.sites) io.out(availabilityLine(`  ${pad(oneLine(s.site, 10), 10)} ${oneLine(s.partner, 16)}`, s));
        });
      }),
    );
}
