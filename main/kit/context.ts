/** Who is calling: every handler gets this beside its validated input (the actor goes into the audit log). */
export type HostKind = 'desktop' | 'browser' | 'cli' | 'test';

export interface CallContext {
  /** Who acts, for the audit log: `desktop:alice`, `browser:alice`, `cli:alice`. */
  actor: string;
  host: HostKind;
  /**
   * The window (carrier session) the call came through, set by the engine for each connection:
   * events meant for that window only (a terminal's output) are addressed to its id, and what it
   * opened is closed when it goes away.
   */
  window?: WindowSession;
}

export interface WindowSession {
  readonly id: string;
  /** Called once when the window's carrier closes; returns the function that stops listening. */
  onClose(listener: () => void): () => void;
  /** Bytes sent to the window and not yet taken by it (0 where its carrier cannot tell): output streams hold back while it is high. */
  backlog?(): number;
}
