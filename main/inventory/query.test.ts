import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRng } from '../kit/time';
import { tempEngine, type TempEngine } from '../../tests/support/temp-engine';
import { ApplianceQuery, LIFECYCLE_STATUSES, SORT_FIELDS, type Appliance } from './contract';
import type { InventoryDocument } from './import-items';
import type { InventoryService } from './service';

// A fleet big enough that both query strategies run: sorting a few matches, and walking the
// sort index when many match (over 5000).
const FLEET = 12_000;

let t: TempEngine;
let inv: InventoryService;
let all: Appliance[];

function fleetDocument(): InventoryDocument {
  const rng = seededRng(7);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng.next() * xs.length)]!;
  const partners = ['Rio Fibra Telecom', 'Mainnetz AG', 'Konkan Broadband', 'Lone Star Cable', 'Pampa Net'];
  const sites = Array.from({ length: 40 }, (_, i) => ({
    code: `S${String(i).padStart(2, '0')}`,
    partner: partners[i % partners.length]!,
    asn: 64512 + (i % partners.length),
    name: `POP ${i}`,
    city: 'Somewhere',
    country: 'BR',
    latitude: 0,
    longitude: 0,
    timezone: 'UTC',
    maintenanceWindow: '01:00-03:00',
    fillWindow: '02:00-14:00',
  }));
  const statuses = ['online', 'online', 'online', 'online', 'provisioning', 'awaiting-install', 'drained', 'offline', 'rma'] as const;
  const appliances = Array.from({ length: FLEET }, (_, i) => {
    const site = sites[Math.floor(rng.next() * sites.length)]!;
    const flash = rng.next() < 0.3;
    const status = pick(statuses);
    return {
      serial: `OCA${String((i * 7919) % 100_000).padStart(6, '0')}`,
      hostname: `oca${i}.${site.code.toLowerCase()}.example.net`,
      site: site.code,
      model: flash ? ('flash' as const) : ('storage' as const),
      ipv4: i % 10 === 0 ? null : `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`,
      ipv6: i % 3 === 0 || i % 10 === 0 ? `2001:db8:${(i % 40).toString(16)}::${i.toString(16)}` : null,
      storageTb: flash ? 28 : pick([240, 280, 360]),
      nicGbps: flash ? 400 : 100,
      firmware: i === 4242 ? 'fw_100%' : pick(['2026.1.0', '2026.1.2', '2026.2.0', '2025.12.4']),
      tags: [pick(['tier1', 'tier2']), ...(rng.next() < 0.05 ? ['canary'] : []), ...(rng.next() < 0.4 ? ['edge'] : [])],
      status,
      ...(status === 'drained' || status === 'offline' || status === 'rma' ? { statusReason: 'seeded' } : {}),
    };
  });
  return { sites, appliances };
}

beforeAll(async () => {
  t = tempEngine();
  inv = t.engine.inventory;
  const doc = fleetDocument();
  await inv.importDocument({ sites: doc.sites }, 'test:seed');
  // two import batches an hour apart, so updatedAt differs
  await inv.importDocument({ appliances: doc.appliances!.slice(0, FLEET / 2) }, 'test:seed');
  t.clock.advance(3_600_000);
  await inv.importDocument({ appliances: doc.appliances!.slice(FLEET / 2) }, 'test:seed');
  all = inv.repo.appliancesAfter('', FLEET + 1).map(({ id: _id, siteId: _siteId, ...a }) => a);
}, 60_000);
afterAll(() => t.dispose());

type Q = Partial<ApplianceQuery>;

/** The meaning of a query, in plain JavaScript. */
function reference(q: Q): { total: number; serials: string[] } {
  const p = ApplianceQuery.parse(q);
  const terms = (p.text ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const rows = all.filter(
    (a) =>
      (!p.status || p.status.includes(a.status)) &&
      (!p.site || p.site.includes(a.site)) &&
      (!p.partner || p.partner.includes(a.partner)) &&
      (!p.model || p.model.includes(a.model)) &&
      (!p.firmware || p.firmware.includes(a.firmware)) &&
      (!p.tag || p.tag.some((tag) => a.tags.includes(tag))) &&
      terms.every((term) => `${a.serial} ${a.hostname} ${a.ipv4 ?? ''} ${a.ipv6 ?? ''} ${a.firmware}`.toLowerCase().includes(term)),
  );
  const keys: Record<(typeof SORT_FIELDS)[number], (a: Appliance) => (string | number)[]> = {
    serial: (a) => [a.serial],
    hostname: (a) => [a.hostname, a.serial],
    site: (a) => [a.site, a.serial],
    partner: (a) => [a.partner, a.site, a.serial],
    model: (a) => [a.model, a.serial],
    status: (a) => [a.status, a.serial],
    firmware: (a) => [a.firmware, a.serial],
    storageTb: (a) => [a.storageTb, a.serial],
    updatedAt: (a) => [a.updatedAt, a.serial],
  };
  const key = keys[p.sort];
  rows.sort((x, y) => {
    const kx = key(x);
    const ky = key(y);
    for (let i = 0; i < kx.length; i++) if (kx[i] !== ky[i]) return kx[i]! < ky[i]! ? -1 : 1;
    return 0;
  });
  if (p.dir === 'desc') rows.reverse();
  return { total: rows.length, serials: rows.slice(p.offset, p.offset + p.limit).map((a) => a.serial) };
}

const run = (q: Q) => {
  const page = inv.listAppliances(ApplianceQuery.parse(q));
  return { total: page.total, serials: page.items.map((a) => a.serial) };
};

describe('appliance queries match their meaning', () => {
  it('has a fleet of the intended shape', () => {
    expect(all).toHaveLength(FLEET);
    expect(reference({ status: ['online'] }).total).toBeGreaterThan(5000);
  });

  it.each(SORT_FIELDS.flatMap((sort) => (['asc', 'desc'] as const).map((dir) => [sort, dir] as const)))(
    'sorts by %s %s, pages stably',
    (sort, dir) => {
      for (const offset of [0, 150, FLEET - 50]) {
        expect(run({ sort, dir, offset, limit: 100 })).toEqual(reference({ sort, dir, offset, limit: 100 }));
      }
      expect(run({ sort, dir, status: ['online'], limit: 300 })).toEqual(reference({ sort, dir, status: ['online'], limit: 300 }));
      expect(run({ sort, dir, site: ['S07'], limit: 50 })).toEqual(reference({ sort, dir, site: ['S07'], limit: 50 }));
    },
  );

  const cases: [string, Q][] = [
    ['one status', { status: ['drained'] }],
    ['several statuses', { status: ['drained', 'offline', 'rma'], sort: 'hostname' }],
    ['every status', { status: [...LIFECYCLE_STATUSES], sort: 'storageTb', dir: 'desc' }],
    ['site', { site: ['S03', 'S04'] }],
    ['unknown site', { site: ['NOPE'] }],
    ['partner', { partner: ['Mainnetz AG'], sort: 'site' }],
    ['partner, many', { partner: ['Mainnetz AG', 'Rio Fibra Telecom', 'Pampa Net'], sort: 'partner', offset: 4000, limit: 500 }],
    ['model', { model: ['flash'], sort: 'firmware', dir: 'desc' }],
    ['tag, common', { tag: ['edge'] }],
    ['tag, rare', { tag: ['canary'], sort: 'hostname' }],
    ['tags are OR-ed', { tag: ['canary', 'edge'] }],
    ['firmware', { firmware: ['2026.2.0'] }],
    ['filters are AND-ed', { status: ['online'], model: ['storage'], tag: ['edge'], partner: ['Pampa Net'] }],
    ['text: serial, any case', { text: 'oca00791' }],
    ['text: hostname part', { text: '.S12.' }],
    ['text: IPv4 prefix, clustered', { text: '10.0.3' }],
    ['text: IPv6', { text: '2001:DB8:1f::' }],
    ['text: firmware, many matches', { text: '2026.1' }],
    ['text: two terms', { text: 'oca1 s07' }],
    ['text with filters', { text: '.s2', status: ['online'], sort: 'updatedAt', dir: 'desc' }],
    ['text: underscore is literal', { text: '_' }],
    ['text: percent is literal', { text: '100%' }],
    ['text: nothing', { text: 'zzzz' }],
    ['offset past the end', { status: ['rma'], offset: 100_000 }],
    ['deep page of many', { status: ['online'], sort: 'hostname', offset: 5000, limit: 20 }],
    ['big page', { limit: 20_000, sort: 'partner', dir: 'desc' }],
    // Free text through the trigram index: terms of 3+ characters are phrases of trigrams.
    ['text: exactly three characters', { text: 'a79' }],
    ['text: substring inside a word', { text: 'ca0079' }],
    ['text: upper case finds lower case', { text: 'EXAMPLE.NET oca11' }],
    ['text: mixed case', { text: 'Oca0079' }],
    ['text: many matches, walked in sort order', { text: 'example.net', sort: 'hostname', dir: 'desc', offset: 700 }],
    ['text: many matches with a filter', { text: '2026.1', status: ['online'], sort: 'storageTb' }],
    // Terms under 3 characters have no trigram: they are matched on the haystack directly.
    ['text: one character', { text: '7' }],
    ['text: two characters', { text: 'a7' }],
    ['text: short and long terms together', { text: '9 s1' }],
    ['text: short term with a long one', { text: 'oca12 .s' }],
    ['text: short term with filters', { text: ':a', tag: ['canary'] }],
    // Characters FTS5 gives a meaning to are plain text here.
    ['text: double quote', { text: '"oca1' }],
    ['text: quote inside a term', { text: 'oc"a1' }],
    ['text: star', { text: 'oca1*' }],
    ['text: parentheses', { text: '(oca1)' }],
    ['text: caret and minus', { text: '^oca -s12' }],
    ['text: colon prefix (column filter syntax)', { text: 'search:oca1' }],
    ['text: IPv6 with colons', { text: 'db8:1' }],
    ['text: FTS keywords are words', { text: 'AND OR NOT NEAR' }],
    ['text: keyword-looking substring', { text: 'NEt' }],
    ['text: percent and underscore in a long term', { text: 'fw_100%' }],
    ['text: non-ASCII', { text: 'ünïcode' }],
  ];
  it.each(cases)('%s', (_name, q) => {
    expect(run(q)).toEqual(reference(q));
  });
});

describe('query plans use indexes', () => {
  const plans = (q: Q) => inv.repo.explainQuery(ApplianceQuery.parse(q) as Parameters<typeof inv.repo.explainQuery>[0]);

  it.each<[string, Q]>([
    ['status', { status: ['drained'] }],
    ['site, sorted by hostname', { site: ['S03'], sort: 'hostname' }],
    ['tag', { tag: ['canary'] }],
    ['partner sorted by partner', { partner: ['Pampa Net'], sort: 'partner' }],
    ['many matches sorted by storage', { status: ['online'], sort: 'storageTb', dir: 'desc' }],
    ['text', { text: 'oca00791' }],
  ])('%s: no step reads the whole appliances table', (_name, q) => {
    const steps = plans(q).flatMap((s) => s.plan);
    expect(steps.length).toBeGreaterThan(0);
    // A SCAN of appliances must go through an index (free text of 3+ characters goes through the trigram index).
    for (const step of steps) {
      if (/^SCAN a\b/.test(step)) expect(step).toMatch(/USING (COVERING )?INDEX/);
    }
  });

  it('free text of 3+ characters is looked up in the trigram index, shorter terms on the haystack', () => {
    const long = plans({ text: 'oca00791' }).flatMap((s) => s.plan);
    expect(long.join(' | ')).toMatch(/SCAN appliances_fts VIRTUAL TABLE/);
    const mixed = plans({ text: 'oca0079 .s', status: ['online'] }).flatMap((s) => s.plan);
    expect(mixed.join(' | ')).toMatch(/appliances_fts VIRTUAL TABLE/);
    const short = plans({ text: 'ca' }).flatMap((s) => s.plan);
    expect(short.join(' | ')).not.toMatch(/appliances_fts/);
  });

  it('walks the sort index without sorting when many rows match', () => {
    const [, , page] = plans({ status: ['online'], sort: 'hostname' });
    expect(page!.plan.join(' | ')).toMatch(/SCAN a USING INDEX appliances_hostname/);
    expect(page!.plan.join(' | ')).not.toMatch(/TEMP B-TREE/);
  });
});

describe('the trigram index follows every change', () => {
  let e: TempEngine;
  beforeAll(async () => {
    e = tempEngine();
    const doc = fleetDocument();
    await e.engine.inventory.importDocument({ sites: doc.sites, appliances: doc.appliances!.slice(0, 50) }, 'test:seed');
  });
  afterAll(() => e.dispose());
  const serials = (text: string) =>
    e.engine.inventory.listAppliances(ApplianceQuery.parse({ text })).items.map((a) => a.serial);

  it('finds an edited hostname by its new name only, and a deleted appliance no more', async () => {
    const [first, second] = e.engine.inventory.repo.appliancesAfter('', 2);
    e.engine.inventory.updateAppliance(first!.serial, { hostname: 'renamed-box.example.org' }, 'test');
    expect(serials('renamed-box')).toEqual([first!.serial]);
    expect(serials(first!.hostname)).toEqual([]);
    e.engine.inventory.deleteAppliance(second!.serial, 'returned', 'test');
    expect(serials(second!.serial)).toEqual([]);
    // An import that changes firmware re-indexes the row too.
    await e.engine.inventory.importDocument(
      { appliances: [{ ...fleetDocument().appliances![2]!, firmware: 'zeta-9.9' }] },
      'test:import',
    );
    expect(serials('ZETA-9')).toHaveLength(1);
  });

  it('matches non-ASCII text as the haystack column holds it (ASCII letters folded, others as typed in lower case)', () => {
    const [, , , fourth] = e.engine.inventory.repo.appliancesAfter('', 4);
    e.engine.inventory.updateAppliance(fourth!.serial, { firmware: 'Größe-7' }, 'test');
    expect(serials('GRÖßE-7')).toEqual([fourth!.serial]);
    expect(serials('röß')).toEqual([fourth!.serial]);
    expect(serials('ße')).toEqual([fourth!.serial]);
  });
});
