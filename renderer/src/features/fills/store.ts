/**
 * The fills feature's state: the fill runs of the site on screen, the run looked at (its plan and
 * each appliance's progress), kept live from fills.progress events.
 */
import { create } from 'zustand';
import type { FillRun, FillRunSummary, LabDemandReport, SavingsReport } from './types';
import { asApiError, callEngine, useEngine } from '../../stores/engine';

/** The lab's demand being handed over (the demo: nothing imported yet), or how that went. */
export type LabDemand = { state: 'importing' } | { state: 'imported'; report: LabDemandReport } | { state: 'failed'; text: string };

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
  /**
   * The fleet's hand-over of the lab's demand (one for the whole fleet, not one per site: it stays
   * here whichever site is looked at while it runs), null when none was asked for.
   */
  labDemand: LabDemand | null;
  /**
   * Nothing imported yet on a lab fleet (the demo): the lab hands its demand over, a small catalog
   * and its sites' last days (seconds), so "Plan tomorrow" works at once. Elsewhere nothing happens.
   */
  handOverLabDemand(site: string): Promise<void>;
}

export const useFills = create<FillsState>()((set, get) => ({
  site: null,
  runs: [],
  run: null,
  error: null,
  loading: false,
  savings: null,
  savingsError: null,
  labDemand: null,
  async handOverLabDemand(site) {
    const inputs = await callEngine((c) => c.api.fills.inputs({ site }));
    if (inputs.catalogTitles > 0 || inputs.demand) return;
    const lab = await callEngine((c) => c.api.lab.status({}));
    if (!lab.running) return;
    set({ labDemand: { state: 'importing' } });
    try {
      set({ labDemand: { state: 'imported', report: await callEngine((c) => c.api.lab.handOverDemand({})) } });
    } catch (err) {
      const e = asApiError(err);
      set({ labDemand: { state: 'failed', text: `${e.message} (${e.code})` } });
    }
  },
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
