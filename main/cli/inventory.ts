/**
 * `fleetdeck inventory ...`: import, export, list and set-status, on the inventory service.
 *
 *   fleetdeck inventory import FILE [--kind sites|appliances] [--dry-run] [--replace-host-keys]
 *   fleetdeck inventory export --format csv|json [--kind sites|appliances] [--out FILE]
 *   fleetdeck inventory list [--text T] [--status S] [--site C] [--partner P] [--model M] [--tag T]
 *                            [--firmware F] [--sort FIELD] [--desc] [--limit N] [--offset N] [--json]
 *   fleetdeck inventory set-status SERIAL LIFECYCLE-STATUS [--reason R]
 *
 * CSV files are read as a stream (any size); the file's extension picks the format.
 */
import { createReadStream, createWriteStream, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { detailsOf, FleetError, isErrorCode } from '../kit/errors';
import {
  APPLIANCE_MODELS,
  LIFECYCLE_STATUSES,
  SORT_FIELDS,
  type Appliance,
  type ApplianceQuery,
  type ImportReport,
  type LifecycleStatus,
} from '../inventory/contract';
import { action, cliActor, dataDirOption, jsonOption, processIo, UsageError, withEngine, type Io } from './io';
import { repeated, wholeNumber } from './options';

const KINDS = ['sites', 'appliances'] as const;
/** A JSON document travels whole as one message, as from the app; beyond this, import CSV per kind. */
const MAX_JSON_BYTES = 64 * 1024 * 1024;

function choice<T extends string>(values: readonly T[]) {
  return (value: string): T => {
    if (!(values as readonly string[]).includes(value)) throw new InvalidArgumentError(`use one of: ${values.join(', ')}`);
    return value as T;
  };
}

/** Repeatable option; each use may also list values separated by commas. */
const listOf = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
function fileSize(file: string): number {
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new UsageError(`${file} is not a file`);
    return stat.size;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

/** Every bad row of a failed import, one per line, in file order. */
export function explainImport(io: Io, err: unknown): void {
  const details = detailsOf(err, 'E_IMPORT');
  if (!details) return;
  for (const e of details.errors) {
    const where = e.path ? `${e.path}` : `line ${e.line}`;
    io.err(`  ${where}${e.field ? `, ${e.field}` : ''}: ${e.reason}`);
  }
}

function describeReport(file: string, r: ImportReport): string {
  const counts = `${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged`;
  return r.dryRun
    ? `Dry run of ${file}: ${r.rows} rows are fine; importing would give ${counts}. Nothing was changed.`
    : `Imported ${file}: ${r.rows} rows; ${counts}.`;
}

/** A progress bar on stderr while a stream is read (only on a terminal). */
async function progressWhile<T>(total: number, bytesRead: () => number, work: Promise<T>): Promise<T> {
  if (!process.stderr.isTTY || total < 1024 * 1024) return work;
  // Loaded only for a bar on a terminal (it brings readline): `inventory list` does not pay for it.
  const { SingleBar } = await import('cli-progress');
  const bar = new SingleBar({ format: 'importing [{bar}] {percentage}% | {value}/{total} bytes', hideCursor: true });
  bar.start(total, 0);
  const timer = setInterval(() => bar.update(Math.min(bytesRead(), total)), 100);
  return work.finally(() => {
    clearInterval(timer);
    bar.update(total);
    bar.stop();
  });
}

const pad = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s.padEnd(n));

function table(items: readonly Appliance[]): string[] {
  const columns: [string, (a: Appliance) => string, number][] = [
    ['SERIAL', (a) => a.serial, 0],
    ['HOSTNAME', (a) => a.hostname, 0],
    ['SITE', (a) => a.site, 0],
    ['MODEL', (a) => a.model, 0],
    ['LIFECYCLE', (a) => a.status, 0],
    ['ADDRESS', (a) => a.ipv4 ?? a.ipv6 ?? '', 0],
    ['FIRMWARE', (a) => a.firmware, 0],
    ['TAGS', (a) => a.tags.join(';'), 0],
  ];
  for (const c of columns) c[2] = Math.min(48, Math.max(c[0].length, ...items.map((a) => c[1](a).length)));
  const line = (cells: string[]) => cells.map((cell, i) => pad(cell, columns[i]![2])).join('  ').trimEnd();
  return [line(columns.map((c) => c[0])), ...items.map((a) => line(columns.map((c) => c[1](a))))];
}

export function inventoryCommand(io: Io = processIo): Command {
  const inventory = new Command('inventory').description('Partners, sites and appliances: import, export, list');

  inventory
    .command('import')
    .description('Import a CSV (sites or appliances) or JSON file; all or nothing')
    .argument('<file>', 'a .csv or .json file')
    .addOption(new Option('--kind <kind>', 'CSV only: what the file holds (default: from its header)').argParser(choice(KINDS)))
    .option('--dry-run', 'check the file and report what would change, without changing anything')
    .option('--replace-host-keys', 'let the file replace or remove trusted host-key fingerprints (each change audited)')
    .addOption(dataDirOption())
    .addOption(jsonOption('the import report'))
    .action(
      action(
        io,
        'inventory import',
        async (file: string, opts: { kind?: (typeof KINDS)[number]; dryRun?: boolean; replaceHostKeys?: boolean; json: boolean }, cmd: Command) => {
          const format = extname(file).toLowerCase();
          if (format !== '.csv' && format !== '.json') throw new UsageError(`${file}: the file name must end in .csv or .json`);
          const size = fileSize(file);
          const source = basename(file);
          const dryRun = opts.dryRun ?? false;
          const replaceHostKeys = opts.replaceHostKeys ?? false;
          const report = await withEngine(cmd, async ({ api, local }) => {
            if (format === '.json') {
              if (size > MAX_JSON_BYTES) throw new UsageError(`${file} is over 64 MiB; import large fleets as CSV (streamed, any size)`);
              return api.inventory.importData({ format: 'json', content: readFileSync(file, 'utf8'), dryRun, replaceHostKeys });
            }
            const stream = createReadStream(file);
            return progressWhile(
              size,
              () => stream.bytesRead,
              local.importCsvStream(stream, { kind: opts.kind, dryRun, source, replaceHostKeys }, cliActor()),
            );
          }).catch((err: unknown) => {
            if (err instanceof FleetError) throw err.reworded(`${source}: ${err.message}`);
            // An error that crossed the client keeps its code and details; the file is named first.
            if (err instanceof Error && 'code' in err && isErrorCode(err.code)) err.message = `${source}: ${err.message}`;
            throw err;
          });
          io.out(opts.json ? JSON.stringify(report) : describeReport(source, report));
        },
        (err) => explainImport(io, err),
      ),
    );

  inventory
    .command('export')
    .description('Export the inventory as CSV (one kind) or one JSON document')
    .addOption(new Option('--format <format>', 'csv or json').argParser(choice(['csv', 'json'] as const)).makeOptionMandatory())
    .addOption(new Option('--kind <kind>', 'CSV only: sites or appliances').argParser(choice(KINDS)).default('appliances'))
    .option('--out <file>', 'write to this file (default: standard output)')
    .addOption(dataDirOption())
    .action(
      action(io, 'inventory export', async (opts: { format: 'csv' | 'json'; kind: (typeof KINDS)[number]; out?: string }, cmd: Command) => {
        await withEngine(cmd, async ({ local }) => {
          const chunks = Readable.from(local.exportChunks({ format: opts.format, kind: opts.kind }));
          if (!opts.out) {
            await pipeline(chunks, process.stdout, { end: false }).catch((err: NodeJS.ErrnoException) => {
              if (err.code !== 'EPIPE') throw err; // the reader (| head) went away: fine
            });
            return;
          }
          // Written beside the target and renamed at the end: a failed export leaves no half file.
          const partial = `${opts.out}.partial`;
          try {
            await pipeline(chunks, createWriteStream(partial, { mode: 0o600 }));
            renameSync(partial, opts.out);
          } catch (err) {
            rmSync(partial, { force: true });
            throw new UsageError(`cannot write ${opts.out}: ${(err as Error).message}`);
          }
          io.out(`Exported ${opts.format === 'json' ? 'the inventory' : opts.kind} to ${opts.out}.`);
        });
      }),
    );

  inventory
    .command('list')
    .description('List appliances: free text, filters, sort; a table, or JSON with --json')
    .option('--text <text>', 'free text over serial, hostname, IPv4, IPv6 and firmware')
    .option('--status <status>', `lifecycle status (the LIFECYCLE column): ${LIFECYCLE_STATUSES.join(', ')} (repeat or comma-separate)`, listOf)
    .option('--site <code>', 'site code (repeat or comma-separate)', listOf)
    .option('--partner <name>', 'partner name (repeat for several)', repeated)
    .option('--model <model>', `${APPLIANCE_MODELS.join(' or ')} (repeat or comma-separate)`, listOf)
    .option('--tag <tag>', 'tag (repeat or comma-separate; any of them matches)', listOf)
    .option('--firmware <version>', 'firmware version (repeat or comma-separate)', listOf)
    .addOption(new Option('--sort <field>', `one of: ${SORT_FIELDS.join(', ')}`).argParser(choice(SORT_FIELDS)).default('serial'))
    .option('--desc', 'sort descending')
    .addOption(new Option('--limit <n>', 'at most this many appliances').argParser(wholeNumber(1, 20000)).default(50))
    .addOption(new Option('--offset <n>', 'skip this many first').argParser(wholeNumber(0, 10_000_000)).default(0))
    .option('--json', 'print the page as JSON ({ total, offset, items })')
    .addOption(dataDirOption())
    .action(
      action(
        io,
        'inventory list',
        async (
          opts: {
            text?: string;
            status?: string[];
            site?: string[];
            partner?: string[];
            model?: string[];
            tag?: string[];
            firmware?: string[];
            sort: (typeof SORT_FIELDS)[number];
            desc?: boolean;
            limit: number;
            offset: number;
            json?: boolean;
          },
          cmd: Command,
        ) => {
          const query = {
            text: opts.text,
            status: opts.status,
            site: opts.site,
            partner: opts.partner,
            model: opts.model,
            tag: opts.tag,
            firmware: opts.firmware,
            sort: opts.sort,
            dir: opts.desc ? 'desc' : 'asc',
            limit: opts.limit,
            offset: opts.offset,
          } as ApplianceQuery; // checked by the engine's dispatcher, like any call
          await withEngine(cmd, async ({ api, dataDir }) => {
            const page = await api.inventory.listAppliances(query);
            if (opts.json) return io.out(JSON.stringify(page, null, 2));
            if (page.items.length === 0) {
              if (page.total) return io.out(`No appliances past ${page.offset}; ${page.total} match.`);
              const inventoryTotal = (await api.inventory.listAppliances({ limit: 1 })).total;
              return io.out(
                inventoryTotal === 0
                  ? `No appliances: the inventory in ${dataDir} is empty (another data dir? --data-dir DIR or FLEETDECK_DATA_DIR).`
                  : `No appliances match, of ${inventoryTotal} in ${dataDir}.`,
              );
            }
            for (const line of table(page.items)) io.out(line);
            const last = page.offset + page.items.length;
            io.out(`\n${page.offset + 1}-${last} of ${page.total}${last < page.total ? ' (use --limit and --offset for more)' : ''}`);
          });
        },
      ),
    );

  inventory
    .command('set-status')
    .description('Change an appliance\'s lifecycle status; drained, offline and rma need --reason')
    .argument('<serial>', 'appliance serial')
    .argument('<status>', LIFECYCLE_STATUSES.join(', '))
    .option('--reason <text>', 'why (recorded in the audit log with your user name)')
    .addOption(dataDirOption())
    .addOption(jsonOption('the appliance'))
    .action(
      action(io, 'inventory set-status', async (serial: string, status: string, opts: { reason?: string; json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ api }) => {
          const a = await api.inventory.setStatus({ serial, status: status as LifecycleStatus, reason: opts.reason });
          if (opts.json) return io.out(JSON.stringify(a));
          io.out(`${a.serial} is ${a.status}${a.statusReason ? ` (${a.statusReason})` : ''}.`);
        });
      }),
    );

  return inventory;
}
