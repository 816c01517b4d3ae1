/**
 * Health and metrics: component statuses derived from the state (disk, NIC, BGP, firmware,
 * serving, fill), the worst of them, and the traffic figures of the daily demand curve.
 */
import type { HealthComponent, HealthReply, MetricsReply } from '../../appliance/contract';
import { worstHealth } from '../../appliance/contract';
import type { CacheAndFills } from './cache';
import type { ConfigAndBgp } from './config-bgp';
import { Subsystem, type ApplianceCore } from './core';
import type { FirmwareAndBoot } from './firmware';
import { fmtTb, iso, KIND_PROFILES, round, STARTUP_MS } from './state';
import { wobble } from './traffic';

export class HealthAndMetrics extends Subsystem {
  constructor(
    core: ApplianceCore,
    private readonly firmware: FirmwareAndBoot,
    private readonly routing: ConfigAndBgp,
    private readonly cache: CacheAndFills,
  ) {
    super(core);
  }

  /** Each component's status and a sentence, from the state now. */
  components(now: number): HealthComponent[] {
    const s = this.state;
    const starting = now - s.bootedAt < STARTUP_MS;
    const used = s.cache.usedBytes / s.storageBytes;
    const out: HealthComponent[] = [];

    if (this.hasFault('disk-failure')) out.push({ name: 'disk', status: 'Error', message: 'Cache disk sdc failed (unrecoverable read errors); capacity reduced, fills refused.' });
    else if (used >= 0.97) out.push({ name: 'disk', status: 'Error', message: `Disk ${Math.floor(used * 100)}% full (${fmtTb(s.cache.usedBytes)} of ${fmtTb(s.storageBytes)}); fills will fail.` });
    else if (used >= 0.9) out.push({ name: 'disk', status: 'Warning', message: `Disk ${Math.floor(used * 100)}% full (${fmtTb(s.cache.usedBytes)} of ${fmtTb(s.storageBytes)}).` });
    else out.push({ name: 'disk', status: 'OK', message: `${Math.floor(used * 100)}% used (${fmtTb(s.cache.usedBytes)} of ${fmtTb(s.storageBytes)}).` });

    const serving = this.routing.servingGbps(now);
    out.push(
      this.hasFault('nic-errors')
        ? { name: 'nic', status: 'Warning', message: 'eth0 is taking CRC errors and flapping; run the nic diagnostic.' }
        : serving > 0.9 * s.nicGbps
        ? { name: 'nic', status: 'Warning', message: `Serving ${serving} Gbps on a ${s.nicGbps} Gbps link (over 90%).` }
        : { name: 'nic', status: 'OK', message: `${s.nicGbps} Gbps link up.` },
    );

    const bgp = this.routing.bgpState(now);
    const neighbor = `${s.config.bgp.neighbor.address} (AS ${s.config.bgp.neighbor.asn})`;
    if (bgp === 'Idle') out.push({ name: 'bgp', status: 'Error', message: `BGP session to ${neighbor} is down: hold timer expired.` });
    else if (bgp !== 'Established') out.push({ name: 'bgp', status: 'Unknown', message: `BGP session to ${neighbor} is being established.` });
    else out.push({ name: 'bgp', status: 'OK', message: `BGP session to ${neighbor} established.` });

    const running = s.slots[s.active].version ?? 'unknown';
    if (!this.firmware.runningHealthy()) out.push({ name: 'firmware', status: 'Error', message: `Image ${running} on slot ${s.active} boots but the ocad service fails its health checks; roll back.` });
    else if (this.firmware.trial) out.push({ name: 'firmware', status: 'Warning', message: `Running trial image ${running} on slot ${s.active}; commit it or roll back.` });
    else if (s.lastBoot?.outcome === 'fallback' && s.pending === null) out.push({ name: 'firmware', status: 'Warning', message: `Last boot: ${s.lastBoot.message}.` });
    else out.push({ name: 'firmware', status: 'OK', message: `${running} on slot ${s.active}, committed.` });

    if (starting) out.push({ name: 'serving', status: 'Unknown', message: 'Services are starting after a boot.' });
    else if (!this.firmware.runningHealthy()) out.push({ name: 'serving', status: 'Error', message: 'Not serving: the ocad service is down.' });
    else if (s.serving === 'drained') out.push({ name: 'serving', status: 'OK', message: 'Drained: not serving (service routes withdrawn).' });
    else if (s.serving === 'draining') out.push({ name: 'serving', status: 'OK', message: `Draining: ${serving} Gbps and falling.` });
    else if (bgp === 'Idle') out.push({ name: 'serving', status: 'Error', message: 'Not serving: no BGP routes to clients.' });
    else out.push({ name: 'serving', status: 'OK', message: `Serving ${serving} Gbps.` });

    const lastFill = s.fills[s.fills.length - 1];
    if (lastFill?.state === 'failed') out.push({ name: 'fill', status: 'Warning', message: `Fill ${lastFill.id} failed: ${lastFill.error}.` });
    else if (lastFill?.state === 'running') out.push({ name: 'fill', status: 'OK', message: `Fill ${lastFill.id} running.` });
    else out.push({ name: 'fill', status: 'OK', message: 'No fill running.' });
    return out;
  }

  health(): HealthReply {
    const now = this.advance();
    const components = this.components(now);
    return { serial: this.state.serial, status: worstHealth(components.map((c) => c.status)), checkedAt: iso(now), components };
  }

  metrics(): MetricsReply {
    const now = this.advance();
    const s = this.state;
    const servingGbps = this.routing.servingGbps(now);
    const minute = Math.floor(now / 60_000);
    const n = wobble(s.seed, minute + 7);
    const failed = this.hasFault('disk-failure');
    const running = s.fills.find((j) => j.state === 'running');
    // In a lab site the hit ratio follows what the site's appliances hold against its demand.
    const siteHit = this.core.site?.hitRatio(s.serial, now) ?? null;
    const hitRatio = siteHit ?? KIND_PROFILES[s.kind].hitRatio + 0.01 * n - (failed ? 0.2 : 0);
    const demand = this.routing.demandGbps(now);
    const originGbps = siteHit === null ? demand * (1 - hitRatio) : Math.max(0, demand - servingGbps);
    const item = running ? this.cache.currentFillItem(now) : null;
    return {
      serial: s.serial,
      at: iso(now),
      servingGbps,
      connections: Math.round((servingGbps * 1000) / 5.2 * (1 + 0.02 * n)),
      cacheHitRatio: round(Math.min(1, Math.max(0, hitRatio)), 4),
      disk: { usedBytes: s.cache.usedBytes, totalBytes: s.storageBytes },
      fill: {
        active: running !== undefined,
        jobId: running?.id ?? null,
        progress: running ? round(running.bytesDone / Math.max(1, running.bytesTotal), 4) : null,
        rateGbps: item?.gbps ?? 0,
        queued: s.fills.filter((j) => j.state === 'queued').length,
      },
      errorsPerSecond: round(Math.max(0, servingGbps * 0.002 * (1 + n)) + (failed ? 35 + 5 * n : 0)),
      originGbps: round(originGbps),
      peerFillGbps: round(this.core.site?.peerEgressGbps(s.serial, now) ?? 0),
    };
  }
}
