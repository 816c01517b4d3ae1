/**
 * `fleetdeck site-survey import` and `fleetdeck provision`: bring a new ISP site into service.
 *
 *   fleetdeck site-survey import FILE [--dry-run] [--json]
 *   fleetdeck provision --site CODE [--accept-new] [--rotate-password] [--concurrency N] [--json]
 *   fleetdeck provision status --site CODE [--json]
 *   fleetdeck provision confirm-key SERIAL SHA256:...
 *   fleetdeck provision expect-rekey SERIAL --reason TEXT
 *
 * `provision` runs the site as one job and follows it (progress bar on a TTY, one JSON line per
 * appliance with --json); at the end each appliance's checklist is printed with what to do about
 * the ones that stopped. On a TTY, host keys met for the first time (no fingerprint in the survey)
 * are shown and, if the engineer says they match the labels, confirmed and provisioned.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline/promises';
import cliProgress from 'cli-progress';
import { Command, Option } from 'commander';
import type { ApiClient } from '../api/client';
import { detailsOf } from '../kit/errors';
import type { Job, JobProgress, JobResult } from '../jobs/contract';
import { PROVISION_STEPS, STEP_LABELS, type ProvisioningSite } from '../provisioning/contract';
import { oneLine } from './terminal-text';
import { action, dataDirOption, jsonOption, processIo, UsageError, withEngine, type Io } from './io';
import { wholeNumber } from './options';

const MAX_SURVEY_BYTES = 8 * 1024 * 1024;

function readSurveyFile(file: string): string {
  try {
    const size = statSync(file).size;
    if (size > MAX_SURVEY_BYTES) throw new UsageError(`${file} is ${size} bytes; a site survey is at most ${MAX_SURVEY_BYTES}`);
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

/** The bad rows of a refused import, one line each. */
function explainImport(io: Io) {
  return (err: unknown) => {
    const details = detailsOf(err, 'E_IMPORT');
    for (const e of details?.errors.slice(0, 100) ?? []) {
      io.err(`  line ${e.line}${e.path ? ` (${e.path})` : ''}${e.field ? ` ${e.field}` : ''}: ${oneLine(e.reason, 200)}`);
    }
    if (details && details.errors.length > 100) io.err(`  ... ${details.errors.length - 100} more`);
  };
}

function checklistLines(view: ProvisioningSite): string[] {
  const lines = [`site ${view.site}: ${view.appliances.filter((a) => a.state === 'done').length} of ${view.appliances.length} online`];
  for (const a of view.appliances) {
    const step = PROVISION_STEPS[Math.min(a.stepsDone, PROVISION_STEPS.length - 1)]!;
    const where = a.state === 'done' ? 'online' : a.state === 'failed' ? `stopped at "${STEP_LABELS[step]}"` : `${a.stepsDone}/${PROVISION_STEPS.length} steps`;
    lines.push(`  ${a.serial.padEnd(16)} ${a.state.padEnd(7)} ${where}`);
    if (a.state === 'failed') {
      lines.push(`      ${a.errorCode}: ${oneLine(a.errorMessage ?? '', 240)}`);
      if (a.hint) lines.push(`      what to do: ${oneLine(a.hint, 240)}`);
    }
    if (a.passwordVault) lines.push(`      password rotated: the new one is in the vault as ${a.passwordVault}`);
  }
  const rotated = view.appliances.filter((a) => a.passwordVault).length;
  if (rotated > 0) lines.push(`${rotated} password(s) rotated: read one with the vault entry named above (the CLI never prints a password).`);
  return lines;
}

async function follow(client: ApiClient, io: Io, job: Job, json: boolean, tty: boolean): Promise<Job> {
  const bar = tty && !json ? new cliProgress.SingleBar({ format: ' {bar} {value}/{total} appliances | ok {ok} stopped {failed} | {running} under way', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic) : null;
  bar?.start(job.progress.total, 0, { ok: 0, failed: 0, running: 0 });
  const offProgress = client.on('jobs.progress', (p: JobProgress) => {
    if (p.id === job.id) bar?.update(p.done, { ok: p.ok, failed: p.failed, running: p.running });
  });
  const printed = new Set<string>();
  const line = (r: JobResult) => JSON.stringify({ serial: r.serial, state: r.state, output: r.output, errorCode: r.errorCode, errorMessage: r.errorMessage });
  const offResult = client.on('jobs.result', ({ id, result }) => {
    if (id !== job.id || !json) return;
    printed.add(result.serial);
    io.out(line(result));
  });
  const onSigint = () => {
    bar?.stop();
    io.err(`Cancelling provisioning job ${job.id}: each appliance keeps the steps it finished; run provision again to continue.`);
    void client.api.jobs.cancel({ id: job.id });
  };
  process.once('SIGINT', onSigint);
  try {
    const ended = await client.api.jobs.wait({ id: job.id });
    if (json) {
      const { items } = await client.api.jobs.results({ id: job.id, limit: 20_000 });
      for (const r of items) if (!printed.has(r.serial) && r.state !== 'pending') io.out(line(r));
    }
    return ended;
  } finally {
    process.off('SIGINT', onSigint);
    offProgress();
    offResult();
    bar?.stop();
  }
}

/** On a TTY: the first-contact keys not asked about yet, confirmed one by one by the engineer. Returns the confirmed serials. */
async function confirmKeys(client: ApiClient, io: Io, view: ProvisioningSite, asked: Set<string>): Promise<string[]> {
  const unknown = view.appliances.filter((a) => a.state === 'failed' && a.errorCode === 'E_HOSTKEY_UNKNOWN' && a.presentedFingerprint && !asked.has(a.serial));
  if (unknown.length === 0) return [];
  io.err(`${unknown.length} appliance(s) show a host key nobody has vouched for; compare each with its label or console:`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const confirmed: string[] = [];
  try {
    for (const a of unknown) {
      asked.add(a.serial);
      const answer = (await rl.question(`  ${a.serial}  ${a.presentedFingerprint}  matches? [y/N] `).catch(() => '')).trim().toLowerCase();
      if (answer === 'y' || answer === 'yes') {
        await client.api.provisioning.confirmHostKey({ serial: a.serial, fingerprint: a.presentedFingerprint! });
        confirmed.push(a.serial);
      }
    }
  } finally {
    rl.close();
  }
  return confirmed;
}

export function provisionCommands(io: Io = processIo): Command[] {
  const survey = new Command('site-survey').description('Site surveys: what the ISP and the vendor agreed before shipping');
  survey
    .command('import')
    .description('Import a site survey (CSV or JSON): creates the site and its appliances as awaiting-install; factory credentials go to the vault')
    .argument('<file>', 'the survey file (.csv or .json)')
    .option('--dry-run', 'check the file, change nothing')
    .option('--json', 'print the report as JSON')
    .addOption(dataDirOption())
    .action(
      action(
        io,
        'site-survey import',
        async (file: string, opts: { dryRun?: boolean; json?: boolean }, cmd: Command) => {
          const content = readSurveyFile(file);
          await withEngine(cmd, async ({ client }) => {
            const report = await client.api.provisioning.importSurvey({ content, fileName: basename(file), dryRun: opts.dryRun ?? false });
            if (opts.json) return io.out(JSON.stringify(report));
            io.out(
              `${report.dryRun ? 'Dry run: would import' : 'Imported'} the survey of site ${report.site}: ${report.appliances} appliances (${report.created} new), ` +
                `${report.credentials} factory credential(s) ${report.dryRun ? 'for' : 'in'} the vault.`,
            );
            if (!report.dryRun) io.out(`Next: fleetdeck provision --site ${report.site}`);
          });
        },
        explainImport(io),
      ),
    );

  const provision = new Command('provision')
    .description('Provision a site’s factory-fresh appliances from its survey (one job; re-run to continue where each stopped)')
    .option('--site <code>', 'the site to provision')
    .option('--accept-new', 'trust host keys met for the first time (no fingerprint in the survey) without asking')
    .option('--rotate-password', 'keep password login, with a new random password stored only in the vault, instead of turning it off (where the survey does not say)')
    .addOption(new Option('--concurrency <n>', 'appliances provisioned at once').argParser(wholeNumber(1, 200)).default(20))
    .option('--json', 'one JSON line per appliance, then the checklists as JSON')
    .addOption(dataDirOption())
    .action(
      action(io, 'provision', async (opts: { site?: string; acceptNew?: boolean; rotatePassword?: boolean; concurrency: number; json?: boolean }, cmd: Command) => {
        if (!opts.site) throw new UsageError('name the site: --site CODE');
        const site = opts.site;
        const tty = !!process.stderr.isTTY && !!process.stdin.isTTY;
        const started = Date.now();
        await withEngine(cmd, async ({ client }) => {
          let failed = true;
          const asked = new Set<string>();
          let only: string[] | undefined;
          for (;;) {
            const job = await client.api.provisioning.start({
              site,
              acceptNew: opts.acceptNew ?? false,
              passwordLogin: opts.rotatePassword ? 'rotate' : 'off',
              concurrency: opts.concurrency,
              ...(only ? { serials: only } : {}),
            });
            if (!opts.json) io.err(`Provisioning ${job.progress.total} appliance(s) of ${site} (job ${job.id})...`);
            await follow(client, io, job, opts.json ?? false, tty);
            const view = await client.api.provisioning.site({ site });
            failed = view.appliances.some((a) => a.state !== 'done');
            // First contacts confirmed at the prompt: provision those (the rest skip their finished steps).
            if (failed && tty && !opts.json) {
              only = await confirmKeys(client, io, view, asked);
              if (only.length > 0) continue;
            }
            if (opts.json) io.out(JSON.stringify({ site: view.site, seconds: (Date.now() - started) / 1000, appliances: view.appliances }));
            else for (const l of checklistLines(view)) io.out(l);
            break;
          }
          if (!opts.json) io.out(`${((Date.now() - started) / 1000).toFixed(1)} s`);
          if (failed) process.exitCode = 1;
        });
      }),
    );

  provision
    .command('status')
    .description('Each appliance’s checklist for a site')
    .option('--site <code>', 'the site')
    .option('--json', 'print JSON')
    .addOption(dataDirOption())
    .action(
      action(io, 'provision status', async (_opts: unknown, cmd: Command) => {
        // `provision` has --site and --json of its own, and commander gives them to it even after
        // `status`: read them from both.
        const opts = cmd.optsWithGlobals<{ site?: string; json?: boolean }>();
        if (!opts.site) throw new UsageError('name the site: --site CODE');
        const site = opts.site;
        await withEngine(cmd, async ({ client }) => {
          const view = await client.api.provisioning.site({ site });
          if (opts.json) io.out(JSON.stringify(view));
          else for (const l of checklistLines(view)) io.out(l);
        });
      }),
    );

  provision
    .command('confirm-key')
    .description('Confirm the host key an appliance showed at first contact (compared with its label or console)')
    .argument('<serial>')
    .argument('<fingerprint>', 'SHA256:...')
    .addOption(dataDirOption())
    .addOption(jsonOption("the appliance's provisioning state"))
    .action(
      action(io, 'provision confirm-key', async (serial: string, fingerprint: string, opts: { json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ client }) => {
          const a = await client.api.provisioning.confirmHostKey({ serial, fingerprint });
          if (opts.json) return io.out(JSON.stringify(a));
          io.out(`Confirmed ${fingerprint} for ${serial}; run provision again to continue.`);
        });
      }),
    );

  provision
    .command('expect-rekey')
    .description('An appliance was re-imaged at the site: forget its recorded host key and provision it again (audited)')
    .argument('<serial>')
    .requiredOption('--reason <text>', 'why it was re-imaged')
    .addOption(dataDirOption())
    .addOption(jsonOption("the appliance's provisioning state"))
    .action(
      action(io, 'provision expect-rekey', async (serial: string, opts: { reason: string; json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ client }) => {
          const a = await client.api.provisioning.expectRekey({ serial, reason: opts.reason });
          if (opts.json) return io.out(JSON.stringify(a));
          io.out(`${serial} will be provisioned again from the start; its new host key needs a confirmation.`);
        });
      }),
    );

  return [survey, provision];
}
