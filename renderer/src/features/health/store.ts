/**
 * Measured health as this window sees it, fetched as it is shown (a fleet of 10,000 appliances must
 * not cost megabytes a refresh): fleet roll-ups only (totals, per site, per partner); the health of
 * the appliance-table rows in view, by serial; the Health screen's list a page at a time, worst
 * first; the open appliance's health and metrics history; actionable items; the monitor settings
 * and the thresholds per model.
 *
 * Kept apart from the inventory store on purpose: the lifecycle status an operator set lives there,
 * the measured status lives here, and the screens show them side by side.
 *
 * `health.updated` / `health.swept` (and `inventory.changed`, which moves lifecycle and membership)
 * refresh only what the current screen shows, at most about once a second however fast sweeps come.
 */
import { create } from 'zustand';
import type { OutputOf } from '../../../../main/kit/contract';
import { detailsOf } from '../../../../main/kit/errors';
import type {
  ActionItem,
  ApplianceHealth,
  HealthStatus,
  MetricsSample,
  MonitorSettings,
  MonitorStatus,
  Thresholds,
  healthMethods,
} from '../../../../main/health/contract';
import type { Route } from '../../route';
import { asApiError, callEngine, useEngine } from '../../stores/engine';
import { pagedList, type PagedListState } from '../../stores/paged-list';
import { useUi } from '../../stores/ui';

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

/** The Health screen's list: every appliance the status filter matches, worst first, fetched a page at a time. */
export interface HealthListState extends PagedListState<HealthListPage> {
  /** The status filter it answers, sorted and joined ('' for all). */
  key: string;
  status: HealthStatus[];
}

/** One page of the Health screen's list, and when it arrived (ages tick from it). */
export interface HealthListPage {
  items: ApplianceHealth[];
  receivedAt: number;
}

/** The appliance tables' rows in view: their serials, and their health with when it arrived. */
export interface RowHealth {
  /** Serials in view, in the order shown. */
  serials: string[];
  /** Serial → health and when it arrived, for the rows answered (a serial the engine no longer knows has none). */
  bySerial: Record<string, Received<ApplianceHealth>>;
  /** Serials the engine has answered for (with or without health). */
  answered: Record<string, true>;
}

interface HealthState {
  /** Roll-ups only: totals, per site, per partner (no per-appliance items). */
  fleet: Received<FleetHealth> | null;
  fleetError: string | null;
  rows: RowHealth;
  list: HealthListState;
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
  /** An appliance table shows these rows now: fetch their health (and keep it fresh while shown). */
  showRows(serials: readonly string[]): void;
  /** The Health screen's filter (a new one starts the list over). */
  setListFilter(status: HealthStatus[]): void;
  /** The Health screen's list shows rows start..end (inclusive): fetch the pages they live on. */
  ensureListRows(start: number, end: number): void;
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
const latest = { fleet: 0, rows: 0, appliance: 0, actionable: 0 };

/** Rows per page of the Health screen's list. */
export const LIST_PAGE_SIZE = 100;
/** Scrolling asks for new rows at most this often. */
const ROWS_DEBOUNCE_MS = 80;

function statusKey(status: readonly HealthStatus[]): string {
  return [...status].sort().join(',');
}

function emptyList(generation: number, status: HealthStatus[] = []): HealthListState {
  return { key: statusKey(status), status, total: null, pages: {}, fresh: {}, generation, error: null };
}

const EMPTY_ROWS: RowHealth = { serials: [], bySerial: {}, answered: {} };

/** The list row at `index` and when it arrived, if its page is here. */
export function listRowAt(list: HealthListState, index: number): { health: ApplianceHealth; receivedAt: number } | undefined {
  const page = list.pages[Math.floor(index / LIST_PAGE_SIZE)];
  const health = page?.items[index % LIST_PAGE_SIZE];
  return page && health ? { health, receivedAt: page.receivedAt } : undefined;
}

let rowsTimer: ReturnType<typeof setTimeout> | null = null;

export function healthFilterOf(route: Route): HealthStatus[] {
  return route.name === 'health' ? route.status : [];
}

export const useHealth = create<HealthState>()((set, get) => {
  const healthList = pagedList({
    pageSize: LIST_PAGE_SIZE,
    read: () => get().list,
    write: (list: HealthListState) => set({ list }),
    fetch: ({ status }: HealthListState, offset, limit) =>
      callEngine((c) => c.api.health.fleet({ status: status.length ? status : undefined, sort: 'worst', offset, limit, includeRollups: false })),
    toPage: (reply): HealthListPage => ({ items: reply.items, receivedAt: Date.now() }),
  });

  /** Fetch the health of the rows in view. */
  async function loadRows(): Promise<void> {
    const serials = get().rows.serials;
    if (serials.length === 0) return;
    const ticket = ++latest.rows;
    try {
      const data = await callEngine((c) => c.api.health.fleet({ serials, includeRollups: false }));
      if (ticket !== latest.rows) return;
      const receivedAt = Date.now();
      const got = new Map(data.items.map((h) => [h.serial, h]));
      const asked = new Set(serials);
      // The view may have scrolled meanwhile: update the rows still in view that were asked for.
      const current = get().rows;
      const bySerial: RowHealth['bySerial'] = {};
      const answered: RowHealth['answered'] = {};
      for (const s of current.serials) {
        const health = got.get(s);
        if (asked.has(s)) {
          answered[s] = true;
          if (health) bySerial[s] = { data: health, receivedAt };
        } else {
          if (current.bySerial[s]) bySerial[s] = current.bySerial[s];
          if (current.answered[s]) answered[s] = true;
        }
      }
      set({ rows: { serials: current.serials, bySerial, answered }, fleetError: null });
    } catch (err) {
      if (ticket === latest.rows) set({ fleetError: asApiError(err).message });
    }
  }

  return {
    fleet: null,
    fleetError: null,
    rows: EMPTY_ROWS,
    list: emptyList(0),
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
        const data = await callEngine((c) => c.api.health.fleet({ includeItems: false }));
        if (ticket !== latest.fleet) return;
        set({ fleet: { data, receivedAt: Date.now() }, fleetError: null });
      } catch (err) {
        if (ticket === latest.fleet) set({ fleetError: asApiError(err).message });
      }
    },

    showRows(serials) {
      const current = get().rows;
      if (serials.length === current.serials.length && serials.every((s, i) => s === current.serials[i])) return;
      // Keep what is known about rows still in view; the rest goes (the map stays the size of the view).
      const bySerial: RowHealth['bySerial'] = {};
      const answered: RowHealth['answered'] = {};
      for (const s of serials) {
        if (current.bySerial[s]) bySerial[s] = current.bySerial[s];
        if (current.answered[s]) answered[s] = true;
      }
      set({ rows: { serials: [...serials], bySerial, answered } });
      if (serials.every((s) => answered[s])) return;
      if (rowsTimer) clearTimeout(rowsTimer);
      rowsTimer = setTimeout(() => {
        rowsTimer = null;
        void loadRows();
      }, ROWS_DEBOUNCE_MS);
    },

    setListFilter(status) {
      const key = statusKey(status);
      const list = get().list;
      if (list.key === key && list.total !== null) return;
      set({ list: emptyList(list.generation + 1, [...status]) });
      healthList.restart();
    },

    ensureListRows(start, end) {
      healthList.showRows(start, end);
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
            // Not found: the appliance, not a method this engine lacks (that names the method in details).
            missing: e.code === 'E_NOT_FOUND' && detailsOf(e, 'E_NOT_FOUND')?.method === undefined,
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
        if (route.name === 'health') get().setListFilter(route.status);
        if (route.name !== 'appliance' && route.name !== 'site') return;
      }
      switch (route.name) {
        case 'health':
          void get().loadMonitor();
          void get().loadThresholds();
          // The list starts over with the filter; the refresh below fetches its first page.
          if (get().list.key !== statusKey(route.status)) set({ list: emptyList(get().list.generation + 1, [...route.status]) });
          healthList.resetView();
          break;
        case 'overview':
          // The overview says so when polling is off.
          void get().loadMonitor();
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
        case 'map':
          void get().loadFleet();
          break;
        case 'appliances':
        case 'site':
          // Only the rows in view, and only when a sweep measured one of them.
          if (!serials || get().rows.serials.some((s) => serials.has(s))) void loadRows();
          break;
        case 'appliance':
          if (!serials || serials.has(route.serial)) void get().loadAppliance(route.serial);
          break;
        case 'health':
          void get().loadFleet();
          void get().loadActionable();
          healthList.refresh();
          break;
        case 'actionable':
          void get().loadActionable();
          break;
        default:
          break;
      }
    },
  };
});

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
      // The roll-ups and lists move; single rows only if `health.updated` named them.
      scheduleRefresh([]);
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
