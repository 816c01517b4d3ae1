/**
 * This window's terminals: the sessions it opened (the engine sends their output to this window
 * only), which one is shown, and the calls that open, type into, resize, broadcast to and close
 * them. Output goes to the xterm showing the session; while none shows it, the last
 * BACKLOG_CHARS characters are kept so a terminal shown again picks up where it was.
 */
import { create } from 'zustand';
import type { TerminalSession } from '../../../../main/terminal/contract';
import { callEngine, useEngine } from '../../stores/engine';

/** Output kept per session for when its view mounts again (also the view's starting scrollback). */
export const BACKLOG_CHARS = 256 * 1024;
/** A paste bigger than one write is sent in pieces of this many characters. */
const WRITE_PIECE = 32 * 1024;

export interface SessionView {
  info: TerminalSession;
  state: 'open' | 'closed';
  /** Why it ended, once it has. */
  reason: string | null;
  exitCode: number | null;
}

interface TerminalState {
  sessions: Record<string, SessionView>;
  /** Session ids in the order they were opened. */
  order: string[];
  active: string | null;
  open(serial: string, size?: { cols: number; rows: number }): Promise<TerminalSession>;
  close(sessionId: string): Promise<void>;
  /** Forget a closed session (its tab goes). */
  dismiss(sessionId: string): void;
  setActive(sessionId: string): void;
  write(sessionId: string, data: string): Promise<void>;
  resize(sessionId: string, cols: number, rows: number): Promise<void>;
  /** Same input to every listed session; the count is the confirmation the engine checks. */
  broadcast(sessionIds: string[], data: string, confirm: number): Promise<string[]>;
}

type Sink = (data: string) => void;
const sinks = new Map<string, Sink>();
const backlog = new Map<string, string>();
/** Writes per session go one after another, in the order typed. */
const writing = new Map<string, Promise<unknown>>();

/** The view showing a session takes its output; returns what came before and the function that lets go. */
export function attachSink(sessionId: string, sink: Sink): { earlier: string; detach: () => void } {
  sinks.set(sessionId, sink);
  return {
    earlier: backlog.get(sessionId) ?? '',
    detach: () => {
      if (sinks.get(sessionId) === sink) sinks.delete(sessionId);
    },
  };
}

function keep(sessionId: string, data: string): void {
  const next = (backlog.get(sessionId) ?? '') + data;
  backlog.set(sessionId, next.length > BACKLOG_CHARS ? next.slice(next.length - BACKLOG_CHARS) : next);
}

export const useTerminals = create<TerminalState>()((set, get) => ({
  sessions: {},
  order: [],
  active: null,

  async open(serial, size) {
    const info = await callEngine((c) => c.api.terminal.open({ serial, ...(size ?? {}) }));
    set((s) => ({
      sessions: { ...s.sessions, [info.sessionId]: { info, state: 'open', reason: null, exitCode: null } },
      order: [...s.order, info.sessionId],
      active: info.sessionId,
    }));
    return info;
  },

  async close(sessionId) {
    await callEngine((c) => c.api.terminal.close({ sessionId }));
  },

  dismiss(sessionId) {
    backlog.delete(sessionId);
    writing.delete(sessionId);
    set((s) => {
      const sessions = { ...s.sessions };
      delete sessions[sessionId];
      const order = s.order.filter((id) => id !== sessionId);
      return { sessions, order, active: s.active === sessionId ? (order[order.length - 1] ?? null) : s.active };
    });
  },

  setActive(sessionId) {
    set({ active: sessionId });
  },

  write(sessionId, data) {
    if (get().sessions[sessionId]?.state !== 'open') return Promise.resolve();
    let chain = writing.get(sessionId) ?? Promise.resolve();
    for (let i = 0; i < data.length; i += WRITE_PIECE) {
      const piece = data.slice(i, i + WRITE_PIECE);
      chain = chain.then(() => callEngine((c) => c.api.terminal.write({ sessionId, data: piece }))).catch(() => undefined);
    }
    writing.set(sessionId, chain);
    return chain.then(() => undefined);
  },

  async resize(sessionId, cols, rows) {
    if (get().sessions[sessionId]?.state !== 'open') return;
    await callEngine((c) => c.api.terminal.resize({ sessionId, cols, rows }));
    set((s) => {
      const view = s.sessions[sessionId];
      return view ? { sessions: { ...s.sessions, [sessionId]: { ...view, info: { ...view.info, cols, rows } } } } : {};
    });
  },

  async broadcast(sessionIds, data, confirm) {
    const { sent } = await callEngine((c) => c.api.terminal.broadcast({ sessionIds, data, confirm }));
    return sent;
  },
}));

/** Output and ends of this window's sessions, from the engine's events; returns the function that stops. */
export function followTerminalEvents(): () => void {
  const client = useEngine.getState().client;
  if (!client) return () => undefined;
  const offOutput = client.on('terminal.output', ({ sessionId, data }) => {
    keep(sessionId, data);
    sinks.get(sessionId)?.(data);
  });
  const offClosed = client.on('terminal.closed', ({ sessionId, exitCode, reason }) => {
    useTerminals.setState((s) => {
      const view = s.sessions[sessionId];
      return view ? { sessions: { ...s.sessions, [sessionId]: { ...view, state: 'closed', reason, exitCode } } } : {};
    });
  });
  return () => {
    offOutput();
    offClosed();
  };
}
