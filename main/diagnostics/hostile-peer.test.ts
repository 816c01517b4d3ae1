/**
 * Diagnostics against a hostile appliance (a bare ssh2 server, tests/support/hostile-appliance.ts):
 * `ocactl diag disk` streams output without end, `ocactl diag nic` sends one line of 100 MB. Each
 * check must be cut at the appliance API's reply cap (MAX_REPLY_BYTES, 2 MiB) with E_TOO_LARGE and
 * a sentence, the peer must see its channel closed soon after the cap (the engine stops reading:
 * memory bounded), and the bundle, which reads the same replies, must end the same way.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerChannel } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../engine';
import type { ApiClient } from '../api/client';
import { MAX_REPLY_BYTES } from '../appliance/contract';
import { tempDir } from '../../tests/support/temp-dir';
import { engineWithFleetKey, hostileAppliance, type HostileAppliance } from '../../tests/support/hostile-appliance';

/** Sent per flood: what the peer managed to write before its channel closed. */
const sent = new Map<string, number>();
const HUNDRED_MB = 100 * 1024 * 1024;

/** Writes `chunk` for ever (or `total` bytes), as fast as the channel takes it; stops when the channel closes. */
function flood(name: string, channel: ServerChannel, chunk: Buffer, total = Infinity): void {
  let written = 0;
  let open = true;
  sent.set(name, 0);
  channel.on('close', () => (open = false));
  const pump = () => {
    while (open && written < total) {
      written += chunk.length;
      sent.set(name, written);
      if (!channel.write(chunk)) return void channel.once('drain', pump);
    }
    if (open) channel.end();
  };
  pump();
}

describe('diagnostics against an appliance whose diag output never ends', { timeout: 180_000 }, () => {
  const root = tempDir('fleetdeck-hostile-diag-');
  const serial = 'HOSTILE-DIAG-1';
  let engine: Engine;
  let api: ApiClient['api'];
  let peer: HostileAppliance | undefined;

  beforeAll(async () => {
    ({ engine, api } = await engineWithFleetKey(root));
    peer = await hostileAppliance(engine, root, serial, {
      exec: (command, channel) => {
        // Endless lines that look like a reply's beginning.
        if (command === 'ocactl diag disk') flood('disk', channel, Buffer.from(`{"api":1,"ok":true,"command":"diag","result":${'x'.repeat(1000)}\n`));
        // One line of 100 MB: no newline until the end.
        else if (command === 'ocactl diag nic') flood('nic', channel, Buffer.alloc(64 * 1024, 0x61), HUNDRED_MB);
        // What a bundle reads besides the status: every reply floods.
        else if (/^ocactl (config get|bgp status|logs)/.test(command)) flood(command, channel, Buffer.from(`{"log":"${'y'.repeat(4000)}"}\n`));
        else return false;
        return true;
      },
    });
  });

  afterAll(async () => {
    engine?.close();
    await peer?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('cuts each flooding check at the reply cap with E_TOO_LARGE and a sentence; the peer sees the channel closed soon after the cap', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    for (const check of ['disk', 'nic'] as const) {
      const { jobId } = await api.diagnostics.run({ selection: { serials: [serial] }, checks: [check], timeoutMs: 120_000 });
      await api.jobs.wait({ id: jobId, timeoutMs: 150_000 });
      const [run] = await api.diagnostics.history({ jobId, limit: 1 });
      const result = run!.results.find((r) => r.check === check)!;
      expect(result).toMatchObject({ status: 'Unknown', errorCode: 'E_TOO_LARGE' });
      expect(result.summary).toContain(`sent more than ${MAX_REPLY_BYTES} bytes of output; the reply was refused`);
      // The engine stopped reading: what the peer wrote is the cap plus what was in flight (the
      // SSH channel window, 2 MiB in ssh2, and socket buffers), nowhere near the flood.
      expect(sent.get(check)!).toBeLessThan(MAX_REPLY_BYTES + 16 * 1024 * 1024);
    }
    // Memory held stays far below one flood (100 MB of text would be 100 MB more of heap).
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('a bundle reading a flooding appliance ends with the same sentence instead of reading for ever', async () => {
    const report = await api.diagnostics.bundle({ serial, out: join(root, 'bundle.tar.gz'), logLimit: 100 });
    // The bundle is written without the refused replies, and says why.
    expect(report.unreachable).toEqual([{ serial, code: 'E_TOO_LARGE', message: expect.stringContaining(`sent more than ${MAX_REPLY_BYTES} bytes of output; the reply was refused`) }]);
    for (const command of ['ocactl config get', 'ocactl bgp status', 'ocactl logs --limit 100']) expect(sent.get(command)!).toBeLessThan(MAX_REPLY_BYTES + 16 * 1024 * 1024);
  });
});
