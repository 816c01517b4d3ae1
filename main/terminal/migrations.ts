/**
 * The terminal domain's schema: its settings (whether transcripts are kept), in the typed settings
 * store. Never edit a released migration: add the next version here and list it in main/migrations.ts.
 */
import type { Migration } from '../store/migrations';

export const terminalMigrations: readonly Migration[] = [
  {
    // Assigned number 19 for session 4 (the lead renumbers at merge; see the branch's report).
    version: 17,
    name: 'terminal: settings in the typed settings store (was terminal-settings.json in the data dir)',
    sql: `
      CREATE TABLE terminal_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL CHECK (json_valid(value))
      ) STRICT;
    `,
  },
];
