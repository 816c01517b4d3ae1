/**
 * One window cannot take the engine down or make it build an unbounded reply: a batch is capped
 * in length, a session in calls running at once and a reply in bytes, each answered E_TOO_LARGE
 * with a sentence; the engine keeps serving. A stray rejection is logged, not fatal.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleSites } from '../../tests/support/inventory-fixtures';
import { tempEngine, type TempEngine } from '../../tests/support/temp-engine';
import { rawReplies, type RawWindow } from '../../tests/support/raw-window';
import { channelPair } from './channel';
import { serveChannel, type SessionLimits } from './rpc-session';

let t: TempEngine;

beforeEach(() => {
  t = tempEngine();
});
afterEach(() => t.dispose());

type Reply = { id: number | null; result?: unknown; error?: { code: number; message: string; data?: { code: string; message: string } } };

/** A raw window on its own session with the given limits. */
function rawWindow(limits: Partial<SessionLimits> = {}): RawWindow<unknown> {
  const [engineSide, windowSide] = channelPair();
  serveChannel(engineSide, { server: t.engine.rpc, events: t.engine.events, ctx: { actor: 'test:raw', host: 'test' }, limits });
  return rawReplies<unknown>(windowSide);
}

const ping = (id: number) => ({ jsonrpc: '2.0', id, method: 'system.ping', params: { nonce: `n${id}` } });
const exportCall = (id: number) => ({ jsonrpc: '2.0', id, method: 'inventory.exportData', params: { format: 'json' } });

async function stillAnswers(): Promise<void> {
  const raw = rawWindow();
  raw.send(JSON.stringify(ping(1)));
  expect(await raw.next()).toMatchObject({ id: 1, result: { nonce: 'n1' } });
}

describe('RPC session limits', () => {
  it('refuses a batch of tens of thousands of export calls without running any of them', async () => {
    await t.engine.client().api.inventory.importData({ format: 'csv', content: sampleSites() });
    const raw = rawWindow();
    const calls = Array.from({ length: 30_000 }, (_, i) => exportCall(i + 1));
    raw.send(JSON.stringify(calls));
    const reply = (await raw.next()) as Reply;
    expect(reply.id).toBeNull();
    expect(reply.error?.data).toMatchObject({ code: 'E_TOO_LARGE', message: expect.stringMatching(/at most 100 calls; this one holds 30000/) });
    await stillAnswers();
  });

  it('answers a batch up to the cap', async () => {
    const raw = rawWindow({ maxBatch: 5 });
    raw.send(JSON.stringify([ping(1), ping(2), ping(3), ping(4), ping(5)]));
    const reply = (await raw.next()) as Reply[];
    expect(reply.map((r) => r.result)).toEqual([1, 2, 3, 4, 5].map((i) => expect.objectContaining({ nonce: `n${i}` })));
    raw.send(JSON.stringify([ping(1), ping(2), ping(3), ping(4), ping(5), ping(6)]));
    expect(((await raw.next()) as Reply).error?.data?.code).toBe('E_TOO_LARGE');
  });

  it('bounds the bytes of a reply: one too large, and a batch whose later calls would pass the limit', async () => {
    await t.engine.client().api.inventory.importData({ format: 'csv', content: sampleSites() });
    const exported = await t.engine.client().api.inventory.exportData({ format: 'json' });
    const one = JSON.stringify({ jsonrpc: '2.0', id: 1, result: exported }).length;

    const small = rawWindow({ maxReplyBytes: Math.floor(one / 2) });
    small.send(JSON.stringify(exportCall(1)));
    expect(await small.next()).toMatchObject({
      id: 1,
      error: { data: { code: 'E_TOO_LARGE', message: expect.stringMatching(/reply to inventory\.exportData is larger than/) } },
    });

    // Room for two exports: the third and later are answered E_TOO_LARGE, the pings before them run.
    const raw = rawWindow({ maxReplyBytes: Math.floor(one * 2.5) });
    raw.send(JSON.stringify([exportCall(1), exportCall(2), exportCall(3), ping(4), exportCall(5)]));
    const replies = (await raw.next()) as Reply[];
    expect(replies.map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
    expect(replies[0]!.result).toEqual(exported);
    expect(replies[1]!.result).toEqual(exported);
    expect(replies[2]!.error?.data?.code).toBe('E_TOO_LARGE');
    expect(replies[3]!.result).toMatchObject({ nonce: 'n4' });
    expect(replies[4]!.error?.data?.code).toBe('E_TOO_LARGE');
    const text = JSON.stringify(replies);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(Math.floor(one * 2.5));
    await stillAnswers();
  });

  it('caps calls in flight per session; the next call after they finish runs', async () => {
    const raw = rawWindow({ maxInFlight: 2 });
    for (const id of [1, 2, 3]) raw.send(JSON.stringify(ping(id)));
    const replies = [(await raw.next()) as Reply, (await raw.next()) as Reply, (await raw.next()) as Reply];
    const byId = new Map(replies.map((r) => [r.id, r]));
    expect(byId.get(1)?.result).toMatchObject({ nonce: 'n1' });
    expect(byId.get(2)?.result).toMatchObject({ nonce: 'n2' });
    expect(byId.get(3)?.error?.data).toMatchObject({ code: 'E_TOO_LARGE', message: expect.stringMatching(/2 calls running already/) });
    raw.send(JSON.stringify(ping(4)));
    expect(await raw.next()).toMatchObject({ id: 4, result: { nonce: 'n4' } });
  });
});

describe('process guard', () => {
  it('logs an unhandled rejection and keeps the process running', () => {
    const script = `
      import { logUnhandledRejections } from './main/host/process-guards.ts';
      const lines = [];
      logUnhandledRejections(() => ({ info() {}, warn() {}, error: (m, f) => lines.push(m + ': ' + f.error.split('\\n')[0]) }));
      Promise.reject(new Error('nobody awaited me'));
      setTimeout(() => { console.log(JSON.stringify(lines)); console.log('still running'); }, 50);
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('unhandled rejection; the engine keeps running: Error: nobody awaited me');
    expect(run.stdout).toContain('still running');
  });
});
