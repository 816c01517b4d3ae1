/** Engine-level calls: who am I talking to, where does my data live, how are secrets kept. */
import { z } from 'zod';
import { method } from '../kit/contract';
import { VaultKind } from '../vault/kind';

export { VaultKind };

export const EngineInfo = z.object({
  version: z.string(),
  dataDir: z.string(),
  schemaVersion: z.number().int(),
  host: z.enum(['desktop', 'browser', 'cli', 'test']),
  vault: z.object({
    kind: VaultKind,
    /** A sentence for the settings screen: how secrets are protected on this machine. */
    description: z.string(),
    locked: z.boolean(),
  }),
});
export type EngineInfo = z.infer<typeof EngineInfo>;

export const systemMethods = {
  info: method('Engine version, data directory and vault kind', z.object({}).default({}), EngineInfo, { writes: false }),
  ping: method('Round trip check', z.object({ nonce: z.string().max(100) }), z.object({ nonce: z.string(), at: z.string() }), { writes: false }),
};

export const systemEvents = {
  /** The engine is going away (shutdown); windows show a banner. */
  shutdown: z.object({ reason: z.string() }),
};
