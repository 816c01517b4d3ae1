/**
 * One window's session with the engine: JSON-RPC 2.0 requests in, responses and event
 * notifications out, over any Channel. Malformed messages get a JSON-RPC error, never a crash.
 */
import {
  JSONRPCServer,
  JSONRPCErrorCode,
  createJSONRPCErrorResponse,
  createJSONRPCSuccessResponse,
  type JSONRPCRequest,
  type JSONRPCResponse,
} from 'json-rpc-2.0';
import type { Channel } from './channel';
import type { Dispatcher } from './dispatcher';
import type { CallContext } from '../kit/context';
import type { EventBus } from './events';
import { EVENT_METHOD } from './wire';
import type { ErrorBody } from '../kit/errors';

export const APP_ERROR = -32000;

function rpcCodeFor(error: ErrorBody): number {
  if (error.code === 'E_VALIDATION') return JSONRPCErrorCode.InvalidParams;
  if (error.code === 'E_NOT_FOUND' && error.details?.method !== undefined) return JSONRPCErrorCode.MethodNotFound;
  return APP_ERROR;
}

/**
 * Builds the JSON-RPC server once per engine; sessions share it. Every call goes to the dispatcher,
 * which knows the contract's names (and loads a domain's schemas on the first call into it); a name
 * outside the contract gets its typed E_NOT_FOUND (JSON-RPC "method not found").
 */
export function createRpcServer(dispatcher: Dispatcher): JSONRPCServer<CallContext> {
  // Errors are already typed and logged by the dispatcher; the library's console output would only add noise.
  const server = new JSONRPCServer<CallContext>({ errorListener: () => {} });
  server.handleMethodNotFound = (async (request: JSONRPCRequest, ctx: CallContext) => {
    const outcome = await dispatcher.dispatch(request.method, request.params, ctx);
    if (request.id === undefined) return null; // a notification runs, and gets no answer
    if (outcome.ok) return createJSONRPCSuccessResponse(request.id, outcome.result ?? null);
    return createJSONRPCErrorResponse(request.id, rpcCodeFor(outcome.error), outcome.error.message, outcome.error);
  }) as typeof server.handleMethodNotFound;
  return server;
}

/** What one window may ask of the engine at once: past these, calls are answered E_TOO_LARGE, not run. */
export interface SessionLimits {
  /** Calls in one JSON-RPC batch. */
  maxBatch: number;
  /** Calls of this session running at once (a batch counts each of its calls). */
  maxInFlight: number;
  /** Bytes of one reply (a batch's reply in total). */
  maxReplyBytes: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  maxBatch: 100,
  maxInFlight: 64,
  // An export of 100,000 appliances is about 40 MB of JSON; V8's longest string is 512 MiB.
  maxReplyBytes: 128 * 1024 * 1024,
};

export interface SessionOptions {
  server: JSONRPCServer<CallContext>;
  events: EventBus;
  ctx: CallContext;
  limits?: Partial<SessionLimits>;
  /** Where failures that are nobody's reply go (a channel that throws on send, ...). */
  onFailure?: (what: string, err: unknown) => void;
}

type RequestId = JSONRPCRequest['id'];

function tooLarge(id: RequestId | null, message: string): JSONRPCResponse {
  return createJSONRPCErrorResponse(id ?? null, APP_ERROR, message, { code: 'E_TOO_LARGE', message } satisfies ErrorBody);
}

function idOf(request: unknown): RequestId | null | undefined {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) return null;
  const id = (request as { id?: unknown }).id;
  if (id === undefined) return undefined; // a notification
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

const notJsonRpc = (): JSONRPCResponse =>
  createJSONRPCErrorResponse(null, JSONRPCErrorCode.InvalidRequest, 'The message is not a JSON-RPC request.', {
    code: 'E_VALIDATION',
    message: 'The message is not a JSON-RPC request.',
  } satisfies ErrorBody);

/** Serve one channel until it closes. Returns a function that ends the session. */
export function serveChannel(channel: Channel, { server, events, ctx, limits, onFailure }: SessionOptions): () => void {
  const { maxBatch, maxInFlight, maxReplyBytes } = { ...DEFAULT_SESSION_LIMITS, ...limits };
  const fail = onFailure ?? (() => undefined);
  let inFlight = 0;
  const send = (text: string) => {
    try {
      channel.send(text);
    } catch (err) {
      fail('a reply could not be sent', err);
    }
  };
  const unsubscribe = events.subscribe((name, payload, to) => {
    // An event addressed to one window (a terminal's output) goes to that window only.
    if (to !== undefined && to !== ctx.window?.id) return;
    send(JSON.stringify({ jsonrpc: '2.0', method: EVENT_METHOD, params: { name, payload } }));
  });

  /** One call, run unless the session is at its limit; its reply as text (null for a notification) within `room` bytes. */
  const one = async (request: unknown, room: number): Promise<string | null> => {
    const id = idOf(request);
    if (inFlight >= maxInFlight) {
      if (id === undefined) return null;
      return JSON.stringify(tooLarge(id, `This window has ${maxInFlight} calls running already; wait for their replies before sending more.`));
    }
    inFlight++;
    let response: JSONRPCResponse | JSONRPCResponse[] | null;
    try {
      response = await server.receive(request as JSONRPCRequest, ctx);
    } catch {
      response = notJsonRpc();
    } finally {
      inFlight--;
    }
    if (response === null) return null;
    let text: string | null = null;
    try {
      text = JSON.stringify(response);
    } catch (err) {
      // Longer than V8's longest string (RangeError: Invalid string length), or not serialisable.
      if (!(err instanceof RangeError)) fail('a reply could not be serialised', err);
    }
    if (text === null || text.length > room) {
      // Length in UTF-16 units is at most the byte length, so this never refuses a reply that fits.
      if (text === null || Buffer.byteLength(text) > room) {
        const method = request !== null && typeof request === 'object' ? String((request as { method?: unknown }).method).slice(0, 80) : 'the call';
        return JSON.stringify(
          tooLarge(
            id ?? null,
            `The reply to ${method} is larger than the ${Math.round(maxReplyBytes / (1024 * 1024))} MiB one message may carry; ask for less (a page, a filter, one kind).`,
          ),
        );
      }
    }
    return text;
  };

  const batch = async (requests: unknown[]): Promise<string | null> => {
    if (requests.length === 0) return JSON.stringify(notJsonRpc());
    if (requests.length > maxBatch) {
      return JSON.stringify(tooLarge(null, `A batch may hold at most ${maxBatch} calls; this one holds ${requests.length}. Nothing in it was run.`));
    }
    // Calls of a batch run one after another: the reply grows call by call, and once it would pass
    // the limit the remaining calls are answered E_TOO_LARGE without being run.
    const parts: string[] = [];
    let used = 2;
    for (const request of requests) {
      const room = maxReplyBytes - used;
      const id = idOf(request);
      const text =
        room <= 0
          ? id === undefined
            ? null
            : JSON.stringify(tooLarge(id, `The reply to this batch reached the ${Math.round(maxReplyBytes / (1024 * 1024))} MiB one message may carry; this call was not run.`))
          : await one(request, room);
      if (text === null) continue;
      parts.push(text);
      used += Buffer.byteLength(text) + 1;
    }
    return parts.length ? `[${parts.join(',')}]` : null;
  };

  channel.onMessage((text) => {
    void (async () => {
      let parsed: unknown;
      let reply: string | null;
      try {
        parsed = JSON.parse(text);
      } catch {
        const message = 'The message is not JSON.';
        send(JSON.stringify(createJSONRPCErrorResponse(null, JSONRPCErrorCode.ParseError, message, { code: 'E_VALIDATION', message } satisfies ErrorBody)));
        return;
      }
      try {
        reply = Array.isArray(parsed) ? await batch(parsed) : await one(parsed, maxReplyBytes);
      } catch (err) {
        fail('a message could not be answered', err);
        reply = JSON.stringify(notJsonRpc());
      }
      if (reply !== null) send(reply);
    })();
  });
  channel.onClose(unsubscribe);
  return () => {
    unsubscribe();
    channel.close();
  };
}
