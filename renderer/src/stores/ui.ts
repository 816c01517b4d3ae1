/** The window itself: which screen (from the URL hash), the theme, and the toasts. */
import { create } from 'zustand';
import { hashFor, parseHash, type Route } from '../route';
import { useEngine } from './engine';

export type ThemeChoice = 'system' | 'light' | 'dark';
export type ToastKind = 'error' | 'info';

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
  /** The engine's stable error code, when there is one. */
  code?: string;
}

interface UiState {
  route: Route;
  hash: string;
  theme: ThemeChoice;
  toasts: Toast[];
  /** Go to a route; `replace` rewrites the current history entry (filters as you type). */
  navigate(route: Route, options?: { replace?: boolean }): void;
  /** Follow a hash change made by the browser (back/forward, a link, a reload). */
  syncFromLocation(): void;
  setTheme(theme: ThemeChoice): void;
  toast(kind: ToastKind, message: string, code?: string): void;
  dismissToast(id: number): void;
}

const THEME_KEY = 'fleetdeck.theme';
const TOAST_MS: Record<ToastKind, number> = { info: 5_000, error: 12_000 };
const MAX_TOASTS = 4;
let nextToastId = 1;

function storedTheme(): ThemeChoice {
  try {
    const v = localStorage.getItem(THEME_KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

const systemDark = () => typeof window !== 'undefined' && typeof window.matchMedia === 'function' && window.matchMedia('(prefers-color-scheme: dark)').matches;

/**
 * Puts the palette on the page: the choice, or the system's now when automatic. The style sheets key
 * on data-theme alone, so each palette is written once (followSystemTheme keeps "system" current).
 */
export function applyTheme(theme: ThemeChoice): void {
  document.documentElement.dataset.theme = theme === 'system' ? (systemDark() ? 'dark' : 'light') : theme;
}

/** While the choice is "system", follows the system's light or dark as it changes. */
export function followSystemTheme(): void {
  if (typeof window === 'undefined' || typeof window.matchMedia !== 'function') return;
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    if (useUi.getState().theme === 'system') applyTheme('system');
  });
}

function currentHash(): string {
  // Stores also load in Node (store tests against a real engine), where there is no location.
  if (typeof window === 'undefined') return '#/overview';
  return window.location.hash || '#/overview';
}

export const useUi = create<UiState>()((set, get) => ({
  route: parseHash(currentHash()),
  hash: currentHash(),
  theme: storedTheme(),
  toasts: [],

  navigate(route, options) {
    const hash = hashFor(route);
    if (hash === get().hash) return;
    if (options?.replace) window.history.replaceState(window.history.state, '', hash);
    else window.history.pushState(null, '', hash);
    set({ route, hash });
  },

  syncFromLocation() {
    const hash = currentHash();
    if (hash === get().hash) return;
    set({ route: parseHash(hash), hash });
  },

  setTheme(theme) {
    try {
      if (theme === 'system') localStorage.removeItem(THEME_KEY);
      else localStorage.setItem(THEME_KEY, theme);
    } catch {
      // Storage may be off (private window); the choice still holds for this session.
    }
    applyTheme(theme);
    set({ theme });
  },

  toast(kind, message, code) {
    const id = nextToastId++;
    const toast: Toast = code === undefined ? { id, kind, message } : { id, kind, message, code };
    set((s) => ({ toasts: [...s.toasts.filter((t) => t.message !== message), toast].slice(-MAX_TOASTS) }));
    setTimeout(() => get().dismissToast(id), TOAST_MS[kind]);
  },

  dismissToast(id) {
    set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
  },
}));

/** Shows an error from the engine (its sentence and code) as a toast. */
export function toastError(err: unknown): void {
  const message = err instanceof Error ? err.message : 'Something went wrong.';
  const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  // With the connection gone the banner says it once; a toast per failed refresh would only add noise.
  if (code === 'E_UNAVAILABLE' && useEngine.getState().state === 'lost') return;
  useUi.getState().toast('error', message, code);
}
