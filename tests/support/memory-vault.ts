/** A vault that keeps secrets in memory: for tests only (the real ones live in main/vault/). */
import type { Vault } from '../../main/vault/vault';

export function memoryVault(): Vault {
  const secrets = new Map<string, Buffer>();
  return {
    kind: 'plain-file',
    describe: () => 'In-memory test vault; nothing is kept after the test.',
    isLocked: () => false,
    get: async (name) => {
      const secret = secrets.get(name);
      return secret ? Buffer.from(secret) : null;
    },
    set: async (name, secret) => {
      secrets.set(name, Buffer.from(secret));
    },
    delete: async (name) => {
      secrets.delete(name);
    },
    list: async () => [...secrets.keys()].sort(),
  };
}
