/**
 * Schema migrations: each domain keeps its own (main/<domain>/migrations.ts) and main/migrations.ts
 * gathers them in version order. Versions are global and consecutive from 1; `gatherMigrations`
 * refuses gaps and duplicates, so two domains cannot claim the same number.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every domain's migrations in one list, oldest first; throws when versions repeat or skip. */
export function gatherMigrations(...lists: (readonly Migration[])[]): readonly Migration[] {
  const all = lists.flat().sort((a, b) => a.version - b.version);
  all.forEach((m, i) => {
    if (m.version !== i + 1) {
      const clash = all.filter((o) => o.version === m.version).map((o) => o.name);
      throw new Error(
        clash.length > 1
          ? `Migration ${m.version} is claimed twice: ${clash.join(' / ')}.`
          : `Migrations skip from ${i} to ${m.version} (${m.name}); versions are consecutive from 1.`,
      );
    }
  });
  return all;
}

/** `type:name` → the statement SQLite keeps for it (whitespace runs as one space). */
export type SchemaObjects = ReadonlyMap<string, string>;

export const schemaKey = (type: string, name: string): string => `${type}:${name}`;
export const schemaText = (sql: string): string => sql.replace(/\s+/g, ' ').trim();
