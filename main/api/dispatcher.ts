/**
 * The one way into the engine. Every call names `<domain>.<method>`; its params are validated
 * against the contract before any service sees them; every failure leaves as a typed ErrorBody.
 */
import { z } from 'zod';
import type { Contract, Domain } from './contract';
import { isDomain, methodsOf } from './contract-loaders';
import type { DomainHandlers, MethodSpec } from '../kit/contract';
import { FleetError, validationIssues, type ErrorBody } from '../kit/errors';
import type { Logger } from '../store/log';
import type { CallContext } from '../kit/context';
import { sqliteProblem } from '../store/db';
import { issuesInWords } from '../kit/validation-words';

export type Handlers = { [D in Domain]: DomainHandlers<Contract[D], CallContext> };

type AnyHandler = (input: unknown, ctx: CallContext) => unknown;
/**
 * Where the dispatcher finds a domain's handlers: a whole map, or (the engine) a function that
 * builds the domain's service on the first call that names it.
 */
export type HandlerSource = Handlers | ((domain: Domain) => Promise<Record<string, AnyHandler>>);

export type DispatchResult = { ok: true; result: unknown } | { ok: false; error: ErrorBody };

export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/** The method a wire name names (its domain's schemas are loaded on the first call into it), or null. */
export async function lookupMethod(name: string): Promise<{ domain: Domain; method: string; spec: MethodSpec } | null> {
  const dot = name.indexOf('.');
  if (dot <= 0) return null;
  const domain = name.slice(0, dot);
  const methodName = name.slice(dot + 1);
  if (!isDomain(domain)) return null;
  const methods = await methodsOf(domain);
  if (!Object.hasOwn(methods, methodName)) return null;
  return { domain, method: methodName, spec: methods[methodName]! };
}

export class Dispatcher {
  constructor(
    private readonly handlers: HandlerSource,
    private readonly log: Logger,
    /** Validate results against the output schema too (on in tests, to catch contract drift). */
    private readonly checkOutputs = false,
    /**
     * Set when this engine is read-only (it shows a snapshot): why, in a sentence. Every method the
     * contract marks `writes: true` is then refused with E_READ_ONLY before its input is looked at.
     */
    private readonly readOnly: string | null = null,
  ) {}

  async dispatch(name: unknown, params: unknown, ctx: CallContext): Promise<DispatchResult> {
    if (typeof name !== 'string') {
      return { ok: false, error: { code: 'E_VALIDATION', message: 'The call has no method name.' } };
    }
    let found: Awaited<ReturnType<typeof lookupMethod>>;
    try {
      found = await lookupMethod(name);
    } catch (err) {
      this.log.error('contract could not be loaded', { method: name.slice(0, 80), error: err instanceof Error ? err.message : String(err) });
      return { ok: false, error: { code: 'E_INTERNAL', message: 'Something went wrong inside Fleetdeck; the engine log has the details.' } };
    }
    if (!found) {
      return { ok: false, error: { code: 'E_NOT_FOUND', message: `There is no method "${name.slice(0, 80)}".`, details: { method: name.slice(0, 80) } } };
    }
    if (this.readOnly !== null && found.spec.writes) {
      return { ok: false, error: { code: 'E_READ_ONLY', message: `Nothing can be changed here: ${this.readOnly}`, details: { method: name } } };
    }
    const parsed = found.spec.input.safeParse(params ?? {});
    if (!parsed.success) {
      return {
        ok: false,
        error: {
          code: 'E_VALIDATION',
          message: issuesInWords(parsed.error),
          details: { issues: validationIssues(parsed.error) },
        },
      };
    }
    try {
      const domainHandlers =
        typeof this.handlers === 'function' ? await this.handlers(found.domain) : (this.handlers[found.domain] as Record<string, AnyHandler>);
      const handler = Object.hasOwn(domainHandlers, found.method) ? domainHandlers[found.method] : undefined;
      if (!handler) {
        return {
          ok: false,
          error: {
            code: 'E_UNAVAILABLE',
            message: `This engine does not offer "${found.spec.summary}", so it was not done. Restart Fleetdeck so the window and its engine are the same version.`,
            details: { method: name },
          },
        };
      }
      const result = await handler(parsed.data, ctx);
      if (this.checkOutputs) {
        const out = found.spec.output.safeParse(result);
        if (!out.success) {
          this.log.error('contract drift', { method: name, issues: describeZodError(out.error) });
          return { ok: false, error: { code: 'E_INTERNAL', message: `${name} returned data outside its contract.` } };
        }
      }
      return { ok: true, result };
    } catch (err) {
      if (err instanceof FleetError) return { ok: false, error: err.toBody() };
      if (err instanceof z.ZodError) {
        return { ok: false, error: { code: 'E_VALIDATION', message: issuesInWords(err), details: { issues: validationIssues(err) } } };
      }
      // The disk, not the call: a full disk, an I/O error, a damaged file, a database held by another process.
      const storage = sqliteProblem(err);
      if (storage) {
        this.log.error('database failure', { method: name, error: err instanceof Error ? err.message : String(err) });
        return { ok: false, error: storage.toBody() };
      }
      this.log.error('unexpected failure', { method: name, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      return { ok: false, error: { code: 'E_INTERNAL', message: 'Something went wrong inside Fleetdeck; the engine log has the details.' } };
    }
  }
}
