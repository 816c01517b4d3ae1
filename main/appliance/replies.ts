/**
 * How the manager reads an appliance's reply: size first, then JSON, then the contract schema.
 * Anything outside the contract becomes a FleetError (E_TOO_LARGE or E_BAD_REPLY) that says what
 * was wrong; an appliance error reply becomes an ApplianceReplyError with the appliance's own code.
 */
import type { z } from 'zod';
import { FleetError } from '../kit/errors';
import {
  HTTP_ROUTES,
  HttpErrorReply,
  MAX_REPLY_BYTES,
  ocactlEnvelope,
  type ApplianceErrorBody,
  type HttpReply,
  type HttpRoute,
  type OcactlCommand,
  type OcactlResult,
} from './contract';

/** The appliance understood the request and refused it; `code` is the appliance's own. */
export class ApplianceReplyError extends Error {
  readonly code: ApplianceErrorBody['code'];
  constructor(
    readonly body: ApplianceErrorBody,
    readonly httpStatus?: number,
  ) {
    super(body.message);
    this.name = 'ApplianceReplyError';
    this.code = body.code;
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

function sizeOf(text: string | Buffer): number {
  return typeof text === 'string' ? Buffer.byteLength(text) : text.length;
}

function parseJson(text: string | Buffer, what: string): unknown {
  const size = sizeOf(text);
  if (size > MAX_REPLY_BYTES) {
    throw new FleetError('E_TOO_LARGE', `${what} sent ${size} bytes; the appliance API allows at most ${MAX_REPLY_BYTES}.`, {
      bytes: size,
      limit: MAX_REPLY_BYTES,
    });
  }
  try {
    return JSON.parse(typeof text === 'string' ? text : text.toString('utf8'));
  } catch {
    throw new FleetError('E_BAD_REPLY', `${what} is not valid JSON (${size} bytes).`);
  }
}

/**
 * One envelope schema per command, built on first use: a zod schema compiles its fast path on
 * its first parse, so a new schema per reply paid that compile on every reply of a fan-out.
 */
const envelopes = new Map<OcactlCommand, z.ZodType>();
function envelopeOf(command: OcactlCommand): z.ZodType {
  let schema = envelopes.get(command);
  if (!schema) envelopes.set(command, (schema = ocactlEnvelope(command)));
  return schema;
}

/**
 * Validate `ocactl <command>` stdout. Returns the typed result; throws ApplianceReplyError for an
 * error envelope, FleetError E_BAD_REPLY / E_TOO_LARGE for anything outside the contract.
 */
export function parseOcactlReply<C extends OcactlCommand>(command: C, stdout: string | Buffer): OcactlResult<C> {
  const what = `The reply to "ocactl ${command}"`;
  const json = parseJson(stdout, what);
  const parsed = envelopeOf(command).safeParse(json);
  if (!parsed.success) {
    throw new FleetError('E_BAD_REPLY', `${what} does not match appliance API v1: ${describeIssues(parsed.error)}.`);
  }
  const envelope = parsed.data as { ok: true; result: unknown } | { ok: false; error: ApplianceErrorBody };
  if (envelope.ok) return envelope.result as OcactlResult<C>;
  throw new ApplianceReplyError(envelope.error);
}

/**
 * Validate an HTTP reply body for a route. 2xx bodies must match the route's schema; other
 * statuses must carry the error body, which becomes an ApplianceReplyError.
 */
export function parseHttpReply<R extends HttpRoute>(route: R, status: number, body: string | Buffer): HttpReply<R> {
  const what = `The reply to ${route} (HTTP ${status})`;
  const json = parseJson(body, what);
  if (status >= 200 && status < 300) {
    const parsed = HTTP_ROUTES[route].safeParse(json);
    if (!parsed.success) {
      throw new FleetError('E_BAD_REPLY', `${what} does not match appliance API v1: ${describeIssues(parsed.error)}.`);
    }
    return parsed.data as HttpReply<R>;
  }
  const parsed = HttpErrorReply.safeParse(json);
  if (!parsed.success) {
    throw new FleetError('E_BAD_REPLY', `${what} is an error without the error body the API requires.`);
  }
  throw new ApplianceReplyError(parsed.data.error, status);
}
