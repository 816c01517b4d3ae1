/**
 * The typed API client, shared by the renderer, the CLI and tests. It knows the contract's types
 * only (no schemas, no Node), speaks JSON-RPC 2.0 over any Channel and turns error replies into
 * ApiError with the engine's stable code.
 */
import { JSONRPCClient, JSONRPCErrorException, type JSONRPCResponse } from 'json-rpc-2.0';
import type { Channel } from './channel';
import type { Api, EventName, EventPayload } from './contract';
import { EVENT_METHOD } from './wire';
import { isErrorCode, type ErrorCode } from '../kit/errors';

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type AnyListener = (payload: unknown) => void;

export interface ApiClient {
  api: Api;
  on<N extends EventName>(name: N, listener: (payload: EventPayload<N>) => void): () => void;
  /** Called once when the carrier closes (engine gone, socket dropped). */
  onClose(listener: () => void): () => void;
  /** Raw call by wire name (used by tests of the dispatcher's validation). */
  call(name: string, params: unknown): Promise<unknown>;
  close(): void;
}

function toApiError(err: unknown): ApiError {
  if (err instanceof JSONRPCErrorException) {
    const data = err.data as { code?: unknown; message?: unknown; details?: unknown } | undefined;
    if (data && isErrorCode(data.code)) {
      return new ApiError(data.code, typeof data.message === 'string' ? data.message : err.message, data.details);
    }
    return new ApiError('E_INTERNAL', err.message);
  }
  if (err instanceof ApiError) return err;
  return new ApiError('E_UNAVAILABLE', err instanceof Error ? err.message : String(err));
}

export function createApiClient(channel: Channel): ApiClient {
  const listeners = new Map<string, Set<AnyListener>>();
  const rpc = new JSONRPCClient((payload) => {
    channel.send(JSON.stringify(payload));
  });

  channel.onMessage((text) => {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message && typeof message === 'object' && 'method' in message) {
      const { method, params } = message as { method: unknown; params?: { name?: unknown; payload?: unknown } };
      if (method === EVENT_METHOD && params && typeof params.name === 'string') {
        listeners.get(params.name)?.forEach((listener) => listener(params.payload));
      }
      return;
    }
    rpc.receive(message as JSONRPCResponse | JSONRPCResponse[]);
  });
  const closeListeners = new Set<() => void>();
  channel.onClose(() => {
    rpc.rejectAllPendingRequests('The connection to the engine closed.');
    closeListeners.forEach((listener) => listener());
  });

  const call = async (name: string, params: unknown): Promise<unknown> => {
    try {
      return await rpc.request(name, (params ?? {}) as object);
    } catch (err) {
      throw toApiError(err);
    }
  };

  const domainCache = new Map<string, object>();
  const api = new Proxy({} as Api, {
    get(_target, domain) {
      if (typeof domain !== 'string') return undefined;
      let client = domainCache.get(domain);
      if (!client) {
        client = new Proxy(
          {},
          {
            get(_t, methodName) {
              if (typeof methodName !== 'string') return undefined;
              return (input: unknown) => call(`${domain}.${methodName}`, input);
            },
          },
        );
        domainCache.set(domain, client);
      }
      return client;
    },
  });

  return {
    api,
    call,
    on(name, listener) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(listener as AnyListener);
      return () => set.delete(listener as AnyListener);
    },
    onClose(listener) {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
    close: () => channel.close(),
  };
}
