/**
 * One typed settings store for every domain. A setting is a key in a domain's scope with a zod
 * schema and defaults: reads give the stored value over the defaults, checked by the schema;
 * a stored field the schema no longer accepts (written by another build) falls back to its default
 * alone, so one bad field never throws away the others. Writes are checked before they are stored.
 */
import type { z } from 'zod';
import type { Db } from '../store/db';
import { SettingsRepo, type SettingsScope } from './repo';

export interface Setting<T> {
  get(): T;
  /** Store the whole value (checked by the schema first); call inside a transaction to pair it with an audit entry. */
  set(next: T): T;
}

export class SettingsStore {
  private readonly repos = new Map<SettingsScope, SettingsRepo>();

  constructor(private readonly db: Db) {}

  setting<S extends z.ZodType<Record<string, unknown>>>(scope: SettingsScope, key: string, schema: S, defaults: z.output<S>): Setting<z.output<S>> {
    const repo = this.repo(scope);
    return {
      get: () => readOver(schema, defaults, repo.get(key)),
      set: (next) => {
        const checked = schema.parse(next);
        repo.set(key, checked);
        return checked;
      },
    };
  }

  private repo(scope: SettingsScope): SettingsRepo {
    let repo = this.repos.get(scope);
    if (!repo) this.repos.set(scope, (repo = new SettingsRepo(this.db, scope)));
    return repo;
  }
}

function readOver<S extends z.ZodType<Record<string, unknown>>>(schema: S, defaults: z.output<S>, stored: unknown): z.output<S> {
  if (!stored || typeof stored !== 'object' || Array.isArray(stored)) return defaults;
  const whole = schema.safeParse({ ...defaults, ...stored });
  if (whole.success) return whole.data;
  let value: z.output<S> = defaults;
  for (const [field, fieldValue] of Object.entries(stored)) {
    const next = schema.safeParse({ ...value, [field]: fieldValue });
    if (next.success) value = next.data;
  }
  return value;
}
