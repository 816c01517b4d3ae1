import { createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  APPLIANCES_HEADER,
  applianceRow,
  csv,
  rejectionOf,
  sampleAppliances,
  sampleSites,
  SITES_HEADER,
} from '../../tests/support/inventory-fixtures';
import { tempEngine, type TempEngine } from '../../tests/support/temp-engine';
import type { InventoryService } from './service';

let t: TempEngine;
let inv: InventoryService;
const ACTOR = 'test:alice';

beforeEach(async () => {
  t = tempEngine();
  inv = t.engine.inventory;
});
afterEach(() => t.dispose());

const importCsv = (content: string, extra: { kind?: 'sites' | 'appliances'; dryRun?: boolean } = {}) =>
  inv.importData({ format: 'csv', content, ...extra }, ACTOR);
const importJson = (doc: unknown, dryRun = false, replaceHostKeys = false) =>
  inv.importData({ format: 'json', content: JSON.stringify(doc), dryRun, replaceHostKeys }, ACTOR);
const applianceCount = () => inv.listAppliances({ sort: 'serial', dir: 'asc', offset: 0, limit: 1 }).total;
const auditCount = () => t.engine.deps.audit.list({ limit: 1000 }).length;
const seedSamples = async () => {
  await importCsv(sampleSites());
  await importCsv(sampleAppliances());
};

describe('CSV import of the sample files', () => {
  it('creates partners from site rows, then sites and appliances, with audit entries', async () => {
    expect(await importCsv(sampleSites())).toEqual({ dryRun: false, rows: 6, created: 6, updated: 0, unchanged: 0 });
    expect(inv.facets().partners).toEqual(['Konkan Broadband', 'Lone Star Cable', 'Mainnetz AG', 'Rio Fibra Telecom']);
    expect(await importCsv(sampleAppliances())).toEqual({ dryRun: false, rows: 12, created: 12, updated: 0, unchanged: 0 });

    const { appliance, site, audit } = inv.getAppliance('OCA24S00401');
    expect(appliance).toMatchObject({
      hostname: 'oca01.muc01.mainnetz.de',
      site: 'MUC01',
      partner: 'Mainnetz AG',
      ipv4: null,
      ipv6: '2001:db8:21::11',
      sshPort: 2222,
      apiPort: 8443,
      status: 'offline',
      statusChangedBy: ACTOR,
      tags: ['rack:M3'],
    });
    expect(site).toMatchObject({ code: 'MUC01', timezone: 'Europe/Berlin', fillWindow: '03:00-15:00', asn: 64513 });
    expect(audit.map((e) => [e.action, e.actor])).toEqual([['appliance.create', ACTOR]]);
    // empty ports take the defaults, empty tags none
    expect(inv.getAppliance('OCA24F00502').appliance).toMatchObject({ sshPort: 22, apiPort: 443, tags: [], status: 'awaiting-install' });
    const actions = t.engine.deps.audit.list({ limit: 1000 }).map((e) => e.action);
    expect(actions.filter((a) => a === 'partner.create')).toHaveLength(4);
    expect(actions.filter((a) => a === 'site.create')).toHaveLength(6);
    expect(actions.filter((a) => a === 'appliance.create')).toHaveLength(12);
    expect(actions.filter((a) => a === 'inventory.import')).toHaveLength(2);
  });

  it('changes nothing when the same files are imported again: no writes, no audit entries, no event', async () => {
    await seedSamples();
    const auditBefore = auditCount();
    const events: unknown[] = [];
    t.engine.events.subscribe((name, payload) => events.push({ name, payload }));
    const updatedAt = inv.getAppliance('OCA24S00101').appliance.updatedAt;
    t.clock.advance(60_000);
    expect(await importCsv(sampleSites())).toEqual({ dryRun: false, rows: 6, created: 0, updated: 0, unchanged: 6 });
    expect(await importCsv(sampleAppliances())).toEqual({ dryRun: false, rows: 12, created: 0, updated: 0, unchanged: 12 });
    expect(auditCount()).toBe(auditBefore);
    expect(events).toEqual([]);
    expect(inv.getAppliance('OCA24S00101').appliance.updatedAt).toBe(updatedAt);
  });

  it('updates only the rows that changed and records what changed', async () => {
    await seedSamples();
    const edited = sampleAppliances()
      .replace('oca02.gru01.riofibra.net.br,GRU01,storage,192.0.2.12', 'oca02.gru01.riofibra.net.br,GIG01,storage,192.0.2.112')
      .replace('canary;rack:A1', 'rack:A1;canary'); // same tags, other order: unchanged
    const events: { name: string; payload: unknown }[] = [];
    t.engine.events.subscribe((name, payload) => events.push({ name, payload }));
    expect(await importCsv(edited)).toEqual({ dryRun: false, rows: 12, created: 0, updated: 1, unchanged: 11 });
    const { appliance, audit } = inv.getAppliance('OCA24S00102');
    expect(appliance).toMatchObject({ site: 'GIG01', ipv4: '192.0.2.112' });
    expect(audit[0]).toMatchObject({
      action: 'appliance.update',
      actor: ACTOR,
      details: { via: 'import', changes: { site: { from: 'GRU01', to: 'GIG01' }, ipv4: { from: '192.0.2.12', to: '192.0.2.112' } } },
    });
    expect(events).toEqual([{ name: 'inventory.changed', payload: { kind: 'import', keys: ['appliance:OCA24S00102'] } }]);
  });

  it.each<[string, string, string]>([
    ['hostname', 'oca02.gru01.example.net', 'hostname'],
    ['site', 'GIG01', 'site'],
    ['model', 'flash', 'model'],
    ['ipv4', '', 'ipv4'],
    ['ipv6', '2001:db8:10::99', 'ipv6'],
    ['ssh_port', '2222', 'sshPort'],
    ['api_port', '', 'apiPort'], // empty: back to the default 443... from 8443 below
    ['storage_tb', '360.5', 'storageTb'],
    ['nic_gbps', '400', 'nicGbps'],
    ['firmware', '2026.2.0', 'firmware'],
    ['status', 'provisioning', 'status'],
    ['tags', 'rack:A1;spare', 'tags'],
  ])('notices a change of %s alone', async (column, value, field) => {
    const row = (over: Partial<Record<string, string>>) =>
      csv(APPLIANCES_HEADER, applianceRow('OCA9', { ipv6: '2001:db8:10::12', api_port: '8443', ...over }));
    await importCsv(sampleSites());
    await importCsv(row({}));
    expect(await importCsv(row({}))).toMatchObject({ unchanged: 1 });
    expect(await importCsv(row({ [column]: value }))).toMatchObject({ updated: 1, unchanged: 0 });
    expect(Object.keys(inv.getAppliance('OCA9').audit[0]!.details['changes'] as object)).toEqual([field]);
    expect(await importCsv(row({ [column]: value }))).toMatchObject({ unchanged: 1 });
  });

  it('dry run validates and counts but changes nothing', async () => {
    await importCsv(sampleSites());
    const auditBefore = auditCount();
    expect(await importCsv(sampleAppliances(), { dryRun: true })).toEqual({ dryRun: true, rows: 12, created: 12, updated: 0, unchanged: 0 });
    expect(applianceCount()).toBe(0);
    expect(auditCount()).toBe(auditBefore);
    const bad = await rejectionOf(importCsv(csv(APPLIANCES_HEADER, applianceRow('OCA1', { site: 'NOPE1' })), { dryRun: true }));
    expect(bad.errors).toEqual([{ line: 2, field: 'site', reason: 'unknown site "NOPE1"; import the site first' }]);
  });

  it('infers the kind from the header, or refuses a file of the other kind', async () => {
    const wrong = await rejectionOf(importCsv(sampleSites(), { kind: 'appliances' }));
    expect(wrong.code).toBe('E_IMPORT');
    expect(wrong.errors.map((e) => e.field)).toEqual(expect.arrayContaining(['code', 'serial', 'hostname']));
    expect(wrong.errors.every((e) => e.line === 1)).toBe(true);
    expect(await importCsv(sampleSites(), { kind: 'sites' })).toMatchObject({ created: 6 });
  });
});

describe('CSV rejections: every bad row, with its line and reason, and nothing imported', () => {
  beforeEach(async () => {
    await importCsv(sampleSites());
  });

  it('reports each appliance problem on its physical line', async () => {
    const long = 'x'.repeat(5000);
    const file = [
      APPLIANCES_HEADER, // 1
      applianceRow('OCA00001'), // 2 fine
      applianceRow('OCA00002', { ipv4: '192.0.2.300' }), // 3
      applianceRow('OCA00003', { site: 'XYZ01' }), // 4
      applianceRow('OCA00001', { hostname: 'other.example.net' }), // 5 duplicate of line 2
      applianceRow('', { hostname: 'oca6.example.net' }), // 6 missing serial
      applianceRow('OCA00007', { storage_tb: 'lots' }), // 7
      applianceRow('OCA00008', { firmware: '2026.1\u0007' }), // 8
      applianceRow('OCA00009', { firmware: long }), // 9
      'OCA00010,oca10.example.net,GRU01,storage', // 10 wrong column count
      applianceRow('OCA00011', { ipv4: '', ipv6: '' }), // 11 no address
      applianceRow('OCA00012', { ipv6: '2001:db8::zz', ipv4: '' }), // 12
      applianceRow('OCA00013', { hostname: 'bad_host!' }), // 13
      applianceRow('OCA00014', { model: 'tape' }), // 14
      applianceRow('OCA00015', { status: 'lost' }), // 15
      '', // 16 empty line: skipped
      applianceRow('OCA00017', { ssh_port: '70000' }), // 17
      applianceRow('OCA00018', { tags: 'ok;=cmd()' }), // 18
      applianceRow('OCA00019', { hostname: '"two\nlines"' }), // 19-20: a quoted value spanning two lines
      applianceRow('OCA00021', { ipv6: '2001:db8::fffff', ipv4: '' }), // 21
      ',,,,,,,,,,,,', // 22 all empty: skipped
      applianceRow('OCA00023'.repeat(9), { hostname: 'oca23.example.net' }), // 23 serial too long for the rule
    ].join('\n');
    const r = await rejectionOf(importCsv(file));
    expect(r.code).toBe('E_IMPORT');
    expect(r.message).toBe('18 rows have problems; nothing was imported');
    const byLine = r.errors.map((e) => `${e.line} ${e.field ?? '-'}: ${e.reason}`);
    expect(byLine).toEqual([
      '3 ipv4: not an IPv4 address',
      '4 site: unknown site "XYZ01"; import the site first',
      '5 serial: serial OCA00001 appears twice (first at line 2)',
      '6 serial: missing',
      '7 storage_tb: "lots" is not a number',
      '8 firmware: control characters are not allowed',
      '9 firmware: too long (5000 characters; at most 4096)',
      '10 -: expected 13 columns like the header, found 4',
      '11 ipv4: an appliance needs a management IPv4 or IPv6 address',
      '12 ipv6: not an IPv6 address',
      '13 hostname: a hostname is letters, digits and dashes, in dot-separated labels',
      '14 model: a model is storage or flash',
      '15 status: a status is one of awaiting-install, provisioning, online, drained, offline, rma',
      '17 ssh_port: a port is 1-65535',
      '18 tags: a tag is 1-40 letters, digits or : . _ / -',
      '19 hostname: control characters are not allowed',
      '21 ipv6: not an IPv6 address',
      '23 serial: a serial is 1-64 letters, digits, dot, dash or underscore',
    ]);
    expect(applianceCount()).toBe(0);
  });

  it('reports each site problem, including unknown time zones and bad windows', async () => {
    const row = (code: string, over: Partial<Record<string, string>> = {}) => {
      const v: Record<string, string> = {
        code,
        partner: 'Rio Fibra Telecom',
        asn: '64512',
        name: 'POP',
        city: 'Sao Paulo',
        country: 'BR',
        latitude: '-23.5',
        longitude: '-46.6',
        timezone: 'America/Sao_Paulo',
        maintenance_window: '03:00-05:00',
        fill_window: '02:00-14:00',
        ...over,
      };
      return SITES_HEADER.split(',')
        .map((c) => v[c])
        .join(',');
    };
    const r = await rejectionOf(
      importCsv(
        csv(
          SITES_HEADER,
          row('NEW01'), // 2 fine
          row('NEW02', { timezone: 'Mars/Olympus_Mons' }), // 3
          row('NEW03', { fill_window: '2:00-14:00' }), // 4
          row('NEW04', { maintenance_window: '05:00-05:00' }), // 5
          row('NEW05', { country: 'Brazil' }), // 6
          row('NEW06', { latitude: '123' }), // 7
          row('NEW01', { name: 'again' }), // 8
          row('NEW09', { asn: '64999' }), // 9 same partner, other ASN
          row('NEW10', { partner: '', asn: '' }), // 10
          row('NEW11', { name: '=HYPERLINK("http://evil")' }), // 11 fine: a formula is only text to us
        ),
      ),
    );
    expect(r.errors.map((e) => `${e.line} ${e.field}: ${e.reason}`)).toEqual([
      '3 timezone: not a known IANA time zone (such as America/Sao_Paulo or Europe/Berlin)',
      '4 fill_window: a window is HH:MM-HH:MM in 24-hour local time',
      '5 maintenance_window: a window must not start and end at the same time',
      '6 country: country is a two-letter ISO 3166 code such as BR or DE',
      '7 latitude: latitude is -90..90',
      '8 code: site NEW01 appears twice (first at line 2)',
      '9 asn: partner "Rio Fibra Telecom" has ASN 64512 at line 2, but 64999 here',
      '10 partner: missing',
      '10 asn: missing',
    ]);
    expect(r.message).toBe('8 rows have problems; nothing was imported');
    expect(inv.listSites().map((s) => s.code)).not.toContain('NEW01');
  });

  it('stops at a bad header and says what is wrong with it', async () => {
    const cases: [string, string[]][] = [
      [`${APPLIANCES_HEADER},colour\n`, ['1 colour: unknown column "colour"; a appliances file has: ' + APPLIANCES_HEADER]],
      [APPLIANCES_HEADER.replace(',hostname', '') + '\n', ['1 hostname: missing column "hostname"']],
      [`${APPLIANCES_HEADER},serial\n`, ['1 serial: column "serial" appears twice']],
      [APPLIANCES_HEADER.replaceAll(',', ';') + '\n', ['1 -: the columns are separated by ";"; save the file with commas']],
      ['', ['1 -: the file is empty; the first line must be the header']],
      ['name,address\nx,y\n', [expect.stringMatching(/^1 -: the header names neither a sites file/)]],
    ];
    for (const [content, expected] of cases) {
      const r = await rejectionOf(importCsv(content));
      expect(r.code).toBe('E_IMPORT');
      expect(r.errors.map((e) => `${e.line} ${e.field ?? '-'}: ${e.reason}`)).toEqual(expected);
    }
  });

  it('reports text that is not CSV at the line it breaks, with the rows before it', async () => {
    const file = [APPLIANCES_HEADER, applianceRow('OCA1', { ipv4: 'nope' }), applianceRow('OCA2'), 'OCA3,"unclosed,GRU01'].join('\n');
    const r = await rejectionOf(importCsv(file));
    expect(r.errors.map((e) => `${e.line} ${e.field ?? '-'}: ${e.reason}`)).toEqual([
      '2 ipv4: not an IPv4 address',
      '4 -: a quoted value is never closed (a " is missing)',
    ]);
    expect(applianceCount()).toBe(0);
  });

  it('imports nothing when one row among many is bad', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => applianceRow(`OCA${String(i).padStart(5, '0')}`));
    rows[321] = applianceRow('OCA00321', { site: 'NOWHERE' });
    const r = await rejectionOf(importCsv(csv(APPLIANCES_HEADER, ...rows)));
    expect(r.errors).toEqual([{ line: 323, field: 'site', reason: 'unknown site "NOWHERE"; import the site first' }]);
    expect(r.message).toBe('1 row has problems; nothing was imported');
    expect(applianceCount()).toBe(0);
    expect(t.engine.deps.audit.list({ limit: 1000 }).filter((e) => e.action.startsWith('appliance'))).toEqual([]);
  });

  it('refuses a status change to drained, offline or rma from a file without a reason', async () => {
    await importCsv(sampleAppliances());
    const r = await rejectionOf(importCsv(sampleAppliances().replace('2026.1.2,online,canary;rack:A1', '2026.1.2,rma,canary;rack:A1')));
    expect(r.errors).toEqual([
      {
        line: 6,
        field: 'status',
        reason: expect.stringMatching(/^moving OCA24S00101 from online to rma needs a reason .*set-status/),
      },
    ]);
    expect(inv.getAppliance('OCA24S00101').appliance.status).toBe('online');
    // other statuses need no reason; an empty status keeps the stored one
    const changed = sampleAppliances()
      .replace('2026.1.2,online,canary;rack:A1', '2026.1.2,provisioning,canary;rack:A1')
      .replace('2026.1.1,drained,rack:B1', '2026.1.1,,rack:B1');
    expect(await importCsv(changed)).toMatchObject({ updated: 1, unchanged: 11 });
    expect(inv.getAppliance('OCA24S00201').appliance.status).toBe('drained');
  });
});

describe('CSV streaming', () => {
  it('imports a file read in small chunks, with rows and multi-byte characters split across chunks', async () => {
    const sites = csv(
      SITES_HEADER,
      'GRU01,Operadora São Paulo Ñandú,64512,São Paulo – Barueri,São Paulo,BR,-23.5,-46.8,America/Sao_Paulo,03:00-05:00,02:00-14:00',
    );
    const bytes = Buffer.from(sites, 'utf8');
    const chunks = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(i * 7, i * 7 + 7));
    expect(await inv.importStream(Readable.from(chunks), {}, ACTOR)).toMatchObject({ created: 1 });
    expect(inv.listSites()[0]).toMatchObject({ partner: 'Operadora São Paulo Ñandú', name: 'São Paulo – Barueri' });
  });

  it('imports a large file from disk through a stream and reports its line numbers', async () => {
    await importCsv(sampleSites());
    const rows = Array.from({ length: 20_000 }, (_, i) => applianceRow(`OCA${String(i).padStart(6, '0')}`, { ipv4: `10.1.${i >> 8}.${i & 255}` }));
    const path = join(t.dir, 'big.csv');
    writeFileSync(path, csv(APPLIANCES_HEADER, ...rows));
    expect(await inv.importStream(createReadStream(path), { source: 'big.csv' }, ACTOR)).toMatchObject({ created: 20_000 });
    expect(applianceCount()).toBe(20_000);
    // The commit's WAL checkpoint ran on the background thread (main/store/checkpoints.ts), and every frame got copied.
    await t.engine.settled();
    expect(t.engine.deps.checkpoints.timesMs).toHaveLength(1);
    const [wal] = t.engine.deps.db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
    expect(wal!.checkpointed).toBe(wal!.log);
    expect(t.engine.deps.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    rows[19_998] = applianceRow('OCA019998', { ipv4: '10.1.1' });
    writeFileSync(path, csv(APPLIANCES_HEADER, ...rows));
    const r = await rejectionOf(inv.importStream(createReadStream(path), {}, ACTOR));
    expect(r.errors).toEqual([{ line: 20_000, field: 'ipv4', reason: 'not an IPv4 address' }]);
  });

  it('indexes every field of a bulk load for free-text search, and keeps indexing rows added after it', async () => {
    await importCsv(sampleSites());
    // 6,000 new rows into an empty inventory: the bulk path (indexes and trigram postings built after the insert).
    const rows = Array.from({ length: 6_000 }, (_, i) =>
      applianceRow(`OCA${String(i).padStart(6, '0')}`, {
        hostname: `edge-${i}.gru01.example.net`,
        ipv4: `10.7.${i >> 8}.${i & 255}`,
        ipv6: `2001:db8::${i.toString(16)}`,
        firmware: `2026.${i % 7}.${i}`,
      }),
    );
    expect(await importCsv(csv(APPLIANCES_HEADER, ...rows))).toMatchObject({ created: 6_000 });
    const found = (text: string) =>
      inv.listAppliances({ text, sort: 'serial', dir: 'asc', offset: 0, limit: 5 }).items.map((a) => a.serial);
    expect(found('oca000000')).toEqual(['OCA000000']);
    expect(found('oca004321')).toEqual(['OCA004321']);
    expect(found('EDGE-4321.')).toEqual(['OCA004321']);
    expect(found('10.7.16.225')).toEqual(['OCA004321']);
    expect(found('2001:db8::10e1')).toEqual(['OCA004321']);
    expect(found('2026.2.4321')).toEqual(['OCA004321']);
    const schema = () =>
      t.engine.deps.db.prepare(`SELECT type, name, sql FROM sqlite_schema WHERE tbl_name = 'appliances' ORDER BY name`).all();
    const before = schema();
    await importCsv(csv(APPLIANCES_HEADER, applianceRow('LATE1', { hostname: 'late-comer.gru01.example.net' })));
    expect(found('late-comer')).toEqual(['LATE1']);
    expect(schema()).toEqual(before);
  });

  it('gives every appliance of a bulk load its tags, and leaves those stored before it as they were', async () => {
    await importCsv(sampleSites());
    await importCsv(csv(APPLIANCES_HEADER, applianceRow('FIRST1', { tags: 'keep;edge' })));
    // 6,000 new rows against 1 stored: the bulk path (tags taken from each new row's stored list).
    const tagsOf = (i: number) => ['edge;tier2', 'canary', '', 'tier2;canary:blue;rack/a1'][i % 4]!;
    const rows = Array.from({ length: 6_000 }, (_, i) => applianceRow(`OCA${String(i).padStart(6, '0')}`, { tags: tagsOf(i) }));
    expect(await importCsv(csv(APPLIANCES_HEADER, ...rows))).toMatchObject({ created: 6_000 });
    const tagged = (tag: string) => inv.listAppliances({ tag: [tag], sort: 'serial', dir: 'asc', offset: 0, limit: 1 });
    expect(tagged('keep')).toMatchObject({ total: 1, items: [{ serial: 'FIRST1', tags: ['edge', 'keep'] }] });
    expect(tagged('edge').total).toBe(1_501);
    expect(tagged('tier2').total).toBe(3_000);
    expect(tagged('canary').total).toBe(1_500);
    expect(tagged('canary:blue')).toMatchObject({ total: 1_500, items: [{ serial: 'OCA000003', tags: ['canary:blue', 'rack/a1', 'tier2'] }] });
    const { n } = t.engine.deps.db.prepare(`SELECT count(*) AS n FROM appliance_tags`).get() as { n: number };
    expect(n).toBe(2 + 1_500 * 2 + 1_500 + 1_500 * 3);
  });

  it('runs imports one after another', async () => {
    await importCsv(sampleSites());
    const a = importCsv(csv(APPLIANCES_HEADER, applianceRow('OCA1')));
    const b = importCsv(csv(APPLIANCES_HEADER, applianceRow('OCA1', { firmware: '2026.2.0' })));
    expect(await a).toMatchObject({ created: 1 });
    expect(await b).toMatchObject({ updated: 1 });
    expect(inv.getAppliance('OCA1').appliance.firmware).toBe('2026.2.0');
  });
});

describe('JSON documents', () => {
  const doc = {
    partners: [{ name: 'Rio Fibra Telecom', asn: 64512 }],
    sites: [
      {
        code: 'GRU01',
        partner: 'Rio Fibra Telecom',
        name: 'Barueri',
        city: 'Sao Paulo',
        country: 'BR',
        latitude: -23.5,
        longitude: -46.8,
        timezone: 'America/Sao_Paulo',
        maintenanceWindow: '03:00-05:00',
        fillWindow: '02:00-14:00',
      },
    ],
    appliances: [
      { serial: 'OCA1', hostname: 'oca1.example.net', site: 'GRU01', model: 'flash', ipv4: '192.0.2.1', storageTb: 28, nicGbps: 400, notes: 'left cage', tags: ['b', 'a'] },
      { serial: 'OCA2', hostname: 'oca2.example.net', site: 'GRU01', model: 'storage', ipv6: '2001:db8::2', storageTb: 360, nicGbps: 100, status: 'rma', statusReason: 'PSU failed' },
    ],
  };

  it('imports partners, sites and appliances in one go and re-imports as unchanged', async () => {
    expect(await importJson(doc)).toEqual({ dryRun: false, rows: 4, created: 4, updated: 0, unchanged: 0 });
    expect(inv.getAppliance('OCA1').appliance).toMatchObject({ tags: ['a', 'b'], notes: 'left cage', sshPort: 22, ipv6: null });
    expect(inv.getAppliance('OCA2').appliance).toMatchObject({ status: 'rma', statusReason: 'PSU failed', statusChangedBy: ACTOR });
    expect(await importJson(doc)).toEqual({ dryRun: false, rows: 4, created: 0, updated: 0, unchanged: 4 });
  });

  it('notices a change of notes or host key alone, and ignores a new reason for the same status', async () => {
    await importJson(doc);
    const one = (over: object) => ({ appliances: [{ ...doc.appliances[1]!, ...over }] });
    expect(await importJson(one({ notes: 'cage 4' }))).toMatchObject({ updated: 1 });
    expect(await importJson(one({ hostKeyFingerprint: `SHA256:${'B'.repeat(43)}` }))).toMatchObject({ updated: 1 });
    expect(await importJson(one({ hostKeyFingerprint: `SHA256:${'B'.repeat(43)}`, statusReason: 'another story' }))).toMatchObject({
      unchanged: 1,
    });
    // Removing a trusted key takes the option that says so.
    expect(await importJson(one({ hostKeyFingerprint: null }), false, true)).toMatchObject({ updated: 1 });
    expect(inv.getAppliance('OCA2').appliance).toMatchObject({ notes: 'cage 4', hostKeyFingerprint: null, statusReason: 'PSU failed' });
  });

  it('does not replace or remove a trusted host key unless the import says so, and audits it when it does', async () => {
    await importJson(doc);
    const trusted = `SHA256:${'A'.repeat(43)}`;
    const other = `SHA256:${'C'.repeat(43)}`;
    inv.updateAppliance('OCA1', { hostKeyFingerprint: trusted }, ACTOR);
    const one = (over: object) => ({ appliances: [{ ...doc.appliances[0]!, ...over }] });
    for (const fingerprint of [other, null]) {
      const r = await rejectionOf(importJson(one({ hostKeyFingerprint: fingerprint })));
      expect(r.code).toBe('E_IMPORT');
      expect(r.errors).toEqual([
        {
          line: 1,
          path: 'appliances[0]',
          field: 'hostKeyFingerprint',
          reason: expect.stringMatching(new RegExp(`OCA1 has the trusted host key ${trusted.replace('+', '\\+')}.*only through the host-key trust flow`)),
        },
      ]);
    }
    // Neither a CSV row nor an edit does it either.
    expect(() => inv.updateAppliance('OCA1', { hostKeyFingerprint: other }, ACTOR)).toThrow(/has the trusted host key .* an edit does not change or remove a trusted key/);
    expect(() => inv.updateAppliance('OCA1', { hostKeyFingerprint: null }, ACTOR)).toThrow(/an edit does not change or remove a trusted key/);
    expect(inv.getAppliance('OCA1').appliance.hostKeyFingerprint).toBe(trusted);
    // The key the appliance already has, and rows that leave it out, go through.
    expect(await importJson(one({ hostKeyFingerprint: trusted, notes: 'same key' }))).toMatchObject({ updated: 1 });

    expect(await importJson(one({ hostKeyFingerprint: other }), false, true)).toMatchObject({ updated: 1 });
    expect(inv.getAppliance('OCA1').appliance.hostKeyFingerprint).toBe(other);
    const [entry] = t.engine.deps.audit.list({ target: 'appliance:OCA1', limit: 1 });
    expect(entry).toMatchObject({ action: 'appliance.update', details: { hostKeyReplaced: true, changes: { hostKeyFingerprint: { from: trusted, to: other } } } });
  });

  it('keeps notes and the host key when an item leaves them out', async () => {
    await importJson(doc);
    inv.updateAppliance('OCA1', { hostKeyFingerprint: `SHA256:${'A'.repeat(43)}` }, ACTOR);
    const withoutNotes = { ...doc, appliances: [{ ...doc.appliances[0]!, notes: undefined, firmware: '2026.2.0' }] };
    expect(await importJson(withoutNotes)).toMatchObject({ updated: 1 });
    expect(inv.getAppliance('OCA1').appliance).toMatchObject({ notes: 'left cage', firmware: '2026.2.0', hostKeyFingerprint: `SHA256:${'A'.repeat(43)}` });
  });

  it('names bad items by their place in the document', async () => {
    const bad = {
      partners: [{ name: 'Rio Fibra Telecom', asn: 64512 }, { name: 'Rio Fibra Telecom', asn: 1 }],
      sites: [doc.sites[0], { ...doc.sites[0]!, code: 'NEW00', timezone: 'Nowhere/City' }, { ...doc.sites[0]!, code: 'NEW01', partner: 'Unknown ISP' }],
      appliances: [
        doc.appliances[0],
        { ...doc.appliances[0]!, serial: 'OCA3', storageTb: '28', colour: 'red' },
        { ...doc.appliances[0]!, serial: 'OCA4', notes: 'line one\nline two', hostname: 'x\u202eevil' },
        { serial: 'OCA5' },
      ],
    };
    const r = await rejectionOf(importJson(bad));
    expect(r.errors.map((e) => `${e.path} ${e.field ?? '-'}: ${e.reason}`)).toEqual([
      'partners[1] name: partner "Rio Fibra Telecom" is listed twice (first at partners[0])',
      'sites[1] timezone: not a known IANA time zone (such as America/Sao_Paulo or Europe/Berlin)',
      'sites[2] asn: partner "Unknown ISP" is new; give its asn here or list it under partners',
      'appliances[1] storageTb: must be a number, not text',
      'appliances[1] colour: unknown field',
      'appliances[2] hostname: control characters are not allowed',
      'appliances[3] hostname: missing',
      'appliances[3] site: missing',
      'appliances[3] model: missing',
      'appliances[3] storageTb: missing',
      'appliances[3] nicGbps: missing',
    ]);
    expect(r.errors[0]!.line).toBe(2);
    expect(applianceCount()).toBe(0);
  });

  it('says where a document is not JSON, and refuses documents of another shape', async () => {
    const text = '{\n  "partners": []\n  "sites": []\n}';
    const r = await rejectionOf(inv.importData({ format: 'json', content: text }, ACTOR));
    expect(r.errors).toEqual([{ line: 3, reason: expect.stringMatching(/^not valid JSON: Expected ',' or '}'/) }]);
    const shape = await rejectionOf(importJson({ appliances: {}, extra: 1, version: 2 }));
    expect(shape.errors.map((e) => `${e.field}: ${e.reason}`)).toEqual([
      'extra: unknown key "extra"',
      'version: this Fleetdeck reads version 1 documents',
      'appliances: appliances must be a list',
    ]);
    expect((await rejectionOf(importJson([1, 2]))).errors[0]!.reason).toMatch(/must be an object/);
  });

  it('needs statusReason to move an appliance to drained, offline or rma', async () => {
    await importJson(doc);
    const drain = (statusReason?: string) => ({ appliances: [{ ...doc.appliances[0]!, status: 'drained', statusReason }] });
    const r = await rejectionOf(importJson(drain()));
    expect(r.errors[0]).toMatchObject({ path: 'appliances[0]', field: 'status', reason: expect.stringMatching(/needs a reason/) });
    expect(await importJson(drain('BGP maintenance'))).toMatchObject({ updated: 1 });
    expect(inv.getAppliance('OCA1').appliance).toMatchObject({ status: 'drained', statusReason: 'BGP maintenance' });
  });

  it('imports a typed document in-process (the lab path)', async () => {
    expect(await inv.importDocument(doc as Parameters<InventoryService['importDocument']>[0], 'lab:simulator', { source: 'lab' })).toMatchObject({
      created: 4,
    });
    expect(t.engine.deps.audit.list({ target: 'import:lab', limit: 10 })[0]).toMatchObject({ actor: 'lab:simulator', details: { created: 4 } });
  });
});

describe('export', () => {
  it('round-trips CSV and JSON exports to "unchanged"', async () => {
    await seedSamples();
    const sites = inv.exportData({ format: 'csv', kind: 'sites' });
    const appliances = inv.exportData({ format: 'csv', kind: 'appliances' });
    expect(sites).toMatchObject({ mime: 'text/csv', filename: 'fleetdeck-sites-2026-01-01.csv' });
    expect(sites.content.split('\n')[0]).toBe(SITES_HEADER);
    expect(appliances.content.split('\n')[0]).toBe(APPLIANCES_HEADER);
    expect(appliances.content.trim().split('\n')).toHaveLength(13);
    expect(await importCsv(sites.content)).toMatchObject({ unchanged: 6, created: 0, updated: 0 });
    expect(await importCsv(appliances.content)).toMatchObject({ unchanged: 12, created: 0, updated: 0 });
    const json = inv.exportData({ format: 'json' });
    expect(JSON.parse(json.content)).toMatchObject({ format: 'fleetdeck-inventory', version: 1 });
    expect(await inv.importData({ format: 'json', content: json.content }, ACTOR)).toMatchObject({ unchanged: 22 });

    // and into an empty data dir: the same fleet
    const other = tempEngine();
    try {
      await other.engine.inventory.importData({ format: 'json', content: json.content }, ACTOR);
      expect(other.engine.inventory.exportData({ format: 'csv' }).content).toBe(appliances.content);
    } finally {
      other.dispose();
    }
  });

  it('exports an empty inventory as a header only', () => {
    expect(inv.exportData({ format: 'csv' }).content).toBe(APPLIANCES_HEADER + '\n');
    expect(JSON.parse(inv.exportData({ format: 'json' }).content)).toMatchObject({ partners: [], sites: [], appliances: [] });
  });

  it('neutralises spreadsheet formulas in CSV cells, and takes the apostrophe off again on import', async () => {
    await importCsv(
      csv(
        SITES_HEADER,
        'EVIL1,=cmd|/C calc!A0,64512,"=HYPERLINK(""http://evil.example"",""x"")",+SUM(1),BR,-23.5,-46.8,America/Sao_Paulo,03:00-05:00,02:00-14:00',
        'EVIL2,@partner,64513,-2+3,\uff1dcity,BR,10,20,UTC,03:00-05:00,02:00-14:00',
      ),
    );
    await importCsv(csv(APPLIANCES_HEADER, applianceRow('OCA1', { site: 'EVIL1', firmware: '=1+1' })));
    const sites = inv.exportData({ format: 'csv', kind: 'sites' }).content.split('\n');
    expect(sites[1]).toBe(
      `EVIL1,'=cmd|/C calc!A0,64512,"'=HYPERLINK(""http://evil.example"",""x"")",'+SUM(1),BR,-23.5,-46.8,America/Sao_Paulo,03:00-05:00,02:00-14:00`,
    );
    expect(sites[2]).toBe(`EVIL2,'@partner,64513,'-2+3,'\uff1dcity,BR,10,20,UTC,03:00-05:00,02:00-14:00`);
    const appliances = inv.exportData({ format: 'csv' }).content;
    expect(appliances).toContain(`,'=1+1,`);
    // negative coordinates are numbers, not formulas: left alone (checked above: -23.5,-46.8)
    expect(await importCsv(inv.exportData({ format: 'csv', kind: 'sites' }).content)).toMatchObject({ unchanged: 2 });
    expect(await importCsv(appliances)).toMatchObject({ unchanged: 1 });
    expect(inv.listSites()[0]).toMatchObject({ partner: '=cmd|/C calc!A0', city: '+SUM(1)' });
  });
});
