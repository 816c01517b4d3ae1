/**
 * Measured health as this window sees it: fleet roll-ups (totals, per site, per partner) and the
 * per-appliance map the tables read, the open appliance's health and metrics history, actionable
 * items, the monitor settings and the thresholds per model.
 *
 * Kept apart from the inventory store on purpose: the lifecycle status an operator set lives there,
 * the measured status lives here, and the screens show them side by side.
 *
 * `health.updated` / `health.swept` (and `inventory.changed`, which moves lifecycle and membership)
 * refresh only what the current screen shows, at most about once a second however fast sweeps come.
 */
import { create } from 'zustand';
import type { OutputOf } from '../../../main/api/kit';
import type {
  ActionItem,
  ApplianceHealth,
  HealthStatus,
  MetricsSample,
  MonitorSettings,
  MonitorStatus,
  Thresholds,
  healthMethods,
} from '../../../main/health/contract';
import type { Route } from '../route';
import { asApiError, callEngine, useEngine } from './engine';
import { useUi } from './ui';

export type FleetHealth = OutputOf<(typeof healthMethods)['fleet']>;
export type SweepReport = OutputOf<(typeof healthMethods)['pollNow']>;
export type SiteRollup = FleetHealth['bySite'][number];
export type PartnerRollup = FleetHealth['byPartner'][number];

/** A reply and when it arrived here (ages tick from it; see ageAt). */
export interface Received<T> {
  data: T;
  receivedAt: number;
}

export interface ApplianceHealthView {
  serial: string;
  health: ApplianceHealth | null;
  history: MetricsSample[];
  receivedAt: number;
  error: string | null;
  /** The engine has no such appliance (deleted, or a typo in the URL). */
  missing: boolean;
}

export interface FilteredList {
  /** The status filter it answers, sorted and joined. */
  key: string;
  items: ApplianceHealth[];
  receivedAt: number;
}

interface HealthState {
  fleet: Received<FleetHealth> | null;
  /** Serial → last known health, from the fleet reply: what the appliance tables show. */
  bySerial: Record<string, ApplianceHealth>;
  fleetError: string | null;
  /** The Health screen's list when it filters by status (filtered by the engine). */
  filtered: FilteredList | null;
  appliance: ApplianceHealthView | null;
  actionable: Received<ActionItem[]> | null;
  actionableError: string | null;
  monitor: MonitorSettings | null;
  /** Whether this engine polls now, and its sweep counters. */
  monitorStatus: MonitorStatus | null;
  monitorError: string | null;
  /** The last sweep: from Poll now, or from the `health.swept` event. */
  lastSweep: (SweepReport & { at: string }) | null;
  thresholds: Thresholds[] | null;
  thresholdsError: string | null;

  loadFleet(): Promise<void>;
  loadFiltered(status: HealthStatus[]): Promise<void>;
  loadAppliance(serial: string): Promise<void>;
  loadActionable(): Promise<void>;
  loadMonitor(): Promise<void>;
  loadThresholds(): Promise<void>;
  /** Throws ApiError with the engine's code and sentence. */
  setMonitor(patch: Partial<MonitorSettings>): Promise<MonitorSettings>;
  /** Poll now (all selected, or these serials); throws ApiError. */
  pollNow(serials?: string[]): Promise<SweepReport>;
  /** Save one model's thresholds; throws ApiError. */
  saveThresholds(thresholds: Thresholds): Promise<Thresholds[]>;
  /** Fetch what this route shows (a screen just opened; `prev` is the one before). */
  loadFor(route: Route, prev?: Route): void;
  /** Refetch what the current screen shows after new measurements (for these serials, when known). */
  refreshVisible(serials?: ReadonlySet<string>): void;
}

/** New measurements refresh the screen at most this often. */
export const REFRESH_MIN_MS = 1_000;
/** Events that arrive together (updated, then swept) cause one refresh. */
const REFRESH_BATCH_MS = 120;

/** Latest request per loader; an older reply that lands late is dropped. */
const latest = { fleet: 0, filtered: 0, appliance: 0, actionable: 0 };

function statusKey(status: readonly HealthStatus[]): string {
  return [...status].sort().join(',');
}

export function healthFilterOf(route: Route): HealthStatus[] {
  return route.name === 'health' ? route.status : [];
}

export const useHealth = create<HealthState>()((set, get) => ({
  fleet: null,
  bySerial: {},
  fleetError: null,
  filtered: null,
  appliance: null,
  actionable: null,
  actionableError: null,
  monitor: null,
  monitorStatus: null,
  monitorError: null,
  lastSweep: null,
  thresholds: null,
  thresholdsError: null,

  async loadFleet() {
    const ticket = ++latest.fleet;
    try {
      const data = await callEngine((c) => c.api.health.fleet({ query: {} }));
      if (ticket !== latest.fleet) return;
      const bySerial: Record<string, ApplianceHealth> = {};
      for (const item of data.items) bySerial[item.serial] = item;
      set({ fleet: { data, receivedAt: Date.now() }, bySerial, fleetError: null });
    } catch (err) {
      if (ticket === latest.fleet) set({ fleetError: asApiError(err).message });
    }
  },

  async loadFiltered(status) {
    const ticket = ++latest.filtered;
    const key = statusKey(status);
    try {
      const data = await callEngine((c) => c.api.health.fleet({ query: {}, status }));
      if (ticket !== latest.filtered) return;
      set({ filtered: { key, items: data.items, receivedAt: Date.now() }, fleetError: null });
    } catch (err) {
      if (ticket === latest.filtered) set({ fleetError: asApiError(err).message });
    }
  },

  async loadAppliance(serial) {
    const ticket = ++latest.appliance;
    const current = get().appliance;
    if (!current || current.serial !== serial) {
      set({ appliance: { serial, health: null, history: [], receivedAt: Date.now(), error: null, missing: false } });
    }
    try {
      const data = await callEngine((c) => c.api.health.appliance({ serial }));
      if (ticket !== latest.appliance) return;
      set({ appliance: { serial, health: data.health, history: data.history, receivedAt: Date.now(), error: null, missing: false } });
    } catch (err) {
      if (ticket !== latest.appliance) return;
      const e = asApiError(err);
      const prev = get().appliance;
      const kept = prev?.serial === serial ? prev : null;
      set({
        appliance: {
          serial,
          health: kept?.health ?? null,
          history: kept?.history ?? [],
          receivedAt: kept?.receivedAt ?? Date.now(),
          error: e.message,
          missing: e.code === 'E_NOT_FOUND' && !/no method/i.test(e.message),
        },
      });
    }
  },

  async loadActionable() {
    const ticket = ++latest.actionable;
    try {
      const data = await callEngine((c) => c.api.health.actionable({}));
      if (ticket !== latest.actionable) return;
      set({ actionable: { data, receivedAt: Date.now() }, actionableError: null });
    } catch (err) {
      if (ticket === latest.actionable) set({ actionableError: asApiError(err).message });
    }
  },

  async loadMonitor() {
    try {
      const [monitor, monitorStatus] = await Promise.all([
        callEngine((c) => c.api.health.monitor({})),
        callEngine((c) => c.api.health.monitorStatus({})),
      ]);
      const known = get().lastSweep;
      const lastSweep = monitorStatus.lastSweep && (!known || monitorStatus.lastSweep.at > known.at) ? monitorStatus.lastSweep : known;
      set({ monitor, monitorStatus, lastSweep, monitorError: null });
    } catch (err) {
      set({ monitorError: asApiError(err).message });
    }
  },

  async loadThresholds() {
    try {
      const thresholds = await callEngine((c) => c.api.health.thresholds({}));
      set({ thresholds, thresholdsError: null });
    } catch (err) {
      set({ thresholdsError: asApiError(err).message });
    }
  },

  async setMonitor(patch) {
    const monitor = await callEngine((c) => c.api.health.setMonitor(patch));
    set({ monitor, monitorError: null });
    void get().loadMonitor();
    return monitor;
  },

  async pollNow(serials) {
    const report = await callEngine((c) => c.api.health.pollNow(serials ? { serials } : {}));
    set({ lastSweep: { ...report, at: new Date().toISOString() } });
    // The sweep's events refresh the screen too; this makes sure the report and the numbers agree.
    get().refreshVisible();
    return report;
  },

  async saveThresholds(thresholds) {
    const all = await callEngine((c) => c.api.health.setThresholds(thresholds));
    set({ thresholds: all, thresholdsError: null });
    return all;
  },

  loadFor(route, prev) {
    if (prev && prev.name === route.name) {
      // Same screen, other filters: the fleet roll-ups do not depend on them.
      if (route.name === 'health' && route.status.length > 0) void get().loadFiltered(route.status);
      if (route.name !== 'appliance' && route.name !== 'site') return;
    }
    switch (route.name) {
      case 'health':
        void get().loadMonitor();
        void get().loadThresholds();
        break;
      case 'appliance':
        // A different appliance's charts must not show under this one while it loads.
        if (get().appliance?.serial !== route.serial) {
          set({ appliance: { serial: route.serial, health: null, history: [], receivedAt: Date.now(), error: null, missing: false } });
        }
        break;
      default:
        break;
    }
    get().refreshVisible();
  },

  refreshVisible(serials) {
    const route = useUi.getState().route;
    switch (route.name) {
      case 'overview':
        void get().loadFleet();
        void get().loadActionable();
        break;
      case 'appliances':
      case 'site':
        void get().loadFleet();
        break;
      case 'appliance':
        if (!serials || serials.has(route.serial)) void get().loadAppliance(route.serial);
        break;
      case 'health':
        void get().loadFleet();
        void get().loadActionable();
        if (route.status.length > 0) void get().loadFiltered(route.status);
        break;
      case 'actionable':
        void get().loadActionable();
        break;
      default:
        break;
    }
  },
}));

let refreshTimer: ReturnType<typeof setTimeout> | null = null;
let lastRefreshAt = 0;
/** Serials named by the events since the last refresh; null once an event named none (refresh all). */
let pendingSerials: Set<string> | null = new Set();

function scheduleRefresh(serials: readonly string[] | null): void {
  if (serials === null) pendingSerials = null;
  else if (pendingSerials) for (const s of serials) pendingSerials.add(s);
  if (refreshTimer) return;
  const wait = Math.max(REFRESH_BATCH_MS, lastRefreshAt + REFRESH_MIN_MS - Date.now());
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    lastRefreshAt = Date.now();
    const named = pendingSerials;
    pendingSerials = new Set();
    useHealth.getState().refreshVisible(named ?? undefined);
  }, wait);
}

/**
 * Follow the engine's health events and the window's route; returns the unsubscribe. Opening a
 * screen loads its health data; new measurements refresh it (throttled).
 */
export function followHealth(): () => void {
  const client = useEngine.getState().client;
  if (!client) return () => undefined;
  const offs = [
    client.on('health.updated', ({ serials }) => scheduleRefresh(serials)),
    client.on('health.swept', (report) => {
      const { at, ...rest } = report;
      useHealth.setState({ lastSweep: { ...rest, at } });
      scheduleRefresh(null);
    }),
    // Lifecycle changes (drain, RMA) and new or deleted appliances show in the health lists too.
    client.on('inventory.changed', () => scheduleRefresh(null)),
    useUi.subscribe((state, prev) => {
      if (state.route !== prev.route) useHealth.getState().loadFor(state.route, prev.route);
    }),
  ];
  useHealth.getState().loadFor(useUi.getState().route);
  return () => {
    for (const off of offs) off();
    if (refreshTimer) clearTimeout(refreshTimer);
    refreshTimer = null;
  };
}
