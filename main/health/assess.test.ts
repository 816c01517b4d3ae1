/** The pure parts of live health: thresholds, assessment, action items, roll-ups, history. */
import { describe, expect, it } from 'vitest';
import type { HealthComponent } from '../appliance/contract';
import type { Appliance, LifecycleStatus } from '../inventory/contract';
import { actionItems, sortItems } from './actionable';
import { applyOutcome, assess, formatAge, updateSince, componentsOf, UNREACHABLE_ERROR_AFTER, type HealthRecord } from './assess';
import type { ApplianceHealth, MetricsSample } from './contract';
import { MetricsRing } from './history';
import { rollup } from './rollup';
import { DEFAULT_THRESHOLDS, thresholdComponents } from './thresholds';

const T0 = Date.UTC(2026, 2, 1, 12);
const iso = (ms: number) => new Date(ms).toISOString();

const sample = (over: Partial<MetricsSample> = {}): MetricsSample => ({
  at: iso(T0),
  servingGbps: 50,
  connections: 9000,
  cacheHitRatio: 0.95,
  diskUsedBytes: 60,
  diskTotalBytes: 100,
  fillProgress: null,
  fillRateGbps: 0,
  errorsPerSecond: 0.2,
  ...over,
});

const appliance = (status: LifecycleStatus = 'online', serial = 'OCA1', site = 'gru1'): Appliance => ({
  serial,
  hostname: `${serial.toLowerCase()}.isp.example`,
  site,
  partner: site === 'gru1' ? 'Vereda' : 'Nordwind',
  model: 'storage',
  ipv4: '10.0.0.1',
  ipv6: null,
  sshPort: 22,
  apiPort: 443,
  storageTb: 300,
  nicGbps: 100,
  firmware: '26.1.3',
  status,
  statusReason: null,
  statusChangedBy: null,
  statusChangedAt: null,
  hostKeyFingerprint: null,
  tags: [],
  notes: '',
  createdAt: iso(T0),
  updatedAt: iso(T0),
});

const OK_COMPONENTS: HealthComponent[] = ['disk', 'nic', 'bgp', 'firmware', 'serving', 'fill'].map((name) => ({ name, status: 'OK', message: `${name} fine.` }));

function reached(prev: HealthRecord | undefined, at: number, components = OK_COMPONENTS, metrics = sample({ at: iso(at) })): HealthRecord {
  return applyOutcome(prev, 'OCA1', {
    kind: 'reached',
    at: iso(at),
    health: { serial: 'OCA1', status: 'OK', checkedAt: iso(at), components },
    metrics: {
      serial: 'OCA1',
      at: iso(at),
      servingGbps: metrics.servingGbps,
      connections: metrics.connections,
      cacheHitRatio: metrics.cacheHitRatio,
      disk: { usedBytes: metrics.diskUsedBytes, totalBytes: metrics.diskTotalBytes },
      fill: { active: false, jobId: null, progress: null, rateGbps: 0, queued: 0 },
      errorsPerSecond: metrics.errorsPerSecond,
    },
    metricsError: null,
  });
}
const failed = (prev: HealthRecord | undefined, at: number) =>
  applyOutcome(prev, 'OCA1', { kind: 'failed', at: iso(at), error: { code: 'E_UNREACHABLE', message: 'OCA1 is unreachable over HTTP: ECONNREFUSED.' } });

/** Assess and track `since` as a sweep does. */
function view(record: HealthRecord, lifecycle: LifecycleStatus = 'online', now = Date.parse(record.lastPollAt!)): { h: ApplianceHealth; record: HealthRecord } {
  const tracked = updateSince(record, componentsOf(record, DEFAULT_THRESHOLDS.storage, now), iso(now));
  return { h: assess(appliance(lifecycle), tracked, DEFAULT_THRESHOLDS.storage, now), record: tracked };
}
const items = (record: HealthRecord, lifecycle: LifecycleStatus = 'online', now?: number) => {
  const { h, record: r } = view(record, lifecycle, now);
  return actionItems(h, r.since, iso(now ?? T0));
};

describe('thresholds', () => {
  it('grade disk usage, error rate and hit ratio; a drained appliance has no hit ratio to judge', () => {
    const t = DEFAULT_THRESHOLDS.storage;
    const status = (m: MetricsSample) => Object.fromEntries(thresholdComponents(m, t).map((c) => [c.name, c.status]));
    expect(status(sample())).toEqual({ 'disk-usage': 'OK', 'error-rate': 'OK', 'cache-hit': 'OK' });
    expect(status(sample({ diskUsedBytes: 90 }))['disk-usage']).toBe('Warning');
    expect(status(sample({ diskUsedBytes: 97 }))['disk-usage']).toBe('Error');
    expect(status(sample({ errorsPerSecond: 5 }))['error-rate']).toBe('Warning');
    expect(status(sample({ errorsPerSecond: 30 }))['error-rate']).toBe('Error');
    expect(status(sample({ cacheHitRatio: 0.7 }))['cache-hit']).toBe('Warning');
    expect(status(sample({ servingGbps: 0, cacheHitRatio: 0 }))).not.toHaveProperty('cache-hit');
    expect(status(sample({ cacheHitRatio: 0.1 }))).toHaveProperty('cache-hit');
    expect(Object.keys(Object.fromEntries(thresholdComponents(sample(), { ...t, cacheHitWarnBelow: 0 }).map((c) => [c.name, 1])))).toEqual(['disk-usage', 'error-rate']);
  });
});

describe('assessment', () => {
  it('never polled is Unknown with nothing to show', () => {
    expect(assess(appliance(), undefined, DEFAULT_THRESHOLDS.storage, T0)).toMatchObject({ status: 'Unknown', reachable: false, measuredAt: null, ageSeconds: null, components: [] });
  });

  it('keeps the last known state when a poll fails; Warning, then Error after repeated failures', () => {
    let r = reached(undefined, T0);
    for (let i = 1; i <= UNREACHABLE_ERROR_AFTER; i++) {
      r = failed(r, T0 + i * 10_000);
      const h = assess(appliance(), r, DEFAULT_THRESHOLDS.storage, T0 + i * 10_000);
      expect(h).toMatchObject({ reachable: false, measuredAt: iso(T0), ageSeconds: i * 10, metrics: { servingGbps: 50 } });
      expect(h.components.filter((c) => c.source === 'appliance')).toHaveLength(6);
      expect(h.status).toBe(i < UNREACHABLE_ERROR_AFTER ? 'Warning' : 'Error');
    }
    r = reached(r, T0 + 60_000);
    expect(assess(appliance(), r, DEFAULT_THRESHOLDS.storage, T0 + 60_000)).toMatchObject({ status: 'OK', reachable: true, lastError: null });
  });

  it('never reached: the reachability component says so', () => {
    const h = assess(appliance(), failed(undefined, T0), DEFAULT_THRESHOLDS.storage, T0);
    expect(h).toMatchObject({ status: 'Warning', measuredAt: null });
    expect(h.components[0]!.message).toMatch(/never answered/);
  });

  it('turns stale healthy data Unknown, but never hides a known Error', () => {
    const later = T0 + 301_000;
    expect(assess(appliance(), reached(undefined, T0), DEFAULT_THRESHOLDS.storage, later).status).toBe('Unknown');
    const broken = reached(undefined, T0, [{ name: 'disk', status: 'Error', message: 'Cache disk sdc failed.' }]);
    expect(assess(appliance(), broken, DEFAULT_THRESHOLDS.storage, later).status).toBe('Error');
    expect(assess(appliance(), reached(undefined, T0), { ...DEFAULT_THRESHOLDS.storage, staleAfterSec: 0 }, later).status).toBe('OK');
  });

  it('formats ages the way an engineer reads them', () => {
    expect([5, 89, 90, 3599, 3600, 3900, 49 * 3600, 48 * 3600].map(formatAge)).toEqual(['5 s', '89 s', '2 min', '1 h', '1 h', '1 h 5 min', '2 d 1 h', '2 d']);
  });
});

describe('action items', () => {
  const comp = (name: string, status: 'Warning' | 'Error', message: string): HealthComponent[] => OK_COMPONENTS.map((c) => (c.name === name ? { name, status, message } : c));

  it('maps each appliance component to its problem and fix, one item per root cause', () => {
    const cases: Array<[ReturnType<typeof comp>, string, RegExp]> = [
      [comp('disk', 'Error', 'Cache disk sdc failed (unrecoverable read errors).'), 'disk-failure', /RMA.*drain/],
      [comp('disk', 'Warning', 'Disk 91% full.'), 'disk-full', /eviction or a smaller fill/],
      [comp('bgp', 'Error', 'BGP session to 10.1.0.1 (AS 64512) is down: hold timer expired.'), 'bgp-down', /neighbor 10\.1\.0\.1, AS 64512/],
      [comp('firmware', 'Error', 'Image 26.9.0 on slot B fails its health checks; roll back.'), 'firmware-unhealthy', /Roll back to the previous image/],
      [comp('firmware', 'Warning', 'Running trial image 26.9.0 on slot B; commit it or roll back.'), 'firmware-trial', /commit/],
      [comp('serving', 'Error', 'Not serving: the ocad service is down.'), 'not-serving', /ocad/],
      [comp('fill', 'Warning', 'Fill f1 failed: no space.'), 'fill-failed', /next fill window/],
      [comp('nic', 'Warning', 'Serving 95 Gbps on a 100 Gbps link (over 90%).'), 'link-saturated', /load/],
    ];
    for (const [components, kind, fix] of cases) {
      const got = items(reached(undefined, T0, components));
      expect(got.map((i) => i.id)).toEqual([`OCA1/${kind}`]);
      expect(got[0]!.suggestedFix).toMatch(fix);
      expect(got[0]).toMatchObject({ serial: 'OCA1', site: 'gru1', partner: 'Vereda', since: iso(T0) });
    }
    const bgpAndServing = OK_COMPONENTS.map((c) =>
      c.name === 'bgp' ? { ...c, status: 'Error' as const, message: 'BGP down.' } : c.name === 'serving' ? { ...c, status: 'Error' as const, message: 'Not serving: no BGP routes.' } : c,
    );
    expect(items(reached(undefined, T0, bgpAndServing)).map((i) => i.id)).toEqual(['OCA1/bgp-down']);
  });

  it('leaves out the error rate and hit ratio a failed disk explains, but not on their own', () => {
    const symptoms = sample({ errorsPerSecond: 40, cacheHitRatio: 0.7 });
    const failedDisk = reached(undefined, T0, comp('disk', 'Error', 'Cache disk sdc failed.'), symptoms);
    expect(items(failedDisk).map((i) => i.id)).toEqual(['OCA1/disk-failure']);
    expect(items(failedDisk)[0]!.fixArgv).toEqual(['ocactl', 'drain']);
    // An online appliance that reports itself drained: the fix to run is undrain; a problem with
    // no one-command fix offers none.
    const drainedBox = items(reached(undefined, T0, comp('serving', 'Warning', 'Drained: routes withdrawn.'), sample({ servingGbps: 0 })));
    expect(drainedBox.find((i) => i.id === 'OCA1/lifecycle-mismatch')?.fixArgv).toEqual(['ocactl', 'undrain']);
    expect(items(reached(undefined, T0, comp('disk', 'Warning', 'Disk 91% full.')))[0]!.fixArgv).toBeNull();
    expect(view(failedDisk).h.components.filter((c) => c.status !== 'OK').map((c) => c.name)).toEqual(['disk', 'error-rate', 'cache-hit']);
    expect(items(reached(undefined, T0, OK_COMPONENTS, symptoms)).map((i) => i.id)).toEqual(['OCA1/error-rate', 'OCA1/cache-hit-low']);
  });

  it('merges the appliance disk warning and the disk threshold into one disk-full item', () => {
    const r = reached(undefined, T0, comp('disk', 'Warning', 'Disk 92% full.'), sample({ diskUsedBytes: 92 }));
    expect(items(r).map((i) => [i.id, i.severity])).toEqual([['OCA1/disk-full', 'Warning']]);
    const worse = reached(undefined, T0, comp('disk', 'Warning', 'Disk 92% full.'), sample({ diskUsedBytes: 98 }));
    expect(items(worse).map((i) => [i.id, i.severity])).toEqual([['OCA1/disk-full', 'Error']]);
  });

  it('follows lifecycle: online unreachable is an Error, drained unreachable a Warning, offline and rma nothing', () => {
    let r = reached(undefined, T0);
    for (let i = 1; i <= UNREACHABLE_ERROR_AFTER; i++) r = view(failed(r, T0 + i * 60_000)).record;
    const online = items(r, 'online');
    expect(online).toEqual([expect.objectContaining({ id: 'OCA1/unreachable', severity: 'Error', since: iso(T0 + 60_000), suggestedFix: expect.stringMatching(/last seen 3 min ago/) })]);
    expect(items(r, 'drained')).toEqual([expect.objectContaining({ id: 'OCA1/unreachable', severity: 'Warning' })]);
    expect(items(r, 'provisioning')).toEqual([]);
    expect(items(r, 'offline')).toEqual([]);
    expect(items(r, 'rma')).toEqual([]);
    expect(items(r, 'awaiting-install')).toEqual([]);
  });

  it('keeps since across sweeps while a problem lasts, and restarts it after it cleared', () => {
    const bad = comp('fill', 'Warning', 'Fill f1 failed.');
    const { record: first } = view(reached(undefined, T0, bad));
    const { record: second } = view(reached(first, T0 + 10_000, bad));
    expect(second.since).toEqual({ fill: iso(T0) });
    const { record: cleared } = view(reached(second, T0 + 20_000));
    expect(cleared.since).toEqual({});
    const { record: again } = view(reached(cleared, T0 + 30_000, bad));
    expect(again.since).toEqual({ fill: iso(T0 + 30_000) });
  });

  it('flags a drained appliance that still serves, and sorts worst first then oldest', () => {
    expect(items(reached(undefined, T0), 'drained').map((i) => i.id)).toEqual(['OCA1/lifecycle-mismatch']);
    // Its fix is one command a UI can offer to run: drain the box the inventory says is drained.
    expect(items(reached(undefined, T0), 'drained')[0]!.fixArgv).toEqual(['ocactl', 'drain']);
    expect(items(reached(undefined, T0, OK_COMPONENTS, sample({ servingGbps: 0 })), 'drained')).toEqual([]);
    const mk = (id: string, severity: 'Warning' | 'Error', since: string) => ({ id, severity, serial: null, site: 's', partner: 'p', problem: '', suggestedFix: '', fixArgv: null, since });
    expect(sortItems([mk('a', 'Warning', '2026-01-01'), mk('b', 'Error', '2026-01-03'), mk('c', 'Error', '2026-01-02')]).map((i) => i.id)).toEqual(['c', 'b', 'a']);
  });
});

describe('last known status', () => {
  const T = DEFAULT_THRESHOLDS.storage;
  it('is what the last measurement said, without the failed polls and the age', () => {
    expect(assess(appliance(), undefined, T, T0).lastKnownStatus).toBeNull();
    // Polled but never answered: nothing is known.
    expect(assess(appliance(), failed(undefined, T0), T, T0)).toMatchObject({ status: 'Warning', lastKnownStatus: null });
    let r = reached(undefined, T0);
    for (let i = 0; i < UNREACHABLE_ERROR_AFTER; i++) r = failed(r, T0 + (i + 1) * 60_000);
    // Unreachable for an hour: Error and stale, yet it was healthy when last measured.
    const gone = assess(appliance(), r, T, T0 + 3_600_000);
    expect(gone.components.map((c) => c.name)).toEqual(expect.arrayContaining(['reachability', 'freshness']));
    expect(gone).toMatchObject({ status: 'Error', reachable: false, lastKnownStatus: 'OK' });
    // A threshold on the last metrics counts: it is part of the measurement.
    const full = reached(undefined, T0, OK_COMPONENTS, sample({ diskUsedBytes: 95 }));
    expect(assess(appliance(), failed(full, T0 + 1000), T, T0 + 1000)).toMatchObject({ status: 'Warning', lastKnownStatus: 'Warning' });
    // Reached, with only /v1/metrics failing: the measurement itself was fine.
    const metricsDown = applyOutcome(undefined, 'OCA1', {
      kind: 'reached',
      at: iso(T0),
      health: { serial: 'OCA1', status: 'OK', checkedAt: iso(T0), components: OK_COMPONENTS },
      metrics: null,
      metricsError: { code: 'E_BAD_REPLY', message: 'bad' },
    });
    expect(assess(appliance(), metricsDown, T, T0)).toMatchObject({ status: 'Warning', reachable: true, lastKnownStatus: 'OK' });
  });

  it('follows a threshold change on the same record (the cached components are rebuilt)', () => {
    const r = reached(undefined, T0, OK_COMPONENTS, sample({ diskUsedBytes: 60 }));
    expect(assess(appliance(), r, T, T0).status).toBe('OK');
    expect(assess(appliance(), r, { ...T, diskWarnPct: 50 }, T0).status).toBe('Warning');
    expect(assess(appliance(), r, T, T0).status).toBe('OK');
  });
});

describe('roll-up', () => {
  it('is the worst of online and drained appliances; others are counted but do not colour it', () => {
    const ok = assess(appliance('online', 'A'), reached(undefined, T0), DEFAULT_THRESHOLDS.storage, T0);
    let r = reached(undefined, T0);
    for (let i = 0; i < UNREACHABLE_ERROR_AFTER; i++) r = failed(r, T0);
    const offline = assess(appliance('offline', 'B'), r, DEFAULT_THRESHOLDS.storage, T0);
    const drainedBroken = assess(appliance('drained', 'C'), reached(undefined, T0, [{ name: 'disk', status: 'Warning', message: 'full' }]), DEFAULT_THRESHOLDS.storage, T0);
    expect(rollup([ok, offline])).toEqual({ status: 'OK', counts: { OK: 1, Unknown: 0, Warning: 0, Error: 1, unreachable: 1, measured: 2 }, servingGbps: 50 });
    expect(rollup([ok, offline, drainedBroken]).status).toBe('Warning');
    expect(rollup([offline]).status).toBe('Unknown');
  });
});

describe('metrics history', () => {
  it('keeps the newest N samples, oldest first, and resizes keeping the newest', () => {
    const ring = new MetricsRing(3);
    for (let i = 0; i < 5; i++) ring.push(sample({ at: iso(T0 + i * 1000), servingGbps: i, fillProgress: i === 4 ? 0.5 : null }));
    expect(ring.toArray().map((s) => s.servingGbps)).toEqual([2, 3, 4]);
    expect(ring.toArray().map((s) => s.fillProgress)).toEqual([null, null, 0.5]);
    expect(ring.toArray()[0]).toEqual(sample({ at: iso(T0 + 2000), servingGbps: 2 }));
    ring.resize(2);
    expect(ring.toArray().map((s) => s.servingGbps)).toEqual([3, 4]);
    ring.resize(4);
    ring.push(sample({ servingGbps: 9 }));
    expect(ring.toArray().map((s) => s.servingGbps)).toEqual([3, 4, 9]);
    expect(ring.capacity).toBe(4);
  });
});
