/**
 * Opens the carrier to the engine for this window:
 * - desktop: the page asks the preload (window message `fleetdeck:want-port`), the shell answers
 *   with a MessagePort (window message `fleetdeck:port`); if the engine process dies, the shell
 *   says so (`{ type: 'fleetdeck:engine' }`), the channel delivers a `system.shutdown` event and
 *   closes, and the shell reloads the window once the engine is back;
 * - browser host: a WebSocket to /rpc on the same origin, with the per-run token from the URL,
 *   opened by the page's early script before the app loaded (api/early.ts) and adopted here.
 */
import type { Channel } from '../../../main/api/channel';
import { EVENT_METHOD } from '../../../main/api/wire';
import { adoptEarlySocket } from './early';

declare global {
  interface Window {
    /** Set by the desktop preload; absent in a browser tab. */
    fleetdeckDesktop?: { platform: string };
  }
}

function isEngineNews(data: unknown): data is { type: 'fleetdeck:engine'; state: string; message: string } {
  if (!data || typeof data !== 'object') return false;
  const d = data as Record<string, unknown>;
  return d['type'] === 'fleetdeck:engine' && typeof d['state'] === 'string' && typeof d['message'] === 'string';
}

function messagePortChannel(port: MessagePort): Channel {
  const messageHandlers: ((text: string) => void)[] = [];
  const closeHandlers: (() => void)[] = [];
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    window.removeEventListener('message', onEngineNews);
    port.close();
    closeHandlers.forEach((h) => h());
  };
  // The engine process died: tell the app the way the engine itself would, then end the session.
  const onEngineNews = (event: MessageEvent) => {
    if (event.source !== window || !isEngineNews(event.data)) return;
    const shutdown = { jsonrpc: '2.0', method: EVENT_METHOD, params: { name: 'system.shutdown', payload: { reason: event.data.message } } };
    messageHandlers.forEach((h) => h(JSON.stringify(shutdown)));
    close();
  };
  window.addEventListener('message', onEngineNews);
  port.addEventListener('message', (e: MessageEvent) => {
    if (typeof e.data === 'string') messageHandlers.forEach((h) => h(e.data as string));
  });
  return {
    send: (text) => {
      if (!closed) port.postMessage(text);
    },
    onMessage: (handler) => {
      messageHandlers.push(handler);
      port.start();
    },
    onClose: (handler) => closeHandlers.push(handler),
    close,
  };
}

/** `takeBacklog`: what an early socket (api/early.ts) received before this channel listened, taken once. */
function webSocketChannel(ws: WebSocket, takeBacklog: () => string[] = () => []): Channel {
  return {
    send: (text) => ws.send(text),
    onMessage: (handler) => {
      // Both in one go: no message can land between the backlog and the listener.
      for (const text of takeBacklog()) handler(text);
      ws.addEventListener('message', (e: MessageEvent) => {
        if (typeof e.data === 'string') handler(e.data);
      });
    },
    onClose: (handler) => ws.addEventListener('close', () => handler()),
    close: () => ws.close(),
  };
}

/**
 * The token the browser host printed in its URL (`?token=`); kept in sessionStorage across reloads
 * and taken out of the address bar at once (no token in history, bookmarks or a shared screen).
 * The session goes on with the stored token and the HttpOnly cookie the page came with.
 */
export function hostToken(): string | null {
  const params = new URLSearchParams(window.location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    sessionStorage.setItem('fleetdeck.token', fromUrl);
    params.delete('token');
    const query = params.toString();
    window.history.replaceState(window.history.state, '', `${window.location.pathname}${query ? `?${query}` : ''}${window.location.hash}`);
    return fromUrl;
  }
  return sessionStorage.getItem('fleetdeck.token');
}

/** The browser host's RPC WebSocket on this page's origin. */
export function rpcSocketUrl(token: string): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/rpc?token=${encodeURIComponent(token)}`;
}

export function openCarrier(): Promise<Channel> {
  if (window.fleetdeckDesktop) {
    return new Promise((resolve) => {
      const onMessage = (event: MessageEvent) => {
        if (event.source === window && event.data === 'fleetdeck:port' && event.ports[0]) {
          window.removeEventListener('message', onMessage);
          resolve(messagePortChannel(event.ports[0]));
        }
      };
      window.addEventListener('message', onMessage);
      window.postMessage('fleetdeck:want-port', '*');
    });
  }
  const early = adoptEarlySocket();
  if (early) {
    // The page's early script opened it; if it could not, try once more here.
    return early.open.then(
      (ws) => webSocketChannel(ws, early.takeBacklog),
      () => openWebSocket(),
    );
  }
  return openWebSocket();
}

function openWebSocket(): Promise<Channel> {
  return new Promise((resolve, reject) => {
    const token = hostToken();
    if (!token) {
      reject(new Error('This page was opened without its access token. Open the URL that `fleetdeck serve` printed.'));
      return;
    }
    const ws = new WebSocket(rpcSocketUrl(token));
    ws.addEventListener('open', () => resolve(webSocketChannel(ws)), { once: true });
    ws.addEventListener('error', () => reject(new Error('Could not reach the Fleetdeck engine.')), { once: true });
  });
}
