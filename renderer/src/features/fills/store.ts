/**
 * The fills feature's state: the fill runs of the site on screen, the run looked at (its plan and
 * each appliance's progress), kept live from fills.progress events.
 */
import { create } from 'zustand';
import type { FillRun, FillRunSummary, SavingsReport } from './types';
import { asApiError, callEngine, useEngine } from '../../stores/engine';

interface FillsState {
  site: string | null;
  runs: FillRunSummary[];
  run: FillRun | null;
  error: string | null;
  loading: boolean;
  /** Load the runs of a site (the newest is looked at unless one is chosen). */
  load(site: string | null, runId?: number | null): Promise<void>;
  select(id: number): Promise<void>;
  refresh(runId: number): Promise<void>;
  /** Transit avoided per partner by the latest plans (null until loaded). */
  savings: SavingsReport | null;
  savingsError: string | null;
  loadSavings(): Promise<void>;
}

export const useFills = create<FillsState>()((set, get) => ({
  site: null,
  runs: [],
  run: null,
  error: null,
  loading: false,
  savings: null,
  savingsError: null,
  async loadSavings() {
    try {
      const savings = await callEngine((c) => c.api.fills.savings({}));
      set({ savings, savingsError: null });
    } catch (err) {
      set({ savingsError: asApiError(err).message });
    }
  },
  async load(site, runId = null) {
    set({ site, loading: true, error: null });
    try {
      const runs = await callEngine((c) => c.api.fills.listRuns({ ...(site ? { site } : {}), limit: 50 }));
      const id = runId ?? runs[0]?.id ?? null;
      const run = id !== null ? await callEngine((c) => c.api.fills.getRun({ id })) : null;
      if (get().site !== site) return;
      set({ runs, run, loading: false });
    } catch (err) {
      set({ loading: false, error: asApiError(err).message });
    }
  },
  async select(id) {
    try {
      const run = await callEngine((c) => c.api.fills.getRun({ id }));
      set({ run, error: null });
    } catch (err) {
      set({ error: asApiError(err).message });
    }
  },
  async refresh(runId) {
    const { run, site } = get();
    try {
      const runs = await callEngine((c) => c.api.fills.listRuns({ ...(site ? { site } : {}), limit: 50 }));
      const fresh = run && run.id === runId ? await callEngine((c) => c.api.fills.getRun({ id: runId })) : run;
      set({ runs, run: fresh });
    } catch {
      // The next event tries again.
    }
  },
}));

/** Keep the screen live: a run's progress refetches it (at most every 300 ms). */
export function followFills(): () => void {
  const client = useEngine.getState().client;
  if (!client) return () => undefined;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending: number | null = null;
  const off = client.on('fills.progress', (p) => {
    pending = p.runId;
    timer ??= setTimeout(() => {
      timer = null;
      if (pending !== null) void useFills.getState().refresh(pending);
    }, 300);
  });
  // A run ends with its job: refetch when the job of the run on screen finishes.
  const offJob = client.on('jobs.finished', (p) => {
    const run = useFills.getState().run;
    if (run && run.jobId === p.id) void useFills.getState().refresh(run.id);
  });
  // A new plan changes the savings report.
  const offPlan = client.on('fills.changed', (p) => {
    if (p.kind === 'plan') void useFills.getState().loadSavings();
  });
  // A sweep of the health polling adds to the measured savings.
  const offHistory = client.on('history.changed', () => void useFills.getState().loadSavings());
  return () => {
    off();
    offJob();
    offPlan();
    offHistory();
    if (timer) clearTimeout(timer);
  };
}
