/**
 * Provisioning as this window sees it: the surveyed sites, one site's checklists (kept live by
 * `provisioning.changed` and the jobs' progress), and the calls: import a survey, provision, confirm
 * a host key, record an expected re-key.
 */
import { create } from 'zustand';
import type { ProvisioningSite, SurveyImportReport } from '../../../../main/provisioning/contract';
import type { ImportRowError } from '../../../../main/inventory/contract';
import { asApiError, callEngine, useEngine } from '../../stores/engine';
import { toastError } from '../../stores/ui';

export interface SurveyedSiteRow {
  site: string;
  appliances: number;
  online: number;
  failed: number;
}

interface ProvisioningState {
  sites: SurveyedSiteRow[] | null;
  site: { code: string; data: ProvisioningSite | null; error: { code: string; message: string } | null } | null;
  importErrors: ImportRowError[] | null;
  /** Rotate factory passwords into the vault (password login kept) instead of turning password login off. */
  rotatePassword: boolean;
  setRotatePassword(rotate: boolean): void;
  loadSites(): Promise<void>;
  loadSite(code: string): Promise<void>;
  importSurvey(content: string, fileName: string): Promise<SurveyImportReport | null>;
  provision(site: string, acceptNew: boolean, serials?: string[]): Promise<void>;
  confirmHostKey(serial: string, fingerprint: string): Promise<void>;
  expectRekey(serial: string, reason: string): Promise<void>;
}

export const useProvisioning = create<ProvisioningState>()((set, get) => ({
  sites: null,
  site: null,
  importErrors: null,
  rotatePassword: false,

  setRotatePassword(rotate) {
    set({ rotatePassword: rotate });
  },

  async loadSites() {
    try {
      set({ sites: await callEngine((c) => c.api.provisioning.sites({})) });
    } catch (err) {
      toastError(err);
    }
  },

  async loadSite(code) {
    try {
      const data = await callEngine((c) => c.api.provisioning.site({ site: code }));
      set({ site: { code, data, error: null } });
    } catch (err) {
      const e = asApiError(err);
      set({ site: { code, data: null, error: { code: e.code, message: e.message } } });
    }
  },

  async importSurvey(content, fileName) {
    set({ importErrors: null });
    try {
      const report = await callEngine((c) => c.api.provisioning.importSurvey({ content, fileName }));
      void get().loadSites();
      return report;
    } catch (err) {
      const e = asApiError(err);
      const rows = e.code === 'E_IMPORT' ? (e.details as { errors?: ImportRowError[] } | undefined)?.errors : undefined;
      if (rows) set({ importErrors: rows });
      else toastError(err);
      return null;
    }
  },

  async provision(site, acceptNew, serials) {
    try {
      const passwordLogin = get().rotatePassword ? 'rotate' : 'off';
      await callEngine((c) => c.api.provisioning.start({ site, acceptNew, passwordLogin, ...(serials ? { serials } : {}) }));
      void get().loadSite(site);
    } catch (err) {
      toastError(err);
    }
  },

  async confirmHostKey(serial, fingerprint) {
    try {
      await callEngine((c) => c.api.provisioning.confirmHostKey({ serial, fingerprint }));
    } catch (err) {
      toastError(err);
    }
  },

  async expectRekey(serial, reason) {
    try {
      await callEngine((c) => c.api.provisioning.expectRekey({ serial, reason }));
    } catch (err) {
      toastError(err);
    }
  },
}));

let timer: ReturnType<typeof setTimeout> | null = null;

/** Keeps the open site live: checklist changes and job progress reload it (at most every 200 ms). */
export function followProvisioning(): () => void {
  const client = useEngine.getState().client;
  if (!client) return () => undefined;
  const reload = () => {
    timer ??= setTimeout(() => {
      timer = null;
      const open = useProvisioning.getState().site;
      if (open) void useProvisioning.getState().loadSite(open.code);
      if (useProvisioning.getState().sites) void useProvisioning.getState().loadSites();
    }, 200);
  };
  const offs = [client.on('provisioning.changed', reload), client.on('jobs.finished', reload)];
  return () => {
    for (const off of offs) off();
  };
}
