import { describe, expect, it } from 'vitest';
import { catalogBytes } from './catalog';
import { catalogCsvLines, dayNumber, dayString, DemandModel, demandCsvLines, localDayNumber, poisson, type DemandSite } from './demand';

const SITES: DemandSite[] = [
  { code: 'gru1', partner: 'Vereda Fibra', timezone: 'America/Sao_Paulo', playsPerDay: 50_000 },
  { code: 'gru2', partner: 'Vereda Fibra', timezone: 'America/Sao_Paulo', playsPerDay: 50_000 },
  { code: 'nrt1', partner: 'Hikari Kaze Net', timezone: 'Asia/Tokyo', playsPerDay: 50_000 },
];

const model = (seed = 7, titles = 5_000) => new DemandModel({ seed, titles, sites: SITES, releaseStart: '2026-06-01', releaseSpanDays: 365, releaseShare: 0.05 });

/** Spearman-like overlap: share of the top-k titles two demand vectors have in common. */
function topOverlap(a: Float64Array, b: Float64Array, k: number): number {
  const top = (v: Float64Array) => new Set([...v.keys()].sort((x, y) => v[y]! - v[x]!).slice(0, k));
  const ta = top(a);
  let common = 0;
  for (const i of top(b)) if (ta.has(i)) common++;
  return common / k;
}

describe('lab demand model', () => {
  it('is deterministic from the seed and differs with another seed', () => {
    const a = model(7).siteDay('gru1', '2026-12-04');
    const b = model(7).siteDay('gru1', '2026-12-04');
    const c = model(8).siteDay('gru1', '2026-12-04');
    expect([...a.bytes]).toEqual([...b.bytes]);
    expect([...a.bytes]).not.toEqual([...c.bytes]);
  });

  it('has a heavy tail: the top 1 % of titles carry far more than 1 % of the bytes, and most titles are asked for', () => {
    const d = model().siteDay('gru1', '2026-12-04');
    const sorted = [...d.bytes].sort((x, y) => y - x);
    const top1 = sorted.slice(0, 50).reduce((s, b) => s + b, 0) / d.totalBytes;
    const top20 = sorted.slice(0, 1000).reduce((s, b) => s + b, 0) / d.totalBytes;
    expect(top1).toBeGreaterThan(0.15);
    expect(top20).toBeGreaterThan(0.6);
    expect(top20).toBeLessThan(0.97);
    expect(d.totalPlays).toBeGreaterThan(45_000);
    expect(d.totalPlays).toBeLessThan(60_000);
  });

  it('bytes are plays times a fraction of the asset size', () => {
    const d = model().siteDay('nrt1', '2026-12-04');
    for (let i = 0; i < 200; i++) {
      if (d.plays[i] === 0) {
        expect(d.bytes[i]).toBe(0);
        continue;
      }
      const perPlay = d.bytes[i]! / d.plays[i]! / catalogBytes(i);
      expect(perPlay).toBeGreaterThanOrEqual(0.4 - 1e-6);
      expect(perPlay).toBeLessThanOrEqual(0.95 + 1e-6);
    }
  });

  it('a new release has no demand before its day, spikes on it and decays after', () => {
    const m = model();
    let release = -1;
    for (let i = 100; i < m.titles; i++) {
      const r = m.releaseDay(i);
      if (r >= dayNumber('2026-07-01') && r <= dayNumber('2027-04-01')) {
        release = i;
        break;
      }
    }
    expect(release).toBeGreaterThan(0);
    const r = m.releaseDay(release);
    expect(m.catalogEntry(release).releaseDate).toBe(dayString(r));
    const plays = (d: number) => m.siteDay('gru1', dayString(d)).plays[release]!;
    expect(plays(r - 1)).toBe(0);
    expect(plays(r - 5)).toBe(0);
    const first = plays(r);
    expect(first).toBeGreaterThan(0);
    const later = plays(r + 30);
    expect(first).toBeGreaterThan(3 * Math.max(1, later));
  });

  it('sites of one partner share a taste; another partner differs', () => {
    const m = model();
    const a = m.siteDay('gru1', '2026-12-04').bytes;
    const b = m.siteDay('gru2', '2026-12-04').bytes;
    const c = m.siteDay('nrt1', '2026-12-04').bytes;
    const same = topOverlap(a, b, 200);
    const other = topOverlap(a, c, 200);
    expect(same).toBeGreaterThan(other + 0.1);
  });

  it('spreads a day over its local hours: shares sum to 1, peak in the local evening, trough at dawn', () => {
    const m = model();
    const shares = m.hourShares('nrt1', '2026-12-04');
    expect(shares).toHaveLength(24);
    expect(shares.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 9);
    const peak = shares.indexOf(Math.max(...shares));
    const trough = shares.indexOf(Math.min(...shares));
    expect(peak).toBeGreaterThanOrEqual(20);
    expect(peak).toBeLessThanOrEqual(21);
    expect(trough).toBeGreaterThanOrEqual(4);
    expect(trough).toBeLessThanOrEqual(5);
    // 21:00 in Tokyo is 12:00 UTC; the hour's demand is that share of the local day's bytes.
    const at = Date.UTC(2026, 11, 4, 12, 30);
    const hour = m.siteHour('nrt1', at);
    expect(hour.day).toBe('2026-12-04');
    expect(hour.share).toBeCloseTo(shares[21]!, 12);
    expect(hour.totalBytes).toBeCloseTo(m.siteDay('nrt1', '2026-12-04').totalBytes * shares[21]!, 3);
    // The same instant is still the 3rd in São Paulo (09:30 local): its own day and curve.
    expect(m.siteHour('gru1', at).day).toBe('2026-12-04');
    expect(localDayNumber('America/Sao_Paulo', Date.UTC(2026, 11, 4, 2, 0))).toBe(dayNumber('2026-12-03'));
  });

  it('a day with a daylight-saving change has 23 or 25 hours', () => {
    const m = new DemandModel({ seed: 1, titles: 10, sites: [{ code: 'fra1', partner: 'N', timezone: 'Europe/Berlin', playsPerDay: 10 }] });
    expect(m.hourShares('fra1', '2026-03-29')).toHaveLength(23);
    expect(m.hourShares('fra1', '2026-10-25')).toHaveLength(25);
  });

  it('hit ratio of a cache holding the head is the head share of the bytes', () => {
    const m = model();
    const at = Date.UTC(2026, 11, 4, 18);
    const d = m.siteDay('gru1', '2026-12-04');
    const head = (i: number) => i < 500;
    let expected = 0;
    for (let i = 0; i < 500; i++) expected += d.bytes[i]!;
    expect(m.hitRatio('gru1', at, head)).toBeCloseTo(expected / d.totalBytes, 12);
    expect(m.hitRatio('gru1', at, () => true)).toBe(1);
  });

  it('exports CSV a streaming service would hand over', () => {
    const m = new DemandModel({ seed: 3, titles: 20, sites: SITES });
    const catalog = [...catalogCsvLines(m)];
    expect(catalog[0]).toBe('content_id,title,bytes,kind,release_date');
    expect(catalog).toHaveLength(21);
    expect(catalog[1]).toMatch(/^c0000000,[^,]+,\d+,video,\d{4}-\d{2}-\d{2}$/);
    const demand = [...demandCsvLines(m, 'gru1', '2026-12-04')];
    expect(demand.length).toBeGreaterThan(5);
    for (const line of demand) expect(line).toMatch(/^gru1,2026-12-04,c\d{7},\d+,[1-9]\d*$/);
  });

  it('draws Poisson counts with the right mean', () => {
    let sum = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) sum += poisson(3.5, (i + 0.5) / n, 0.5);
    expect(sum / n).toBeCloseTo(3.5, 1);
    expect(poisson(1000, 0.5, 0.25)).toBeGreaterThan(900);
  });

  it('refuses an unknown site and a bad date', () => {
    const m = model();
    expect(() => m.siteDay('zzz9', '2026-12-04')).toThrow(/no site/);
    expect(() => m.siteDay('gru1', '2026-02-30')).toThrow(/not a date/);
  });
});
