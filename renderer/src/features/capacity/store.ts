/** Capacity as this window sees it: every site's advice, and the open site's history and forecast. */
import { create } from 'zustand';
import type { SiteCapacity, SiteForecast } from '../../../../main/capacity/contract';
import { asApiError, callEngine } from '../../stores/engine';

interface CapacityState {
  sites: SiteCapacity[] | null;
  sitesError: string | null;
  open: { site: string; data: SiteForecast | null; error: string | null } | null;
  loadSites(): Promise<void>;
  openSite(site: string | null): Promise<void>;
}

let latest = 0;

export const useCapacity = create<CapacityState>()((set, get) => ({
  sites: null,
  sitesError: null,
  open: null,

  async loadSites() {
    try {
      set({ sites: await callEngine((c) => c.api.capacity.sites({})), sitesError: null });
    } catch (err) {
      set({ sitesError: asApiError(err).message });
    }
  },

  async openSite(site) {
    if (site === null) return set({ open: null });
    const ticket = ++latest;
    if (get().open?.site !== site) set({ open: { site, data: null, error: null } });
    try {
      const data = await callEngine((c) => c.api.capacity.site({ site }));
      if (ticket === latest) set({ open: { site, data, error: null } });
    } catch (err) {
      if (ticket === latest) set({ open: { site, data: null, error: asApiError(err).message } });
    }
  },
}));
