/**
 * What the desktop shell (electron/) and the engine in its utility process say to each other over
 * `process.parentPort`. The shell starts the engine, hands it one MessagePort per window, and
 * seals/opens vault secrets with the OS keychain on the engine's request. Messages into the
 * engine are validated here; the shell checks the engine's replies by `type`.
 */
import { z } from 'zod';

export const KeychainStatus = z.object({
  /** safeStorage can encrypt with a real OS keychain (not Linux's hard-coded "basic_text"). */
  available: z.boolean(),
  /** In words, for the settings screen: "macOS Keychain", "Windows DPAPI", "GNOME libsecret". */
  backend: z.string().max(100),
});
export type KeychainStatus = z.infer<typeof KeychainStatus>;

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);

export const ShellMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), dataDir: z.string().min(1), actor: z.string().min(1).max(200), keychain: KeychainStatus }),
  /** Carries the window's MessagePort in `event.ports[0]`. */
  z.object({ type: z.literal('window'), windowId: z.number().int() }),
  /** ok: data is the result (base64); not ok: message says why the keychain refused. */
  z.object({
    type: z.literal('keychain-reply'),
    id: z.number().int(),
    ok: z.boolean(),
    data: base64.optional(),
    message: z.string().max(2000).optional(),
  }),
  z.object({ type: z.literal('stop') }),
  /** "Open Snapshot…" (the menu's file dialog): show this snapshot file read-only in every window. */
  z.object({ type: z.literal('open-snapshot'), file: z.string().min(1).max(4096) }),
  /** "Back to the Live Fleet": show the live fleet again. */
  z.object({ type: z.literal('open-live') }),
]);
export type ShellMessage = z.infer<typeof ShellMessage>;

export type KeychainOp = 'seal' | 'open';

/** What the windows show now (the shell reloads them and updates its menu and title). */
export interface ShownSnapshot {
  file: string;
  takenBy: string;
  takenAt: string;
  hostName: string;
}

export type EngineMessage =
  | { type: 'ready'; vault: string }
  | { type: 'showing'; snapshot: ShownSnapshot | null }
  | { type: 'snapshot-refused'; message: string }
  | { type: 'keychain-request'; id: number; op: KeychainOp; data: string }
  | { type: 'fatal'; message: string };

export function isEngineMessage(value: unknown): value is EngineMessage {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  switch (v['type']) {
    case 'ready':
      return typeof v['vault'] === 'string';
    case 'keychain-request':
      return typeof v['id'] === 'number' && (v['op'] === 'seal' || v['op'] === 'open') && typeof v['data'] === 'string';
    case 'fatal':
    case 'snapshot-refused':
      return typeof v['message'] === 'string';
    case 'showing': {
      const s = v['snapshot'];
      if (s === null) return true;
      if (!s || typeof s !== 'object') return false;
      const o = s as Record<string, unknown>;
      return ['file', 'takenBy', 'takenAt', 'hostName'].every((k) => typeof o[k] === 'string');
    }
    default:
      return false;
  }
}
