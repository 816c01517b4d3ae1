/**
 * `jobs.preview`: the blast radius the UI shows before a fan-out runs. It counts the very
 * appliances `jobs.exec` would run on (same resolver), per partner and site, and runs nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, type ApiClient } from '../api/client';
import { applianceRow, APPLIANCES_HEADER, csv, SITES_HEADER } from '../../tests/support/inventory-fixtures';
import { tempEngine, type TempEngine } from '../../tests/support/temp-engine';

const SITES = csv(
  SITES_HEADER,
  'GRU01,Rio Fibra Telecom,64512,Sao Paulo Barueri,Sao Paulo,BR,-23.51,-46.88,America/Sao_Paulo,03:00-05:00,02:00-14:00',
  'GRU02,Rio Fibra Telecom,64512,Sao Paulo Centro,Sao Paulo,BR,-23.55,-46.63,America/Sao_Paulo,03:00-05:00,02:00-14:00',
  'FRA01,Mainnetz AG,64513,Frankfurt Kleyerstrasse,Frankfurt am Main,DE,50.1,8.63,Europe/Berlin,01:00-04:00,02:00-14:00',
);

/** 5 in GRU01, 2 in GRU02 (Rio Fibra: 7), 3 in FRA01 (Mainnetz); GRU02's are drained. */
const LAYOUT: Array<[string, string, string]> = [
  ...[1, 2, 3, 4, 5].map((i): [string, string, string] => [`OCA10${i}`, 'GRU01', 'online']),
  ['OCA201', 'GRU02', 'drained'],
  ['OCA202', 'GRU02', 'drained'],
  ...[1, 2, 3].map((i): [string, string, string] => [`OCA30${i}`, 'FRA01', 'online']),
];

describe('jobs.preview: blast radius of a selection', () => {
  let temp: TempEngine;
  let client: ApiClient;

  beforeAll(async () => {
    temp = tempEngine();
    client = temp.engine.client({ actor: 'test:engineer' });
    await client.api.inventory.importData({ format: 'csv', kind: 'sites', content: SITES });
    const rows = LAYOUT.map(([serial, site, status], i) =>
      applianceRow(serial, {
        site,
        status,
        hostname: `${serial.toLowerCase()}.${site.toLowerCase()}.example.net`,
        // TEST-NET-1: nothing answers there, so an exec started below never reaches anything.
        ipv4: `192.0.2.${i + 1}`,
      }),
    );
    await client.api.inventory.importData({ format: 'csv', kind: 'appliances', content: csv(APPLIANCES_HEADER, ...rows) });
  });

  afterAll(() => temp?.dispose());

  it('counts the whole fleet per partner and site, largest first', async () => {
    const preview = await client.api.jobs.preview({ selection: { all: true } });
    expect(preview).toEqual({
      total: 10,
      byPartner: [
        {
          partner: 'Rio Fibra Telecom',
          count: 7,
          sites: [
            { site: 'GRU01', count: 5 },
            { site: 'GRU02', count: 2 },
          ],
        },
        { partner: 'Mainnetz AG', count: 3, sites: [{ site: 'FRA01', count: 3 }] },
      ],
    });
  });

  it('applies inventory filters as the appliance table does', async () => {
    const online = await client.api.jobs.preview({ selection: { query: { status: ['online'] } } });
    expect(online.total).toBe(8);
    expect(online.byPartner.map((p) => [p.partner, p.count, p.sites.map((s) => `${s.site}:${s.count}`)])).toEqual([
      ['Rio Fibra Telecom', 5, ['GRU01:5']],
      ['Mainnetz AG', 3, ['FRA01:3']],
    ]);
    const text = await client.api.jobs.preview({ selection: { query: { text: 'gru02' } } });
    expect(text.total).toBe(2);
  });

  it('counts listed serials once each and refuses serials not in the inventory', async () => {
    const listed = await client.api.jobs.preview({ selection: { serials: ['OCA101', 'OCA101', 'OCA301'] } });
    expect(listed.total).toBe(2);
    expect(listed.byPartner.map((p) => p.partner).sort()).toEqual(['Mainnetz AG', 'Rio Fibra Telecom']);
    const err = await client.api.jobs.preview({ selection: { serials: ['OCA101', 'NOPE1'] } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('E_VALIDATION');
    expect((err as ApiError).message).toContain('NOPE1');
  });

  it('says zero (not an error) when a filter matches nothing', async () => {
    expect(await client.api.jobs.preview({ selection: { query: { site: ['NOWHERE'] } } })).toEqual({ total: 0, byPartner: [] });
  });

  it('runs nothing, and counts exactly the appliances exec then runs on', async () => {
    const selection = { query: { partner: ['Rio Fibra Telecom'] } };
    const preview = await client.api.jobs.preview({ selection });
    expect(await client.api.jobs.list({})).toEqual([]);
    await client.api.net.generateFleetKey({});
    const job = await client.api.jobs.exec({ selection, argv: ['ocactl', 'status'], timeoutMs: 5_000 });
    await client.api.jobs.cancel({ id: job.id });
    expect(job.progress.total).toBe(preview.total);
    const { items } = await client.api.jobs.results({ id: job.id });
    expect(items.map((r) => r.serial).sort()).toEqual(LAYOUT.filter(([, site]) => site.startsWith('GRU')).map(([s]) => s));
    await temp.engine.jobs.wait(job.id);
  });
});
