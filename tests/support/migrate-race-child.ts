/**
 * One of several processes opening one fresh data dir at the same moment (main/store/migrations-race.test.ts),
 * as `fleetdeck serve` and a CLI command do: says "ready", waits for the go file, opens the database
 * with a slow first migration (so the processes overlap inside it) and prints what happened.
 */
import { existsSync } from 'node:fs';
import { openDatabase, schemaVersion } from '../../main/store/db';
import type { Migration } from '../../main/store/migrations';

const RACE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'slow: a table filled with 50,000 rows',
    sql: `CREATE TABLE filler (n INTEGER PRIMARY KEY, text TEXT NOT NULL);
      WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 50000)
      INSERT INTO filler SELECT n, printf('%08d row of filler', n) FROM c;`,
  },
  { version: 2, name: 'second', sql: 'CREATE TABLE second (id INTEGER PRIMARY KEY);' },
  { version: 3, name: 'third', sql: 'CREATE INDEX filler_text ON filler(text);' },
];

export async function main([file, go]: string[]): Promise<number> {
  if (!file || !go) throw new Error('usage: migrate-race-child FILE GOFILE');
  process.stdout.write('ready\n');
  while (!existsSync(go)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
  try {
    const db = openDatabase(file, RACE_MIGRATIONS);
    process.stdout.write(`${JSON.stringify({ ok: true, version: schemaVersion(db) })}\n`);
    db.close();
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: err instanceof Error ? err.message : String(err) })}\n`);
  }
  return 0;
}
