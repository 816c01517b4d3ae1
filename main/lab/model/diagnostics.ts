/**
 * Diagnostics: `ocactl diag CHECK` runs one check (disk, NIC, BGP, cache, throughput,
 * reachability) and reports a status, a sentence and the figures behind it, with the detail an
 * engineer needs on the phone with a NOC: which disk (device, bay, its errors), which NIC (name,
 * link, error counters), the BGP state and its last error. The real part of a check (the time it
 * takes, the bytes the throughput test pushes) is measured by ../diag-probes.ts and handed in as a
 * probe; this file judges it against the appliance's state and faults.
 */
import type { DiagCheck, DiagReply, HealthStatus } from '../../appliance/contract';
import type { ConfigAndBgp } from './config-bgp';
import { Subsystem, type ApplianceCore } from './core';
import type { FirmwareAndBoot } from './firmware';
import type { HealthAndMetrics } from './health';
import { round } from './state';
import { wobble } from './traffic';

/** What the machine measured for a check: its real duration and, for throughput, the transfer. */
export interface DiagProbe {
  elapsedMs: number;
  /** Bytes pushed over the loopback by the throughput test, and how long they took. */
  bytes?: number;
  transferMs?: number;
}

/** The failed cache disk of the disk-failure fault: device, bay and what the kernel logged. */
export const FAILED_DISK = { device: 'sdc', bay: 3, error: 'unrecoverable read errors (UNC) at LBA 0x1d2f4a80' } as const;
/** The NIC the nic-errors fault hits. */
export const FAULTY_NIC = 'eth0';

export class Diagnostics extends Subsystem {
  constructor(
    core: ApplianceCore,
    private readonly firmware: FirmwareAndBoot,
    private readonly routing: ConfigAndBgp,
    private readonly health: HealthAndMetrics,
  ) {
    super(core);
  }

  diag(check: DiagCheck, probe: DiagProbe = { elapsedMs: 0 }): DiagReply {
    const now = this.advance();
    const s = this.state;
    const durationMs = Math.max(0, Math.round(probe.elapsedMs));
    const byName = new Map(this.health.components(now).map((c) => [c.name, c]));
    const from = (name: string, details: DiagReply['details']): DiagReply => {
      const c = byName.get(name)!;
      return { check, status: c.status, message: c.message, durationMs, details };
    };
    switch (check) {
      case 'disk': {
        const disks = s.kind === 'storage' ? 36 : 18;
        const failed = this.hasFault('disk-failure');
        return from('disk', {
          usedBytes: s.cache.usedBytes,
          totalBytes: s.storageBytes,
          disks,
          healthyDisks: failed ? disks - 1 : disks,
          failedDisks: failed ? 1 : 0,
          failedDevice: failed ? FAILED_DISK.device : null,
          failedBay: failed ? FAILED_DISK.bay : null,
          failedError: failed ? FAILED_DISK.error : null,
        });
      }
      case 'nic': {
        const ifaces = s.config.interfaces;
        const down = ifaces.filter((i) => !i.up).map((i) => i.name);
        const errors = this.hasFault('nic-errors');
        const service = ifaces.find((i) => i.name !== 'mgmt0') ?? ifaces[0];
        const details: DiagReply['details'] = {
          interfaces: ifaces.map((i) => i.name).join(','),
          downInterfaces: down.length ? down.join(',') : null,
          speedGbps: service?.speedGbps ?? s.nicGbps,
          linkUp: down.length === 0,
          faultyInterface: errors ? FAULTY_NIC : null,
          rxCrcErrors: errors ? 18_000 + Math.round(2000 * (1 + wobble(s.seed, 9))) : 0,
          linkFlaps: errors ? 7 : 0,
          rxErrors: errors ? 18_400 : 0,
          txErrors: 0,
        };
        if (down.length) {
          return { check, status: 'Error', message: `Link down on ${down.join(', ')} (administratively down in the configuration).`, durationMs, details };
        }
        if (errors) {
          return { check, status: 'Error', message: `${FAULTY_NIC}: ${details.rxCrcErrors} CRC errors and ${details.linkFlaps} link flaps in the last hour; suspect the optic or the cable.`, durationMs, details };
        }
        return from('nic', details);
      }
      case 'bgp': {
        const b = this.routing.bgpStatus();
        return from('bgp', {
          state: b.state,
          neighbor: b.neighbor,
          peerAsn: b.peerAsn,
          localAsn: b.localAsn,
          uptimeSeconds: b.uptimeSeconds,
          prefixesReceived: b.prefixesReceived,
          prefixesAdvertised: b.prefixesAdvertised,
          lastError: b.lastError,
        });
      }
      case 'cache': {
        const total = s.cache.baselineCount - s.cache.evicted.length + s.cache.added.length;
        const hit = this.health.metrics().cacheHitRatio;
        const failed = this.hasFault('disk-failure');
        const status: HealthStatus = failed ? 'Warning' : 'OK';
        const message = failed
          ? `${total} items, hit ratio ${hit}: content on ${FAILED_DISK.device} is unreadable and is served from peers or the origin.`
          : `${total} items, hit ratio ${hit}.`;
        return { check, status, message, durationMs, details: { items: total, usedBytes: s.cache.usedBytes, hitRatio: hit, unreadableDevice: failed ? FAILED_DISK.device : null } };
      }
      case 'throughput': {
        const up = this.firmware.runningHealthy() && probe.bytes !== undefined && probe.transferMs !== undefined;
        const measured = up ? round((probe.bytes! * 8) / (probe.transferMs! / 1000) / 1e9) : 0;
        const capacity = up ? (this.hasFault('disk-failure') ? s.nicGbps * 0.5 : s.nicGbps * 0.95) : 0;
        const status: HealthStatus = !up ? 'Error' : capacity < s.nicGbps * 0.8 ? 'Warning' : 'OK';
        const message = !up
          ? 'Throughput test failed: the ocad service is down.'
          : `Pushed ${Math.round(probe.bytes! / 1048576)} MiB from cache in ${round(probe.transferMs!)} ms (${measured} Gbps on the test path); line capacity ${round(capacity)} of ${s.nicGbps} Gbps.`;
        return {
          check,
          status,
          message,
          durationMs,
          details: { measuredGbps: measured, testBytes: probe.bytes ?? 0, testMs: up ? round(probe.transferMs!) : null, capacityGbps: round(capacity), servingGbps: this.routing.servingGbps(now), nicGbps: s.nicGbps },
        };
      }
      case 'reachability': {
        const down = this.hasFault('bgp-down');
        return {
          check,
          status: down ? 'Error' : 'OK',
          message: down ? `BGP neighbor ${s.config.bgp.neighbor.address} does not answer; the origin is reachable over the management path only.` : `Neighbor ${s.config.bgp.neighbor.address} and the origin answer.`,
          durationMs,
          details: { neighbor: s.config.bgp.neighbor.address, neighborRttMs: down ? null : round(0.4 + 0.1 * (1 + wobble(s.seed, 3))), originRttMs: round(38 + 10 * (1 + wobble(s.seed, 4))), lossPercent: down ? 100 : 0 },
        };
      }
    }
  }
}
