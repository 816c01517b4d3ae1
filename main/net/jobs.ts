/**
 * Fan-out exec as a kind of the jobs kernel (main/jobs/): run an `ocactl` action or a command on
 * a selection of appliances. One step per appliance; the reply is judged against the appliance
 * API for ocactl commands. A raw command is not re-run by surprise after a crash (afterCrash
 * 'interrupted'): its job is closed as interrupted, in-flight appliances "may or may not have
 * run", and retry runs the appliances that did not succeed.
 */
import { z } from 'zod';
import { FleetError } from '../kit/errors';
import { MAX_REPLY_BYTES, OCACTL_RESULTS, type OcactlCommand } from '../appliance/contract';
import { ApplianceReplyError, parseOcactlReply } from '../appliance/replies';
import type { InventoryService } from '../inventory/service';
import { detailsRecord, type JobsKernel } from '../jobs/kernel';
import type { JobKind } from '../jobs/kind';
import type { FinishedResult } from '../jobs/repo';
import { changingActionOf, ExecRequest, needsTypedCount, type Job } from './contract';
import type { NetService } from './service';
import type { ExecResult } from './ssh-pool';

/** Output kept per appliance in the journal. */
export const MAX_STORED_OUTPUT = 64 * 1024;

/** The ocactl command named by argv (`ocactl firmware activate x` -> `firmware activate`), if it is one. */
export function ocactlCommandOf(argv: readonly string[]): OcactlCommand | null {
  if (argv[0] !== 'ocactl') return null;
  const two = argv.slice(1, 3).join(' ');
  if (Object.hasOwn(OCACTL_RESULTS, two)) return two as OcactlCommand;
  const one = argv[1] ?? '';
  return Object.hasOwn(OCACTL_RESULTS, one) ? (one as OcactlCommand) : null;
}

/** Output as stored: at most MAX_STORED_OUTPUT bytes of UTF-8 (cut on a character boundary), marked when cut. */
export function cut(text: string): string {
  if (text.length <= MAX_STORED_OUTPUT / 3) return text; // 3 bytes per UTF-16 unit at most: fits
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= MAX_STORED_OUTPUT) return text;
  let end = MAX_STORED_OUTPUT;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--; // not inside a multi-byte character
  return bytes.subarray(0, end).toString('utf8') + `\n[output cut at ${MAX_STORED_OUTPUT / 1024} KiB of ${bytes.length} bytes]`;
}

/** The serial an ocactl reply says it comes from, when its result names one. */
function replySerial(result: unknown): string | null {
  if (result === null || typeof result !== 'object') return null;
  const serial = (result as { serial?: unknown }).serial;
  return typeof serial === 'string' ? serial : null;
}

/** What one appliance's run means, from its exec result. */
export function judge(argv: readonly string[], r: ExecResult, serial?: string): FinishedResult {
  const command = ocactlCommandOf(argv);
  const base = { exitCode: r.exitCode, output: cut(r.stdout), stderr: r.stderr ? cut(r.stderr) : null };
  if (command) {
    try {
      const answeredAs = replySerial(parseOcactlReply(command, r.stdout));
      if (serial !== undefined && answeredAs !== null && answeredAs !== serial) {
        // Two inventory entries on one address, a re-addressed box, a NAT mistake: not this appliance.
        return {
          ...base,
          state: 'failed',
          errorCode: 'E_BAD_REPLY',
          errorMessage:
            `The address of ${serial} reaches a different appliance: it answered as ${answeredAs.slice(0, 64)}. ` +
            'Nothing it reported was taken as this appliance\'s; check the address and port in the inventory.',
        };
      }
      return { ...base, output: cut(r.stdout.trim()), state: 'ok', errorCode: null, errorMessage: null };
    } catch (err) {
      if (err instanceof ApplianceReplyError) return { ...base, state: 'failed', errorCode: err.code, errorMessage: err.message };
      if (err instanceof FleetError) return { ...base, state: 'failed', errorCode: err.code, errorMessage: err.message, errorDetails: detailsRecord(err.details) };
      throw err;
    }
  }
  if (r.truncated) {
    return { ...base, state: r.exitCode === 0 ? 'ok' : 'failed', errorCode: r.exitCode === 0 ? null : 'E_EXIT', errorMessage: r.exitCode === 0 ? null : `exited with status ${r.exitCode}` };
  }
  if (r.exitCode === 0) return { ...base, state: 'ok', errorCode: null, errorMessage: null };
  return {
    ...base,
    state: 'failed',
    errorCode: 'E_EXIT',
    errorMessage: r.exitCode === null ? `killed by signal ${r.signal ?? 'unknown'}` : `exited with status ${r.exitCode}`,
  };
}

export const ExecSpec = z.object({
  argv: z.array(z.string()).min(1),
  concurrency: z.number().int().min(1),
  timeoutMs: z.number().int().nullable(),
  acceptNew: z.boolean(),
});
export type ExecSpec = z.infer<typeof ExecSpec>;

/** The exec kind: one command per appliance, judged as the appliance API says. */
export function execKind(net: NetService, inventory: Pick<InventoryService, 'appliance'>): JobKind<ExecSpec> {
  return {
    name: 'exec',
    spec: ExecSpec,
    label: (spec) => (ocactlCommandOf(spec.argv) ? 'ocactl' : 'exec'),
    describe: (spec) => spec.argv,
    steps: () => 1,
    afterCrash: 'interrupted',
    async open(spec, actor) {
      // A missing fleet key, a locked vault or no agent is one error now, not 1000 failures later.
      await net.checkCredentials();
      // accept-new records keys as this actor: its own pool. Otherwise the engine's warm pool.
      const own = spec.acceptNew;
      const pool = own ? net.openPool({ actor, acceptNew: true, maxConcurrent: spec.concurrency }) : net.sharedPool();
      const settings = net.settings();
      const routeFor = net.router(settings);
      const timeoutMs = spec.timeoutMs ?? settings.commandTimeoutMs;
      const isOcactl = ocactlCommandOf(spec.argv) !== null;
      return {
        async act(_step, target, signal) {
          const appliance = inventory.appliance(target.serial);
          const result = await pool.exec(routeFor(appliance), spec.argv, {
            timeoutMs,
            signal,
            maxOutputBytes: isOcactl ? MAX_REPLY_BYTES : MAX_STORED_OUTPUT,
            failOnOverflow: isOcactl,
          });
          return judge(spec.argv, result, target.serial);
        },
        close: () => {
          if (own) pool.close();
        },
      };
    },
  };
}

/**
 * A changing ocactl action on many appliances or several sites runs only when the caller typed the
 * count back (`confirmCount`, equal to what the selection reaches now): E_CONFIRM otherwise.
 */
function confirmReach(argv: readonly string[], targets: ReadonlyArray<{ site: string; partner: string }>, confirmCount: number | undefined): void {
  const total = targets.length;
  const sites = new Set(targets.map((t) => t.site)).size;
  if (!needsTypedCount(argv, { total, sites }) || confirmCount === total) return;
  const partners = new Set(targets.map((t) => t.partner)).size;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const reach = `${plural(total, 'appliance')} in ${plural(sites, 'site')} of ${plural(partners, 'partner')}`;
  const action = `ocactl ${changingActionOf(argv)}`;
  const message =
    confirmCount === undefined
      ? `${action} would change ${reach}. Confirm by typing the count (${total}), or stage it: run it on one site first, then widen. Nothing was run.`
      : `${action}: the count typed (${confirmCount}) is not what the selection reaches now (${reach}). Nothing was run.`;
  throw new FleetError('E_CONFIRM', message, { count: total, sites, partners, action });
}

/** The contract's jobs.exec: a selection and a command, run as an exec job. */
export async function startExec(kernel: JobsKernel, raw: unknown, actor: string): Promise<Job> {
  const req = ExecRequest.parse(raw);
  const targets = kernel.select(req.selection);
  if (targets.length === 0) throw new FleetError('E_VALIDATION', 'The selection matches no appliance; nothing was run.');
  confirmReach(req.argv, targets, req.confirmCount);
  const spec: ExecSpec = { argv: req.argv, concurrency: req.concurrency, timeoutMs: req.timeoutMs ?? null, acceptNew: req.acceptNew };
  return kernel.start('exec', spec, targets, actor);
}
