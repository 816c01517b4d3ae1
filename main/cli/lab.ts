/**
 * `fleetdeck lab ...`: start, inspect and stop a lab of simulated appliances, and toggle faults.
 *
 *   fleetdeck lab start [--appliances N] [--sites M] [--speed X] [--authorized-key FILE]... [--release-key FILE]... [--data-dir DIR] [--json]
 *   fleetdeck lab status [--data-dir DIR] [--json]
 *   fleetdeck lab stop [--data-dir DIR]
 *   fleetdeck lab fault <serial> <fault-id> [--off] [--data-dir DIR]
 *   fleetdeck lab add-site CODE --appliances N --factory --survey-out FILE [--without-fingerprints]
 *   fleetdeck lab make-image VERSION --out FILE [--size BYTES] [--no-boot | --bad-health]
 *
 * Each command opens the engine on the data directory and goes through the lab domain's API, the
 * same way the app does. The lab itself runs in its own process until `lab stop`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { buildFirmwareImage, ImageVersion } from '../appliance/image';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { ApiClient } from '../api/client';
import { DEMO_DEMAND_DAYS, DEMO_DEMAND_TITLES, FAULT_EFFECTS, FAULT_IDS, type FaultId, type LabStatus } from '../lab/contract';
import { readManifest } from '../lab/manifest';
import { action, dataDirOption, jsonOption, processIo, UsageError, withEngine, type Io } from './io';
import { labDemandCommand } from './lab-demand';

function positiveInt(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1 || n > max) throw new InvalidArgumentError(`a whole number from 1 to ${max}`);
    return n;
  };
}

function speed(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0.01 || n > 10_000) throw new InvalidArgumentError('a number from 0.01 to 10000 (1 is real time)');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The engine on the command's data directory, through its API client (the same way in as the app). */
function withClient<T>(cmd: Command, fn: (client: ApiClient, dataDir: string) => Promise<T>): Promise<T> {
  return withEngine(cmd, ({ client, dataDir }) => fn(client, dataDir));
}

function describeStatus(status: LabStatus): string[] {
  if (!status.running) return ['No lab is running.'];
  const lines = [
    `Lab running: ${status.appliances} appliances in ${status.sites} sites (pid ${status.pid}, clock x${status.speed}, started ${status.startedAt}).`,
  ];
  if (status.labTime) lines.push(`Lab time: ${status.labTime}`);
  if (status.faults.length === 0) lines.push('No faults on.');
  for (const f of status.faults) lines.push(`  ${f.serial}: ${f.faults.join(', ')}`);
  return lines;
}

export function labCommand(io: Io = processIo): Command {
  const lab = new Command('lab').description('Simulated appliances for demos and tests: start, status, stop, faults');

  lab
    .command('start')
    .description('Start a lab and write its partners, sites and appliances into the inventory')
    .addOption(new Option('--appliances <n>', 'number of appliances').argParser(positiveInt(2000)).default(60))
    .addOption(new Option('--sites <m>', 'number of sites').argParser(positiveInt(200)).default(12))
    .addOption(new Option('--speed <x>', 'lab clock speed (1 = real time)').argParser(speed).default(1))
    .addOption(new Option('--seed <n>', 'behaviour model seed').argParser(positiveInt(2 ** 31 - 1)).default(1))
    .option('--authorized-key <file>', 'also trust this OpenSSH public key file (repeatable)', collect, [] as string[])
    .option('--release-key <file>', 'appliances refuse to activate firmware not signed by this ed25519 key (repeatable)', collect, [] as string[])
    .addOption(dataDirOption())
    .option('--json', 'print the lab status as JSON')
    .action(
      action(io, 'lab', async (opts: { appliances: number; sites: number; speed: number; seed: number; authorizedKey: string[]; releaseKey: string[]; json?: boolean }, cmd: Command) => {
        const releaseKeys = opts.releaseKey.map((file) => {
          try {
            return readFileSync(file, 'utf8');
          } catch {
            throw new UsageError(`cannot read the release key file ${file}`);
          }
        });
        const authorizedKeys = opts.authorizedKey.map((file) => {
          try {
            return readFileSync(file, 'utf8');
          } catch {
            throw new UsageError(`cannot read the authorized key file ${file}`);
          }
        });
        if (!opts.json) io.out(`Starting a lab of ${opts.appliances} appliances in ${opts.sites} sites...`);
        await withClient(cmd, async (client, dir) => {
          const status = await client.api.lab.start({ appliances: opts.appliances, sites: opts.sites, speed: opts.speed, seed: opts.seed, authorizedKeys, releaseKeys });
          if (opts.json) return io.out(JSON.stringify(status));
          for (const line of describeStatus(status)) io.out(line);
          const first = readManifest(join(dir, 'lab'))?.appliances[0];
          if (first) {
            io.out(`Appliances listen on 127.0.0.1; each has its own SSH and HTTP port (see the inventory).`);
            io.out(`Try: curl http://127.0.0.1:${first.apiPort}/v1/health`);
            if (authorizedKeys.length) io.out(`     ssh -p ${first.sshPort} oca@127.0.0.1 ocactl status`);
          }
          io.out('The lab keeps running until `fleetdeck lab stop`.');
        });
      }),
    );

  lab
    .command('status')
    .description('Is a lab running, how big, which faults are on')
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action(
      action(io, 'lab', async (opts: { json?: boolean }, cmd: Command) => {
        await withClient(cmd, async (client) => {
          const status = await client.api.lab.status({});
          if (opts.json) io.out(JSON.stringify(status));
          else for (const line of describeStatus(status)) io.out(line);
        });
      }),
    );

  lab
    .command('add-site')
    .description('Add a site of factory-fresh appliances to the running lab and write its site survey')
    .argument('<code>', 'the new site code')
    .addOption(new Option('--appliances <n>', 'number of appliances').argParser(positiveInt(200)).default(10))
    .option('--factory', 'factory-fresh: factory password only, no fleet key, no network or BGP configuration, an unrecorded host key')
    .requiredOption('--survey-out <file>', 'write the matching site survey (JSON, with the factory passwords) here')
    .option('--without-fingerprints', 'leave the factory host-key fingerprints out of the survey')
    .addOption(dataDirOption())
    .addOption(jsonOption('the site, its appliance count and where the survey went (not the survey: it holds passwords)'))
    .action(
      action(io, 'lab add-site', async (code: string, opts: { appliances: number; factory?: boolean; surveyOut: string; withoutFingerprints?: boolean; json: boolean }, cmd: Command) => {
        if (!opts.factory) throw new UsageError('only factory-fresh sites can be added (--factory); `lab start` builds a configured fleet');
        await withClient(cmd, async (client) => {
          const { survey } = await client.api.lab.addSite({ code, appliances: opts.appliances, withoutFingerprints: opts.withoutFingerprints ?? false });
          // The survey carries factory passwords: readable by its owner only.
          writeFileSync(opts.surveyOut, JSON.stringify(survey, null, 1) + '\n', { mode: 0o600 });
          if (opts.json) return io.out(JSON.stringify({ site: code, appliances: opts.appliances, surveyOut: opts.surveyOut }));
          io.out(`Added factory-fresh site ${code} with ${opts.appliances} appliance(s) to the lab; survey written to ${opts.surveyOut}.`);
          io.out(`Next: fleetdeck site-survey import ${opts.surveyOut} && fleetdeck provision --site ${code}`);
        });
      }),
    );

  lab
    .command('stop')
    .description('Stop the running lab (its appliances stay in the inventory)')
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(
      action(io, 'lab', async (opts: { json: boolean }, cmd: Command) => {
        await withClient(cmd, async (client) => {
          const { stopped } = await client.api.lab.stop({});
          if (opts.json) return io.out(JSON.stringify({ stopped }));
          io.out(stopped ? 'Lab stopped.' : 'No lab was running.');
        });
      }),
    );

  lab
    .command('fault')
    .description('Turn a fault on (or off with --off) for one lab appliance')
    .argument('<serial>', 'appliance serial, e.g. LAB00001')
    .argument('<fault-id>', `one of: ${FAULT_IDS.join(', ')}`)
    .option('--off', 'turn the fault off')
    .addOption(dataDirOption())
    .addOption(jsonOption("the appliance's faults now on"))
    .addHelpText('after', '\nFaults:\n' + FAULT_IDS.map((f) => `  ${f.padEnd(18)} ${FAULT_EFFECTS[f]}`).join('\n'))
    .action(
      action(io, 'lab', async (serial: string, faultId: string, opts: { off?: boolean; json: boolean }, cmd: Command) => {
        if (!(FAULT_IDS as readonly string[]).includes(faultId)) {
          throw new UsageError(`"${faultId}" is not a fault; use one of: ${FAULT_IDS.join(', ')}`);
        }
        await withClient(cmd, async (client) => {
          const result = await client.api.lab.setFault({ serial, fault: faultId as FaultId, on: !opts.off });
          if (opts.json) return io.out(JSON.stringify(result));
          io.out(`${result.serial}: ${result.faults.length ? result.faults.join(', ') : 'no faults'}`);
        });
      }),
    );

  lab
    .command('make-image')
    .description('Write a firmware image in the appliance image format (for demos and tests)')
    .argument('<version>', 'the version in its header, e.g. 26.2.0')
    .requiredOption('--out <file>', 'where to write it')
    .addOption(new Option('--size <bytes>', 'payload size in bytes (random bytes)').argParser(positiveInt(2 * 1024 ** 3)).default(1024 * 1024))
    .addOption(new Option('--no-boot', 'a lab appliance activating it never boots it and falls back').conflicts('badHealth'))
    .option('--bad-health', 'a lab appliance boots it but fails its health checks')
    .addOption(jsonOption('the file, version, size and sha256'))
    .action(
      action(io, 'lab make-image', async (version: string, opts: { out: string; size: number; boot: boolean; badHealth?: boolean; json: boolean }) => {
        const parsed = ImageVersion.safeParse(version);
        if (!parsed.success) throw new UsageError(`"${version}" is not a version (${parsed.error.issues[0]?.message ?? 'invalid'})`);
        const outcome = !opts.boot ? 'no-boot' : opts.badHealth ? 'bad-health' : undefined;
        const image = buildFirmwareImage(parsed.data, randomBytes(opts.size), outcome);
        try {
          writeFileSync(opts.out, image, { flag: 'wx' });
        } catch (err) {
          throw new UsageError(`cannot write ${opts.out} (${(err as NodeJS.ErrnoException).code === 'EEXIST' ? 'it exists' : String(err)})`);
        }
        const sha = createHash('sha256').update(image).digest('hex');
        if (opts.json) return io.out(JSON.stringify({ file: opts.out, version: parsed.data, bytes: image.length, sha256: sha, outcome: outcome ?? 'boots' }));
        io.out(`Wrote ${opts.out}: firmware ${parsed.data}, ${image.length} bytes, sha256 ${sha}${outcome ? ` (${outcome === 'no-boot' ? 'will not boot' : 'boots unhealthy'} on a lab appliance)` : ''}.`);
        io.out(`Sign it: ssh-keygen -Y sign -n fleetdeck-firmware -f RELEASE_KEY ${opts.out}`);
      }),
    );

  lab
    .command('hand-over-demand')
    .description("Import the running lab's most popular titles and its sites' last days of demand, as the demo's Fills screen does on first view")
    .addOption(new Option('--titles <n>', 'titles in the catalog handed over').argParser(positiveInt(80_000)).default(DEMO_DEMAND_TITLES))
    .addOption(new Option('--days <n>', 'days of demand, up to yesterday').argParser(positiveInt(28)).default(DEMO_DEMAND_DAYS))
    .addOption(dataDirOption())
    .addOption(jsonOption('the report: titles, sites, demand rows, first and last day'))
    .action(
      action(io, 'lab hand-over-demand', async (opts: { titles: number; days: number; json: boolean }, cmd: Command) => {
        if (!opts.json && process.stderr.isTTY) io.err(`Handing over ${opts.titles} titles and ${opts.days} day(s) of demand (this can take a minute)...`);
        await withClient(cmd, async (client) => {
          const r = await client.api.lab.handOverDemand({ titles: opts.titles, days: opts.days });
          if (opts.json) return io.out(JSON.stringify(r));
          io.out(`Imported the lab's catalog (${r.titles} titles) and ${r.demandRows} demand rows for ${r.sites} sites, ${r.firstDay} to ${r.lastDay}, in ${(r.tookMs / 1000).toFixed(1)} s.`);
          io.out('Next: fleetdeck fills plan');
        });
      }),
    );

  lab.addCommand(labDemandCommand(io));

  return lab;
}
