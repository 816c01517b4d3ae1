import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSshSocket } from './ssh-socket';

describe('openSshSocket', () => {
  let server: Server;
  let port = 0;
  const received: Array<Promise<string>> = [];

  beforeAll(async () => {
    server = createServer((socket) => {
      received.push(
        new Promise((resolve) => {
          let text = '';
          socket.on('data', (d: Buffer) => (text += d.toString()));
          socket.on('close', () => resolve(text));
          socket.on('error', () => undefined);
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const connected = async (): Promise<Socket> => {
    const socket = openSshSocket('127.0.0.1', port);
    await new Promise((r) => socket.once('connect', r));
    return socket;
  };

  it('sends the writes of one turn of the event loop in one writev, with Nagle off', async () => {
    const socket = await connected();
    const calls: string[] = [];
    const internals = socket as unknown as { _write: (...a: unknown[]) => void; _writev: (chunks: unknown[], ...a: unknown[]) => void };
    const [write, writev] = [internals._write, internals._writev];
    internals._write = function (this: unknown, ...a: unknown[]) {
      calls.push('write');
      return write.apply(this, a);
    };
    internals._writev = function (this: unknown, chunks: unknown[], ...a: unknown[]) {
      calls.push(`writev ${chunks.length}`);
      return writev.apply(this, [chunks, ...a]);
    };
    socket.write('one ');
    socket.write('two ');
    await Promise.resolve();
    socket.write('three');
    expect(calls).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual(['writev 3']);
    socket.end();
    expect(await received.at(-1)).toBe('one two three');
  });

  it('still delivers what was written when the connection is destroyed right after', async () => {
    const socket = await connected();
    socket.write('last words');
    socket.destroy();
    expect(await received.at(-1)).toBe('last words');
  });
});
