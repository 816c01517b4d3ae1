/**
 * From `ocactl diag <check>` replies to results an engineer can act on: the figure the check
 * measured (with its unit) and one sentence saying what to do, built from the reply's details
 * (which disk and bay, which NIC, the BGP state and its last error). Pure: no I/O.
 */
import type { DiagReply } from '../appliance/contract';
import type { CheckResult, DiagCheck } from './contract';

type Details = DiagReply['details'];

const str = (d: Details, key: string): string | null => (typeof d[key] === 'string' ? (d[key] as string) : null);
const num = (d: Details, key: string): number | null => (typeof d[key] === 'number' && Number.isFinite(d[key]) ? (d[key] as number) : null);
const pct = (part: number | null, whole: number | null): number | null => (part !== null && whole !== null && whole > 0 ? Math.round((part / whole) * 1000) / 10 : null);

/** The measured figure of a check and its unit. */
function measured(check: DiagCheck, d: Details): { value: number | null; unit: string | null } {
  switch (check) {
    case 'disk':
      return { value: pct(num(d, 'usedBytes'), num(d, 'totalBytes')), unit: '% used' };
    case 'nic':
      return { value: num(d, 'rxCrcErrors') ?? num(d, 'rxErrors'), unit: 'rx errors' };
    case 'bgp':
      return { value: num(d, 'prefixesReceived'), unit: 'prefixes received' };
    case 'cache': {
      const hit = num(d, 'hitRatio');
      return { value: hit === null ? null : Math.round(hit * 1000) / 10, unit: '% hit ratio' };
    }
    case 'throughput':
      return { value: num(d, 'measuredGbps') ?? num(d, 'capacityGbps'), unit: 'Gbps' };
    case 'reachability':
      return { value: num(d, 'originRttMs'), unit: 'ms to origin' };
  }
}

/** What to do, for a result that is not OK. */
function actionFor(check: DiagCheck, r: DiagReply): string | null {
  if (r.status === 'OK') return null;
  const d = r.details;
  if (r.status === 'Unknown') return `Run the ${check} check again in a few minutes: the appliance is still settling (after a boot or a configuration change).`;
  switch (check) {
    case 'disk': {
      const device = str(d, 'failedDevice');
      if (device) {
        const bay = num(d, 'failedBay');
        return `Open an RMA for disk ${device}${bay !== null ? ` in bay ${bay}` : ''} and have the site replace it; drain the appliance (ocactl drain) until then if capacity matters.`;
      }
      return 'Free space: plan an eviction or a smaller fill for the next fill window.';
    }
    case 'nic': {
      const down = str(d, 'downInterfaces');
      if (down) return `Bring ${down} up (ocactl config set interface.${down.split(',')[0]}.up=true) and check the cable and the ISP's switch port.`;
      const iface = str(d, 'faultyInterface');
      if (iface) return `Reseat or replace the optic and the cable on ${iface}, and ask the ISP's NOC for the error counters on their port.`;
      return "Spread the site's load or check that the link runs at its rated speed.";
    }
    case 'bgp': {
      const state = str(d, 'state') ?? 'not Established';
      const neighbor = str(d, 'neighbor') ?? 'the neighbor';
      const asn = num(d, 'peerAsn');
      const lastError = str(d, 'lastError');
      return `The session to ${neighbor}${asn !== null ? ` (AS ${asn})` : ''} is ${state}${lastError ? ` (last error: ${lastError})` : ''}: ask the ISP's NOC to check it on their router, and compare the neighbor address and ASN with ocactl config get.`;
    }
    case 'cache': {
      const device = str(d, 'unreadableDevice');
      return device ? `Content on ${device} is lost with the disk: replace the disk (see the disk check); the next fills restore it.` : 'Check the fill schedule: the cache holds less popular content than expected.';
    }
    case 'throughput':
      return r.status === 'Error'
        ? 'The ocad service is down: roll the firmware back (ocactl firmware rollback, then reboot) and check the firmware check in health.'
        : 'Capacity is reduced: see the disk and nic checks for the cause.';
    case 'reachability':
      return 'The neighbor does not answer: check the BGP check and the ISP side of the link with their NOC.';
  }
}

/** A reply read from the appliance, as a result. */
export function interpret(reply: DiagReply, at: string): CheckResult {
  const { value, unit } = measured(reply.check, reply.details);
  return {
    check: reply.check,
    status: reply.status,
    value,
    unit: value === null ? null : unit,
    summary: reply.message,
    action: actionFor(reply.check, reply),
    details: reply.details,
    durationMs: reply.durationMs,
    at,
    errorCode: null,
  };
}

/** A check that could not run (the appliance did not answer, or answered outside the contract). */
export function notRun(check: DiagCheck, code: string, message: string, at: string, durationMs: number): CheckResult {
  return {
    check,
    status: 'Unknown',
    value: null,
    unit: null,
    summary: message,
    action:
      code === 'E_UNREACHABLE' || code === 'E_TIMEOUT'
        ? 'The appliance did not answer: check power and the management network at the site, then run the checks again.'
        : code === 'E_HOSTKEY_MISMATCH' || code === 'E_HOSTKEY_UNKNOWN'
          ? 'Resolve the host key alert first (Reaching the fleet), then run the checks again.'
          : 'Run the check again; if it keeps failing, attach a diagnostics bundle to a ticket.',
    details: {},
    durationMs,
    at,
    errorCode: code,
  };
}
