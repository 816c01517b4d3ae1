/**
 * Every message into the engine goes through the dispatcher: these send malformed ones through a
 * real JSON-RPC session (the in-process carrier the CLI uses) and check the typed errors, and that
 * the engine keeps answering afterwards.
 */
import { JSONRPCErrorCode } from 'json-rpc-2.0';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rejectionOf, sampleSites } from '../../tests/support/inventory-fixtures';
import { tempEngine, type TempEngine } from '../../tests/support/temp-engine';
import { rawReplies, type RawWindow } from '../../tests/support/raw-window';
import { channelPair } from './channel';
import type { ApiClient } from './client';
import { detailsOf } from '../kit/errors';
import { contract } from './contract';
import { Dispatcher, type Handlers } from './dispatcher';
import { silentLogger } from '../store/log';

let t: TempEngine;
let client: ApiClient;

beforeEach(() => {
  t = tempEngine();
  client = t.engine.client();
});
afterEach(() => t.dispose());

/** A raw window: sends text, collects every message the engine sends back. */
function rawWindow(): RawWindow<Record<string, unknown>> {
  const [engineSide, windowSide] = channelPair();
  t.engine.connect(engineSide, { actor: 'test:raw', host: 'test' });
  return rawReplies<Record<string, unknown>>(windowSide);
}

const stillAnswers = async () => expect(await client.api.system.ping({ nonce: 'alive' })).toMatchObject({ nonce: 'alive' });

describe('typed errors through the JSON-RPC session', () => {
  it('rejects params of the wrong type with E_VALIDATION naming the field and what is allowed, in user words', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['inventory.listAppliances', { limit: 'lots' }, /^Limit must be a number, not text\.$/],
      ['inventory.listAppliances', { limit: 1_000_000 }, /^Limit must be at most \d+\.$/],
      ['inventory.listAppliances', { status: ['lost'] }, /^status \(item 1\): a status is one of /],
      ['inventory.listAppliances', { sort: 'colour' }, /^Sort must be one of: serial, hostname, /],
      ['inventory.setStatus', { serial: 'A1', status: 'online', reason: 'x'.repeat(501) }, /^reason: at most 500 characters/],
      ['inventory.setStatus', { status: 'online' }, /^Serial is required\.$/],
      ['inventory.getAppliance', { serial: 'bad serial!' }, /^serial: a serial is 1-64/],
      ['inventory.createAppliance', { serial: 'A1' }, /^Hostname is required; site is required; /],
      ['inventory.importData', { format: 'xml', content: '' }, /^Format must be one of: csv, json/],
      ['inventory.upsertSite', { code: 'S1', timezone: 'Not/AZone' }, /; timezone: not a known IANA time zone/],
      ['inventory.getAppliance', [1, 2], /^The input must be a set of named values \(an object\), not a list\.$/],
      ['inventory.getAppliance', 'A1', /^The input must be a set of named values \(an object\), not text\.$/],
    ];
    for (const [method, params, message] of cases) {
      const r = await rejectionOf(client.call(method, params));
      expect(r.code, method).toBe('E_VALIDATION');
      expect(r.message, `${method} ${JSON.stringify(params).slice(0, 60)}`).toMatch(message);
      expect(r.message).not.toContain(method);
    }
    await stillAnswers();
  });

  it('never names a method nor speaks zod in an E_VALIDATION sentence, for every method of the contract', async () => {
    const names = Object.entries(contract).flatMap(([domain, methods]) => Object.keys(methods as object).map((m) => `${domain}.${m}`));
    expect(names.length).toBeGreaterThan(50);
    // handlers that do nothing: a call that passes validation changes nothing anywhere
    const inert = Object.fromEntries(Object.entries(contract).map(([d, methods]) => [d, Object.fromEntries(Object.keys(methods as object).map((m) => [m, () => null]))]));
    const dispatcher = new Dispatcher(inert as unknown as Handlers, silentLogger);
    let refused = 0;
    for (const name of names) {
      // an empty call (every required field missing), a wrong kind of input, and every field set to a wrong type
      for (const params of [{}, 42, { serial: 7, site: 7, id: true, limit: 'x', days: 'x', range: 3, format: 9, content: 1 }]) {
        const out = await dispatcher.dispatch(name, params, { actor: 'test', host: 'test' });
        if (out.ok || out.error.code !== 'E_VALIDATION') continue;
        refused++;
        const where = `${name} ${JSON.stringify(params)}: ${out.error.message}`;
        expect(out.error.message, where).not.toContain(name);
        expect(out.error.message, where).not.toMatch(/Invalid input|Invalid option|Too (big|small)|Unrecognized key|expected \w+, received|received undefined/);
        expect(out.error.message, where).toMatch(/[.!?]$/);
        const details = out.error.details as { issues: { message: string }[] } | undefined;
        for (const issue of details?.issues ?? []) expect(issue.message, where).not.toMatch(/Invalid input|Too (big|small)|expected \w+, received/);
      }
    }
    expect(refused).toBeGreaterThan(names.length);
  });

  it('a method this engine has no handler for: E_UNAVAILABLE in words (what was not done, what to do), the method in details only', async () => {
    // An engine whose inventory offers nothing (a window newer than its engine would meet this).
    const dispatcher = new Dispatcher({ inventory: {} } as unknown as Handlers, silentLogger);
    const out = await dispatcher.dispatch('inventory.getAppliance', { serial: 'A1' }, { actor: 'test', host: 'test' });
    expect(out).toMatchObject({
      ok: false,
      error: {
        code: 'E_UNAVAILABLE',
        message: `This engine does not offer "${contract.inventory.getAppliance.summary}", so it was not done. Restart Fleetdeck so the window and its engine are the same version.`,
        details: { method: 'inventory.getAppliance' },
      },
    });
    if (!out.ok) expect(out.error.message).not.toContain('inventory.');
  });

  it('carries every problem as details: a path and a message each, typed by the code', async () => {
    const err = await client.call('inventory.updateAppliance', { serial: 'A1', patch: { ipv4: '999.1.1.1', storageTb: -3 } }).then(
      () => expect.fail('expected E_VALIDATION'),
      (e: unknown) => e,
    );
    const details = detailsOf(err, 'E_VALIDATION');
    expect(details?.issues).toEqual([
      { path: ['patch', 'ipv4'], message: expect.any(String) },
      { path: ['patch', 'storageTb'], message: expect.any(String) },
    ]);
    // a service's own check names its field the same way
    const site = await client.api.inventory.createAppliance({
      serial: 'OCA26S00001',
      hostname: 'oca09.gru01.example.net',
      site: 'NOPE1',
      model: 'storage',
      ipv4: '192.0.2.99',
      storageTb: 360,
      nicGbps: 100,
    }).then(
      () => expect.fail('expected E_VALIDATION'),
      (e: unknown) => e,
    );
    expect(detailsOf(site, 'E_VALIDATION')?.issues).toEqual([{ path: ['site'], message: 'Site NOPE1 does not exist; add the site first.' }]);
    // a code without details keeps none, and details of another code are not read as these
    expect(detailsOf(err, 'E_IMPORT')).toBeUndefined();
  });

  it('answers unknown methods with E_NOT_FOUND (JSON-RPC method not found)', async () => {
    for (const name of ['inventory.dropEverything', 'nothing.here', 'inventory', '__proto__.constructor', 'inventory.__proto__']) {
      expect((await rejectionOf(client.call(name, {}))).code, name).toBe('E_NOT_FOUND');
    }
    const raw = rawWindow();
    raw.send(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'inventory.dropEverything', params: {} }));
    expect(await raw.next()).toMatchObject({ id: 7, error: { code: JSONRPCErrorCode.MethodNotFound } });
    await stillAnswers();
  });

  it('carries import row errors across the wire', async () => {
    const r = await rejectionOf(client.api.inventory.importData({ format: 'csv', content: sampleSites().replace('Europe/Berlin', 'Europe/Berlinn') }));
    expect(r.code).toBe('E_IMPORT');
    expect(r.errors).toEqual([{ line: 4, field: 'timezone', reason: expect.stringMatching(/not a known IANA time zone/) }]);
  });

  it('survives text that is not JSON-RPC at all', async () => {
    const raw = rawWindow();
    const garbage = ['not json', '{"jsonrpc": "2.0", "id": 1', '{}', '[]', 'null', '42', '{"jsonrpc":"1.0","id":2,"method":"system.ping"}', '\u0000\u0001'];
    for (const text of garbage) raw.send(text);
    const replies: Record<string, unknown>[] = [];
    for (let i = 0; i < garbage.length; i++) replies.push(await raw.next());
    for (const reply of replies) {
      expect(reply['jsonrpc']).toBe('2.0');
      expect(reply['error']).toMatchObject({ code: expect.any(Number) });
      expect(reply['result']).toBeUndefined();
    }
    // the same window still works, and so do others
    raw.send(JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'system.ping', params: { nonce: 'raw' } }));
    expect(await raw.next()).toMatchObject({ id: 99, result: { nonce: 'raw' } });
    await stillAnswers();
  });

  it('answers a batch item by item', async () => {
    const raw = rawWindow();
    raw.send(
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'system.ping', params: { nonce: 'a' } },
        { jsonrpc: '2.0', id: 2, method: 'inventory.getAppliance', params: { serial: 42 } },
        { jsonrpc: '2.0', id: 3, method: 'no.such', params: {} },
      ]),
    );
    const reply = (await raw.next()) as unknown as { id: number; result?: unknown; error?: { code: number; data?: { code: string } } }[];
    const byId = new Map(reply.map((r) => [r.id, r]));
    expect(byId.get(1)!.result).toMatchObject({ nonce: 'a' });
    expect(byId.get(2)!.error).toMatchObject({ code: JSONRPCErrorCode.InvalidParams, data: { code: 'E_VALIDATION' } });
    expect(byId.get(3)!.error).toMatchObject({ code: JSONRPCErrorCode.MethodNotFound, data: { code: 'E_NOT_FOUND' } });
  });

  it('keeps a failing handler inside the engine: E_INTERNAL, no stack, still serving', async () => {
    t.engine.db.exec(`CREATE TEMP TRIGGER boom BEFORE INSERT ON partners BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
    const r = await rejectionOf(
      client.api.inventory.upsertSite({
        code: 'S1',
        partner: 'P',
        asn: 1,
        name: 'n',
        city: 'c',
        country: 'BR',
        latitude: 0,
        longitude: 0,
        timezone: 'UTC',
        maintenanceWindow: '01:00-02:00',
        fillWindow: '02:00-14:00',
      }),
    );
    expect(r).toMatchObject({ code: 'E_INTERNAL', message: 'Something went wrong inside Fleetdeck; the engine log has the details.' });
    expect(r.message).not.toMatch(/disk on fire|at /);
    await stillAnswers();
  });
});
