/**
 * Two snapshots compared: appliances added, removed and changed (each inventory field from/to),
 * sites added and removed, measured health and firmware between them. Both files are opened
 * read-only. Health is what each snapshot stored: the worst of the appliance's own components
 * when measured ("Unknown" when never measured); an appliance whose last poll failed counts as
 * "Error" (unreachable), as the live roll-ups count it.
 */
import { worstHealth, type HealthStatus } from '../appliance/contract';
import type { SnapshotDiff, SnapshotInfo } from './contract';
import { appliancesOf, healthOf, openFile, siteCodesOf, type ApplianceRow } from './repo';

const FIELDS: (keyof ApplianceRow)[] = [
  'hostname',
  'site',
  'partner',
  'model',
  'ipv4',
  'ipv6',
  'ssh_port',
  'api_port',
  'storage_tb',
  'nic_gbps',
  'firmware',
  'status',
  'status_reason',
  'host_key_fingerprint',
  'tags',
  'notes',
];

function statusOf(h: { measured: boolean; failed: boolean; components: string } | undefined): HealthStatus {
  if (!h || !h.measured) return 'Unknown';
  if (h.failed) return 'Error';
  try {
    const components = JSON.parse(h.components) as { status?: HealthStatus }[];
    return worstHealth(components.map((c) => c.status ?? 'Unknown'));
  } catch {
    return 'Unknown';
  }
}

function versions(rows: readonly ApplianceRow[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[r.firmware] = (out[r.firmware] ?? 0) + 1;
  return out;
}

const side = (file: string, info: SnapshotInfo) => ({ file, takenAt: info.takenAt, takenBy: info.takenBy, hostName: info.hostName, appliances: info.appliances });

export function diffSnapshots(fileA: string, fileB: string, infoA: SnapshotInfo, infoB: SnapshotInfo): SnapshotDiff {
  const dbA = openFile(fileA, true);
  const dbB = openFile(fileB, true);
  try {
    const a = appliancesOf(dbA);
    const b = appliancesOf(dbB);
    const inA = new Map(a.map((r) => [r.serial, r]));
    const inB = new Map(b.map((r) => [r.serial, r]));
    const brief = (r: ApplianceRow) => ({ serial: r.serial, site: r.site, model: r.model, firmware: r.firmware });
    const changed: SnapshotDiff['inventory']['changed'] = [];
    const firmware: SnapshotDiff['firmware']['changed'] = [];
    const healthA = healthOf(dbA);
    const healthB = healthOf(dbB);
    const health: SnapshotDiff['health'] = [];
    for (const rb of b) {
      const ra = inA.get(rb.serial);
      if (!ra) continue;
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      for (const f of FIELDS) if (ra[f] !== rb[f]) changes[f] = { from: ra[f], to: rb[f] };
      if (Object.keys(changes).length) changed.push({ serial: rb.serial, site: rb.site, changes });
      if (ra.firmware !== rb.firmware) firmware.push({ serial: rb.serial, site: rb.site, from: ra.firmware, to: rb.firmware });
      const from = statusOf(healthA.get(rb.serial));
      const to = statusOf(healthB.get(rb.serial));
      if (from !== to) health.push({ serial: rb.serial, site: rb.site, from, to });
    }
    const sitesA = new Set(siteCodesOf(dbA));
    const sitesB = new Set(siteCodesOf(dbB));
    return {
      a: side(fileA, infoA),
      b: side(fileB, infoB),
      inventory: {
        added: b.filter((r) => !inA.has(r.serial)).map(brief),
        removed: a.filter((r) => !inB.has(r.serial)).map(brief),
        changed,
        sitesAdded: [...sitesB].filter((s) => !sitesA.has(s)),
        sitesRemoved: [...sitesA].filter((s) => !sitesB.has(s)),
      },
      health,
      firmware: { changed: firmware, versionsA: versions(a), versionsB: versions(b) },
    };
  } finally {
    dbA.close();
    dbB.close();
  }
}
