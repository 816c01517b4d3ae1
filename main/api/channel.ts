/**
 * A carrier moves JSON-RPC text between one window and the engine: a MessagePort in the desktop
 * app, a WebSocket in the browser host, an in-process pair in tests. Both ends see this shape.
 */
export interface Channel {
  send(text: string): void;
  onMessage(handler: (text: string) => void): void;
  onClose(handler: () => void): void;
  close(): void;
  /** Bytes sent and not yet taken by the other end (a WebSocket's bufferedAmount); absent where the carrier cannot tell. */
  backlog?(): number;
}

/** Two connected in-process channels (tests, the CLI's direct mode). */
export function channelPair(): [Channel, Channel] {
  type Side = { message: ((t: string) => void)[]; close: (() => void)[]; closed: boolean };
  const make = (): Side => ({ message: [], close: [], closed: false });
  const a = make();
  const b = make();
  const end = (self: Side, other: Side): Channel => ({
    send(text) {
      if (self.closed) return;
      queueMicrotask(() => other.message.forEach((h) => h(text)));
    },
    onMessage(handler) {
      self.message.push(handler);
    },
    onClose(handler) {
      self.close.push(handler);
    },
    close() {
      if (self.closed) return;
      self.closed = other.closed = true;
      self.close.forEach((h) => h());
      other.close.forEach((h) => h());
    },
  });
  return [end(a, b), end(b, a)];
}
