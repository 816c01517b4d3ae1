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
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DemandFilesError, writeDemandFiles } from '../lab/demand-files';
import { readManifest } from '../lab/manifest';
import { dayNumber, LAB_DEMAND_TITLES, labDemandModel } from '../lab/model/demand';
import { planFleet } from '../lab/plan';
import { resolveDataDir } from '../store/data-dir';
import { action, dataDirOf, dataDirOption, jsonOption, processIo, UsageError, type Io } from './io';
import { wholeNumber } from './options';

function date(value: string): string {
  try {
    dayNumber(value);
  } catch {
    throw new InvalidArgumentError('a date, YYYY-MM-DD');
  }
  return value;
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
    .addOption(jsonOption('the files written, with their counts'))
    .action(
      action(io, 'lab demand export', async (opts: { days: number; out: string; until?: string; titles: number; format: 'csv' | 'jsonl'; json: boolean }, cmd: Command) => {
        const manifest = readManifest(join(resolveDataDir(dataDirOf(cmd)), 'lab'));
        const fleet = manifest ?? { ...planFleet(60, 12, 1), seed: 1 };
        const model = labDemandModel(fleet, opts.titles);
        const last = opts.until ? dayNumber(opts.until) : Math.floor(Date.now() / 86_400_000) - 1;
        let files;
        try {
          files = await writeDemandFiles(model, opts.out, { first: last - opts.days + 1, last }, opts.format);
        } catch (err) {
          if (err instanceof DemandFilesError) throw new UsageError(err.message);
          throw err;
        }
        if (opts.json) return io.out(JSON.stringify({ ...files, fromLab: manifest !== null && manifest !== undefined }));
        const source = manifest ? `the lab in this data dir (seed ${manifest.seed})` : 'the default lab fleet (60 appliances, 12 sites, seed 1; no lab in this data dir)';
        io.out(`Wrote ${files.catalogPath}: ${files.titles} titles.`);
        io.out(`Wrote ${files.demandPath}: ${files.demandRows} demand rows, ${files.sites} sites, ${files.firstDay} to ${files.lastDay}, from ${source}.`);
      }),
    );
  return demand;
}
