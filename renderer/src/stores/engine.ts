/**
 * The window's connection to the engine: opens the carrier once, watches it with a heartbeat
 * (a closed WebSocket or port drops requests silently), and gives stores one way to call.
 */
import { create } from 'zustand';
import { connectEngine, ApiError } from '../api';
import type { ApiClient } from '../../../main/api/client';
import type { EngineInfo } from '../../../main/api/system-contract';
import { BOOT_MARKS, markOnce } from '../ui/boot-marks';
import { afterOpeningScreen } from '../ui/opening-screen';

export type ConnectionState = 'connecting' | 'connected' | 'lost' | 'failed';

interface EngineState {
  state: ConnectionState;
  /** Why the connection failed or was lost, in words. */
  message: string | null;
  client: ApiClient | null;
  info: EngineInfo | null;
  /** Opens the carrier once; later calls wait for the same attempt. */
  connect(): Promise<void>;
  attach(client: ApiClient): void;
  /** Ping now; a dead carrier turns the connection banner on. */
  verify(): void;
  markLost(message: string): void;
}

const HEARTBEAT_MS = 5_000;
const HEARTBEAT_TIMEOUT_MS = 4_000;
let heartbeat: ReturnType<typeof setInterval> | null = null;
let nonce = 0;
let connecting: Promise<void> | null = null;
/** Callers waiting on the engine; told when the connection is declared lost. */
const inFlight = new Set<() => void>();
const LOST_MESSAGE = 'The connection to the engine is lost, so nothing was sent. Reload the window to reconnect.';
const LOST_IN_FLIGHT =
  'The connection to the engine was lost before it answered; the change may or may not have been made. Reload the window to check.';

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ApiError('E_TIMEOUT', 'The engine did not answer.')), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

export const useEngine = create<EngineState>()((set, get) => ({
  state: 'connecting',
  message: null,
  client: null,
  info: null,

  connect() {
    connecting ??= (async () => {
      let client: ApiClient;
      try {
        client = await connectEngine();
      } catch (err) {
        set({ state: 'failed', message: err instanceof Error ? err.message : 'Could not reach the Fleetdeck engine.' });
        return;
      }
      get().attach(client);
    })();
    return connecting;
  },

  attach(client) {
    markOnce(BOOT_MARKS.session);
    set({ client, state: 'connected' });
    client.on('system.shutdown', ({ reason }) => get().markLost(`The engine stopped (${reason}).`));
    client.onClose(() => get().markLost('The connection to the engine closed.'));
    afterOpeningScreen(() =>
      client.api.system.info({}).then(
        (info) => set({ info }),
        () => undefined,
      ),
    );
    heartbeat = setInterval(() => get().verify(), HEARTBEAT_MS);
  },

  verify() {
    const client = get().client;
    if (!client || get().state !== 'connected') return;
    nonce += 1;
    withTimeout(client.api.system.ping({ nonce: String(nonce) }), HEARTBEAT_TIMEOUT_MS).catch(() =>
      get().markLost('The engine stopped answering.'),
    );
  },

  markLost(message) {
    if (get().state === 'lost') return;
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = null;
    set({ state: 'lost', message });
    for (const abandon of [...inFlight]) abandon();
  },
}));

/** Any failure as an ApiError with the engine's code and sentence (never a stack). */
export function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError('E_INTERNAL', err instanceof Error ? err.message : 'Something went wrong.');
}

/**
 * Calls the engine. A failure comes back as ApiError; after E_UNAVAILABLE (a dropped carrier, or a
 * method this engine lacks) a ping tells which, and a dead carrier turns the connection banner on.
 */
export async function callEngine<T>(fn: (client: ApiClient) => Promise<T>): Promise<T> {
  const { client, state } = useEngine.getState();
  if (!client) throw new ApiError('E_UNAVAILABLE', 'Not connected to the engine yet.');
  if (state === 'lost') throw new ApiError('E_UNAVAILABLE', LOST_MESSAGE);
  // A request sent into a dead carrier never gets an answer: end it when the connection is declared lost.
  let abandon: (() => void) | undefined;
  const lost = new Promise<never>((_resolve, reject) => {
    abandon = () => reject(new ApiError('E_UNAVAILABLE', LOST_IN_FLIGHT));
  });
  inFlight.add(abandon!);
  try {
    return await Promise.race([fn(client), lost]);
  } catch (err) {
    const apiError = asApiError(err);
    if (apiError.code === 'E_UNAVAILABLE') useEngine.getState().verify();
    throw apiError;
  } finally {
    inFlight.delete(abandon!);
  }
}
