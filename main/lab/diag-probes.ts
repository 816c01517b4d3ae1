/**
 * What makes a lab diagnostic real: each check takes real time, and the throughput check really
 * measures something. It pushes bytes through a TCP connection over the loopback and times it (a
 * failed cache disk throttles the reader, as a degraded array would), so the figure an engineer
 * sees is measured on this machine, not drawn from the model. The model (model/diagnostics.ts)
 * then judges the figures against the appliance's state and faults.
 */
import { createServer, connect, type AddressInfo } from 'node:net';
import type { DiagCheck } from '../appliance/contract';
import type { LabAppliance } from './model/appliance';
import type { DiagProbe } from './model/diagnostics';
import { delay } from './reply-faults';

/** Real time each check spends besides what it measures (ms): a disk scan takes longer than a BGP read. */
export const DIAG_CHECK_MS: Record<DiagCheck, number> = { disk: 350, nic: 120, bgp: 40, cache: 200, throughput: 0, reachability: 160 };
/** Bytes the throughput test pushes over the loopback. */
export const THROUGHPUT_TEST_BYTES = 16 * 1024 * 1024;
const CHUNK = 256 * 1024;

/**
 * Push `bytes` over a loopback TCP connection and time it, sender to the receiver's last byte.
 * `throttleEvery`: the receiver pauses 1 ms after every that many chunks (a degraded disk array).
 */
export async function loopbackTransfer(bytes: number, throttleEvery = 0): Promise<{ bytes: number; elapsedMs: number }> {
  const chunk = Buffer.alloc(CHUNK, 0x5a);
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      let got = 0;
      let chunks = 0;
      socket.on('data', (d: Buffer) => {
        got += d.length;
        if (throttleEvery > 0 && ++chunks % throttleEvery === 0) {
          socket.pause();
          setTimeout(() => socket.resume(), 1);
        }
        if (got >= bytes) {
          const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
          socket.end();
          server.close();
          resolve({ bytes: got, elapsedMs });
        }
      });
      socket.on('error', reject);
    });
    let started = 0n;
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      const client = connect(port, '127.0.0.1', () => {
        started = process.hrtime.bigint();
        let sent = 0;
        const pump = (): void => {
          while (sent < bytes) {
            const n = Math.min(CHUNK, bytes - sent);
            sent += n;
            if (!client.write(n === CHUNK ? chunk : chunk.subarray(0, n))) return void client.once('drain', pump);
          }
          client.end();
        };
        pump();
      });
      client.on('error', reject);
    });
  });
}

/** Run the real part of one check on this machine, then let the model judge it. */
export async function runDiagnostic(appliance: LabAppliance, check: DiagCheck) {
  const started = performance.now();
  let probe: DiagProbe = { elapsedMs: 0 };
  if (check === 'throughput' && appliance.serviceUp()) {
    const t = await loopbackTransfer(THROUGHPUT_TEST_BYTES, appliance.hasFault('disk-failure') ? 2 : 0);
    probe = { elapsedMs: 0, bytes: t.bytes, transferMs: t.elapsedMs };
  }
  // A timer may fire a fraction of a millisecond early against performance.now(): wait until the
  // check has really taken its time, so a reported duration is never shorter than the check's own.
  for (let left = DIAG_CHECK_MS[check]; left > 0; left = started + DIAG_CHECK_MS[check] - performance.now()) {
    await delay(Math.ceil(left));
  }
  probe.elapsedMs = Math.round(performance.now() - started);
  return appliance.diag(check, probe);
}
