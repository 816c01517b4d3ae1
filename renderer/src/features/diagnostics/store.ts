/**
 * Diagnostics as a window sees them: the runs of an appliance or a site (newest first), the
 * comparison of an appliance's newest run with its last good one, the site's drift report, and
 * the calls that start a suite or fetch a bundle. `diagnostics.finished` refreshes what is shown.
 */
import { create } from 'zustand';
import type { Comparison, DiagCheck, DiagRun, DriftReport } from '../../../../main/diagnostics/contract';
import { callEngine, useEngine } from '../../stores/engine';
import { toastError } from '../../stores/ui';

/** What the panel is about: one appliance or one site. */
export type Subject = { serial: string } | { site: string };
export const subjectKey = (s: Subject) => ('serial' in s ? `appliance:${s.serial}` : `site:${s.site}`);

interface Entry<T> {
  data: T | null;
  loading: boolean;
  error: string | null;
}

interface DiagnosticsState {
  runs: Record<string, Entry<DiagRun[]>>;
  comparisons: Record<string, Entry<Comparison>>;
  drift: Record<string, Entry<DriftReport>>;
  /** Jobs started from this window and still running, by subject key. */
  running: Record<string, number>;

  loadRuns(subject: Subject): Promise<void>;
  loadComparison(serial: string): Promise<void>;
  run(subject: Subject, checks: DiagCheck[]): Promise<number | null>;
  checkDrift(site: string): Promise<void>;
  bundle(subject: Subject): Promise<{ filename: string; bytes: Uint8Array } | null>;
}

const idle = <T>(): Entry<T> => ({ data: null, loading: false, error: null });

export const useDiagnostics = create<DiagnosticsState>()((set, get) => ({
  runs: {},
  comparisons: {},
  drift: {},
  running: {},

  async loadRuns(subject) {
    const key = subjectKey(subject);
    set((s) => ({ runs: { ...s.runs, [key]: { ...(s.runs[key] ?? idle()), loading: true } } }));
    try {
      const data = await callEngine((c) => c.api.diagnostics.history({ ...subject, limit: 'serial' in subject ? 20 : 100 }));
      set((s) => ({ runs: { ...s.runs, [key]: { data, loading: false, error: null } } }));
    } catch (err) {
      set((s) => ({ runs: { ...s.runs, [key]: { data: s.runs[key]?.data ?? null, loading: false, error: (err as Error).message } } }));
    }
  },

  async loadComparison(serial) {
    set((s) => ({ comparisons: { ...s.comparisons, [serial]: { ...(s.comparisons[serial] ?? idle()), loading: true } } }));
    try {
      const data = await callEngine((c) => c.api.diagnostics.compare({ serial }));
      set((s) => ({ comparisons: { ...s.comparisons, [serial]: { data, loading: false, error: null } } }));
    } catch (err) {
      set((s) => ({ comparisons: { ...s.comparisons, [serial]: { data: null, loading: false, error: (err as Error).message } } }));
    }
  },

  async run(subject, checks) {
    const key = subjectKey(subject);
    try {
      const selection = 'serial' in subject ? { serials: [subject.serial] } : { query: { site: [subject.site] } };
      const { jobId } = await callEngine((c) => c.api.diagnostics.run({ selection, checks }));
      set((s) => ({ running: { ...s.running, [key]: jobId } }));
      void get().loadRuns(subject);
      return jobId;
    } catch (err) {
      toastError(err);
      return null;
    }
  },

  async checkDrift(site) {
    set((s) => ({ drift: { ...s.drift, [site]: { ...(s.drift[site] ?? idle()), loading: true, error: null } } }));
    try {
      const data = await callEngine((c) => c.api.diagnostics.drift({ selection: { query: { site: [site] } } }));
      set((s) => ({ drift: { ...s.drift, [site]: { data, loading: false, error: null } } }));
    } catch (err) {
      set((s) => ({ drift: { ...s.drift, [site]: { data: null, loading: false, error: (err as Error).message } } }));
    }
  },

  async bundle(subject) {
    try {
      const report = await callEngine((c) => c.api.diagnostics.bundle({ ...subject, inline: true }));
      const bin = atob(report.base64 ?? '');
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      return { filename: report.path.split(/[\\/]/).pop() ?? 'fleetdeck-diag.tar.gz', bytes };
    } catch (err) {
      toastError(err);
      return null;
    }
  },
}));

/** Follow `diagnostics.finished` (and the end of jobs started here); returns the unsubscribe. */
export function followDiagnostics(): () => void {
  const client = useEngine.getState().client;
  if (!client) return () => undefined;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const pending = new Set<string>();
  const refresh = () => {
    timer = null;
    const state = useDiagnostics.getState();
    for (const key of pending) {
      const [kind, id] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
      if (!state.runs[key]) continue;
      void state.loadRuns(kind === 'appliance' ? { serial: id } : { site: id });
      if (kind === 'appliance' && state.comparisons[id]) void state.loadComparison(id);
    }
    pending.clear();
  };
  const offs = [
    client.on('diagnostics.finished', ({ serial, site }) => {
      pending.add(`appliance:${serial}`);
      pending.add(`site:${site}`);
      timer ??= setTimeout(refresh, 150);
    }),
    client.on('jobs.finished', ({ id }) => {
      const running = useDiagnostics.getState().running;
      const done = Object.entries(running).filter(([, jobId]) => jobId === id);
      if (done.length === 0) return;
      useDiagnostics.setState({ running: Object.fromEntries(Object.entries(running).filter(([, jobId]) => jobId !== id)) });
      for (const [key] of done) pending.add(key);
      timer ??= setTimeout(refresh, 150);
    }),
  ];
  return () => {
    for (const off of offs) off();
    if (timer) clearTimeout(timer);
  };
}
