/** Who is calling: every handler gets this beside its validated input (the actor goes into the audit log). */
export type HostKind = 'desktop' | 'browser' | 'cli' | 'test';

export interface CallContext {
  /** Who acts, for the audit log: `desktop:alice`, `browser:alice`, `cli:alice`. */
  actor: string;
  host: HostKind;
}
