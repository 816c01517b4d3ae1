/**
 * The health domain: the engine polls the selected appliances' /v1/health and /v1/metrics on an
 * interval (sweeps never overlap), keeps the latest state per appliance in SQLite (so an operator
 * offline still sees the last known health and its age) and a bounded metrics history in memory,
 * applies per-model thresholds, rolls status up per site and partner, and lists actionable items.
 */
import { setMaxListeners } from 'node:events';
import { Agent } from 'node:http';
import { FleetError } from '../kit/errors';
import type { CallContext } from '../kit/context';
import type { DomainHandlers } from '../kit/contract';
import type { ServiceDeps } from '../deps';
import type { Setting } from '../settings/store';
import { LIFECYCLE_STATUSES, type Appliance, type ApplianceModel } from '../inventory/contract';
import type { InventoryService } from '../inventory/service';
import type { NetService } from '../net/service';
import { isoAt } from '../kit/time';
import { actionItems, sortItems } from './actionable';
import { applyOutcome, assess, componentsOf, updateSince, type HealthRecord, type PollOutcome } from './assess';
import {
  MonitorSettings,
  Thresholds,
  type ActionItem,
  type ApplianceHealth,
  type healthMethods,
  type MetricsSample,
  type MonitorSelection,
  type MonitorStatus,
  type SweepReport,
  type healthEvents,
} from './contract';
import { MetricsRing } from './history';
import { eachLimited } from '../kit/concurrency';
import { selectAppliances } from '../jobs/targets';
import { errorInfo, pollAppliance } from './poller';
import { HealthRepo } from './repo';
import { compareWorstFirst, rollup, rollups } from './rollup';
import { DEFAULT_THRESHOLDS } from './thresholds';
import { systemTicker, type Ticker } from './ticker';

export type HealthHandlers = DomainHandlers<typeof healthMethods, CallContext>;

/**
 * On by default: a first-time user sees measured health, not a fleet of Unknown. Polling 1,000
 * appliances every 10 s costs about 3 % of a core (bench:health); the default 30 s costs less.
 */
export const DEFAULT_MONITOR: MonitorSettings = {
  enabled: true,
  intervalSec: 30,
  selection: {},
  concurrency: 100,
  timeoutMs: 5000,
  historySize: 360,
};

/** The most appliances one read or sweep takes from the inventory. */
const POLLABLE = LIFECYCLE_STATUSES.filter((s) => s !== 'rma');
/** Distinct selections remembered at once (the monitor's, a window's filters, the CLI's). */
const MAX_SELECTIONS = 16;

export interface HealthServiceOptions {
  ticker?: Ticker;
  /**
   * Run the monitor in this engine: resume polling at start when the stored settings say so and
   * follow setMonitor. Long-lived hosts (desktop, `fleetdeck serve`) do; one-shot CLI commands
   * only store the settings.
   */
  runsMonitor?: boolean;
  /**
   * How appliances are reached: their routes (jump hosts) and the SSH tunnels through them. Without
   * it every appliance is polled straight at its address.
   */
  net?: NetService;
}

type FleetInput = Parameters<HealthHandlers['fleet']>[0];

/** Each field that differs, `{from, to}` (compared as JSON, so a selection compares by value). */
function changesBetween<T extends object>(before: T, after: T): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(after) as (keyof T & string)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changes[key] = { from: before[key] ?? null, to: after[key] ?? null };
  }
  return changes;
}

export class HealthService {
  readonly repo: HealthRepo;
  private readonly monitorSetting: Setting<MonitorSettings>;
  readonly handlers: HealthHandlers;
  private readonly records = new Map<string, HealthRecord>();
  private readonly history = new Map<string, MetricsRing>();
  private readonly ticker: Ticker;
  private readonly runsMonitor: boolean;
  private readonly net: NetService | null;
  /** Keep-alive sockets: a thousand appliances every 10 s reuse their connections. */
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 2, scheduling: 'lifo', timeout: 60_000 });
  private readonly abort = new AbortController();
  private stopTicker: (() => void) | null = null;
  private intervalSec: number | null = null;
  /** What `health watch` polls instead of the monitor's selection, while it runs. */
  private watchSelection: MonitorSelection | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** Sweeps queued or running. */
  private busy = 0;
  private sweeping = false;
  private sweeps = 0;
  private skippedTicks = 0;
  private lastSweep: (SweepReport & { at: string }) | null = null;
  private closed = false;
  /** SQLite's data_version when the records were last read from disk. */
  private seenVersion = 0;
  /** Inventory selections by query (see selectAppliances), and the data_version they were read at. */
  private readonly selections = new Map<string, readonly Appliance[]>();
  private selectionsVersion = -1;
  private readonly stopFollowingInventory: () => void;
  /** Appliances out of service as planned (a rollout's reboot), with the words shown instead of their health. */
  private expectedOutage: (serial: string) => string | null = () => null;

  constructor(
    private readonly deps: ServiceDeps<typeof healthEvents>,
    private readonly inventory: InventoryService,
    options: HealthServiceOptions = {},
  ) {
    this.repo = new HealthRepo(deps.db);
    this.monitorSetting = deps.settings.setting('health', 'monitor', MonitorSettings, DEFAULT_MONITOR);
    // Every request in flight listens on the one shutdown signal (up to `concurrency` at once).
    setMaxListeners(0, this.abort.signal);
    this.ticker = options.ticker ?? systemTicker;
    this.runsMonitor = options.runsMonitor ?? false;
    this.net = options.net ?? null;
    this.stopFollowingInventory = inventory.onChanged(() => this.selections.clear());
    this.load();
    this.handlers = {
      fleet: (input) => this.fleet(input),
      appliance: ({ serial }) => this.appliance(serial),
      actionable: (filter) => this.actionable(filter),
      monitor: () => this.settings(),
      setMonitor: (patch, ctx) => this.setMonitor(patch, ctx.actor),
      monitorStatus: () => this.status(),
      pollNow: ({ serials }) => this.pollNow(serials),
      thresholds: () => this.thresholds(),
      setThresholds: (t, ctx) => this.setThresholds(t, ctx.actor),
    };
    const settings = this.settings();
    if (this.runsMonitor && settings.enabled) this.startPolling(settings.intervalSec);
  }

  private load(): void {
    this.seenVersion = this.repo.dataVersion();
    const { records, unreadable } = this.repo.records();
    // One lookup per stored state, not the whole inventory read into memory (a CLI command on a
    // fleet of 100,000 opens this engine too).
    const gone: string[] = [];
    for (const r of records) {
      if (this.inventory.has(r.serial)) this.records.set(r.serial, r);
      else gone.push(r.serial);
    }
    if (gone.length || unreadable.length) {
      this.repo.deleteRecords([...gone, ...unreadable]);
      if (unreadable.length) this.deps.log.warn('health: dropped unreadable stored states', { serials: unreadable.slice(0, 20), count: unreadable.length });
    }
    const size = this.settings().historySize;
    // The last known sample starts each history, so a chart after a restart is not empty.
    for (const r of this.records.values()) if (r.metrics) this.ring(r.serial, size).push(r.metrics);
  }

  /**
   * Another process on this data directory (`fleetdeck health poll` beside `fleetdeck serve`)
   * wrote since we last looked: take its measurements. Our own writes keep disk and memory equal.
   */
  private syncFromDisk(): void {
    const version = this.repo.dataVersion();
    if (version === this.seenVersion) return;
    this.seenVersion = version;
    const { records } = this.repo.records();
    for (const r of records) {
      const mine = this.records.get(r.serial);
      if (!mine || (r.lastPollAt ?? '') > (mine.lastPollAt ?? '')) this.records.set(r.serial, r);
    }
  }

  // Settings and thresholds

  settings(): MonitorSettings {
    return this.monitorSetting.get();
  }

  /** Stored with its audit entry (`health.monitor`, each changed setting from/to) in one transaction. */
  setMonitor(patch: Partial<MonitorSettings>, actor: string): MonitorSettings {
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const before = this.settings();
    const next = MonitorSettings.parse({ ...before, ...defined });
    const changes = changesBetween(before, next);
    // Nothing changed: nothing to store or audit, but the timer below still follows the settings.
    if (Object.keys(changes).length > 0) {
      this.deps.audit.record({ actor, action: 'health.monitor', target: 'health:monitor', details: { changes } }, () => this.monitorSetting.set(next));
      this.deps.log.info('health monitor settings changed', { actor, enabled: next.enabled, intervalSec: next.intervalSec });
    }
    if (next.historySize !== before.historySize) for (const ring of this.history.values()) ring.resize(next.historySize);
    if (this.runsMonitor) {
      if (!next.enabled) this.stopPolling();
      else if (this.intervalSec !== next.intervalSec) this.startPolling(next.intervalSec);
    }
    return next;
  }

  thresholds(): Thresholds[] {
    const stored = new Map(this.repo.thresholds().map((r) => [r.model, Thresholds.safeParse(r.value)]));
    return (['flash', 'storage'] as const).map((model) => {
      const s = stored.get(model);
      return s?.success && s.data.model === model ? s.data : DEFAULT_THRESHOLDS[model];
    });
  }

  /** Stored with its audit entry (`health.thresholds`, the model and each changed level from/to) in one transaction. */
  setThresholds(input: Thresholds, actor: string): Thresholds[] {
    const t = Thresholds.parse(input);
    const before = this.thresholds().find((b) => b.model === t.model)!;
    const changes = changesBetween(before, t);
    if (Object.keys(changes).length === 0) return this.thresholds();
    this.deps.audit.record({ actor, action: 'health.thresholds', target: `health:thresholds:${t.model}`, details: { model: t.model, changes } }, () =>
      this.repo.setThresholds(t.model, t, isoAt(this.deps.clock), actor),
    );
    this.deps.log.info('health thresholds changed', { actor, ...t });
    // Every appliance of that model may change status: tell the windows to read again.
    const serials = this.selectAppliances({ model: [t.model] }, false).map((a) => a.serial);
    this.deps.events.emit('updated', { serials, at: isoAt(this.deps.clock) });
    return this.thresholds();
  }

  private thresholdMap(): Record<ApplianceModel, Thresholds> {
    const [flash, storage] = this.thresholds();
    return { flash: flash!, storage: storage! };
  }

  // Reads

  /**
   * The inventory's appliances for a selection, remembered until the inventory changes: its
   * `inventory.changed` event here, or SQLite's data_version when another process wrote. Listing
   * 10,000 appliances costs more than assessing them, and windows read every second during sweeps.
   */
  private selectAppliances(selection: MonitorSelection, pollableOnly: boolean): readonly Appliance[] {
    const version = this.repo.dataVersion();
    if (version !== this.selectionsVersion) {
      this.selections.clear();
      this.selectionsVersion = version;
    }
    const status = selection.status ?? (pollableOnly ? POLLABLE : undefined);
    const query = { ...selection, ...(status ? { status } : {}) };
    const key = JSON.stringify(query);
    let found = this.selections.get(key);
    if (!found) {
      if (this.selections.size >= MAX_SELECTIONS) this.selections.clear();
      found = selectAppliances(this.inventory, query);
      this.selections.set(key, found);
    }
    return found;
  }

  private assessAll(appliances: readonly Appliance[]): ApplianceHealth[] {
    this.syncFromDisk();
    const thresholds = this.thresholdMap();
    const now = this.deps.clock.now();
    return appliances.map((a) => {
      const h = assess(a, this.records.get(a.serial), thresholds[a.model], now);
      const expected = this.expectedOutage(a.serial);
      // Mid-rollout an appliance drains, reboots and comes back: that is planned, not an Error.
      return expected === null ? h : { ...h, status: h.status === 'OK' ? h.status : 'Unknown', expected };
    });
  }

  /**
   * Who knows which appliances are out of service as planned (the rollouts domain): for those,
   * `expected` says so ("rebooting (rollout 12)"), their status is not an Error or Warning, and
   * they get no actionable item.
   */
  setExpectedOutages(lookup: (serial: string) => string | null): void {
    this.expectedOutage = lookup;
  }

  /** The assessed health of these appliances now (from the last polls; nothing is polled). */
  assessed(appliances: readonly Appliance[]): ApplianceHealth[] {
    return this.assessAll(appliances);
  }

  /**
   * One poll of each appliance now, kept out of the monitor's records and history (a canary
   * judgement samples canaries and baseline at the same moments).
   */
  async probe(appliances: readonly Appliance[], timeoutMs = this.settings().timeoutMs): Promise<Array<{ serial: string; outcome: PollOutcome }>> {
    const now = () => isoAt(this.deps.clock);
    const chains = this.net?.jumpChains(appliances) ?? [];
    const outcomes = await eachLimited(appliances, this.settings().concurrency, async (a, i): Promise<PollOutcome> => {
      const chain = chains[i] ?? [];
      if (chain instanceof FleetError) return { kind: 'failed', at: now(), error: errorInfo(chain) };
      const agent = chain.length > 0 ? this.net!.tunnels().httpAgent(chain) : this.agent;
      return pollAppliance({ serial: a.serial, host: a.ipv4 ?? a.ipv6 ?? '', port: a.apiPort }, { timeoutMs, agent, signal: this.abort.signal, now });
    });
    return outcomes.map((outcome, i) => ({ serial: appliances[i]!.serial, outcome }));
  }

  /**
   * Roll-ups cover every appliance the query (and `serials`, when given) selects; `status` then
   * narrows the items, `sort`, `offset` and `limit` order and page them. Windows ask for what they
   * show: roll-ups only for the overview, the rows in view for a table, one page for a list.
   */
  fleet(input: FleetInput) {
    let selected = this.selectAppliances(input.query, false);
    if (input.serials) {
      const wanted = new Set(input.serials);
      selected = selected.filter((a) => wanted.has(a.serial));
    }
    const all = this.assessAll(selected);
    const { totals, bySite, byPartner } = input.includeRollups ? rollups(all) : { totals: rollup(all), bySite: [], byPartner: [] };
    const offset = input.offset;
    if (!input.includeItems) return { totals, bySite, byPartner, total: 0, offset, items: [] };
    const matching = input.status ? all.filter((h) => input.status!.includes(h.status)) : all;
    if (input.sort === 'worst') matching.sort(compareWorstFirst);
    const items = offset > 0 || input.limit !== undefined ? matching.slice(offset, input.limit === undefined ? undefined : offset + input.limit) : matching;
    return { totals, bySite, byPartner, total: matching.length, offset, items };
  }

  appliance(serial: string): { health: ApplianceHealth; history: MetricsSample[] } {
    const { appliance } = this.inventory.getAppliance(serial);
    const [health] = this.assessAll([appliance]);
    return { health: health!, history: this.history.get(serial)?.toArray() ?? [] };
  }

  actionable(filter: { site?: string[] | undefined; partner?: string[] | undefined }): ActionItem[] {
    const nowIso = isoAt(this.deps.clock);
    const query: MonitorSelection = { ...(filter.site ? { site: filter.site } : {}), ...(filter.partner ? { partner: filter.partner } : {}) };
    const items = this.assessAll(this.selectAppliances(query, false))
      .filter((h) => !h.expected)
      .flatMap((h) => actionItems(h, this.records.get(h.serial)?.since ?? {}, nowIso));
    return sortItems(items);
  }

  status(): MonitorStatus {
    return {
      polling: this.stopTicker !== null,
      intervalSec: this.intervalSec,
      sweeping: this.sweeping,
      sweeps: this.sweeps,
      skippedTicks: this.skippedTicks,
      lastSweep: this.lastSweep,
    };
  }

  // Polling

  /**
   * Poll on an interval in this engine, starting with a sweep now. The monitor does it when
   * enabled (its selection); `fleetdeck health watch` does it for as long as it runs, over the
   * selection it was given.
   */
  startPolling(intervalSec: number, selection: MonitorSelection | null = null): void {
    if (this.closed) return;
    this.stopTicker?.();
    this.intervalSec = intervalSec;
    this.watchSelection = selection;
    this.stopTicker = this.ticker.every(intervalSec * 1000, () => this.onTick());
    this.onTick();
  }

  stopPolling(): void {
    this.stopTicker?.();
    this.stopTicker = null;
    this.intervalSec = null;
    this.watchSelection = null;
  }

  private onTick(): void {
    if (this.closed) return;
    if (this.busy > 0) {
      this.skippedTicks++;
      this.deps.log.warn('health: a sweep is still running; this tick is skipped', { skippedTicks: this.skippedTicks });
      return;
    }
    this.exclusive(() => this.sweep(this.selectAppliances(this.watchSelection ?? this.settings().selection, true))).catch((err: unknown) => {
      this.deps.log.error('health sweep failed', { error: err instanceof Error ? err.message : String(err) });
    });
  }

  /** Poll now: the given serials (any lifecycle), or the monitor's selection. */
  pollNow(serials?: string[]): Promise<SweepReport> {
    if (this.closed) return Promise.reject(new FleetError('E_UNAVAILABLE', 'The engine is shutting down; nothing was polled.'));
    let targets: readonly Appliance[];
    if (serials) {
      const wanted = new Set(serials);
      targets = this.selectAppliances({}, false).filter((a) => wanted.has(a.serial));
      const found = new Set(targets.map((a) => a.serial));
      const missing = [...wanted].filter((s) => !found.has(s));
      if (missing.length) {
        const list = missing.slice(0, 5).join(', ') + (missing.length > 5 ? ` and ${missing.length - 5} more` : '');
        return Promise.reject(new FleetError('E_NOT_FOUND', `There is no appliance with serial ${list} in the inventory; nothing was polled.`, { missing }));
      }
    } else {
      targets = this.selectAppliances(this.settings().selection, true);
    }
    return this.exclusive(() => this.sweep(targets));
  }

  /** Resolves when no sweep is queued or running. */
  async whenIdle(): Promise<void> {
    while (this.busy > 0) await this.queue;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.busy++;
    const run = this.queue.then(fn).finally(() => this.busy--);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private ring(serial: string, size = this.settings().historySize): MetricsRing {
    let ring = this.history.get(serial);
    if (!ring) this.history.set(serial, (ring = new MetricsRing(size)));
    return ring;
  }

  private async sweep(appliances: readonly Appliance[]): Promise<SweepReport> {
    const settings = this.settings();
    const thresholds = this.thresholdMap();
    const started = performance.now();
    this.sweeping = true;
    try {
      const poll = {
        timeoutMs: settings.timeoutMs,
        agent: this.agent,
        signal: this.abort.signal,
        now: () => isoAt(this.deps.clock),
      };
      // Behind a jump host: over a channel of the bastion's one SSH connection (main/net/tunnel.ts).
      const chains = this.net?.jumpChains(appliances) ?? [];
      const outcomes = await eachLimited(appliances, settings.concurrency, async (a, i): Promise<PollOutcome> => {
        const chain = chains[i] ?? [];
        if (chain instanceof FleetError) return { kind: 'failed', at: poll.now(), error: errorInfo(chain) };
        const agent = chain.length > 0 ? this.net!.tunnels().httpAgent(chain) : this.agent;
        return pollAppliance({ serial: a.serial, host: a.ipv4 ?? a.ipv6 ?? '', port: a.apiPort }, { ...poll, agent });
      });
      // Closed meanwhile: the database is gone; what was measured is dropped.
      if (this.closed) return { polled: appliances.length, reached: 0, failed: 0, durationMs: Math.round(performance.now() - started) };
      this.syncFromDisk();
      let reached = 0;
      const changed: HealthRecord[] = [];
      outcomes.forEach((outcome, i) => {
        const a = appliances[i]!;
        let record = applyOutcome(this.records.get(a.serial), a.serial, outcome);
        if (outcome.kind === 'reached') {
          reached++;
          if (outcome.metrics && record.metrics) this.ring(a.serial, settings.historySize).push(record.metrics);
        }
        record = updateSince(record, componentsOf(record, thresholds[a.model], Date.parse(outcome.at)), outcome.at);
        changed.push(record);
      });
      const report: SweepReport = {
        polled: appliances.length,
        reached,
        failed: appliances.length - reached,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      };
      for (const r of changed) this.records.set(r.serial, r);
      this.repo.saveRecords(changed);
      const at = isoAt(this.deps.clock);
      this.sweeps++;
      this.lastSweep = { ...report, at };
      this.deps.events.emit('updated', { serials: changed.map((r) => r.serial), at });
      this.deps.events.emit('swept', { ...report, at });
      return report;
    } finally {
      this.sweeping = false;
    }
  }

  close(): void {
    this.closed = true;
    this.stopFollowingInventory();
    this.stopPolling();
    this.abort.abort(new FleetError('E_CANCELLED', 'The engine closed during a health sweep.'));
    this.agent.destroy();
  }
}
