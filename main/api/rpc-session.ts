/**
 * One window's session with the engine: JSON-RPC 2.0 requests in, responses and event
 * notifications out, over any Channel. Malformed messages get a JSON-RPC error, never a crash.
 */
import {
  JSONRPCServer,
  JSONRPCErrorException,
  JSONRPCErrorCode,
  createJSONRPCErrorResponse,
  type JSONRPCRequest,
  type JSONRPCResponse,
} from 'json-rpc-2.0';
import type { Channel } from './channel';
import { contract } from './contract';
import type { Dispatcher } from './dispatcher';
import type { CallContext } from '../kit/context';
import type { EventBus } from './events';
import { EVENT_METHOD } from './wire';
import type { ErrorBody } from '../kit/errors';

export const APP_ERROR = -32000;

function rpcCodeFor(error: ErrorBody): number {
  if (error.code === 'E_VALIDATION') return JSONRPCErrorCode.InvalidParams;
  if (error.code === 'E_NOT_FOUND' && error.message.startsWith('There is no method')) return JSONRPCErrorCode.MethodNotFound;
  return APP_ERROR;
}

/** Builds the JSON-RPC server once per engine; sessions share it. */
export function createRpcServer(dispatcher: Dispatcher): JSONRPCServer<CallContext> {
  // Errors are already typed and logged by the dispatcher; the library's console output would only add noise.
  const server = new JSONRPCServer<CallContext>({ errorListener: () => {} });
  for (const [domain, methods] of Object.entries(contract)) {
    for (const name of Object.keys(methods)) {
      const wireName = `${domain}.${name}`;
      server.addMethod(wireName, async (params, ctx) => {
        const outcome = await dispatcher.dispatch(wireName, params, ctx);
        if (outcome.ok) return outcome.result ?? null;
        throw new JSONRPCErrorException(outcome.error.message, rpcCodeFor(outcome.error), outcome.error);
      });
    }
  }
  // Names outside the contract get the dispatcher's typed E_NOT_FOUND too (JSON-RPC "method not found").
  server.handleMethodNotFound = (async (request: JSONRPCRequest, ctx: CallContext) => {
    if (request.id === undefined) return null; // a notification gets no answer
    const outcome = await dispatcher.dispatch(request.method, request.params, ctx);
    const error: ErrorBody = outcome.ok ? { code: 'E_NOT_FOUND', message: 'There is no such method.' } : outcome.error;
    return createJSONRPCErrorResponse(request.id, rpcCodeFor(error), error.message, error);
  }) as typeof server.handleMethodNotFound;
  return server;
}

export interface SessionOptions {
  server: JSONRPCServer<CallContext>;
  events: EventBus;
  ctx: CallContext;
}

/** Serve one channel until it closes. Returns a function that ends the session. */
export function serveChannel(channel: Channel, { server, events, ctx }: SessionOptions): () => void {
  const unsubscribe = events.subscribe((name, payload) => {
    channel.send(JSON.stringify({ jsonrpc: '2.0', method: EVENT_METHOD, params: { name, payload } }));
  });
  channel.onMessage((text) => {
    void (async () => {
      let response: JSONRPCResponse | JSONRPCResponse[] | null;
      try {
        response = await server.receiveJSON(text, ctx);
      } catch {
        response = createJSONRPCErrorResponse(null, JSONRPCErrorCode.InvalidRequest, 'The message is not a JSON-RPC request.', {
          code: 'E_VALIDATION',
          message: 'The message is not a JSON-RPC request.',
        } satisfies ErrorBody);
      }
      if (response !== null) channel.send(JSON.stringify(response));
    })();
  });
  channel.onClose(unsubscribe);
  return () => {
    unsubscribe();
    channel.close();
  };
}
