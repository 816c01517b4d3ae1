/**
 * Configuration drift: what an appliance reports (`ocactl config get`) against what is expected
 * of it. Expectations come from sources, each a small object that names, per appliance, the
 * fields it has an opinion on and their values:
 *   - `inventory`: hostname, management addresses, the service link's speed, the BGP neighbor's
 *     ASN (the site's ISP), every interface up;
 *   - `survey`: the site survey's rows (hostname, management and service addresses, the BGP session:
 *     local ASN, neighbor address and ASN). The survey belongs to provisioning: the composition
 *     (engine.ts) appends this source from ProvisioningService.surveyExpectations;
 *   - `peers`: appliances of the same site should agree on the local ASN, the neighbor's ASN, their
 *     set of interfaces and each interface's MTU (not its speed: models differ). The value most of the site's peers have
 *     (more than half) is expected; without a majority every appliance that differs is listed.
 * Pure: the service reads the configurations and calls compareFleet.
 */
import type { ApplianceConfig } from '../appliance/contract';
import type { Appliance, Site } from '../inventory/contract';
import type { DriftAppliance, DriftDifference, DriftSource } from './contract';

/** An appliance with the configuration it reported. */
export interface Observed {
  appliance: Appliance;
  site: Site;
  config: ApplianceConfig;
}

export interface Expectation {
  field: string;
  value: string;
  /** Why this is expected, for the message (`the inventory`, `the site survey`). */
  why?: string;
}

/** Where expected values come from. */
export interface ExpectationSource {
  readonly name: Exclude<DriftSource, 'peers'>;
  /** The fields this source has an opinion on for this appliance; empty when it knows nothing of it. */
  expect(o: Observed): Expectation[];
}

const bare = (address: string | null): string | null => (address === null ? null : address.split('/')[0]!.toLowerCase());

/** The value of a field in a reported configuration, as text; null when the field is absent. */
export function actualOf(config: ApplianceConfig, field: string): string | null {
  if (field === 'hostname') return config.hostname;
  if (field === 'bgp.asn') return String(config.bgp.localAsn);
  if (field === 'bgp.neighbor') return config.bgp.neighbor.address;
  if (field === 'bgp.neighbor-asn') return String(config.bgp.neighbor.asn);
  if (field === 'interfaces') return config.interfaces.map((i) => i.name).sort().join(',');
  if (field === 'address.ipv4' || field === 'address.ipv6') {
    const family = field === 'address.ipv4' ? 'ipv4' : 'ipv6';
    return config.interfaces.map((i) => bare(i[family])).filter((a): a is string => a !== null).join(',');
  }
  if (field === 'service.speed') {
    const service = config.interfaces.filter((i) => !i.name.startsWith('mgmt'));
    return service.length ? String(Math.max(...service.map((i) => i.speedGbps))) : null;
  }
  const m = /^interface\.(.+)\.(mtu|ipv4|ipv6|up|speed)$/.exec(field);
  const iface = m ? config.interfaces.find((i) => i.name === m[1]) : undefined;
  if (!m || !iface) return null;
  const v = m[2] === 'speed' ? iface.speedGbps : iface[m[2] as 'mtu' | 'ipv4' | 'ipv6' | 'up'];
  return v === null ? '' : String(v);
}

/** Whether an actual value meets an expectation (addresses: the expected one is among those configured). */
function meets(field: string, expected: string, actual: string | null): boolean {
  if (actual === null) return false;
  if (field === 'address.ipv4' || field === 'address.ipv6') return actual.split(',').includes(bare(expected)!);
  if (field === 'hostname') return actual.toLowerCase() === expected.toLowerCase();
  return actual === expected;
}

/** What the inventory says an appliance should be. */
export const inventorySource: ExpectationSource = {
  name: 'inventory',
  expect({ appliance, site, config }) {
    const out: Expectation[] = [
      { field: 'hostname', value: appliance.hostname },
      { field: 'bgp.neighbor-asn', value: String(site.asn), why: `the site ${site.code}'s ISP (${site.partner}) has AS ${site.asn}` },
      { field: 'service.speed', value: String(appliance.nicGbps), why: 'the inventory records its NIC speed' },
    ];
    if (appliance.ipv4) out.push({ field: 'address.ipv4', value: appliance.ipv4, why: 'the inventory manages it at this address' });
    if (appliance.ipv6) out.push({ field: 'address.ipv6', value: appliance.ipv6, why: 'the inventory manages it at this address' });
    for (const i of config.interfaces) out.push({ field: `interface.${i.name}.up`, value: 'true', why: 'every interface of an appliance in service is up' });
    return out;
  },
};

function fix(field: string, expected: string, source: ExpectationSource['name']): string {
  const record = source === 'survey' ? 'the site survey (and import it again)' : 'the inventory';
  if (field === 'address.ipv4' || field === 'address.ipv6' || field === 'service.speed') return `correct ${record} or the appliance`;
  if (field === 'interfaces') return 'check the hardware and the image';
  return `correct ${record}, or run ocactl config set ${field}=${expected}`;
}

/** Differences of one appliance against one source. */
export function compareWith(source: ExpectationSource, o: Observed): DriftDifference[] {
  const out: DriftDifference[] = [];
  for (const e of source.expect(o)) {
    const actual = actualOf(o.config, e.field);
    if (meets(e.field, e.value, actual)) continue;
    const reported = actual === null ? 'nothing' : actual === '' ? 'an empty value' : `"${actual}"`;
    out.push({
      field: e.field,
      source: source.name,
      expected: e.value,
      actual: actual ?? '',
      message: `${e.field}: the ${source.name === 'inventory' ? 'inventory' : 'site survey'} expects "${e.value}"${e.why ? ` (${e.why})` : ''}, the appliance reports ${reported}; ${fix(e.field, e.value, source.name)}.`,
    });
  }
  return out;
}

/** The fields peers of a site should agree on, for the interfaces they have. */
function peerFields(configs: readonly ApplianceConfig[]): string[] {
  const names = new Set(configs.flatMap((c) => c.interfaces.map((i) => i.name)));
  // Link speeds differ by model (storage and flash share sites): the inventory source checks those.
  return ['bgp.asn', 'bgp.neighbor-asn', 'interfaces', ...[...names].sort().map((n) => `interface.${n}.mtu`)];
}

/** Differences among the peers of one site, keyed by serial. */
export function comparePeers(site: readonly Observed[]): Map<string, DriftDifference[]> {
  const out = new Map<string, DriftDifference[]>();
  if (site.length < 2) return out;
  for (const field of peerFields(site.map((o) => o.config))) {
    const values = site.map((o) => actualOf(o.config, field));
    const present = values.filter((v): v is string => v !== null);
    if (present.length < 2) continue;
    const counts = new Map<string, number>();
    for (const v of present) counts.set(v, (counts.get(v) ?? 0) + 1);
    if (counts.size === 1) continue;
    const [top, topCount] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const majority = topCount * 2 > present.length ? top : null;
    site.forEach((o, i) => {
      const v = values[i]!;
      if (v === null || v === majority) return;
      const others = [...counts.entries()].filter(([value]) => value !== v).map(([value, n]) => `"${value}" on ${n}`).join(', ');
      const message =
        majority !== null
          ? `${field}: ${topCount} of ${present.length} appliances in ${o.site.code} have "${majority}", this one "${v}"; align it with its peers or record why it differs.`
          : `${field}: the appliances of ${o.site.code} disagree (this one "${v}", ${others}); decide which is right.`;
      let list = out.get(o.appliance.serial);
      if (!list) out.set(o.appliance.serial, (list = []));
      list.push({ field, source: 'peers', expected: majority ?? others, actual: v, message });
    });
  }
  return out;
}

/** Every difference of every appliance, against each source and among the peers of each site. */
export function compareFleet(observed: readonly Observed[], sources: readonly ExpectationSource[]): DriftAppliance[] {
  const bySite = new Map<string, Observed[]>();
  for (const o of observed) {
    let list = bySite.get(o.site.code);
    if (!list) bySite.set(o.site.code, (list = []));
    list.push(o);
  }
  const out: DriftAppliance[] = [];
  for (const [, group] of [...bySite.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    const peers = comparePeers(group);
    for (const o of [...group].sort((a, b) => a.appliance.serial.localeCompare(b.appliance.serial))) {
      const differences = [...sources.flatMap((s) => compareWith(s, o)), ...(peers.get(o.appliance.serial) ?? [])];
      if (differences.length) out.push({ serial: o.appliance.serial, site: o.site.code, partner: o.appliance.partner, differences });
    }
  }
  return out;
}
