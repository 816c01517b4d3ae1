/**
 * The session a browser-host page opens before its app has loaded. The page's first script
 * (renderer/src/early.ts, a few kilobytes of its own) opens the WebSocket to the engine and, on
 * `#/appliances`, sends the request for the table's first page, so the engine answers while the
 * page is still fetching, compiling and running the app's script. The reply is parsed when it
 * lands (the main thread is mostly waiting then).
 *
 * The app adopts the socket (api/carrier.ts: every other message that came before the app listened
 * is handed to it in order, so no event is lost) and the inventory store takes the early reply for
 * the first page it asks for when it asks for exactly the same request (`takeEarlyReply`); any
 * other request goes out as usual, and an early request that failed is sent again the usual way.
 * The desktop app (MessagePort from the preload) opens its session as before.
 */
import type { Api } from '../../../main/api/contract';
import { hostToken, rpcSocketUrl } from './carrier';
import { PAGE_SIZE, parseListQuery, splitHash, toApplianceQuery } from '../list-query';

/** The early request's JSON-RPC id: a string, so it never meets the client's numeric ids. */
const EARLY_ID = 'fleetdeck-early-1';

interface EarlyRequest {
  method: string;
  /** The request's params as sent (JSON): the app's request must be the same to take the reply. */
  params: string;
  /** The reply's result; rejects when the engine answered with an error or the socket closed first. */
  reply: Promise<unknown>;
}

interface EarlySocket {
  ws: WebSocket;
  /** Resolves when the socket is open; rejects when it could not open. */
  open: Promise<WebSocket>;
  /** Messages (not the early reply) that arrived before the app listened, in order. */
  backlog: string[];
  /** Set once the app's channel listens: messages go there from then on. */
  adopted: boolean;
}

let early: EarlySocket | null = null;
let request: EarlyRequest | null = null;

/** The request for the first rows of the screen a hash opens on, if that screen is the appliance table. */
export function firstPageRequest(hash: string): { method: 'inventory.listAppliances'; params: ReturnType<typeof toApplianceQuery> } | null {
  const { parts, search } = splitHash(hash);
  if (parts[0] !== 'appliances' || parts.length > 1) return null;
  return { method: 'inventory.listAppliances', params: toApplianceQuery(parseListQuery(search, null), 0, PAGE_SIZE) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Opens the session early (browser host only; a page without its token leaves it to the app, which says why). */
export function openEarlySession(): void {
  if (early || window.fleetdeckDesktop) return;
  const token = hostToken();
  if (!token) return;
  const ws = new WebSocket(rpcSocketUrl(token));
  const open = new Promise<WebSocket>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(ws), { once: true });
    ws.addEventListener('error', () => reject(new Error('Could not reach the Fleetdeck engine.')), { once: true });
  });
  open.catch(() => undefined); // the app's carrier reports it (it opens a socket of its own then)
  const session: EarlySocket = { ws, open, backlog: [], adopted: false };
  early = session;

  const first = firstPageRequest(window.location.hash);
  let settle: { resolve(result: unknown): void; reject(err: Error): void } | null = null;
  if (first) {
    const reply = new Promise<unknown>((resolve, reject) => (settle = { resolve, reject }));
    reply.catch(() => undefined); // whoever takes it handles a failure; nobody may take it
    request = { method: first.method, params: JSON.stringify(first.params), reply };
    const sent = JSON.stringify({ jsonrpc: '2.0', id: EARLY_ID, method: first.method, params: first.params });
    void open.then(() => ws.send(sent), () => settle?.reject(new Error('The early request was not sent.')));
    ws.addEventListener('close', () => settle?.reject(new Error('The connection closed before the early reply.')), { once: true });
  }

  const onMessage = (e: MessageEvent) => {
    if (typeof e.data !== 'string') return;
    if (settle) {
      let message: unknown = null;
      try {
        message = JSON.parse(e.data);
      } catch {
        // not JSON: the app's client drops it too
      }
      if (isObject(message) && message['id'] === EARLY_ID) {
        if ('result' in message) settle.resolve(message['result']);
        else settle.reject(new Error('The engine refused the early request.'));
        settle = null;
        if (session.adopted) ws.removeEventListener('message', onMessage);
        return;
      }
    }
    if (!session.adopted) session.backlog.push(e.data);
    else if (!settle) ws.removeEventListener('message', onMessage);
  };
  ws.addEventListener('message', onMessage);
}

/**
 * The early socket for the app's carrier, or null when there is none. `listen(handler)` hands the
 * handler what came before, then stops keeping messages for later (the caller listens from then on).
 */
export function adoptEarlySocket(): { open: Promise<WebSocket>; takeBacklog(): string[] } | null {
  const session = early;
  if (!session) return null;
  return {
    open: session.open,
    takeBacklog() {
      if (session.adopted) return [];
      session.adopted = true;
      return session.backlog.splice(0);
    },
  };
}

/**
 * The early reply, when the app's first request of the early one's method is the early one (same
 * params); null otherwise (send it the usual way). Rejects as the early request failed: the caller
 * then sends it the usual way.
 */
export function takeEarlyReply<D extends keyof Api, M extends keyof Api[D] & string>(
  domain: D,
  method: M,
  params: Api[D][M] extends (input: infer I) => Promise<unknown> ? I : never,
): (Api[D][M] extends (input: never) => Promise<infer O> ? Promise<O> : never) | null {
  const r = request;
  if (!r || r.method !== `${domain}.${method}`) return null;
  // The first such request decides: the early reply is taken now or never (its rows are let go).
  request = null;
  if (r.params !== JSON.stringify(params)) return null;
  return r.reply as Api[D][M] extends (input: never) => Promise<infer O> ? Promise<O> : never;
}
