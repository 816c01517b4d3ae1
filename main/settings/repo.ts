/** The settings store's SQL: one key/value table per domain (JSON values), from that domain's migration. */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db';

/** The domains that keep settings, and their tables. A new domain adds its table here and in its migration. */
export const SETTINGS_TABLES = { net: 'net_settings', health: 'health_settings', terminal: 'terminal_settings' } as const;
export type SettingsScope = keyof typeof SETTINGS_TABLES;

export class SettingsRepo {
  private readonly read: Statement<[string], { value: string }>;
  private readonly write: Statement<[string, string]>;

  constructor(db: Db, scope: SettingsScope) {
    const table = SETTINGS_TABLES[scope];
    this.read = db.prepare(`SELECT value FROM ${table} WHERE key = ?`);
    this.write = db.prepare(`INSERT INTO ${table} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`);
  }

  get(key: string): unknown {
    const row = this.read.get(key);
    return row ? (JSON.parse(row.value) as unknown) : undefined;
  }

  set(key: string, value: unknown): void {
    this.write.run(key, JSON.stringify(value));
  }
}
