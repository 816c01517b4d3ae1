/**
 * A window's side of an engine channel, read raw: text goes in as sent, and each reply comes out in
 * the order the engine sent it (events are skipped). For tests of the RPC session and the dispatcher.
 */
import type { Channel } from '../../main/api/channel';

export interface RawWindow<T> {
  channel: Channel;
  send(text: string): void;
  /** The next reply, waiting for it if none has come. */
  next(): Promise<T>;
}

export function rawReplies<T>(windowSide: Channel): RawWindow<T> {
  const inbox: T[] = [];
  const waiting: ((m: T) => void)[] = [];
  windowSide.onMessage((text) => {
    const message = JSON.parse(text) as T & { method?: unknown };
    if (message.method === 'event') return;
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else inbox.push(message);
  });
  return {
    channel: windowSide,
    send: (text) => windowSide.send(text),
    next: () => (inbox.length ? Promise.resolve(inbox.shift()!) : new Promise((resolve) => waiting.push(resolve))),
  };
}
