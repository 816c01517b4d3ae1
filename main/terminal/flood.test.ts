/**
 * An interactive terminal flooded by its appliance (a shell that writes `y` lines as fast as the
 * channel takes them, as `yes` does), served to browser windows over the real browser host:
 * - a window that stops reading holds the flood at the appliance: the engine stops sending once the
 *   window's socket has MAX_WINDOW_BACKLOG_BYTES unread, keeps the channel paused, the appliance's
 *   SSH window fills and its writes block, so the engine's memory stays bounded; when the window
 *   reads again the output continues where it stopped (no event lost);
 * - meanwhile another window's calls are answered.
 * Before the fix the engine sent everything the appliance wrote into the unread socket's buffer.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerChannel } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Engine } from '../engine';
import { startBrowserHost, type BrowserHost } from '../host/browser-host';
import { tempDir } from '../../tests/support/temp-dir';
import { until } from '../../tests/support/wait';
import { engineWithFleetKey, hostileAppliance, type HostileAppliance } from '../../tests/support/hostile-appliance';

const LINES = Buffer.from('y\n'.repeat(32 * 1024));

/** The appliance side of one flood: bytes written, and whether its last write is waiting for room. */
interface Flood {
  written: number;
  blockedSince: number | null;
}
const floods: Flood[] = [];

function yes(channel: ServerChannel): void {
  const flood: Flood = { written: 0, blockedSince: null };
  floods.push(flood);
  let open = true;
  channel.on('close', () => (open = false));
  const pump = () => {
    flood.blockedSince = null;
    while (open) {
      flood.written += LINES.length;
      if (!channel.write(LINES)) {
        flood.blockedSince = Date.now();
        return void channel.once('drain', pump);
      }
    }
  };
  setImmediate(pump);
}

interface Window {
  ws: WebSocket;
  call(method: string, params: unknown): Promise<{ result?: unknown; error?: unknown }>;
  /** terminal.output events received: their seq numbers and characters. */
  seqs: number[];
  chars: number;
}

describe('a terminal flooded by its appliance', { timeout: 180_000 }, () => {
  const root = tempDir('fleetdeck-terminal-flood-');
  const serial = 'FLOOD-1';
  let engine: Engine;
  let host: BrowserHost;
  let peer: HostileAppliance | undefined;
  const windows: Window[] = [];

  async function openWindow(): Promise<Window> {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/rpc?token=${encodeURIComponent(host.token)}`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    let id = 0;
    const waiting = new Map<number, (reply: { result?: unknown; error?: unknown }) => void>();
    const w: Window = {
      ws,
      seqs: [],
      chars: 0,
      call: (method, params) =>
        new Promise((resolve) => {
          waiting.set(++id, resolve);
          ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
        }),
    };
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; method?: string; params?: { name: string; payload: { seq: number; data: string } } };
      if (msg.method === 'event' && msg.params?.name === 'terminal.output') {
        w.seqs.push(msg.params.payload.seq);
        w.chars += msg.params.payload.data.length;
      } else if (msg.id !== undefined) waiting.get(msg.id)?.(msg as { result?: unknown; error?: unknown });
    });
    windows.push(w);
    return w;
  }

  beforeAll(async () => {
    ({ engine } = await engineWithFleetKey(root, 'browser'));
    const rendererDir = join(root, 'renderer');
    mkdirSync(rendererDir);
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
    peer = await hostileAppliance(engine, root, serial, { shell: yes });
    // A window that does not read cannot answer pings either: no heartbeat during the test.
    host = await startBrowserHost({ engine, rendererDir, heartbeatMs: 600_000 });
  });

  afterAll(async () => {
    for (const w of windows) w.ws.terminate();
    await host?.close();
    engine?.close();
    await peer?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('holds the flood at the appliance while a window does not read, answers other windows meanwhile, and loses nothing when it reads again', async () => {
    const slow = await openWindow();
    const opened = await slow.call('terminal.open', { serial, cols: 80, rows: 24 });
    expect(opened.error).toBeUndefined();
    await until(() => slow.chars > 0, 'the first output in the window');
    // The window stops reading: its socket's buffers fill, then the engine's send buffer.
    slow.ws.pause();
    const flood = floods[0]!;
    // The appliance's writes block and stay blocked (the engine stopped reading its channel).
    await until(() => flood.blockedSince !== null && Date.now() - flood.blockedSince > 2000, 'the flood held at the appliance for 2 s', { timeoutMs: 60_000 });
    const held = flood.written;
    // What it got out is bounded by the buffers on the way (socket buffers, the SSH window, the
    // engine's pending output and the window's backlog limit): nowhere near an unbounded stream.
    expect(held).toBeLessThan(64 * 1024 * 1024);

    // Another window is answered while the flood is held.
    const other = await openWindow();
    for (let i = 0; i < 5; i++) expect(await other.call('system.ping', { nonce: `n${i}` })).toMatchObject({ result: { nonce: `n${i}` } });

    // Reading again: the output continues past where it was held, every event in order, none lost.
    slow.ws.resume();
    await until(() => flood.written > held + 8 * 1024 * 1024, 'the flood to go on once the window reads', { timeoutMs: 60_000 });
    expect(slow.seqs).toEqual(slow.seqs.map((_s, i) => i));
  });
});
