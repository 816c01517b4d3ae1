/**
 * How one appliance's reply is judged and stored: a reply that names another serial is refused
 * (the address reaches a different appliance), and stored output is bounded in bytes, ocactl
 * replies included.
 */
import { describe, expect, it } from 'vitest';
import { cut, judge, MAX_STORED_OUTPUT } from './jobs';
import type { ExecResult } from './ssh-pool';

const status = (serial: string) => ({
  api: 1,
  ok: true,
  command: 'status',
  result: {
    serial,
    model: 'storage',
    hostname: `${serial.toLowerCase()}.isp.example`,
    apiVersion: 1,
    bootedAt: '2026-05-01T00:00:00.000Z',
    uptimeSeconds: 60,
    serving: 'serving',
    health: 'OK',
    firmware: {
      active: 'A',
      committed: 'A',
      pending: null,
      trial: false,
      runningVersion: '26.1.0',
      slots: [
        { slot: 'A', version: '26.1.0', installedAt: null },
        { slot: 'B', version: null, installedAt: null },
      ],
      lastBoot: null,
      stagingDir: '/var/lib/ocactl/staging',
    },
    disk: { usedBytes: 1, totalBytes: 2 },
    nicGbps: 10,
  },
});

const ran = (stdout: string): ExecResult => ({ exitCode: 0, signal: null, stdout, stderr: '', truncated: false });

describe('judging an appliance reply', () => {
  it('takes a status reply from the appliance it was sent to', () => {
    expect(judge(['ocactl', 'status'], ran(JSON.stringify(status('OCA-1'))), 'OCA-1')).toMatchObject({ state: 'ok', errorCode: null });
  });

  it('refuses a reply whose serial is not the target: the address reaches a different appliance', () => {
    const r = judge(['ocactl', 'status'], ran(JSON.stringify(status('OCA-2'))), 'OCA-1');
    expect(r).toMatchObject({ state: 'failed', errorCode: 'E_BAD_REPLY' });
    expect(r.errorMessage).toMatch(/The address of OCA-1 reaches a different appliance: it answered as OCA-2/);
  });

  it('bounds stored output by bytes, ocactl replies and multi-byte text included', () => {
    const padded = { ...status('OCA-1'), result: { ...status('OCA-1').result, hostname: 'h'.repeat(200_000) } };
    const ok = judge(['ocactl', 'status'], ran(JSON.stringify(padded)), 'OCA-1');
    expect(ok.state).toBe('ok');
    expect(Buffer.byteLength(ok.output!)).toBeLessThanOrEqual(MAX_STORED_OUTPUT + 100);
    expect(ok.output).toMatch(/\[output cut at 64 KiB of \d+ bytes\]$/);

    const wide = 'é€𝄞'.repeat(30_000); // 2, 3 and 4 bytes per character
    const raw = judge(['cat', 'x'], ran(wide));
    expect(Buffer.byteLength(raw.output!)).toBeLessThanOrEqual(MAX_STORED_OUTPUT + 100);
    expect(raw.output).not.toContain('\uFFFD'); // cut between characters, never inside one
    expect(cut('short')).toBe('short');
  });
});
