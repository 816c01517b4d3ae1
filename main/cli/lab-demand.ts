/**
 * `fleetdeck lab demand export --days N --out DIR`: the lab's demand model (main/lab/model/demand.ts)
 * written as the files a streaming service would hand over: the catalog (content id, title, bytes,
 * kind, release date) and per-site daily demand logs (site, day, content id, bytes streamed, plays).
 * `fleetdeck catalog import` and `fleetdeck demand import` read them back through the same path as
 * real files.
 *
 * The sites are those of the running (or last) lab in the data dir, with its seed; without a lab,
 * the fleet `lab start` would make by default (60 appliances, 12 sites, seed 1).
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { readManifest } from '../lab/manifest';
import { catalogCsvLines, catalogJsonLine, dayNumber, dayString, DEMAND_CSV_HEADER, demandCsvLines, demandJsonLines, LAB_DEMAND_TITLES, labDemandModel } from '../lab/model/demand';
import { planFleet } from '../lab/plan';
import { resolveDataDir } from '../store/data-dir';
import { action, dataDirOf, dataDirOption, processIo, UsageError, type Io } from './io';

function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`a whole number from ${min} to ${max}`);
    return n;
  };
}

function date(value: string): string {
  try {
    dayNumber(value);
  } catch {
    throw new InvalidArgumentError('a date, YYYY-MM-DD');
  }
  return value;
}

/** Lines to a file, written in blocks of about a megabyte. */
class LineFile {
  private readonly fd: number;
  private buffer: string[] = [];
  private size = 0;
  lines = 0;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'w', 0o644);
    } catch (err) {
      throw new UsageError(`cannot write ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }

  write(line: string): void {
    this.buffer.push(line);
    this.size += line.length + 1;
    this.lines++;
    if (this.size > 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.buffer.length) writeSync(this.fd, this.buffer.join('\n') + '\n');
    this.buffer = [];
    this.size = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export function labDemandCommand(io: Io = processIo): Command {
  const demand = new Command('demand').description("The lab's demand model: export it as a streaming service's files");
  demand
    .command('export')
    .description('Write the catalog and N days of per-site demand logs (CSV or JSON lines) into DIR')
    .addOption(new Option('--days <n>', 'days of demand logs').argParser(wholeNumber(1, 366)).makeOptionMandatory())
    .requiredOption('--out <dir>', 'folder to write catalog.csv and demand.csv (or .jsonl) into')
    .addOption(new Option('--until <day>', 'last day written, YYYY-MM-DD (default: yesterday, UTC)').argParser(date))
    .addOption(new Option('--titles <n>', 'titles in the catalog').argParser(wholeNumber(1, 2_000_000)).default(LAB_DEMAND_TITLES))
    .addOption(new Option('--format <f>', 'csv or jsonl').choices(['csv', 'jsonl']).default('csv'))
    .addOption(dataDirOption())
    .action(
      action(io, 'lab demand export', async (opts: { days: number; out: string; until?: string; titles: number; format: 'csv' | 'jsonl' }, cmd: Command) => {
        const manifest = readManifest(join(resolveDataDir(dataDirOf(cmd)), 'lab'));
        const fleet = manifest ?? { ...planFleet(60, 12, 1), seed: 1 };
        const model = labDemandModel(fleet, opts.titles);
        const last = opts.until ? dayNumber(opts.until) : Math.floor(Date.now() / 86_400_000) - 1;
        const first = last - opts.days + 1;
        try {
          mkdirSync(opts.out, { recursive: true });
        } catch (err) {
          throw new UsageError(`cannot make the folder ${opts.out} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
        }
        const ext = opts.format === 'csv' ? 'csv' : 'jsonl';
        const catalog = new LineFile(join(opts.out, `catalog.${ext}`));
        try {
          if (opts.format === 'csv') for (const line of catalogCsvLines(model)) catalog.write(line);
          else for (const entry of model.catalog()) catalog.write(catalogJsonLine(entry));
        } finally {
          catalog.close();
        }
        const logs = new LineFile(join(opts.out, `demand.${ext}`));
        try {
          if (opts.format === 'csv') logs.write(DEMAND_CSV_HEADER);
          for (let d = first; d <= last; d++) {
            for (const site of model.siteCodes()) {
              const lines = opts.format === 'csv' ? demandCsvLines(model, site, dayString(d)) : demandJsonLines(model, site, dayString(d));
              for (const line of lines) logs.write(line);
            }
          }
        } finally {
          logs.close();
        }
        const source = manifest ? `the lab in this data dir (seed ${manifest.seed})` : 'the default lab fleet (60 appliances, 12 sites, seed 1; no lab in this data dir)';
        io.out(`Wrote ${catalog.path}: ${model.titles} titles.`);
        io.out(`Wrote ${logs.path}: ${logs.lines - (opts.format === 'csv' ? 1 : 0)} demand rows, ${model.siteCodes().length} sites, ${dayString(first)} to ${dayString(last)}, from ${source}.`);
      }),
    );
  return demand;
}
