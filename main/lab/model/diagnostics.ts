/**
 * Diagnostics: `ocactl diag CHECK` runs one check (disk, NIC, BGP, cache, throughput,
 * reachability) and reports a status, a sentence and the figures behind it.
 */
import type { DiagCheck, DiagReply, HealthStatus } from '../../appliance/contract';
import type { ConfigAndBgp } from './config-bgp';
import { Subsystem, type ApplianceCore } from './core';
import type { FirmwareAndBoot } from './firmware';
import type { HealthAndMetrics } from './health';
import { round } from './state';
import { wobble } from './traffic';

export class Diagnostics extends Subsystem {
  constructor(
    core: ApplianceCore,
    private readonly firmware: FirmwareAndBoot,
    private readonly routing: ConfigAndBgp,
    private readonly health: HealthAndMetrics,
  ) {
    super(core);
  }

  diag(check: DiagCheck): DiagReply {
    const now = this.advance();
    const s = this.state;
    const byName = new Map(this.health.components(now).map((c) => [c.name, c]));
    const from = (name: string, durationMs: number, details: DiagReply['details']): DiagReply => {
      const c = byName.get(name)!;
      return { check, status: c.status, message: c.message, durationMs, details };
    };
    switch (check) {
      case 'disk':
        return from('disk', 1200, {
          usedBytes: s.cache.usedBytes,
          totalBytes: s.storageBytes,
          failedDisks: this.hasFault('disk-failure') ? 1 : 0,
          disks: s.kind === 'storage' ? 36 : 18,
        });
      case 'nic':
        return from('nic', 300, { speedGbps: s.nicGbps, linkUp: true, rxErrors: 0, txErrors: 0 });
      case 'bgp': {
        const b = this.routing.bgpStatus();
        return from('bgp', 50, { state: b.state, neighbor: b.neighbor, peerAsn: b.peerAsn, prefixesReceived: b.prefixesReceived, prefixesAdvertised: b.prefixesAdvertised });
      }
      case 'cache': {
        const total = s.cache.baselineCount - s.cache.evicted.length + s.cache.added.length;
        const hit = this.health.metrics().cacheHitRatio;
        const status: HealthStatus = this.hasFault('disk-failure') ? 'Warning' : 'OK';
        return { check, status, message: `${total} items, hit ratio ${hit}.`, durationMs: 800, details: { items: total, usedBytes: s.cache.usedBytes, hitRatio: hit } };
      }
      case 'throughput': {
        const capacity = this.firmware.runningHealthy() ? (this.hasFault('disk-failure') ? s.nicGbps * 0.5 : s.nicGbps * 0.95) : 0;
        const status: HealthStatus = capacity === 0 ? 'Error' : capacity < s.nicGbps * 0.8 ? 'Warning' : 'OK';
        const message = capacity === 0 ? 'Throughput test failed: the ocad service is down.' : `Sustained ${round(capacity)} Gbps from cache in a 5 s test.`;
        return { check, status, message, durationMs: 5000, details: { capacityGbps: round(capacity), servingGbps: this.routing.servingGbps(now), nicGbps: s.nicGbps } };
      }
      case 'reachability': {
        const down = this.hasFault('bgp-down');
        return {
          check,
          status: down ? 'Error' : 'OK',
          message: down ? `BGP neighbor ${s.config.bgp.neighbor.address} does not answer; the origin is reachable over the management path only.` : `Neighbor ${s.config.bgp.neighbor.address} and the origin answer.`,
          durationMs: 2000,
          details: { neighborRttMs: down ? null : round(0.4 + 0.1 * (1 + wobble(s.seed, 3))), originRttMs: round(38 + 10 * (1 + wobble(s.seed, 4))), lossPercent: down ? 100 : 0 },
        };
      }
    }
  }
}
