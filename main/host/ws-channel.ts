/** A WebSocket (package `ws`) as a Channel: one browser tab's session with the engine. */
import { WebSocket, type RawData } from 'ws';
import type { Channel } from '../api/channel';

function asText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

export function webSocketChannel(ws: WebSocket): Channel {
  return {
    send(text) {
      if (ws.readyState === WebSocket.OPEN) ws.send(text);
    },
    onMessage(handler) {
      ws.on('message', (data) => handler(asText(data)));
    },
    onClose(handler) {
      ws.on('close', () => handler());
    },
    backlog: () => ws.bufferedAmount,
    close() {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000, 'session ended');
    },
  };
}
