/**
 * Snapshots in the window: which snapshot this engine shows (null on a live fleet; the banner and
 * the frozen ages follow it), "Open snapshot…" (the engine serves the file read-only in a window
 * of its own and answers its URL) and the comparison of two snapshot files.
 */
import { create } from 'zustand';
import type { CurrentSnapshot, SnapshotDiff, SnapshotWindow } from '../../../../main/snapshots/contract';
import { callEngine, asApiError } from '../../stores/engine';
import { freezeAges } from '../health/HealthBadge';

interface SnapshotsState {
  /** undefined until asked. */
  current: CurrentSnapshot | undefined;
  diff: SnapshotDiff | null;
  busy: boolean;
  error: { code: string; message: string } | null;
  loadCurrent(): Promise<void>;
  /** Asks the engine to open the file; resolves with where it is shown (null: refused, `error` says why). */
  open(file: string): Promise<SnapshotWindow | null>;
  /** Leaves the snapshot for the live fleet: this window goes there (or the desktop app reloads it). */
  back(): Promise<void>;
  compare(a: string, b: string): Promise<void>;
}

export const useSnapshots = create<SnapshotsState>()((set) => ({
  current: undefined,
  diff: null,
  busy: false,
  error: null,

  async loadCurrent() {
    try {
      const current = await callEngine((c) => c.api.snapshots.current({}));
      // On a snapshot, ages stand still at the moment it was taken (the engine's clock does too).
      freezeAges(current !== null);
      set({ current });
    } catch {
      set({ current: null });
    }
  },

  async open(file) {
    set({ busy: true, error: null });
    try {
      const { url, sameWindow } = await callEngine((c) => c.api.snapshots.open({ file }));
      return { url, sameWindow };
    } catch (err) {
      const e = asApiError(err);
      set({ error: { code: e.code, message: e.message } });
      return null;
    } finally {
      set({ busy: false });
    }
  },

  async back() {
    set({ busy: true, error: null });
    try {
      const { url, sameWindow } = await callEngine((c) => c.api.snapshots.back({}));
      // The desktop app reloads this window onto the live fleet itself.
      if (!sameWindow) window.location.assign(url);
    } catch (err) {
      const e = asApiError(err);
      set({ error: { code: e.code, message: e.message } });
    } finally {
      set({ busy: false });
    }
  },

  async compare(a, b) {
    set({ busy: true, error: null, diff: null });
    try {
      const diff = await callEngine((c) => c.api.snapshots.diff({ a, b }));
      set({ diff });
    } catch (err) {
      const e = asApiError(err);
      set({ error: { code: e.code, message: e.message } });
    } finally {
      set({ busy: false });
    }
  },
}));
