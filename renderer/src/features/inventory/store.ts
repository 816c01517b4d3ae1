/**
 * The inventory as this window sees it: overview, filter facets, the appliance table (pages fetched as
 * the user scrolls, cached per query), the open appliance and site, the sites list and the audit log.
 * Stores call the engine; components read the stores. `inventory.changed` refreshes what is on screen.
 */
import { auditQueryFor, DEFAULT_AUDIT_FILTER, type AuditFilters } from '../audit/filter';
import { create } from 'zustand';
import type { OutputOf } from '../../../../main/kit/contract';
import type {
  Appliance,
  ApplianceInput,
  AppliancePatch,
  AuditEntry,
  Facets,
  ImportReport,
  ImportRequest,
  LifecycleStatus,
  Overview,
  SiteInput,
  SiteSummary,
  inventoryMethods,
} from '../../../../main/inventory/contract';
import type { LabStatus } from '../../../../main/lab/contract';
import { EMPTY_QUERY, listQueryKey, toApplianceQuery, type ListQuery } from '../../route';
import { PAGE_SIZE } from '../../list-query';
import { takeEarlyReply } from '../../api/early';
import { asApiError, callEngine, useEngine } from '../../stores/engine';
import { pagedList, type PagedListState } from '../../stores/paged-list';
import { toastError, useUi } from '../../stores/ui';
import type { ApiError } from '../../api';
import { BOOT_MARKS, markOnce } from '../../ui/boot-marks';

export type ApplianceDetail = OutputOf<(typeof inventoryMethods)['getAppliance']>;
export type SiteDetail = OutputOf<(typeof inventoryMethods)['getSite']>;
export type ExportResult = OutputOf<(typeof inventoryMethods)['exportData']>;

export { PAGE_SIZE };
const AUDIT_PAGE = 100;
/** Several changes in quick succession (an import, the lab) cause one refresh. */
const REFRESH_DELAY_MS = 120;

export interface ListState extends PagedListState<Appliance[]> {
  query: ListQuery;
  /** Index of the selected row, -1 for none. */
  selected: number;
}

interface Loadable<K, T> {
  key: K;
  data: T | null;
  error: ApiError | null;
}

interface AuditState {
  entries: AuditEntry[];
  loaded: boolean;
  loading: boolean;
  done: boolean;
  /** The filters the entries answer (features/audit/filter.ts makes them from the form). */
  filters: AuditFilters;
}

interface InventoryState {
  overview: Overview | null;
  overviewError: string | null;
  facets: Facets | null;
  list: ListState;
  appliance: Loadable<string, ApplianceDetail> | null;
  sites: SiteSummary[] | null;
  site: Loadable<string, SiteDetail> | null;
  audit: AuditState;

  loadOverview(): Promise<void>;
  loadFacets(): Promise<void>;
  setListQuery(query: ListQuery): void;
  /** The table shows rows start..end (inclusive); fetch the pages they live on. */
  ensureRows(start: number, end: number): void;
  selectRow(index: number): void;
  loadAppliance(serial: string): Promise<void>;
  loadSites(): Promise<void>;
  loadSite(code: string): Promise<void>;
  /** (Re)loads the newest page; with filters, those replace the current ones. */
  loadAudit(filters?: AuditFilters): Promise<void>;
  loadMoreAudit(): Promise<void>;

  createAppliance(input: ApplianceInput): Promise<Appliance>;
  updateAppliance(serial: string, patch: AppliancePatch): Promise<Appliance>;
  setStatus(serial: string, status: LifecycleStatus, reason: string): Promise<Appliance>;
  deleteAppliance(serial: string, reason: string): Promise<void>;
  upsertSite(input: SiteInput): Promise<void>;
  importData(request: ImportRequest): Promise<ImportReport>;
  exportData(format: 'csv' | 'json', kind?: 'sites' | 'appliances'): Promise<ExportResult>;
  /** Starts the lab fleet (simulated appliances written into the inventory). */
  startLab(): Promise<LabStatus>;
  /** Refetch what the current screen shows (after `inventory.changed`). */
  refreshVisible(): void;
}

function emptyList(generation: number, query: ListQuery = EMPTY_QUERY, key: string | null = null): ListState {
  return { key, query, total: null, pages: {}, fresh: {}, generation, error: null, selected: -1 };
}

export function rowAt(list: ListState, index: number): Appliance | undefined {
  return list.pages[Math.floor(index / PAGE_SIZE)]?.[index % PAGE_SIZE];
}

export const useInventory = create<InventoryState>()((set, get) => {
  const applianceList = pagedList({
    pageSize: PAGE_SIZE,
    read: () => get().list,
    write: (list: ListState) => set({ list }),
    fetch: async ({ query }: ListState, offset, limit) => {
      const params = toApplianceQuery(query, offset, limit);
      const send = () => callEngine((c) => c.api.inventory.listAppliances(params));
      // The window's first page may have been asked for by the page's early script (api/early.ts).
      const early = takeEarlyReply('inventory', 'listAppliances', params);
      const reply = await (early ? early.catch(send) : send());
      markOnce(BOOT_MARKS.firstPage);
      return reply;
    },
    toPage: (reply) => reply.items,
  });

  async function refreshAuditHead(): Promise<void> {
    const { audit } = get();
    if (!audit.loaded) return;
    const filters = audit.filters;
    const newest = await callEngine((c) => c.api.inventory.audit({ ...filters, limit: AUDIT_PAGE }));
    if (get().audit.filters !== filters) return;
    const top = get().audit.entries[0]?.id ?? 0;
    const added = newest.filter((e) => e.id > top);
    if (added.length === 0) return;
    // A full page of new entries may hide a gap: start over from the newest.
    const entries = added.length === newest.length ? newest : [...added, ...get().audit.entries];
    set({ audit: { ...get().audit, entries, done: added.length === newest.length ? newest.length < AUDIT_PAGE : get().audit.done } });
  }

  return {
    overview: null,
    overviewError: null,
    facets: null,
    list: emptyList(0),
    appliance: null,
    sites: null,
    site: null,
    audit: { entries: [], loaded: false, loading: false, done: false, filters: auditQueryFor(DEFAULT_AUDIT_FILTER) },

    async loadOverview() {
      try {
        const overview = await callEngine((c) => c.api.inventory.overview({}));
        set({ overview, overviewError: null });
      } catch (err) {
        set({ overviewError: asApiError(err).message });
      }
    },

    async loadFacets() {
      try {
        const facets = await callEngine((c) => c.api.inventory.facets({}));
        set({ facets });
      } catch (err) {
        toastError(err);
      }
    },

    setListQuery(query) {
      const key = listQueryKey(query);
      const list = get().list;
      if (list.key === key) return;
      set({ list: emptyList(list.generation + 1, query, key) });
      applianceList.restart();
    },

    ensureRows(start, end) {
      applianceList.showRows(start, end);
    },

    selectRow(index) {
      const list = get().list;
      if (list.selected === index) return;
      set({ list: { ...list, selected: index } });
    },

    async loadAppliance(serial) {
      const current = get().appliance;
      if (!current || current.key !== serial) set({ appliance: { key: serial, data: null, error: null } });
      try {
        const data = await callEngine((c) => c.api.inventory.getAppliance({ serial }));
        if (get().appliance?.key === serial) set({ appliance: { key: serial, data, error: null } });
      } catch (err) {
        if (get().appliance?.key === serial) {
          set({ appliance: { key: serial, data: get().appliance?.data ?? null, error: asApiError(err) } });
        }
      }
    },

    async loadSites() {
      try {
        const sites = await callEngine((c) => c.api.inventory.listSites({}));
        set({ sites });
      } catch (err) {
        toastError(err);
      }
    },

    async loadSite(code) {
      const current = get().site;
      if (!current || current.key !== code) set({ site: { key: code, data: null, error: null } });
      try {
        const data = await callEngine((c) => c.api.inventory.getSite({ code }));
        if (get().site?.key === code) set({ site: { key: code, data, error: null } });
      } catch (err) {
        if (get().site?.key === code) set({ site: { key: code, data: get().site?.data ?? null, error: asApiError(err) } });
      }
    },

    async loadAudit(next) {
      const filters = next ?? get().audit.filters;
      set({ audit: { ...get().audit, loading: true, filters } });
      try {
        const entries = await callEngine((c) => c.api.inventory.audit({ ...filters, limit: AUDIT_PAGE }));
        // A reply for filters that have since changed is not shown.
        if (get().audit.filters !== filters) return;
        set({ audit: { entries, loaded: true, loading: false, done: entries.length < AUDIT_PAGE, filters } });
      } catch (err) {
        set({ audit: { ...get().audit, loading: false } });
        toastError(err);
      }
    },

    async loadMoreAudit() {
      const { audit } = get();
      const last = audit.entries.at(-1);
      if (audit.loading || audit.done || !last) return;
      set({ audit: { ...audit, loading: true } });
      try {
        const more = await callEngine((c) => c.api.inventory.audit({ ...audit.filters, limit: AUDIT_PAGE, beforeId: last.id }));
        const current = get().audit;
        if (current.filters !== audit.filters) return;
        set({
          audit: { ...current, entries: [...current.entries, ...more], loading: false, done: more.length < AUDIT_PAGE },
        });
      } catch (err) {
        set({ audit: { ...get().audit, loading: false } });
        toastError(err);
      }
    },

    async createAppliance(input) {
      const created = await callEngine((c) => c.api.inventory.createAppliance(input));
      get().refreshVisible();
      return created;
    },

    async updateAppliance(serial, patch) {
      const updated = await callEngine((c) => c.api.inventory.updateAppliance({ serial, patch }));
      const detail = get().appliance;
      if (detail?.key === serial && detail.data) set({ appliance: { ...detail, data: { ...detail.data, appliance: updated } } });
      void get().loadAppliance(serial);
      return updated;
    },

    async setStatus(serial, status, reason) {
      const trimmed = reason.trim();
      const updated = await callEngine((c) =>
        c.api.inventory.setStatus(trimmed ? { serial, status, reason: trimmed } : { serial, status }),
      );
      const detail = get().appliance;
      if (detail?.key === serial && detail.data) set({ appliance: { ...detail, data: { ...detail.data, appliance: updated } } });
      void get().loadAppliance(serial);
      return updated;
    },

    async deleteAppliance(serial, reason) {
      await callEngine((c) => c.api.inventory.deleteAppliance({ serial, reason: reason.trim() }));
      if (get().appliance?.key === serial) set({ appliance: null });
    },

    async upsertSite(input) {
      await callEngine((c) => c.api.inventory.upsertSite(input));
      get().refreshVisible();
    },

    async importData(request) {
      const report = await callEngine((c) => c.api.inventory.importData(request));
      if (!report.dryRun) get().refreshVisible();
      return report;
    },

    exportData(format, kind) {
      return callEngine((c) => c.api.inventory.exportData(kind ? { format, kind } : { format }));
    },

    async startLab() {
      const status = await callEngine((c) => c.api.lab.start({ appliances: 60, sites: 12 }));
      await get().loadOverview();
      return status;
    },

    refreshVisible() {
      const route = useUi.getState().route;
      const fail = (err: unknown) => {
        if (asApiError(err).code !== 'E_NOT_FOUND') toastError(err);
      };
      switch (route.name) {
        case 'overview':
          void get().loadOverview();
          break;
        case 'appliances':
          applianceList.refresh();
          void get().loadOverview();
          void get().loadFacets();
          break;
        case 'appliance':
          void get().loadAppliance(route.serial);
          break;
        case 'sites':
        case 'map':
          void get().loadSites();
          break;
        case 'site':
          void get().loadSite(route.code);
          applianceList.refresh();
          break;
        case 'audit':
          refreshAuditHead().catch(fail);
          break;
        case 'import':
          break;
      }
    },
  };
});

let refreshTimer: ReturnType<typeof setTimeout> | null = null;

/** Follow the engine's `inventory.changed` events; returns the unsubscribe. */
export function followInventoryChanges(): () => void {
  const client = useEngine.getState().client;
  if (!client) return () => undefined;
  return client.on('inventory.changed', () => {
    if (refreshTimer) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      useInventory.getState().refreshVisible();
    }, REFRESH_DELAY_MS);
  });
}
