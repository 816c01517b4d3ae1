/**
 * The `provision` job kind: a site's factory-fresh appliances, each through the checklist of
 * PROVISION_STEPS (contract.ts), in parallel, on the jobs kernel (journal before acting, reconcile
 * after a crash by asking the appliance). Every step can be run again safely, and reconcile asks
 * the appliance whether the step under way took effect:
 *
 *   find       GET /v1/health at the survey address: reachable, and the serial the survey says
 *   host-key   read the presented key (nothing offered): the survey's fingerprint, else one an
 *              engineer confirmed, else --accept-new; anything else stops the appliance
 *   secure     log in with the factory password (host key pinned); once `ocactl status` over that
 *              login names the surveyed serial, record the host key in the inventory (never
 *              before: identity per appliance) and set status `provisioning`; install the fleet
 *              key, turn password login off (or rotate the password into the vault: journaled
 *              there as pending before the appliance is told, settled by asking the appliance
 *              which password it takes)
 *   drain      (fleet key from here on) drained before the BGP session changes
 *   configure  hostname, service addresses and the BGP session from the survey
 *   accept     BGP Established, then the acceptance checks (nic, disk, bgp, reachability) through the
 *              diagnostics domain: one run in the appliance's history; a failed check stops it with
 *              the check's own "what to do"
 *   online     undrain, inventory `online`, the factory credential leaves the vault
 */
import { z } from 'zod';
import { AccessReply } from '../appliance/access';
import { hashPassword } from '../appliance/password-hash';
import type { ApplianceConfig, DiagCheck } from '../appliance/contract';
import { ApplianceReplyError, parseOcactlReply } from '../appliance/replies';
import { FleetError } from '../kit/errors';
import type { JobKind, StepOutcome } from '../jobs/kind';
import { failed, ok } from '../jobs/kind';
import { callAppliance } from '../net/appliance-http';
import type { ProvisionStep } from './contract';
import { PROVISION_STEPS } from './contract';
import { factoryLogin, presentedHostKey } from './factory-ssh';
import { credentialName, loginPasswordName, pendingPasswordName, type ProvisioningService, type SurveyedAppliance } from './service';

export const PROVISION_KIND = 'provision';

export const ProvisionSpec = z.object({
  site: z.string(),
  acceptNew: z.boolean().default(false),
  concurrency: z.number().int().min(1).max(1000).default(20),
  perGroup: z.number().int().min(1).max(1000).nullable().default(null),
  maxFailures: z.number().int().min(0).nullable().default(null),
  /** How the factory password is retired where the survey does not say: password login off, or rotated into the vault. */
  passwordLogin: z.enum(['off', 'rotate']).default('off'),
  /** Each SSH or HTTP exchange. */
  timeoutMs: z.number().int().min(100).max(600_000).default(20_000),
  /** How long the BGP session may take to come up after the configuration is pushed. */
  bgpTimeoutMs: z.number().int().min(100).max(3_600_000).default(180_000),
  /** How long a drain may take. */
  drainTimeoutMs: z.number().int().min(100).max(3_600_000).default(600_000),
});
export type ProvisionSpec = z.infer<typeof ProvisionSpec>;

/** The acceptance checks (ocactl diag) and what to do when one fails. */
export const ACCEPTANCE_CHECKS: readonly { check: DiagCheck; hint: string }[] = [
  { check: 'nic', hint: 'Check the serving link (optics, cabling, the switch port) and retry.' },
  { check: 'disk', hint: 'A cache disk is faulty or full: open an RMA for the disk or the appliance, then retry.' },
  { check: 'bgp', hint: 'Check the BGP session with the ISP: the neighbor address and ASN on both sides must match the survey.' },
  { check: 'reachability', hint: 'The neighbor or the origin does not answer: check the ISP router and the upstream path, then retry.' },
];

/** One acceptance check's result as the diagnostics domain stored it. */
export interface AcceptanceResult {
  check: DiagCheck;
  status: 'OK' | 'Unknown' | 'Warning' | 'Error';
  summary: string;
  /** The check's own "what to do" (null when OK). */
  action: string | null;
  /** Why it could not run (E_UNREACHABLE, E_TIMEOUT, ...), else null. */
  errorCode: string | null;
}

/**
 * The acceptance checks, run through the diagnostics domain (the composition wires
 * DiagnosticsService.acceptance here): one run in the appliance's diagnostics history.
 */
export type AcceptanceChecks = (
  serial: string,
  checks: readonly DiagCheck[],
  options: { actor: string; jobId: number | null; timeoutMs: number; signal: AbortSignal },
) => Promise<{ id: number; results: readonly AcceptanceResult[] }>;

interface Context {
  fingerprint?: string;
}

const contextOf = (raw: unknown): Context => (raw && typeof raw === 'object' ? (raw as Context) : {});

/** An outcome from a failure: a FleetError or an appliance refusal keeps its code; anything else is a bug. */
function outcomeOf(err: unknown, hint: string | null): StepOutcome & { hint: string | null } {
  if (err instanceof FleetError || err instanceof ApplianceReplyError) return { ...failed(err.code, err.message), hint };
  throw err;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(new FleetError('E_CANCELLED', 'Cancelled.'));
    const onAbort = () => {
      clearTimeout(t);
      reject(new FleetError('E_CANCELLED', 'Cancelled.'));
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** The config keys and values the survey asks for, on this appliance's interfaces. */
export function surveyConfig(a: SurveyedAppliance, config: ApplianceConfig): { key: string; value: string }[] {
  const serving = config.interfaces.find((i) => i.name !== 'mgmt0') ?? null;
  const out = [{ key: 'hostname', value: a.survey.hostname }];
  if (serving && a.survey.serviceIpv4) out.push({ key: `interface.${serving.name}.ipv4`, value: a.survey.serviceIpv4 });
  if (serving && a.survey.serviceIpv6) out.push({ key: `interface.${serving.name}.ipv6`, value: a.survey.serviceIpv6 });
  out.push({ key: 'bgp.asn', value: String(a.survey.localAsn) }, { key: 'bgp.neighbor', value: a.survey.bgpNeighbor }, { key: 'bgp.neighbor-asn', value: String(a.survey.bgpNeighborAsn) });
  return out;
}

function configHas(config: ApplianceConfig, key: string, value: string): boolean {
  if (key === 'hostname') return config.hostname === value;
  if (key === 'bgp.asn') return String(config.bgp.localAsn) === value;
  if (key === 'bgp.neighbor') return config.bgp.neighbor.address === value;
  if (key === 'bgp.neighbor-asn') return String(config.bgp.neighbor.asn) === value;
  const m = /^interface\.(.+)\.(ipv4|ipv6)$/.exec(key);
  const iface = m ? config.interfaces.find((i) => i.name === m[1]) : undefined;
  return !!iface && iface[m![2] as 'ipv4' | 'ipv6'] === value;
}

export function provisionKind(service: ProvisioningService, acceptance: AcceptanceChecks): JobKind<ProvisionSpec> {
  return {
    name: PROVISION_KIND,
    spec: ProvisionSpec,
    label: () => 'provision',
    describe: (spec) => ['provision', '--site', spec.site, ...(spec.acceptNew ? ['--accept-new'] : []), ...(spec.passwordLogin === 'rotate' ? ['--rotate-password'] : [])],
    steps: () => PROVISION_STEPS.length,
    group: (target) => target.site,
    afterCrash: 'reconcile',
    async open(spec, actor) {
      // The fleet key the appliances get (made now when there is none, before any appliance is touched).
      await service.fleetPublicKey(actor);
      const fleet = service.fleetAccess();
      const ocactl = async <C extends Parameters<typeof parseOcactlReply>[0]>(serial: string, command: C, argv: string[], signal: AbortSignal) => {
        const r = await fleet.exec(serial, ['ocactl', ...argv], spec.timeoutMs, signal);
        return parseOcactlReply(command, r.stdout);
      };

      /**
       * Where the appliance really is for the secure step: the fleet key logs in and the factory
       * password is retired (password login off, or a password set since: the one in the vault).
       */
      const secured = async (serial: string, signal: AbortSignal): Promise<boolean> => {
        try {
          const access = await ocactl(serial, 'access status', ['access', 'status'], signal);
          return !access.passwordLogin || access.passwordChanged;
        } catch (err) {
          if (err instanceof FleetError || err instanceof ApplianceReplyError) return false;
          throw err;
        }
      };

      /**
       * Null when `ocactl status` names `serial`; otherwise the failure: the SSH address reaches
       * another appliance (the survey's SSH port, a NAT mistake), and nothing is sent to it.
       */
      const answeredAs = (serial: string, stdout: string) => {
        const st = parseOcactlReply('status', stdout);
        if (st.serial === serial) return null;
        return {
          ...failed('E_SERIAL_MISMATCH', `The SSH address of ${serial} reaches appliance ${st.serial.slice(0, 64)}. Nothing was changed on it.`),
          hint: 'Check the SSH address and port in the survey against the appliance racked there, correct the survey and import it again, then retry.',
        };
      };

      /** Whether `password` logs in as the appliance's login user (its host key pinned). */
      const logsIn = async (a: SurveyedAppliance, fingerprint: string, password: string, signal: AbortSignal): Promise<boolean> => {
        try {
          (await factoryLogin({ serial: a.serial, host: a.host, port: a.survey.sshPort }, fingerprint, password, spec.timeoutMs, signal)).end();
          return true;
        } catch (err) {
          if (err instanceof FleetError && err.code === 'E_AUTH') return false;
          throw err;
        }
      };

      /**
       * A rotation journaled in the vault but not settled (the engine died, or the appliance's reply
       * never came): ask the appliance. It took the new password (it logs in): that becomes the
       * login password. It did not (no password set, or the previous one still logs in): the pending
       * one stays for the step to send again. Neither logs in: stop, both stay in the vault.
       * Returns a failure to report, or null to go on.
       */
      const settlePending = async (a: SurveyedAppliance, fingerprint: string, signal: AbortSignal): Promise<(StepOutcome & { hint: string | null }) | null> => {
        const pending = await service.pendingRotation(a.serial);
        if (!pending) return null;
        const access = await ocactl(a.serial, 'access status', ['access', 'status'], signal).catch((err: unknown) => {
          // The fleet key is refused: it goes in before any password is set, so none was. Anything
          // else (unreachable, a timeout) is reported: the pending password waits in the vault.
          if (err instanceof FleetError && err.code === 'E_AUTH') return null;
          throw err;
        });
        if (access === null || !access.passwordChanged) return null;
        if (!access.passwordLogin) {
          await service.dropPendingRotation(a.serial);
          return null;
        }
        if (await logsIn(a, fingerprint, pending.password, signal)) {
          await service.settleRotation(a.serial, pending, actor);
          return null;
        }
        const previous = await service.loginPassword(a.serial);
        if (previous !== null && (await logsIn(a, fingerprint, previous, signal))) return null;
        return {
          ...failed('E_AUTH', `${a.serial} has a new password, but neither the one journaled for its rotation nor the previous one logs in.`),
          hint: `Someone else changed it: the vault keeps what provisioning knows (${pendingPasswordName(a.serial)}, ${loginPasswordName(a.serial)}, ${credentialName(a.serial)}); reset the password on the appliance's console, then retry.`,
        };
      };

      const steps: Record<ProvisionStep, (a: SurveyedAppliance, ctx: Context, signal: AbortSignal) => Promise<StepOutcome & { hint?: string | null }>> = {
        async find(a, _ctx, signal) {
          const endpoint = { label: a.serial, host: a.host, port: a.survey.apiPort, tls: null };
          let health;
          try {
            health = await callAppliance(endpoint, 'GET /v1/health', { timeoutMs: spec.timeoutMs, signal });
          } catch (err) {
            return outcomeOf(err, `Check power, cabling and the survey address (${a.host}:${a.survey.apiPort}), then retry.`);
          }
          if (health.serial !== a.serial) {
            return {
              ...failed('E_SERIAL_MISMATCH', `The appliance at ${a.host} reports serial ${health.serial}, not ${a.serial} as the survey says. Nothing was changed on it.`),
              hint: 'Check which appliance is racked at this address: correct the survey (serial or address) and import it again, or move the appliance, then retry.',
            };
          }
          return ok({ output: `found ${a.serial} at ${a.host}` });
        },

        async ['host-key'](a, _ctx, signal) {
          let key;
          try {
            key = await presentedHostKey({ serial: a.serial, host: a.host, port: a.survey.sshPort }, spec.timeoutMs, signal);
          } catch (err) {
            return outcomeOf(err, 'Check that SSH answers at the survey address, then retry.');
          }
          service.notePresented(a.serial, key.fingerprint);
          const recorded = service.recordedFingerprint(a.serial);
          if (recorded === key.fingerprint) return ok({ output: `host key ${key.fingerprint} (recorded)`, context: { fingerprint: key.fingerprint } });
          // After an expected re-key the survey's factory key is the old one: the new key needs a confirmation.
          const surveyed = a.rekeyReason ? null : a.survey.hostKeyFingerprint;
          const expected = surveyed ?? a.confirmedFingerprint;
          if (expected !== null && expected !== key.fingerprint) {
            const from = surveyed ? 'the survey says' : 'was confirmed';
            return {
              ...failed('E_HOSTKEY_MISMATCH', `${a.serial} presents the host key ${key.fingerprint}, but ${expected} ${from}. Nothing was sent to it.`),
              hint: 'Do not provision it: it may not be the appliance that was shipped. If it was re-imaged at the site, record an expected re-key with the reason; otherwise report it.',
            };
          }
          if (expected === null) {
            if (!spec.acceptNew) {
              return {
                ...failed('E_HOSTKEY_UNKNOWN', `${a.serial} presents the ${key.type} host key ${key.fingerprint} and nobody has vouched for it.`),
                hint: `Compare ${key.fingerprint} with the appliance's label or console, then confirm it: "It matches" in the provisioning view, or fleetdeck provision confirm-key ${a.serial} ${key.fingerprint} and run provision again (or run again with --accept-new).`,
              };
            }
            service.auditAcceptNew(a.serial, key.fingerprint, actor);
          }
          return ok({ output: `host key ${key.fingerprint}`, context: { fingerprint: key.fingerprint } });
        },

        async secure(a, ctx, signal) {
          const fingerprint = ctx.fingerprint;
          if (!fingerprint) return { ...failed('E_INTERNAL', 'The host key step left no fingerprint.'), hint: 'Retry the appliance.' };
          // Identity per appliance, never per connection: the key is recorded for this serial only
          // once the box holding it has named this serial (below, over the factory login pinned to
          // it). Not recorded yet means nothing was sent to the box by this step.
          const proved = service.recordedFingerprint(a.serial) === fingerprint;
          if (proved) {
            service.markProvisioning(a.serial, actor);
            try {
              const stuck = await settlePending(a, fingerprint, signal);
              if (stuck) return stuck;
            } catch (err) {
              return outcomeOf(err, 'Retry the appliance.');
            }
          }
          if (proved && (await secured(a.serial, signal))) {
            // Identity per appliance: the box behind the SSH address must be this one (the find step asked the HTTP API).
            let other;
            try {
              other = answeredAs(a.serial, (await fleet.exec(a.serial, ['ocactl', 'status'], spec.timeoutMs, signal)).stdout);
            } catch (err) {
              return outcomeOf(err, 'Retry the appliance.');
            }
            if (other) return other;
            return ok({ output: 'fleet key already installed; factory password retired', context: ctx });
          }
          const mode = a.survey.passwordLogin ?? spec.passwordLogin;
          const password = await service.factoryPassword(a.serial);
          if (password === null) {
            return {
              ...failed('E_AUTH', `There is no factory credential for ${a.serial} in the vault.`),
              hint: 'Import the survey again with the factory password of this appliance, then retry.',
            };
          }
          const publicKey = await service.fleetPublicKey(actor);
          const [type, base64] = publicKey.trim().split(/\s+/);
          let session;
          try {
            session = await factoryLogin({ serial: a.serial, host: a.host, port: a.survey.sshPort }, fingerprint, password, spec.timeoutMs, signal);
          } catch (err) {
            if (!(err instanceof FleetError && err.code === 'E_AUTH')) return outcomeOf(err, 'Retry the appliance.');
            return outcomeOf(
              err,
              proved
                ? 'The factory password in the survey is wrong or was changed: get the right one from the vendor, import the survey again, then retry.'
                : `The factory password in the survey is wrong or was changed, or the SSH address (${a.host}:${a.survey.sshPort}) reaches an appliance already provisioned; its host key was not recorded for ${a.serial}. Check the survey's SSH address and port and the password, import it again, then retry.`,
            );
          }
          try {
            const other = answeredAs(a.serial, (await session.exec(['ocactl', 'status'], spec.timeoutMs)).stdout);
            if (other) return other;
            if (!proved) {
              // The box holding this key named this serial: now the key is this appliance's.
              service.trustFingerprint(a.serial, fingerprint, actor);
              service.markProvisioning(a.serial, actor);
            }
            const added = AccessReply.parse(parseOcactlReply('access add-key', (await session.exec(['ocactl', 'access', 'add-key', type!, base64!], spec.timeoutMs)).stdout));
            if (added.authorizedKeys.length === 0) return { ...failed('E_BAD_REPLY', `${a.serial} did not keep the fleet key.`), hint: 'Retry the appliance.' };
            if (mode === 'off') {
              const off = parseOcactlReply('access password-login', (await session.exec(['ocactl', 'access', 'password-login', 'off'], spec.timeoutMs)).stdout);
              if (off.passwordLogin) return { ...failed('E_BAD_REPLY', `${a.serial} still takes its factory password.`), hint: 'Retry the appliance.' };
              await service.dropPendingRotation(a.serial);
            } else {
              // Rotate: the new password is journaled in the vault as pending before the appliance
              // is told (it crosses as a hash), and becomes the login password once it took it.
              // A crash in between is settled by asking the appliance (settlePending).
              const pending = await service.journalRotation(a.serial);
              const set = parseOcactlReply('access set-password', (await session.exec(['ocactl', 'access', 'set-password', hashPassword(pending.password)], spec.timeoutMs)).stdout);
              if (!set.passwordChanged) return { ...failed('E_BAD_REPLY', `${a.serial} did not take the new password.`), hint: 'Retry the appliance.' };
              await service.settleRotation(a.serial, pending, actor);
            }
          } catch (err) {
            return outcomeOf(err, 'Retry the appliance.');
          } finally {
            session.end();
          }
          return ok({ output: mode === 'off' ? 'fleet key installed; password login off' : `fleet key installed; factory password rotated into the vault as ${loginPasswordName(a.serial)}`, context: ctx });
        },

        async drain(a, ctx, signal) {
          const until = Date.now() + spec.drainTimeoutMs;
          try {
            for (;;) {
              const r = await ocactl(a.serial, 'drain', ['drain'], signal);
              if (r.serving === 'drained') return ok({ output: 'drained', context: ctx });
              if (Date.now() > until) {
                return { ...failed('E_TIMEOUT', `${a.serial} is still ${r.serving} (${r.servingGbps} Gbps) after ${Math.round(spec.drainTimeoutMs / 1000)} s.`), hint: 'Retry once serving has wound down.' };
              }
              await sleep(2000, signal);
            }
          } catch (err) {
            return outcomeOf(err, 'Retry the appliance.');
          }
        },

        async configure(a, ctx, signal) {
          try {
            const config = await ocactl(a.serial, 'config get', ['config', 'get'], signal);
            const wanted = surveyConfig(a, config).filter((kv) => !configHas(config, kv.key, kv.value));
            if (wanted.length === 0) return ok({ output: 'configuration already as the survey says', context: ctx });
            await ocactl(a.serial, 'config set', ['config', 'set', ...wanted.map((kv) => `${kv.key}=${kv.value}`)], signal);
            return ok({ output: `set ${wanted.map((kv) => kv.key).join(', ')}`, context: ctx });
          } catch (err) {
            return outcomeOf(err, 'Check the survey values (addresses, ASNs) and retry.');
          }
        },

        async accept(a, ctx, signal) {
          try {
            const until = Date.now() + spec.bgpTimeoutMs;
            for (;;) {
              const bgp = await ocactl(a.serial, 'bgp status', ['bgp', 'status'], signal);
              if (bgp.state === 'Established') break;
              if (Date.now() > until) {
                return {
                  ...failed('E_BGP_DOWN', `The BGP session with ${bgp.neighbor} (AS${bgp.peerAsn}) is ${bgp.state} after ${Math.round(spec.bgpTimeoutMs / 1000)} s${bgp.lastError ? `: ${bgp.lastError}` : ''}.`),
                  hint: 'Check the ISP router: the neighbor address and ASN on both sides must match the survey; then retry.',
                };
              }
              await sleep(1000, signal);
            }
            // Through the diagnostics domain: the same structured results, kept in the appliance's history.
            const run = await acceptance(a.serial, ACCEPTANCE_CHECKS.map((c) => c.check), { actor, jobId: a.jobId, timeoutMs: spec.timeoutMs, signal });
            const bad = run.results.find((r) => r.status !== 'OK');
            if (bad || run.results.length < ACCEPTANCE_CHECKS.length) {
              const check = bad?.check ?? ACCEPTANCE_CHECKS[run.results.length]!.check;
              const fallback = ACCEPTANCE_CHECKS.find((c) => c.check === check)!.hint;
              return {
                ...failed(bad?.errorCode ?? 'E_CHECK_FAILED', `Acceptance check ${check} is ${bad?.status ?? 'not run'}: ${bad?.summary ?? 'it did not run'} (diagnostics run ${run.id}).`),
                hint: bad?.action ?? fallback,
              };
            }
            return ok({ output: `BGP established; checks passed: ${run.results.map((r) => r.check).join(', ')} (diagnostics run ${run.id})`, context: ctx });
          } catch (err) {
            return outcomeOf(err, 'Retry the appliance.');
          }
        },

        async online(a, ctx, signal) {
          try {
            const r = await ocactl(a.serial, 'undrain', ['undrain'], signal);
            if (r.serving !== 'serving') return { ...failed('E_STATE', `${a.serial} is still ${r.serving} after undrain.`), hint: 'Retry the appliance.' };
          } catch (err) {
            return outcomeOf(err, 'Retry the appliance.');
          }
          await service.markOnline(a.serial, actor);
          return ok({ output: 'undrained; online', context: ctx });
        },
      };

      return {
        async act(step, target, signal) {
          const a = service.surveyed(target.serial);
          const name = PROVISION_STEPS[step]!;
          service.checklist(a.serial, { state: 'running', stepsDone: step, error: null });
          const outcome = await steps[name](a, contextOf(target.context), signal);
          const { hint = null, ...result } = outcome;
          if (result.state === 'ok') service.checklist(a.serial, { state: step + 1 === PROVISION_STEPS.length ? 'done' : 'running', stepsDone: step + 1 });
          else service.checklist(a.serial, { state: 'failed', error: { code: result.errorCode ?? 'E_INTERNAL', message: result.errorMessage ?? 'failed', hint } });
          return result;
        },
        async reconcile(step, target, signal) {
          const a = service.surveyed(target.serial);
          const name = PROVISION_STEPS[step]!;
          // Steps that only read, or that check before they change, are simply run again.
          if (name === 'secure') {
            const fingerprint = contextOf(target.context).fingerprint;
            // Not recorded: the step stopped before the box proved its serial, so nothing was sent to it.
            if (!fingerprint || service.recordedFingerprint(a.serial) !== fingerprint) return 'redo';
            // A rotation under way is settled first (its pending password kept or promoted); one
            // that cannot be settled is reported by the step itself, with what to do.
            try {
              if ((await settlePending(a, fingerprint, signal)) !== null) return 'redo';
            } catch {
              return 'redo';
            }
            return (await secured(a.serial, signal)) ? 'done' : 'redo';
          }
          if (name === 'configure') {
            try {
              const config = await ocactl(a.serial, 'config get', ['config', 'get'], signal);
              return surveyConfig(a, config).every((kv) => configHas(config, kv.key, kv.value)) ? 'done' : 'redo';
            } catch {
              return 'redo';
            }
          }
          return 'redo';
        },
        close: () => fleet.close(),
      };
    },
  };
}
