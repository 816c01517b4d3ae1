/**
 * Actionable items, as the Open Connect partner portal lists them: what is wrong, where, and a
 * suggested fix, derived from an appliance's assessed health. One item per problem and appliance,
 * with a stable id (`<serial>/<kind>`) so a UI can keep its selection across sweeps.
 *
 * Lifecycle decides what is worth an item: an `online` appliance gets every item (unreachable is
 * an Error once the reachability component is); a `drained` one gets every item too, but being
 * unreachable is only a Warning; `provisioning` gets component items but not reachability (it
 * reboots during install); `awaiting-install`, `offline` and `rma` get none.
 */
import type { LifecycleStatus } from '../inventory/contract';
import type { ActionItem, ApplianceHealth, ComponentHealth } from './contract';
import { formatAge } from './assess';

const COMPONENT_ITEMS: readonly LifecycleStatus[] = ['online', 'drained', 'provisioning'];
/** Problems that explain a high error rate and a low hit ratio: their fix covers those symptoms. */
const ROOT_CAUSES = new Set(['disk-failure', 'firmware-unhealthy', 'bgp-down', 'not-serving']);
const SYMPTOMS = new Set(['error-rate', 'cache-hit-low']);

type Severity = ActionItem['severity'];
interface Draft {
  kind: string;
  severity: Severity;
  problem: string;
  fix: string;
  /** Component names whose `since` dates the problem. */
  from: string[];
  /** The one ocactl command that applies the fix, when there is one. */
  run?: string[];
}

const DRAIN = ['ocactl', 'drain'];
const UNDRAIN = ['ocactl', 'undrain'];

const severityOf = (c: ComponentHealth): Severity | null => (c.status === 'Error' ? 'Error' : c.status === 'Warning' ? 'Warning' : null);
const RANK: Record<Severity, number> = { Warning: 1, Error: 2 };

function bgpFix(c: ComponentHealth): string {
  const m = /(\S+) \(AS (\d+)\)/.exec(c.message);
  const session = m ? `neighbor ${m[1]}, AS ${m[2]}` : 'neighbor address and ASN from the site survey';
  return `Check the BGP session with the ISP router (${session}) with the ISP's NOC; drain the appliance before changing its BGP settings.`;
}

function componentDraft(h: ApplianceHealth, c: ComponentHealth, names: Set<string>): Draft | null {
  const severity = severityOf(c);
  if (!severity) return null;
  const from = [c.name];
  if (c.source === 'appliance') {
    switch (c.name) {
      case 'disk': {
        const usedPct = h.metrics && h.metrics.diskTotalBytes > 0 ? (h.metrics.diskUsedBytes / h.metrics.diskTotalBytes) * 100 : null;
        const failed = severity === 'Error' && (/fail|error|fault/i.test(c.message) || (usedPct !== null && usedPct < 95));
        if (failed) {
          return { kind: 'disk-failure', severity, problem: c.message, fix: 'Open an RMA for the failed disk and drain the appliance (ocactl drain) until it is replaced.', from, run: DRAIN };
        }
        return { kind: 'disk-full', severity, problem: c.message, fix: 'Plan an eviction or a smaller fill for the next fill window.', from };
      }
      case 'nic':
        return { kind: 'link-saturated', severity, problem: c.message, fix: "Spread the site's load (another appliance or a prefix change with the ISP) and check the link runs at its rated speed.", from };
      case 'bgp':
        return { kind: 'bgp-down', severity, problem: c.message, fix: bgpFix(c), from };
      case 'firmware':
        if (severity === 'Error') return { kind: 'firmware-unhealthy', severity, problem: c.message, fix: 'Roll back to the previous image (ocactl firmware rollback, then ocactl reboot) and hold the rollout of this image.', from };
        if (/trial/i.test(c.message)) return { kind: 'firmware-trial', severity, problem: c.message, fix: 'Check its health, then commit the trial image (ocactl firmware commit) or roll back.', from };
        return { kind: 'firmware-fallback', severity, problem: c.message, fix: 'The new image did not boot and the appliance fell back: check the image (ocactl firmware stage-check) and stage it again.', from };
      case 'serving':
        // Explained by a BGP or firmware item: one root cause, one item.
        if (names.has('bgp') || names.has('firmware')) return null;
        return { kind: 'not-serving', severity, problem: c.message, fix: 'Restart the ocad service or reboot the appliance, and collect diagnostics (ocactl diag throughput).', from };
      case 'fill':
        return { kind: 'fill-failed', severity, problem: c.message, fix: 'Check free disk space and the fill source, then retry the fill in the next fill window.', from };
      default:
        return { kind: `component-${c.name}`, severity, problem: `${c.name}: ${c.message}`, fix: 'Run diagnostics on the appliance (ocactl diag) and read its logs (ocactl logs).', from };
    }
  }
  if (c.source === 'threshold') {
    switch (c.name) {
      case 'disk-usage':
        return { kind: 'disk-full', severity, problem: c.message, fix: 'Plan an eviction or a smaller fill for the next fill window.', from };
      case 'error-rate':
        return { kind: 'error-rate', severity, problem: `High error rate: ${c.message}`, fix: 'Run disk and NIC diagnostics (ocactl diag disk, ocactl diag nic) and read the appliance logs.', from };
      case 'cache-hit':
        return { kind: 'cache-hit-low', severity, problem: `Low cache hit ratio: ${c.message}`, fix: "Check that the nightly fills complete and that the appliance holds its share of the site's popular content.", from };
      default:
        return null;
    }
  }
  return null;
}

/** The action items for one appliance; `since` maps component names to when they went wrong. */
export function actionItems(h: ApplianceHealth, since: Readonly<Record<string, string>>, nowIso: string): ActionItem[] {
  if (!COMPONENT_ITEMS.includes(h.lifecycle)) return [];
  const drafts: Draft[] = [];
  const bad = new Set(h.components.filter((c) => c.status === 'Error' || c.status === 'Warning').map((c) => c.name));
  const unreachable = h.components.find((c) => c.name === 'reachability');
  const lastSeen = h.ageSeconds === null ? 'never seen' : `last seen ${formatAge(h.ageSeconds)} ago`;

  if (unreachable && (h.lifecycle === 'online' || h.lifecycle === 'drained')) {
    drafts.push({
      kind: 'unreachable',
      severity: h.lifecycle === 'online' && unreachable.status === 'Error' ? 'Error' : 'Warning',
      problem: `${h.lifecycle === 'online' ? 'Online' : 'Drained'} but unreachable: ${h.lastError?.code ?? 'no reply'} (${lastSeen}).`,
      fix: `Check power and the management network at the site; ${lastSeen}.`,
      from: ['reachability'],
    });
  }
  const metricsFailing = h.components.find((c) => c.name === 'metrics' && c.source === 'reachability');
  if (metricsFailing) {
    drafts.push({ kind: 'metrics-failing', severity: 'Warning', problem: metricsFailing.message, fix: "Check the appliance's web service (ocad) and its logs; health still answers.", from: ['metrics'] });
  }
  for (const c of h.components) {
    const d = componentDraft(h, c, bad);
    if (d) drafts.push(d);
  }
  const stale = h.components.find((c) => c.name === 'freshness');
  if (stale && !unreachable) {
    drafts.push({ kind: 'stale', severity: 'Warning', problem: `Stale data: ${stale.message}`, fix: 'Poll it (fleetdeck health poll) or add it to the monitor selection so its state is current.', from: [] });
  }
  if (h.reachable && h.metrics) {
    if (h.lifecycle === 'drained' && h.metrics.servingGbps > 0) {
      drafts.push({ kind: 'lifecycle-mismatch', severity: 'Warning', problem: `The inventory says drained but it serves ${h.metrics.servingGbps} Gbps.`, fix: 'Drain it (ocactl drain) or set it online in the inventory.', from: [], run: DRAIN });
    }
    const serving = h.components.find((c) => c.name === 'serving' && c.source === 'appliance');
    if (h.lifecycle === 'online' && serving && /^Drain(ed|ing)\b/.test(serving.message)) {
      drafts.push({ kind: 'lifecycle-mismatch', severity: 'Warning', problem: `The inventory says online but the appliance reports: ${serving.message}`, fix: 'Undrain it (ocactl undrain) or set it drained in the inventory, with the reason.', from: [], run: UNDRAIN });
    }
  }

  // One item per kind: the worst severity's text, the earliest since; symptoms of a root cause go.
  const rooted = drafts.some((d) => ROOT_CAUSES.has(d.kind));
  const byKind = new Map<string, Draft>();
  for (const d of drafts) {
    if (rooted && SYMPTOMS.has(d.kind)) continue;
    const prev = byKind.get(d.kind);
    if (!prev) byKind.set(d.kind, d);
    else byKind.set(d.kind, { ...(RANK[d.severity] > RANK[prev.severity] ? d : prev), from: [...prev.from, ...d.from] });
  }
  const fallback = h.lastPollAt ?? h.measuredAt ?? nowIso;
  return [...byKind.values()].map((d) => {
    const dates = d.from.map((n) => since[n]).filter((s): s is string => s !== undefined);
    return {
      id: `${h.serial}/${d.kind}`,
      severity: d.severity,
      serial: h.serial,
      site: h.site,
      partner: h.partner,
      problem: d.problem,
      suggestedFix: d.fix,
      fixArgv: d.run ? [...d.run] : null,
      since: dates.length ? dates.sort()[0]! : d.kind === 'stale' && h.measuredAt ? h.measuredAt : fallback,
    };
  });
}

/** Worst first, then the oldest problem first. */
export function sortItems(items: ActionItem[]): ActionItem[] {
  return items.sort((a, b) => RANK[b.severity] - RANK[a.severity] || a.since.localeCompare(b.since) || a.id.localeCompare(b.id));
}
