import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../kit/time';
import { HealthReply, StatusReply } from '../../appliance/contract';
import type { ImageInspection } from '../../appliance/image';
import { planFleet } from '../plan';
import { createApplianceState, DRAIN_MS, LabAppliance, STARTUP_MS, type ApplianceState } from './appliance';
import { catalogBytes, catalogId, catalogPrefixBytes } from './catalog';
import { ApplianceError } from './errors';
import { dailyCurve, localHour } from './traffic';

const T0 = Date.UTC(2026, 2, 10, 12, 0, 0);
const goodImage = (version: string): ImageInspection => ({ bytes: 100, sha256: 'a'.repeat(64), version, valid: true, problems: [] });

function make(kind: 'storage' | 'flash' = 'storage', timezone = 'Europe/Berlin') {
  const clock = new ManualClock(T0);
  const spec = planFleet(3, 1, 7).appliances.find((a) => a.kind === kind)!;
  const appliance = new LabAppliance(createApplianceState({ ...spec, timezone }, clock.now()), clock);
  return { clock, appliance };
}

function refusal(fn: () => unknown): ApplianceError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApplianceError) return err;
    throw err;
  }
  throw new Error('expected the appliance to refuse');
}

describe('firmware A/B and reboots', () => {
  it('boots an activated image after a reboot that takes time, then commits it', () => {
    const { clock, appliance } = make();
    expect(appliance.activate('oca-26.2.0.img', goodImage('26.2.0'))).toEqual({ slot: 'B', version: '26.2.0', rebootRequired: true });
    expect(appliance.status().firmware.pending).toBe('B');
    const reboot = appliance.reboot();
    expect(reboot.bootSlot).toBe('B');
    expect(appliance.isDown()).toBe(true);
    clock.advance(reboot.expectedDowntimeSeconds * 1000 - 1);
    expect(appliance.isDown()).toBe(true);
    clock.advance(1);
    expect(appliance.isDown()).toBe(false);
    const status = StatusReply.parse(appliance.status());
    expect(status.firmware).toMatchObject({ active: 'B', committed: 'A', trial: true, runningVersion: '26.2.0', pending: null });
    expect(status.uptimeSeconds).toBe(0);
    expect(appliance.commit()).toEqual({ committed: 'B', version: '26.2.0' });
    expect(appliance.status().firmware.trial).toBe(false);
    expect(refusal(() => appliance.commit()).code).toBe('E_STATE');
  });

  it('falls back to the previous image by itself when the new one never boots (no-boot-image)', () => {
    const { clock, appliance } = make();
    appliance.setFault('no-boot-image', true);
    appliance.activate('bad.img', goodImage('26.9.9'));
    const reboot = appliance.reboot();
    clock.advance(reboot.expectedDowntimeSeconds * 1000);
    expect(appliance.isDown()).toBe(true); // a failed boot takes longer than the typical downtime
    clock.advance(reboot.expectedDowntimeSeconds * 2000);
    expect(appliance.isDown()).toBe(false);
    const status = appliance.status();
    expect(status.firmware).toMatchObject({ active: 'A', committed: 'A', trial: false, runningVersion: '26.1.3' });
    expect(status.firmware.lastBoot).toMatchObject({ attempted: 'B', booted: 'A', outcome: 'fallback' });
    clock.advance(STARTUP_MS);
    const health = appliance.health();
    expect(health.components.find((c) => c.name === 'firmware')).toMatchObject({ status: 'Warning' });
    expect(appliance.logs().some((l) => l.level === 'error' && /did not boot/.test(l.message))).toBe(true);
  });

  it('boots an image that then fails health (bad-health-image), and rolls back', () => {
    const { clock, appliance } = make();
    appliance.setFault('bad-health-image', true);
    appliance.activate('x.img', goodImage('26.3.0'));
    clock.advance(appliance.reboot().expectedDowntimeSeconds * 1000 + STARTUP_MS);
    const health = HealthReply.parse(appliance.health());
    expect(health.status).toBe('Error');
    expect(health.components.find((c) => c.name === 'firmware')?.status).toBe('Error');
    expect(appliance.metrics().servingGbps).toBe(0);
    expect(appliance.status().firmware).toMatchObject({ active: 'B', runningVersion: '26.3.0', trial: true });
    expect(appliance.rollback()).toEqual({ pending: 'A', version: '26.1.3', rebootRequired: true });
    appliance.setFault('bad-health-image', false);
    clock.advance(appliance.reboot().expectedDowntimeSeconds * 1000 + STARTUP_MS);
    expect(appliance.status().firmware).toMatchObject({ active: 'A', trial: false });
    expect(appliance.health().components.find((c) => c.name === 'firmware')?.status).toBe('OK');
  });

  it('an uncommitted trial image is dropped at the next reboot', () => {
    const { clock, appliance } = make();
    appliance.activate('x.img', goodImage('26.4.0'));
    clock.advance(appliance.reboot().expectedDowntimeSeconds * 1000);
    expect(appliance.status().firmware.active).toBe('B');
    const again = appliance.reboot();
    expect(again.bootSlot).toBe('A');
    clock.advance(again.expectedDowntimeSeconds * 1000);
    expect(appliance.status().firmware).toMatchObject({ active: 'A', trial: false });
  });

  it('refuses an invalid image and a second activation during a trial', () => {
    const { clock, appliance } = make();
    const bad = refusal(() => appliance.activate('x.img', { ...goodImage('1'), valid: false, problems: ['checksum mismatch'] }));
    expect(bad.code).toBe('E_IMAGE');
    expect(bad.message).toMatch(/checksum mismatch/);
    appliance.activate('x.img', goodImage('26.5.0'));
    clock.advance(appliance.reboot().expectedDowntimeSeconds * 1000);
    expect(refusal(() => appliance.activate('y.img', goodImage('26.6.0'))).code).toBe('E_STATE');
  });
});

describe('serving, drain and health', () => {
  it('a drain takes serving to zero', () => {
    const { clock, appliance } = make();
    clock.advance(STARTUP_MS);
    expect(appliance.metrics().servingGbps).toBeGreaterThan(0);
    const d = appliance.drain();
    expect(d.serving).toBe('draining');
    clock.advance(DRAIN_MS / 2);
    const half = appliance.metrics().servingGbps;
    expect(half).toBeGreaterThan(0);
    clock.advance(DRAIN_MS / 2);
    expect(appliance.status().serving).toBe('drained');
    expect(appliance.metrics().servingGbps).toBe(0);
    expect(appliance.metrics().connections).toBe(0);
    expect(appliance.bgpStatus().prefixesAdvertised).toBe(0);
    expect(appliance.undrain().serving).toBe('serving');
    expect(appliance.metrics().servingGbps).toBeGreaterThan(0);
  });

  it('BGP down: health Error, serving zero, bgp status Idle', () => {
    const { clock, appliance } = make();
    clock.advance(STARTUP_MS);
    appliance.setFault('bgp-down', true);
    expect(appliance.health().status).toBe('Error');
    expect(appliance.health().components.find((c) => c.name === 'bgp')?.status).toBe('Error');
    expect(appliance.bgpStatus()).toMatchObject({ state: 'Idle', lastError: 'Hold timer expired', prefixesAdvertised: 0 });
    expect(appliance.metrics().servingGbps).toBe(0);
    expect(appliance.diag('reachability').status).toBe('Error');
    appliance.setFault('bgp-down', false);
    expect(appliance.bgpStatus().state).toBe('Active');
    clock.advance(10_000);
    expect(appliance.bgpStatus().state).toBe('Established');
  });

  it('BGP changes need a drained appliance', () => {
    const { clock, appliance } = make();
    expect(refusal(() => appliance.configSet(['bgp.neighbor=100.64.9.1'])).code).toBe('E_STATE');
    expect(appliance.configSet(['hostname=oca99.test']).changed).toEqual(['hostname']);
    appliance.drain();
    clock.advance(DRAIN_MS);
    const r = appliance.configSet(['bgp.neighbor=100.64.9.1', 'bgp.neighbor-asn=64999']);
    expect(r.config.bgp.neighbor).toEqual({ address: '100.64.9.1', asn: 64999 });
    expect(refusal(() => appliance.configSet(['bgp.neighbor=not-an-ip'])).code).toBe('E_USAGE');
    expect(refusal(() => appliance.configSet(['interface.eth9.mtu=1500'])).code).toBe('E_NOT_FOUND');
  });

  it('a nearly full disk is a Warning, a disk failure an Error that refuses fills', () => {
    const { clock, appliance } = make('flash');
    clock.advance(STARTUP_MS);
    const s = appliance.state;
    s.cache.usedBytes = Math.floor(s.storageBytes * 0.93);
    expect(appliance.health().components.find((c) => c.name === 'disk')?.status).toBe('Warning');
    expect(appliance.health().status).toBe('Warning');
    s.cache.usedBytes = Math.floor(s.storageBytes * 0.5);
    appliance.setFault('disk-failure', true);
    expect(appliance.health().status).toBe('Error');
    expect(appliance.metrics().errorsPerSecond).toBeGreaterThan(10);
    expect(refusal(() => appliance.startFill({ items: [{ contentId: 'x', bytes: 1, source: 'origin' }], evict: [] })).code).toBe('E_UNAVAILABLE');
  });

  it('health is Unknown right after a boot, while services start', () => {
    const { clock, appliance } = make();
    clock.advance(appliance.reboot().expectedDowntimeSeconds * 1000);
    expect(appliance.health().status).toBe('Unknown');
    clock.advance(STARTUP_MS);
    expect(appliance.health().status).toBe('OK');
  });

  it('traffic follows the daily curve in the site timezone', () => {
    expect(dailyCurve(21)).toBeCloseTo(1);
    expect(dailyCurve(5)).toBeCloseTo(0.12);
    // 20:00 UTC in March is 21:00 in Berlin, 17:00 in São Paulo and 05:00 in Tokyo.
    const at = Date.UTC(2026, 2, 15, 20, 0, 0);
    expect(localHour('Europe/Berlin', at)).toBeCloseTo(21);
    expect(localHour('America/Sao_Paulo', at)).toBeCloseTo(17);
    expect(localHour('Europe/Berlin', Date.UTC(2026, 6, 15, 20, 0, 0))).toBeCloseTo(22); // summer time
    const berlin = make('storage', 'Europe/Berlin');
    const tokyo = make('storage', 'Asia/Tokyo');
    for (const x of [berlin, tokyo]) x.clock.set(at);
    expect(berlin.appliance.metrics().servingGbps).toBeGreaterThan(3 * tokyo.appliance.metrics().servingGbps);
  });
});

describe('cache and fills', () => {
  it('a fill changes cache contents at the fill rate', () => {
    const { clock, appliance } = make('storage');
    const before = appliance.cacheList(0, 1);
    const job = appliance.startFill({
      manifestId: 'm-1',
      items: [
        { contentId: 'title-a', bytes: 150e9, source: 'origin' },
        { contentId: 'title-b', bytes: 150e9, source: 'peer:LAB00002' },
        { contentId: catalogId(0), bytes: catalogBytes(0), source: 'origin' },
      ],
      evict: [],
    });
    expect(job).toMatchObject({ state: 'running', items: 3, itemsSkipped: 1, bytesTotal: 300e9, manifestId: 'm-1' });
    // 1.2 Gbps = 150 MB/s: 150 GB take 1000 s.
    clock.advance(999_000);
    expect(appliance.fillJob(job.id)).toMatchObject({ state: 'running', itemsDone: 0 });
    clock.advance(1_000);
    expect(appliance.fillJob(job.id)).toMatchObject({ itemsDone: 1, progress: 0.5 });
    expect(appliance.metrics().fill).toMatchObject({ active: true, jobId: job.id, progress: 0.5 });
    clock.advance(1_000_000);
    const done = appliance.fillJob(job.id);
    expect(done).toMatchObject({ state: 'done', itemsDone: 2, bytesDone: 300e9, progress: 1 });
    const after = appliance.cacheList(before.total, 10);
    expect(after.total).toBe(before.total + 2);
    expect(after.items.map((i) => [i.contentId, i.source])).toEqual([
      ['title-a', 'origin'],
      ['title-b', 'peer:LAB00002'],
    ]);
    expect(after.totalBytes).toBe(before.totalBytes + 300e9);
  });

  it('capacity is enforced; evictions in the same manifest make room; a refused fill changes nothing', () => {
    const { appliance } = make('flash');
    const s = appliance.state;
    const free = s.storageBytes - s.cache.usedBytes;
    const used = s.cache.usedBytes;
    const tooBig = { items: [{ contentId: 'huge', bytes: free + 1, source: 'origin' }], evict: [catalogId(5)] };
    expect(refusal(() => appliance.startFill({ ...tooBig, evict: [] })).code).toBe('E_NO_SPACE');
    expect(s.cache.usedBytes).toBe(used);
    const evict = [0, 1, 2].map(catalogId);
    const fits = appliance.startFill({ items: [{ contentId: 'huge', bytes: free + 1, source: 'origin' }], evict });
    expect(fits.evicted).toBe(3);
    expect(s.cache.usedBytes).toBe(used - catalogPrefixBytes(3));
    const page = appliance.cacheList(0, 2);
    expect(page.items.map((i) => i.contentId)).toEqual([catalogId(3), catalogId(4)]);
  });

  it('a reboot interrupts a running fill', () => {
    const { clock, appliance } = make('flash');
    const job = appliance.startFill({ items: [{ contentId: 'a', bytes: 1e12, source: 'origin' }], evict: [] });
    clock.advance(60_000);
    appliance.reboot();
    expect(appliance.fillJob(job.id).state).toBe('failed');
    clock.advance(3_600_000);
    expect(appliance.health().components.find((c) => c.name === 'fill')?.status).toBe('Warning');
  });
});

describe('state', () => {
  it('survives JSON (the agent keeps it in a file)', () => {
    const { clock, appliance } = make();
    appliance.activate('x.img', goodImage('26.2.0'));
    appliance.startFill({ items: [{ contentId: 'a', bytes: 1e9, source: 'origin' }], evict: [catalogId(1)] });
    appliance.setFault('slow', true);
    const copy = new LabAppliance(JSON.parse(JSON.stringify(appliance.state)) as ApplianceState, clock);
    clock.advance(60_000);
    expect(copy.status()).toEqual(appliance.status());
    expect(copy.cacheList(0, 5)).toEqual(appliance.cacheList(0, 5));
    expect(copy.faults).toEqual(['slow']);
  });

  it('logs filter by time', () => {
    const { clock, appliance } = make();
    appliance.drain();
    clock.advance(1000);
    const mark = clock.now();
    appliance.undrain();
    expect(appliance.logs({ since: mark }).map((l) => l.message)).toEqual(['undrained: service routes announced again']);
  });
});
