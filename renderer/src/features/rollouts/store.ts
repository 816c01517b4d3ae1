/**
 * Rollouts as this window sees them: the list, the open rollout's detail (overall, per-wave and
 * per-site progress, the canary judgement), its appliances and one appliance's timeline, and the
 * control calls. `rollouts.progress` and `rollouts.changed` keep what is loaded live (throttled).
 */
import { create } from 'zustand';
import type {
  CreateInput,
  PlanInput,
  Rollout,
  RolloutAppliance,
  RolloutApplianceState,
  RolloutDetail,
  RolloutPreview,
  TimelineEntry,
} from '../../../../main/rollouts/contract';
import { callEngine, useEngine } from '../../stores/engine';
import { toastError } from '../../stores/ui';

export type RolloutAction = 'start' | 'pause' | 'resume' | 'abort' | 'retryFailed' | 'approveMarginal';

interface AppliancesView {
  id: number;
  state: RolloutApplianceState[] | null;
  total: number;
  items: RolloutAppliance[];
}

interface RolloutsState {
  list: Rollout[] | null;
  detail: RolloutDetail | null;
  /** A load of the open rollout failed (not found, ...): the sentence. */
  detailProblem: string | null;
  appliances: AppliancesView | null;
  timeline: { id: number; serial: string; entries: TimelineEntry[] } | null;

  loadList(): Promise<void>;
  open(id: number): Promise<void>;
  close(): void;
  loadAppliances(id: number, state: RolloutApplianceState[] | null): Promise<void>;
  loadTimeline(id: number, serial: string): Promise<void>;
  preview(plan: PlanInput): Promise<RolloutPreview>;
  create(input: CreateInput): Promise<Rollout>;
  act(id: number, action: RolloutAction, text?: string): Promise<Rollout>;
}

/** Appliances shown at once in the live view (the CLI lists all). */
export const APPLIANCE_PAGE = 2000;

export const useRollouts = create<RolloutsState>()((set, get) => ({
  list: null,
  detail: null,
  detailProblem: null,
  appliances: null,
  timeline: null,

  async loadList() {
    try {
      set({ list: await callEngine((c) => c.api.rollouts.list({ limit: 200 })) });
    } catch (err) {
      toastError(err);
    }
  },

  async open(id) {
    try {
      const detail = await callEngine((c) => c.api.rollouts.get({ id }));
      set({ detail, detailProblem: null });
    } catch (err) {
      set({ detail: null, detailProblem: err instanceof Error ? err.message : String(err) });
    }
  },

  close() {
    set({ detail: null, detailProblem: null, appliances: null, timeline: null });
  },

  async loadAppliances(id, state) {
    try {
      const page = await callEngine((c) => c.api.rollouts.appliances({ id, limit: APPLIANCE_PAGE, ...(state ? { state } : {}) }));
      set({ appliances: { id, state, total: page.total, items: page.items } });
    } catch (err) {
      toastError(err);
    }
  },

  async loadTimeline(id, serial) {
    try {
      const t = await callEngine((c) => c.api.rollouts.timeline({ id, serial }));
      set({ timeline: { id, serial: t.serial, entries: t.entries } });
    } catch (err) {
      toastError(err);
    }
  },

  preview: (plan) => callEngine((c) => c.api.rollouts.preview(plan)),

  async create(input) {
    const rollout = await callEngine((c) => c.api.rollouts.create(input));
    void get().loadList();
    return rollout;
  },

  async act(id, action, text) {
    const rollout = await callEngine((c) => {
      const r = c.api.rollouts;
      switch (action) {
        case 'start':
          return r.start({ id });
        case 'pause':
          return r.pause({ id, ...(text ? { reason: text } : {}) });
        case 'resume':
          return r.resume({ id });
        case 'abort':
          return r.abort({ id, ...(text ? { reason: text } : {}) });
        case 'retryFailed':
          return r.retryFailed({ id });
        case 'approveMarginal':
          return r.approveMarginal({ id, ...(text ? { note: text } : {}) });
      }
    });
    await refreshOpen(id);
    return rollout;
  },
}));

/** Reload what is open of rollout `id` (detail, its appliances, the open timeline). */
async function refreshOpen(id: number): Promise<void> {
  const s = useRollouts.getState();
  const jobs: Promise<void>[] = [];
  if (s.detail?.rollout.id === id) jobs.push(s.open(id));
  if (s.appliances?.id === id) jobs.push(s.loadAppliances(id, s.appliances.state));
  if (s.timeline?.id === id) jobs.push(s.loadTimeline(id, s.timeline.serial));
  await Promise.all(jobs);
}

const REFRESH_MS = 400;
let pending = new Set<number>();
let listDirty = false;
let timer: ReturnType<typeof setTimeout> | null = null;

function schedule(id: number, list: boolean) {
  pending.add(id);
  listDirty ||= list;
  timer ??= setTimeout(() => {
    timer = null;
    const ids = pending;
    pending = new Set();
    const s = useRollouts.getState();
    if (listDirty && s.list !== null) void s.loadList();
    listDirty = false;
    for (const i of ids) void refreshOpen(i);
  }, REFRESH_MS);
}

/** Follow rollout events; a burst of progress is one reload. Returns the unsubscribe. */
export function followRolloutEvents(): () => void {
  const client = useEngine.getState().client;
  if (!client) return () => undefined;
  const offs = [
    client.on('rollouts.progress', ({ id, state, phase, currentWave, counts }) => {
      // The list's counts follow at once; the open detail is reloaded (throttled).
      const list = useRollouts.getState().list;
      if (list) useRollouts.setState({ list: list.map((r) => (r.id === id ? { ...r, state, phase, currentWave, counts } : r)) });
      schedule(id, false);
    }),
    client.on('rollouts.changed', ({ id, what }) => schedule(id, what !== 'appliance')),
  ];
  return () => {
    for (const off of offs) off();
  };
}
